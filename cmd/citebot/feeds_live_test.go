package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// A running bot polls the feeds it follows: a feed registered before it
// started is polled at once, its item is indexed and cited, and the
// Discord Sources embed shows the item's date.
func TestServePollsFeeds(t *testing.T) {
	srv, hits := feedSite(t)
	data := t.TempDir()
	st, err := sqlite.Open(context.Background(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, err := st.AddFeed(context.Background(), store.Feed{ID: "0123abcd", URL: srv.URL + "/feed.xml", Interval: 15 * time.Minute, Added: now, NextDue: now}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := map[string]string{
		"CITEBOT_DATA_DIR": data, "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h", "CITEBOT_LOG_LEVEL": "info",
		"DISCORD_RATE_PER_MINUTE": "1000", "CITEBOT_FEED_KEEP": "off", "CITEBOT_FETCH_ALLOW_HOSTS": srv.Listener.Addr().String(),
	}
	s := startServe(t, env)
	s.eventually("How often does the harbour ferry leave from Monday?", "the feed item is cited with its date", func(text, sources string) bool {
		return strings.Contains(text, "forty minutes") && strings.Contains(sources, "Ann Quay · Harbour Gazette · 13 May 2022")
	})
	if n, _ := hits.Load("/feed.xml"); *n.(*int) != 1 {
		t.Errorf("the feed was fetched %d times", *n.(*int))
	}
	if !strings.Contains(s.logs.String(), "msg=\"feed polled\" feed=0123abcd") {
		t.Errorf("serve did not log the feed's change:\n%s", s.logs.String())
	}
}
