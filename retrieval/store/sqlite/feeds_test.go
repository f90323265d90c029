package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

func TestFeedsAreUserDataAndAddIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	f := store.Feed{ID: "aaaa1111", URL: "https://example.com/feed.xml", Interval: 15 * time.Minute}
	got, added, err := s.AddFeed(ctx, f)
	if err != nil || !added || got.ID != f.ID || got.Interval != f.Interval || got.Added.IsZero() {
		t.Fatalf("AddFeed = %+v, %v, %v", got, added, err)
	}
	f.Interval = time.Hour
	f.ID = "bbbb2222"
	got, added, err = s.AddFeed(ctx, f)
	if err != nil || added || got.ID != "aaaa1111" || got.Interval != time.Hour {
		t.Fatalf("second AddFeed = %+v, %v, %v; want the first feed with the new interval", got, added, err)
	}
	if _, added, _ := s.AddFeed(ctx, store.Feed{ID: "cccc3333", URL: f.URL, Scope: "42", Interval: time.Hour}); !added {
		t.Fatal("the same URL in another scope is another feed")
	}
	item := store.FeedItem{FeedID: "aaaa1111", Key: "guid:1", ArticleID: "a-1", Path: "/x/a-1.md", Fingerprint: "f1",
		Published: time.Date(2022, 5, 13, 10, 0, 0, 0, time.UTC), Seen: time.Now()}
	if err := s.PutFeedItems(ctx, []store.FeedItem{item}); err != nil {
		t.Fatal(err)
	}
	if err := s.DropDerived(ctx, errTest); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, dir)
	feeds, err := s.Feeds(ctx)
	if err != nil || len(feeds) != 2 || feeds[0].Items != 1 || feeds[1].Items != 0 {
		t.Fatalf("Feeds after DropDerived and reopen = %+v, %v", feeds, err)
	}
	items, err := s.FeedItems(ctx, "aaaa1111")
	if err != nil || len(items) != 1 || !items[0].Published.Equal(item.Published) || items[0].Path != item.Path {
		t.Fatalf("FeedItems = %+v, %v", items, err)
	}
	old, err := s.ExpiredFeedItems(ctx, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(old) != 1 {
		t.Fatalf("ExpiredFeedItems = %+v, %v", old, err)
	}
	if _, err := s.RemoveFeed(ctx, "aaaa1111"); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.FeedItems(ctx, "aaaa1111"); len(items) != 0 {
		t.Fatalf("items outlived their feed: %+v", items)
	}
	if _, err := s.RemoveFeed(ctx, "aaaa1111"); !errors.Is(err, store.ErrFeedNotFound) {
		t.Fatalf("second RemoveFeed = %v, want ErrFeedNotFound", err)
	}
}

// Two stores on one file (two processes) claim concurrently: each due feed
// goes to exactly one of them, and only its owner can release it.
func TestClaimFeedsLeasesEachFeedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openTestStore(t, dir), openTestStore(t, dir)
	now := time.Now()
	for _, id := range []string{"f1", "f2", "f3", "f4", "f5", "f6"} {
		if _, _, err := a.AddFeed(ctx, store.Feed{ID: id, URL: "https://example.com/" + id, Interval: time.Minute, NextDue: now}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for i, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func(s *Store, owner string) {
			defer wg.Done()
			fs, err := s.ClaimFeeds(ctx, store.FeedClaim{Owner: owner, Now: now, Lease: time.Minute, Limit: 2})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range fs {
				if prev, dup := claimed[f.ID]; dup {
					t.Errorf("feed %s claimed by %s and %s", f.ID, prev, owner)
				}
				claimed[f.ID] = owner
			}
		}(s, fmt.Sprintf("poller%d", i))
	}
	wg.Wait()
	if len(claimed) != 6 {
		t.Fatalf("claimed %v, want all 6 feeds", claimed)
	}
	if more, _ := a.ClaimFeeds(ctx, store.FeedClaim{Owner: "late", Now: now, Lease: time.Minute}); len(more) != 0 {
		t.Fatalf("leased feeds claimed again: %+v", more)
	}
	f := store.Feed{ID: "f1", URL: "https://example.com/moved", Interval: time.Minute, NextDue: now.Add(time.Hour), Failures: 2, LastError: "boom"}
	if ok, err := a.ReleaseFeed(ctx, f, "not-the-owner"); ok || err != nil {
		t.Fatalf("release by another poller = %v, %v; want refused", ok, err)
	}
	if ok, err := a.ReleaseFeed(ctx, f, claimed["f1"]); !ok || err != nil {
		t.Fatalf("release by the owner = %v, %v", ok, err)
	}
	// Moving onto another feed's URL keeps the feed's own.
	g := store.Feed{ID: "f2", URL: f.URL, Interval: time.Minute, NextDue: now.Add(time.Hour)}
	if ok, err := a.ReleaseFeed(ctx, g, claimed["f2"]); !ok || err != nil {
		t.Fatalf("release onto a taken URL = %v, %v", ok, err)
	}
	if all, _ := a.Feeds(ctx); all[1].ID != "f2" || all[1].URL != "https://example.com/f2" {
		t.Fatalf("feed f2 after moving onto f1's URL: %+v", all[1])
	}
	// Released but not due; the named claim (feeds add) takes it anyway.
	if got, _ := b.ClaimFeeds(ctx, store.FeedClaim{Owner: "x", Now: now, Lease: time.Minute}); len(got) != 0 {
		t.Fatalf("claimed a feed not due: %+v", got)
	}
	got, err := b.ClaimFeeds(ctx, store.FeedClaim{Owner: "x", Now: now, Lease: time.Minute, IDs: []string{"f1"}})
	if err != nil || len(got) != 1 || got[0].URL != f.URL || got[0].Failures != 2 || got[0].LastError != "boom" {
		t.Fatalf("named claim = %+v, %v", got, err)
	}
	// A lease that ran out (its poller died) can be claimed again.
	later := now.Add(2 * time.Minute)
	if got, _ := b.ClaimFeeds(ctx, store.FeedClaim{Owner: "y", Now: later, Lease: time.Minute, IDs: []string{"f3"}}); len(got) != 1 {
		t.Fatalf("expired lease not reclaimed: %+v", got)
	}
}
