package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/feeds"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
	"github.com/citebot/citebot/retrieval/store"
)

// feedsBot lets curators follow feeds from Discord: it adapts the feed
// poller to bot.Feeds, one server's feeds at a time, and turns the
// failures a person can act on into bot.UserError sentences.
type feedsBot struct {
	a   *app
	lib *library.Library
	p   *feeds.Poller
}

var _ bot.Feeds = feedsBot{}

// feedsBot is serve's bot.Feeds, or nil (no /feeds command) when no
// poller can be made. Its poller is closed when ctx ends.
func (a *app) feedsBot(ctx context.Context, lib *library.Library, ix *index.Index) bot.Feeds {
	p, err := a.newPoller(lib, ix)
	if err != nil {
		a.logger.Warn("no /feeds command", "err", err.Error())
		return nil
	}
	go func() {
		<-ctx.Done()
		p.Close()
	}()
	return feedsBot{a: a, lib: lib, p: p}
}

// Add follows the feed and polls it once, indexing its items before it
// returns. Its first items are not announced: the reply counts them.
func (f feedsBot) Add(ctx context.Context, scope retrieval.Scope, url string, every time.Duration, channel string) (bot.FeedInfo, error) {
	if _, err := feeds.NormalizeURL(url); err != nil {
		return bot.FeedInfo{}, bot.UserError{Message: "That is not a feed link I can follow: give one that starts with http:// or https://."}
	}
	fd, added, err := f.p.AddAnnounced(ctx, url, scope, every, channel)
	if err != nil {
		if strings.Contains(err.Error(), "polled at most every") {
			return bot.FeedInfo{}, bot.UserError{Message: "A feed can be polled at most every " + shortDuration(feeds.MinInterval) + "."}
		}
		return bot.FeedInfo{}, err
	}
	res, err := f.p.Poll(ctx, feeds.PollOptions{IDs: []string{fd.ID}})
	if err != nil {
		return bot.FeedInfo{}, err
	}
	if res.Changed() {
		f.a.syncFeedItems(ctx, f.lib, res)
	}
	o := feeds.Outcome{Feed: fd}
	for _, got := range res.Feeds {
		if got.Feed.ID == fd.ID {
			o = got
		}
	}
	if o.Status == feeds.Failed && permanentFeedError(o.Err) {
		if added {
			if _, rerr := f.p.Remove(ctx, fd.ID, scope); rerr != nil {
				f.a.logger.Warn("could not unfollow the feed again", "feed", fd.ID, "err", rerr.Error())
			}
		}
		return bot.FeedInfo{}, feedRefusal(o.Err)
	}
	info := feedInfo(o.Feed)
	info.Items, info.Already = o.Added, !added
	if o.Status == feeds.Failed && o.Err != nil {
		info.LastError = o.Err.Error()
	}
	return info, nil
}

// feedRefusal is the sentence for a URL that is no feed citebot can
// follow.
func feedRefusal(err error) error {
	var refused *article.FetchRefused
	var status *feeds.StatusError
	switch {
	case errors.As(err, &refused):
		return bot.UserError{Message: "I can't fetch that: " + refused.Reason + "."}
	case errors.Is(err, feeds.ErrNotFeed):
		return bot.UserError{Message: "That link is not a news feed (RSS, Atom or JSON Feed)."}
	case errors.As(err, &status):
		return bot.UserError{Message: fmt.Sprintf("There is no feed at that link (HTTP %d).", status.Code)}
	}
	return err
}

// List returns scope's feeds, oldest first.
func (f feedsBot) List(ctx context.Context, scope retrieval.Scope) ([]bot.FeedInfo, error) {
	all, err := f.p.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []bot.FeedInfo
	for _, fd := range all {
		if fd.Scope == string(scope) {
			out = append(out, feedInfo(fd))
		}
	}
	return out, nil
}

// Remove unfollows one of scope's feeds (by ID or URL) and syncs the
// library, which drops its items.
func (f feedsBot) Remove(ctx context.Context, scope retrieval.Scope, ref string) (bot.FeedInfo, error) {
	fd, err := f.p.Find(ctx, ref, scope)
	if errors.Is(err, store.ErrFeedNotFound) || errors.Is(err, feeds.ErrAmbiguous) || err == nil && fd.Scope != string(scope) {
		return bot.FeedInfo{}, bot.UserError{Message: "This server follows no such feed; pick one from the list."}
	}
	if err != nil {
		return bot.FeedInfo{}, err
	}
	if fd, err = f.p.Remove(ctx, fd.ID, scope); err != nil {
		return bot.FeedInfo{}, err
	}
	rep, err := f.lib.Sync(ctx, library.SyncOptions{KeepBuild: true})
	if err != nil && !errors.Is(err, index.ErrBuildDiffers) {
		f.a.logger.Warn("could not drop a removed feed's items; the next sync retries", "feed", fd.ID, "err", err.Error())
	}
	info := feedInfo(fd)
	info.Items = len(rep.IDs.Removed)
	return info, nil
}

// feedInfo is a stored feed as the bot shows it.
func feedInfo(fd store.Feed) bot.FeedInfo {
	return bot.FeedInfo{ID: fd.ID, URL: fd.URL, Title: fd.Title, Every: fd.Interval, Channel: fd.Channel,
		LastSuccess: fd.LastSuccess, LastError: fd.LastError, Items: fd.Items}
}

// announcer posts new feed items in their feed's channel; serve sets it
// to the bot once there is one.
type announcer interface {
	Announce(ctx context.Context, channelID, feed string, items []bot.Announcement) error
}

// setAnnouncer makes the poll loop announce new items through an.
func (a *app) setAnnouncer(an announcer) { a.announcer.Store(&an) }

// announceNew posts what a poll added, for each feed with a channel.
func (a *app) announceNew(ctx context.Context, res feeds.Result) {
	p := a.announcer.Load()
	if p == nil {
		return
	}
	an := *p
	for _, o := range res.Feeds {
		if o.Feed.Channel == "" || len(o.New) == 0 {
			continue
		}
		items := make([]bot.Announcement, 0, len(o.New))
		for _, it := range o.New {
			items = append(items, bot.Announcement{Title: it.Title, Publisher: it.Publisher, Link: it.Link, Published: it.Published})
		}
		name := o.Feed.Title
		if name == "" {
			name = o.Feed.URL
		}
		if err := an.Announce(ctx, o.Feed.Channel, name, items); err != nil {
			a.logger.Warn("could not announce a feed's new items", "feed", o.Feed.ID, "channel", o.Feed.Channel, "err", err.Error())
		}
	}
}
