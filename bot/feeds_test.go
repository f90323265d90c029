package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// fakeFeeds keeps feeds per scope and records the Add calls.
type fakeFeeds struct {
	mu    sync.Mutex
	feeds map[retrieval.Scope][]FeedInfo
	adds  []string // "scope url every channel"
}

func (f *fakeFeeds) Add(_ context.Context, scope retrieval.Scope, url string, every time.Duration, channel string) (FeedInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adds = append(f.adds, strings.Join([]string{string(scope), url, every.String(), channel}, " "))
	if strings.Contains(url, "not-a-feed") {
		return FeedInfo{}, UserError{Message: "That link is not an RSS, Atom or JSON feed."}
	}
	if every == 0 {
		every = 30 * time.Minute
	}
	info := FeedInfo{ID: "f" + string(scope) + "0001", URL: url, Title: "Daily *News*", Every: every, Channel: channel, Items: 3}
	if f.feeds == nil {
		f.feeds = map[retrieval.Scope][]FeedInfo{}
	}
	f.feeds[scope] = append(f.feeds[scope], info)
	return info, nil
}

func (f *fakeFeeds) List(_ context.Context, scope retrieval.Scope) ([]FeedInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FeedInfo{}, f.feeds[scope]...), nil
}

func (f *fakeFeeds) Remove(_ context.Context, scope retrieval.Scope, id string) (FeedInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, info := range f.feeds[scope] {
		if info.ID == id {
			f.feeds[scope] = append(f.feeds[scope][:i], f.feeds[scope][i+1:]...)
			return info, nil
		}
	}
	return FeedInfo{}, UserError{Message: "This server follows no such feed."}
}

func TestFeedsCommandForCurators(t *testing.T) {
	t.Parallel()
	ff := &fakeFeeds{}
	h := startBot(t, Config{Engine: newFakeEngine(), Feeds: ff, GuildID: "g1"}, discordtest.Options{})

	// Registered like /ingest: Manage Server, servers only.
	var feedsCmd map[string]any
	for _, c := range h.fake.Registrations()[0].Commands {
		if c["name"] == "feeds" {
			feedsCmd = c
		}
		if c["name"] == "ingest" {
			t.Errorf("/ingest registered without a Library")
		}
	}
	if feedsCmd == nil || feedsCmd["default_member_permissions"] != "32" || feedsCmd["dm_permission"] != false {
		t.Fatalf("/feeds registered as %v", feedsCmd)
	}

	// Refused: a member without permission, a DM.
	member := guildActor("u2", "c1")
	if got := h.curationReply(h.fake.SlashCommand(member, "feeds", discordtest.Sub("list"))); got != notCuratorText {
		t.Errorf("member told %q", got)
	}
	dm := discordtest.Actor{UserID: "u1", ChannelID: "dm-u1"}
	if got := h.curationReply(h.fake.SlashCommand(dm, "feeds", discordtest.Sub("list"))); got != feedsInDMText {
		t.Errorf("DM: %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("add", discordtest.String("url", "ftp://x/feed")))); got != notWebLinkText {
		t.Errorf("ftp: %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("add", discordtest.String("url", "https://example.com/not-a-feed")))); got != "That link is not an RSS, Atom or JSON feed." {
		t.Errorf("not a feed: %q", got)
	}

	// Empty list, add, list.
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("list"))); !strings.Contains(got, "follows no feeds") {
		t.Errorf("empty list: %q", got)
	}
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("add",
		discordtest.String("url", "https://example.com/feed.xml"), discordtest.String("every", "1h"), discordtest.Channel("channel", "c7"))))
	if want := "Following **Daily \\*News\\*** (`fg10001`), polled every 1h: 3 articles added. You can ask about them now. New articles are announced in <#c7>."; got != want {
		t.Errorf("add: %q\nwant %q", got, want)
	}
	if want := "g1 https://example.com/feed.xml 1h0m0s c7"; len(ff.adds) != 2 || ff.adds[1] != want {
		t.Errorf("adds %q", ff.adds)
	}
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("list")))
	if !strings.Contains(got, "follows 1 feed:") || !strings.Contains(got, "every 1h, 3 articles, announced in <#c7>") {
		t.Errorf("list: %q", got)
	}

	// Another server's feed is not offered in g1.
	other := manager("u9")
	other.GuildID, other.ChannelID = "g2", "c20"
	h.curationReply(h.fake.SlashCommand(other, "feeds", discordtest.Sub("add", discordtest.String("url", "https://example.org/rss"))))
	offered := choices(t, h.callback(h.fake.Autocomplete(manager("u1"), "feeds", discordtest.Sub("remove", discordtest.Focused("feed", "")))))
	if len(offered) != 1 || offered[0]["value"] != "fg10001" {
		t.Errorf("g1 offered %v", offered)
	}
	if got := choices(t, h.callback(h.fake.Autocomplete(member, "feeds", discordtest.Sub("remove", discordtest.Focused("feed", ""))))); len(got) != 0 {
		t.Errorf("member offered %v", got)
	}

	// Remove: unknown, then the feed.
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("remove", discordtest.String("feed", "fg20001")))); got != "This server follows no such feed." {
		t.Errorf("remove g2's feed from g1: %q", got)
	}
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "feeds", discordtest.Sub("remove", discordtest.String("feed", "fg10001"))))
	if want := "Stopped following **Daily \\*News\\*** (`fg10001`); 3 articles left the library."; got != want {
		t.Errorf("remove: %q", got)
	}
	h.checkHygiene()
}

func TestAnnounceIsShortWithoutPingsAndCapped(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var items []Announcement
	for i := range 7 {
		items = append(items, Announcement{Title: "Item @everyone " + string(rune('A'+i)), Publisher: "Latin Post", Link: "https://example.com/" + string(rune('a'+i)), Published: day})
	}
	if err := h.bot.Announce(h.ctx(), "c1", "Daily News", items); err != nil {
		t.Fatal(err)
	}
	msgs := h.fake.ChannelMessages("c1")
	if len(msgs) != MaxAnnouncements+1 {
		t.Fatalf("%d messages, want %d", len(msgs), MaxAnnouncements+1)
	}
	if want := "📰 **Item @everyone A** · Latin Post · 30 Nov 2026\nhttps://example.com/a"; msgs[0].Content != want {
		t.Errorf("first %q, want %q", msgs[0].Content, want)
	}
	if want := "…and 2 more new articles from Daily News."; msgs[MaxAnnouncements].Content != want {
		t.Errorf("last %q", msgs[MaxAnnouncements].Content)
	}
	for _, c := range h.fake.CallsMatching(discordtest.IsMessageCall) {
		if !discordtest.MentionsSuppressed(c) {
			t.Errorf("%s does not suppress mentions", c)
		}
	}
	h.checkHygiene()
}
