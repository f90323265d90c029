package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/feeds"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
)

// feedCheckInterval is how often serve looks for feeds that are due. Each
// look is one cheap query; a feed is fetched only at its own interval.
const feedCheckInterval = 30 * time.Second

// feedCheckEvery is feedCheckInterval; a test that is not parallel may
// shorten it.
var feedCheckEvery = feedCheckInterval

// newPoller is the feed poller of lib: items are written under the
// library's saved-articles folders, every request goes through the guarded
// fetcher with the operator's allow list.
func (a *app) newPoller(lib *library.Library, ix *index.Index) (*feeds.Poller, error) {
	s, err := a.feedSettings()
	if err != nil {
		return nil, err
	}
	return feeds.New(feeds.Config{
		Store: ix.Store(),
		Dir:   lib.SavedDir,
		Fetch: article.FetchOptions{
			Client:     a.httpClient(),
			Timeout:    a.cfg.FetchTimeout,
			MaxBytes:   a.cfg.MaxArticleBytes,
			AllowHosts: a.cfg.FetchAllowHosts,
		},
		MaxFeedBytes: s.maxBytes,
		Load:         article.LoadOptions{MaxBytes: a.cfg.MaxArticleBytes},
		Keep:         s.keep,
		Logger:       a.logger,
	})
}

// pollFeeds polls every feed at its interval until ctx ends: serve runs it
// beside the library's other followers. What a poll writes is indexed at
// once (and every other process sees it through the change log).
func (a *app) pollFeeds(ctx context.Context, lib *library.Library, ix *index.Index) {
	a.pollFeedsEvery(ctx, lib, ix, feedCheckEvery)
}

// pollFeedsEvery is pollFeeds looking for due feeds every check.
func (a *app) pollFeedsEvery(ctx context.Context, lib *library.Library, ix *index.Index, check time.Duration) {
	p, err := a.newPoller(lib, ix)
	if err != nil {
		a.logger.Warn("not polling news feeds", "err", err.Error())
		return
	}
	defer p.Close()
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		res, err := p.Poll(ctx, feeds.PollOptions{})
		if err != nil && ctx.Err() == nil {
			a.logger.Warn("could not poll the news feeds; will retry", "err", err.Error())
		}
		if res.Changed() && ctx.Err() == nil {
			a.syncFeedItems(ctx, lib, res)
			a.announceNew(ctx, res)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// syncFeedItems indexes what a poll wrote, keeping the store as built.
func (a *app) syncFeedItems(ctx context.Context, lib *library.Library, res feeds.Result) {
	rep, err := lib.Sync(ctx, library.SyncOptions{KeepBuild: true})
	if err != nil && !errors.Is(err, index.ErrBuildDiffers) {
		a.logger.Warn("could not index new feed items; the next sync retries", "err", err.Error())
		return
	}
	for kind, ids := range map[string][]string{"added": rep.IDs.Added, "updated": rep.IDs.Updated, "removed": rep.IDs.Removed} {
		for _, id := range ids {
			a.logger.Info("library changed", "article", id, "change", kind, "trigger", "news feed")
		}
	}
}

// permanentFeedError reports whether a first poll's failure means the URL
// is no feed citebot can follow (not a feed, refused by the guard, not
// found), as opposed to a server that is down for now.
func permanentFeedError(err error) bool {
	var refused *article.FetchRefused
	var status *feeds.StatusError
	if errors.As(err, &status) {
		return status.Code == http.StatusNotFound || status.Code == http.StatusGone
	}
	return errors.Is(err, feeds.ErrNotFeed) || errors.As(err, &refused)
}
