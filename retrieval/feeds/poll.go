package feeds

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

// PollOptions tunes one Poll.
type PollOptions struct {
	// IDs polls only these feeds, due or not (the first poll right after
	// Add); empty means every feed that is due.
	IDs []string
}

// Status says how one poll of one feed went.
type Status string

// The statuses of a poll.
const (
	// NewItems: the feed was downloaded and brought new or updated items.
	NewItems Status = "new items"
	// Unchanged: the feed was downloaded but nothing in it was new.
	Unchanged Status = "unchanged"
	// NotModified: the server answered 304 to the validators.
	NotModified Status = "not modified"
	// Failed: see Outcome.Err; the feed backs off.
	Failed Status = "failed"
)

// Outcome is what one poll of one feed did.
type Outcome struct {
	// Feed is the feed as saved after the poll.
	Feed   store.Feed
	Status Status
	// Added and Updated count the item articles written.
	Added, Updated int
	// TooOld counts new items left out as older than the retention.
	TooOld int
	// New are the items this poll added (not those updated), in feed
	// order: what an announcement of the feed's news lists.
	New []NewItem
	// Err is why the poll failed: a *article.FetchRefused, an error
	// wrapping ErrNotFeed, or a network or server error.
	Err error
}

// NewItem is one item a poll added to the library.
type NewItem struct {
	ArticleID, Title, Publisher, Link string
	Published                         time.Time
}

// Result is what one Poll did.
type Result struct {
	Feeds []Outcome
	// Added, Updated and Pruned count item articles over all feeds;
	// Pruned are those retention removed.
	Added, Updated, Pruned int
	// Removed counts feeds that were removed while being polled, whose
	// folders were deleted again.
	Removed int
}

// Changed reports whether article files were written or deleted: then the
// caller syncs the library.
func (r Result) Changed() bool { return r.Added+r.Updated+r.Pruned+r.Removed > 0 }

// Poll removes expired items, then polls the due feeds (or those opts
// names) that no other poller holds, several at once but at most PerHost
// per host, and writes their new and updated items as article files. A
// feed that fails is not an error of Poll: its Outcome says why and the
// store keeps the error for `feeds list`. Poll returns when every claimed
// feed is done (or ctx ends).
func (p *Poller) Poll(ctx context.Context, opts PollOptions) (Result, error) {
	var res Result
	pruned, err := p.prune(ctx)
	res.Pruned = pruned
	if err != nil {
		return res, err
	}
	claimed, err := p.cfg.Store.ClaimFeeds(ctx, store.FeedClaim{Owner: p.owner, Now: p.now(), Lease: p.cfg.Lease, IDs: opts.IDs})
	if err != nil {
		return res, err
	}
	res.Feeds = p.pollAll(ctx, claimed)
	for _, o := range res.Feeds {
		res.Added += o.Added
		res.Updated += o.Updated
		if o.Feed.ID == "" {
			res.Removed++
		}
	}
	return res, nil
}

// pollAll polls feeds with Workers goroutines.
func (p *Poller) pollAll(ctx context.Context, feeds []store.Feed) []Outcome {
	out := make([]Outcome, len(feeds))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(p.cfg.Workers, len(feeds)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = p.pollOne(ctx, feeds[i])
			}
		}()
	}
	for i := range feeds {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// pollOne polls one claimed feed and releases it with the outcome. When ctx
// ends mid-poll (the bot stops) the feed is released as it was claimed:
// stopping is not the feed's failure.
func (p *Poller) pollOne(ctx context.Context, claimed store.Feed) Outcome {
	f := claimed
	now := p.now()
	f.LastAttempt = now
	o := p.fetchAndApply(ctx, &f, now)
	if ctx.Err() != nil {
		f = claimed
	}
	o.Feed = f
	ok, err := p.cfg.Store.ReleaseFeed(context.WithoutCancel(ctx), f, p.owner)
	switch {
	case err != nil:
		p.log.Warn("could not save a feed's state; it is polled again when its lease ends", "feed", f.ID, "err", err.Error())
	case !ok && p.gone(ctx, f.ID):
		// Removed while we polled: take back what this poll wrote.
		if err := p.removeFolder(f); err != nil {
			p.log.Warn("could not delete the items of a removed feed", "feed", f.ID, "err", err.Error())
		}
		o.Feed = store.Feed{}
	}
	p.logOutcome(o, f)
	return o
}

// fetchAndApply sends the conditional request and acts on the answer.
func (p *Poller) fetchAndApply(ctx context.Context, f *store.Feed, now time.Time) Outcome {
	resp, err := p.request(ctx, *f)
	if err != nil {
		p.failed(f, now, fetchErrorText(err), 0)
		return Outcome{Status: Failed, Err: err}
	}
	switch {
	case resp.Status == http.StatusNotModified:
		p.follow(f, resp)
		if v := resp.Header.Get("ETag"); v != "" {
			f.ETag = v
		}
		if v := resp.Header.Get("Last-Modified"); v != "" {
			f.LastModified = v
		}
		p.succeeded(f, now)
		return Outcome{Status: NotModified}
	case resp.Status >= 200 && resp.Status <= 299:
		p.follow(f, resp)
		return p.apply(ctx, f, resp, now)
	}
	se := &StatusError{Code: resp.Status, Wait: retryAfter(resp.Header, now)}
	p.failed(f, now, se.Error(), se.Wait)
	return Outcome{Status: Failed, Err: se}
}

// request sends the feed request: citebot's User-Agent, the validators of
// the last download, within the host's concurrency limit.
func (p *Poller) request(ctx context.Context, f store.Feed) (*article.Response, error) {
	h := http.Header{}
	h.Set("User-Agent", UserAgent)
	h.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	if f.ETag != "" {
		h.Set("If-None-Match", f.ETag)
	}
	if f.LastModified != "" {
		h.Set("If-Modified-Since", f.LastModified)
	}
	release, err := p.hosts.acquire(ctx, f.URL)
	if err != nil {
		return nil, err
	}
	defer release()
	return p.client.Get(ctx, f.URL, h)
}

// follow moves a feed whose every redirect was permanent to its new URL.
func (p *Poller) follow(f *store.Feed, resp *article.Response) {
	if !resp.Moved {
		return
	}
	moved := article.WithoutUserinfo(resp.URL.String())
	if moved != f.URL {
		p.log.Info("feed moved permanently; following its new address", "feed", f.ID, "from", f.URL, "to", moved)
		f.URL = moved
	}
}

// apply reads a downloaded feed and writes its new and updated items.
func (p *Poller) apply(ctx context.Context, f *store.Feed, resp *article.Response, now time.Time) Outcome {
	doc, err := parseFeed(resp.Body)
	if err != nil {
		p.failed(f, now, err.Error(), 0)
		return Outcome{Status: Failed, Err: err}
	}
	if t := plainText(doc.Title); t != "" {
		f.Title = t
	}
	w, err := p.writeItems(ctx, *f, doc, resp.URL, now)
	if err != nil {
		p.failed(f, now, err.Error(), 0)
		return Outcome{Status: Failed, Err: err, Added: w.added, Updated: w.updated}
	}
	f.ETag, f.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if w.deferred {
		// Items wait for the next poll: download the feed again then.
		f.ETag, f.LastModified = "", ""
	}
	p.succeeded(f, now)
	o := Outcome{Status: Unchanged, Added: w.added, Updated: w.updated, TooOld: w.old, New: w.items}
	if w.added+w.updated > 0 {
		o.Status = NewItems
	}
	return o
}

// gone reports whether a feed is no longer registered.
func (p *Poller) gone(ctx context.Context, id string) bool {
	all, err := p.cfg.Store.Feeds(context.WithoutCancel(ctx))
	if err != nil {
		return false
	}
	for _, f := range all {
		if f.ID == id {
			return false
		}
	}
	return true
}

// logOutcome logs a poll that changed something or failed.
func (p *Poller) logOutcome(o Outcome, f store.Feed) {
	switch o.Status {
	case Failed:
		p.log.Warn("feed poll failed", "feed", f.ID, "url", f.URL, "failures", f.Failures,
			"next", f.NextDue.Format(time.RFC3339), "err", f.LastError)
	case NewItems:
		p.log.Info("feed polled", "feed", f.ID, "url", f.URL, "added", o.Added, "updated", o.Updated)
	default:
		p.log.Debug("feed polled", "feed", f.ID, "url", f.URL, "status", string(o.Status))
	}
}

// fetchErrorText is a failed request's error for `feeds list`, which shows
// the URL beside it: a refusal's reason, else the error without its
// "fetch URL:" prefix.
func fetchErrorText(err error) string {
	var r *article.FetchRefused
	if errors.As(err, &r) {
		return r.Reason
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "fetch "); ok {
		if _, cause, found := strings.Cut(rest, ": "); found {
			return cause
		}
	}
	return msg
}
