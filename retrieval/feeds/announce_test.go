package feeds

import (
	"context"
	"testing"
	"time"
)

// A feed added for announcements keeps its channel, waits for its
// caller's first poll (other pollers see it due only a minute later), and
// a poll's outcome lists the items it added, not those it only updated.
func TestAddAnnouncedKeepsChannelAndListsNewItems(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/feed.json", &route{body: jsonFeed, contentType: "application/feed+json"})
	r := newRig(t, fs, -1)
	f, added, err := r.p.AddAnnounced(context.Background(), fs.url("/feed.json"), "1234", 15*time.Minute, "c42")
	if err != nil || !added {
		t.Fatalf("add: %v %v", added, err)
	}
	if got := r.feed(t, f.ID); got.Channel != "c42" || !got.NextDue.Equal(r.clock.Now().Add(addGrace)) {
		t.Errorf("stored channel %q, due %s", got.Channel, got.NextDue)
	}
	if res := r.poll(t); len(res.Feeds) != 0 {
		t.Errorf("a due-feeds poll took the new feed: %+v", res.Feeds)
	}
	o := outcome(t, r.poll(t, f.ID), f.ID)
	if len(o.New) != 2 || o.New[0].Title != "Dam inspection passes" || o.New[0].Publisher != "Valley Courier" ||
		o.New[0].Link != "https://valley.example/dam" || o.New[0].ArticleID == "" || o.Feed.Channel != "c42" {
		t.Errorf("new items %+v (channel %q)", o.New, o.Feed.Channel)
	}
	// Adding it again changes the channel.
	if _, added, err := r.p.AddAnnounced(context.Background(), fs.url("/feed.json"), "1234", 0, ""); err != nil || added {
		t.Fatalf("re-add: %v %v", added, err)
	}
	if got := r.feed(t, f.ID); got.Channel != "" {
		t.Errorf("channel %q after re-adding without one", got.Channel)
	}
}
