package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

// written counts what writeItems did.
type written struct {
	added, updated int
	// old counts new items skipped as older than the retention.
	old int
	// deferred: some new items were left for the next poll (the cap on
	// linked pages per poll).
	deferred bool
	// items are the new items written.
	items []NewItem
}

// writeItems writes the feed's new items and those updated since the last
// poll as article files in the feed's folder and records them. Duplicates
// (the same key twice in one document) count once, items older than the
// retention are skipped, and items retention removed stay removed.
func (p *Poller) writeItems(ctx context.Context, f store.Feed, doc *gofeed.Feed, base *url.URL, now time.Time) (written, error) {
	var w written
	dir, err := p.folder(f)
	if err != nil {
		return w, err
	}
	stored, err := p.cfg.Store.FeedItems(ctx, f.ID)
	if err != nil {
		return w, err
	}
	known := make(map[string]store.FeedItem, len(stored))
	for _, it := range stored {
		known[it.Key] = it
	}
	seen := map[string]bool{}
	var rows []store.FeedItem
	pages := 0
	for _, it := range doc.Items {
		if it == nil {
			continue
		}
		e := newEntry(it, doc, base)
		if seen[e.key] {
			continue
		}
		seen[e.key] = true
		prev, isKnown := known[e.key]
		if isKnown && (prev.Fingerprint == e.fingerprint || prev.Path == "") {
			continue
		}
		date, from := e.date(doc, prev, isKnown, now)
		if !isKnown && p.cfg.Keep > 0 && date.Before(now.Add(-p.cfg.Keep)) {
			w.old++
			continue
		}
		if e.needsPage() {
			if pages >= maxPagesPerPoll {
				w.deferred = true
				continue
			}
			pages++
		}
		row, a, err := p.writeItem(ctx, f, dir, e, prev.ArticleID, date, from, now)
		if err != nil {
			if ctx.Err() != nil {
				return w, ctx.Err()
			}
			return w, err // a file that cannot be written: the disk, not the item
		}
		rows = append(rows, row)
		if isKnown {
			w.updated++
		} else {
			w.added++
			w.items = append(w.items, NewItem{ArticleID: a.ID, Title: a.Title, Publisher: a.Publisher, Link: a.Source, Published: date})
		}
	}
	if err := p.cfg.Store.PutFeedItems(ctx, rows); err != nil {
		return w, err
	}
	var gone []string
	for k, it := range known {
		if it.Path == "" && !seen[k] {
			gone = append(gone, k) // pruned and no longer listed: forget it
		}
	}
	return w, p.cfg.Store.DeleteFeedItems(ctx, f.ID, gone)
}

// writeItem writes one item as an article file (id "" for a new item) and
// returns its record and article.
func (p *Poller) writeItem(ctx context.Context, f store.Feed, dir string, e entry, id string, date time.Time, from string, now time.Time) (store.FeedItem, retrieval.Article, error) {
	if id == "" {
		id = itemID(f.ID, e.key, e.title)
	}
	body, page := p.itemBody(ctx, e)
	a := retrieval.Article{
		ID:        id,
		Title:     cmp.Or(e.title, page.Title, "Untitled item of "+e.publisher),
		Source:    e.link,
		Author:    cmp.Or(e.author, page.Author),
		Publisher: e.publisher,
		Published: date.Format(time.RFC3339),
		Origin:    cmp.Or(e.link, f.URL),
		Body:      body,
	}
	extra := []article.Field{{Key: "feed", Value: f.URL}}
	if from != fromItem {
		extra = append(extra, article.Field{Key: "published_from", Value: from})
	}
	path, err := article.WriteArticleFileWith(dir, a, extra)
	if err != nil {
		return store.FeedItem{}, a, err
	}
	return store.FeedItem{FeedID: f.ID, Key: e.key, ArticleID: id, Path: path, Fingerprint: e.fingerprint, Published: date, Seen: now}, a, nil
}

// itemBody is the article text of an item: its full content when the feed
// carries it, else the linked page's readable text, else its summary with
// a note saying the full article could not be had (and why). page is the
// fetched page, when there was one.
func (p *Poller) itemBody(ctx context.Context, e entry) (body string, page retrieval.Article) {
	if text := p.htmlText(ctx, e.item.Content, e.link); text != "" {
		return text, page
	}
	summary := p.htmlText(ctx, e.item.Description, e.link)
	if e.link == "" {
		return withNote(summary, e.title, "The feed carries only this summary and no link to the full article."), page
	}
	page, err := p.fetchPage(ctx, e.link)
	if err == nil && strings.TrimSpace(page.Body) != "" {
		return page.Body, page
	}
	return withNote(summary, e.title, fmt.Sprintf("Summary only: citebot could not fetch the full article at %s (%s).", e.link, reason(err))), retrieval.Article{}
}

// fetchPage fetches an item's page through the guarded fetcher, within
// the host's concurrency limit.
func (p *Poller) fetchPage(ctx context.Context, link string) (retrieval.Article, error) {
	release, err := p.hosts.acquire(ctx, link)
	if err != nil {
		return retrieval.Article{}, err
	}
	defer release()
	return article.FetchURL(ctx, link, p.cfg.Fetch)
}

// reason is why a page fetch failed, in a few words for the body's note.
func reason(err error) string {
	var r *article.FetchRefused
	switch {
	case err == nil:
		return "the page has no readable text"
	case errors.As(err, &r):
		return r.Reason
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:] // the cause, without "fetch URL:"
	}
	return msg
}

// withNote is a body of the summary (or the title when there is none) and
// a note in brackets.
func withNote(summary, title, note string) string {
	return cmp.Or(summary, title, "(no text)") + "\n\n[" + note + "]"
}

// prune removes the files of items published before the retention and
// keeps their records as tombstones, so an item still listed by its feed
// does not come back. Only files inside a feeds folder are ever deleted:
// seeds and hand-added articles are never pruned.
func (p *Poller) prune(ctx context.Context) (int, error) {
	if p.cfg.Keep < 0 {
		return 0, nil
	}
	old, err := p.cfg.Store.ExpiredFeedItems(ctx, p.now().Add(-p.cfg.Keep))
	if err != nil || len(old) == 0 {
		return 0, err
	}
	for i, it := range old {
		if filepath.Base(filepath.Dir(filepath.Dir(it.Path))) == "feeds" && filepath.Base(filepath.Dir(it.Path)) == it.FeedID {
			if err := os.Remove(it.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, fmt.Errorf("remove expired feed item %s: %w", it.Path, err)
			}
		}
		old[i].Path = ""
	}
	if err := p.cfg.Store.PutFeedItems(ctx, old); err != nil {
		return 0, err
	}
	p.log.Info("expired feed items removed", "count", len(old), "keep", p.cfg.Keep.String())
	return len(old), nil
}
