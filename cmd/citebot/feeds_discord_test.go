package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// newsSite is a loopback publisher whose feed grows when publish is
// called; every item carries its full text.
type newsSite struct {
	mu    sync.Mutex
	items []string
	srv   *httptest.Server
}

func (n *newsSite) publish(guid, title, body string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.items = append([]string{fmt.Sprintf(`<item><title>%s</title><guid>%s</guid><link>%s/%s.html</link>
<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate><content:encoded><![CDATA[<p>%s</p>]]></content:encoded></item>`, title, guid, n.srv.URL, guid, body)}, n.items...)
}

func startNewsSite(t *testing.T) *newsSite {
	n := &newsSite{}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		defer n.mu.Unlock()
		etag := fmt.Sprintf(`"%d"`, len(n.items))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Island Courier</title>%s</channel></rss>`, strings.Join(n.items, "\n"))
	}))
	t.Cleanup(n.srv.Close)
	return n
}

// makeDue makes a feed due now, as if its interval had passed.
func makeDue(t *testing.T, data, id string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	claimed, err := st.ClaimFeeds(ctx, store.FeedClaim{Owner: "test", Now: time.Now(), Lease: time.Minute, IDs: []string{id}})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim feed %s: %v %v", id, claimed, err)
	}
	f := claimed[0]
	f.NextDue = time.Now()
	if ok, err := st.ReleaseFeed(ctx, f, "test"); !ok || err != nil {
		t.Fatalf("release feed: %v %v", ok, err)
	}
}

// Curators follow a feed from Discord: its items are answerable in that
// server only, a new item is indexed at the next poll and announced in
// the feed's channel, and removing the feed takes its items away.
func TestServeFeedsFromDiscord(t *testing.T) {
	old := feedCheckEvery
	feedCheckEvery = 100 * time.Millisecond
	t.Cleanup(func() { feedCheckEvery = old })
	site := startNewsSite(t)
	site.publish("harbour", "Harbour wall repaired", "The harbour wall was repaired with granite from the north quarry, the council said.")
	data := t.TempDir()
	env := map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h", "CITEBOT_LOG_LEVEL": "info",
		"DISCORD_RATE_PER_MINUTE": "1000", "CITEBOT_FEED_KEEP": "off", "CITEBOT_FETCH_ALLOW_HOSTS": site.srv.Listener.Addr().String()}
	s := startServe(t, env)
	curator := member
	curator.UserID, curator.Permissions = "boss", discordtest.MemberPermissions|discordgo.PermissionManageGuild
	feedURL := site.srv.URL + "/feed.xml"

	if got := s.reply(s.fake.SlashCommand(member, "feeds", discordtest.Sub("add", discordtest.String("url", feedURL)))); !strings.Contains(got, "Only members with the Manage Server permission") {
		t.Errorf("a member without the permission got %q", got)
	}
	got := s.reply(s.fake.SlashCommand(curator, "feeds", discordtest.Sub("add",
		discordtest.String("url", feedURL), discordtest.String("every", "15m"), discordtest.Channel("channel", "c5"))))
	if !strings.HasPrefix(got, "Following **Island Courier**") || !strings.Contains(got, "1 article added") || !strings.Contains(got, "<#c5>") {
		t.Fatalf("/feeds add replied %q\n%s", got, s.logs.String())
	}
	id := regexp.MustCompile("`([0-9a-f]{8,})`").FindStringSubmatch(got)[1]

	const q1 = "What was the harbour wall repaired with?"
	if text, _ := s.ask(q1); !strings.Contains(text, "granite") {
		t.Errorf("server 1001 after /feeds add: %q", text)
	}
	other := discordtest.Actor{UserID: "u2", Username: "u2", GuildID: "2002", ChannelID: "c2"}
	if text, sources := s.askAs(other, q1); strings.Contains(text, "granite") || strings.Contains(sources, "Harbour wall") {
		t.Errorf("another server sees the feed's item: %q", text)
	}
	if got := s.reply(s.fake.SlashCommand(curator, "feeds", discordtest.Sub("list"))); !strings.Contains(got, "follows 1 feed") || !strings.Contains(got, id) {
		t.Errorf("/feeds list replied %q", got)
	}

	// A new item: indexed at the next poll and announced in c5.
	site.publish("ferry", "Night ferry returns", "The night ferry to the mainland returns on Friday and leaves at half past eleven.")
	makeDue(t, data, id)
	s.eventually("When does the night ferry to the mainland leave?", "the new item is answered", func(text, _ string) bool {
		return strings.Contains(text, "half past eleven")
	})
	deadline := time.Now().Add(5 * time.Second)
	var announced []discordgo.Message
	for len(announced) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		announced = s.fake.ChannelMessages("c5")
	}
	if len(announced) != 1 || !strings.Contains(announced[0].Content, "**Night ferry returns** · Island Courier · 30 Nov 2026") ||
		!strings.Contains(announced[0].Content, "/ferry.html") {
		t.Errorf("announced %+v", announced)
	}
	for _, c := range s.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "POST" && strings.Contains(c.Path, "/channels/c5/messages")
	}) {
		if !discordtest.MentionsSuppressed(c) {
			t.Errorf("an announcement may ping: %s", c)
		}
	}

	// Remove: the items leave the library.
	if got := s.reply(s.fake.SlashCommand(curator, "feeds", discordtest.Sub("remove", discordtest.String("feed", id)))); !strings.Contains(got, "Stopped following **Island Courier**") || !strings.Contains(got, "2 articles left") {
		t.Errorf("/feeds remove replied %q", got)
	}
	if text, _ := s.ask(q1); strings.Contains(text, "granite") {
		t.Errorf("a removed feed's item is still answered: %q", text)
	}
}
