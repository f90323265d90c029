package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
)

// testClock is a settable clock for digestClock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// ferryArticle is server 1001's own article, in the digest's window.
const ferryArticle = `---
title: Island ferry timetable changes
publisher: Harbour Notes
published: 2026-03-14
---

The island ferry will leave at half past seven from Monday, the harbour office said.

The harbour office said the ferry timetable changes because of the spring tides.
`

// lateArticle is shared and published at noon on 14 March: after the
// first scheduled window (to 08:00), inside the next.
const lateArticle = `---
title: Lighthouse keepers return to Skerryvore
publisher: Coast Gazette
published: 2026-03-14T12:00:00Z
---

The Skerryvore lighthouse will be staffed again from June, the Northern Lighthouse Board said.

Two keepers will live on the rock in shifts of four weeks, polishing the lens every morning.
`

// digestLibrary fills a data directory: the dated articles of the answer
// package's digest test library and one more, shared, and one article of
// server 1001.
func digestLibrary(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "..", "answer", "testdata", "digest", "*.md"))
	if err != nil || len(files) < 30 {
		t.Fatalf("digest test library: %d files, %v", len(files), err)
	}
	shared := filepath.Join(data, "articles")
	server := filepath.Join(data, "servers", "1001", "articles")
	for _, dir := range []string{shared, server} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shared, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(server, "island-ferry.md"), []byte(ferryArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "skerryvore.md"), []byte(lateArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// digest runs /digest as who and returns the messages it was shown in.
func (s *liveServe) digest(who discordtest.Actor, opts ...discordtest.Option) []discordgo.Message {
	s.t.Helper()
	before := strings.Count(s.logs.String(), "msg=answered")
	sent := s.fake.SlashCommand(who, "digest", opts...)
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(s.logs.String(), "msg=answered") <= before {
		if time.Now().After(deadline) {
			s.t.Fatalf("no digest\n%s", s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	orig, _ := s.fake.OriginalResponse(sent.ID)
	return append([]discordgo.Message{orig}, s.fake.Followups(sent.ID)...)
}

// allText is the content and embed descriptions of msgs.
func allText(msgs []discordgo.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Content + "\n")
		for _, e := range m.Embeds {
			b.WriteString(e.Description + "\n")
		}
	}
	return b.String()
}

var digestMarkRE = regexp.MustCompile(`\[(\d+)(?:, \d+)*\]`)

// /digest through the fake Discord with the real engine and index:
// offline digests of the window, capped at CITEBOT_DIGEST_MAX_ARTICLES,
// every story cited, Sources dated, a server's own article in its digest
// only, topic: narrowing it.
func TestServeDigestFromDiscord(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)}
	old := digestClock
	digestClock = clock.now
	t.Cleanup(func() { digestClock = old })
	env := map[string]string{"CITEBOT_DATA_DIR": digestLibrary(t), "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h",
		"CITEBOT_LOG_LEVEL": "info", "DISCORD_RATE_PER_MINUTE": "1000", "CITEBOT_DIGEST_MAX_ARTICLES": "20"}
	s, _ := stoppableServe(t, env)

	msgs := s.digest(member, discordtest.String("since", "7d"))
	text := allText(msgs)
	if !strings.HasPrefix(msgs[0].Content, "📰 **Digest of the last 7 days**\n") || !strings.Contains(msgs[0].Content, "stories from the 20 newest of 32 articles") {
		t.Fatalf("digest starts %q\n%s", strings.SplitN(msgs[0].Content, "\n\n", 2)[0], s.logs.String())
	}
	for _, want := range []string{"Selene-3", "Brennan", "13 March 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the 1001 digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Morrow River") || strings.Contains(text, "Austin") {
		t.Errorf("an article outside the window is in the digest:\n%s", text)
	}
	for i, m := range msgs {
		if n := discordtest.TextLen(m.Content); n > 2000 {
			t.Errorf("message %d: %d units", i, n)
		}
	}
	if len(digestMarkRE.FindAllString(text, -1)) < 5 {
		t.Errorf("few citations in the digest:\n%s", text)
	}

	// Server 1001's own article is in its digests only.
	if text := allText(s.digest(member, discordtest.String("topic", "island ferry timetable"))); !strings.Contains(text, "Island ferry timetable changes") || !strings.Contains(text, "half past seven") {
		t.Errorf("server 1001's ferry digest:\n%s", text)
	}
	other := discordtest.Actor{UserID: "u2", Username: "u2", GuildID: "2002", ChannelID: "c2"}
	if text := allText(s.digest(other, discordtest.String("topic", "island ferry timetable"))); strings.Contains(text, "Island ferry") || strings.Contains(text, "half past seven") {
		t.Errorf("server 2002 sees 1001's article:\n%s", text)
	}
	topic := allText(s.digest(member, discordtest.String("since", "7d"), discordtest.String("topic", "dengue vaccine")))
	if !strings.Contains(topic, "dengue") || strings.Contains(topic, "Selene-3") || strings.Contains(topic, "Brennan") {
		t.Errorf("topic:dengue digest:\n%s", topic)
	}
	if p := s.fake.Problems(); len(p) > 0 {
		t.Errorf("fake Discord saw problems: %v", p)
	}
}

// A scheduled digest, stored in the SQLite store, is posted once at its
// hour, not again after a restart the same day, and again the next day.
func TestServeScheduledDigestOncePerDayAcrossRestart(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 14, 7, 59, 0, 0, time.UTC)}
	oldClock, oldEvery := digestClock, digestCheckEvery
	digestClock, digestCheckEvery = clock.now, 20*time.Millisecond
	t.Cleanup(func() { digestClock, digestCheckEvery = oldClock, oldEvery })
	env := map[string]string{"CITEBOT_DATA_DIR": digestLibrary(t), "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h",
		"CITEBOT_LOG_LEVEL": "info", "DISCORD_RATE_PER_MINUTE": "1000"}
	s, stop := stoppableServe(t, env)
	curator := member
	curator.UserID, curator.Permissions = "boss", discordtest.MemberPermissions|discordgo.PermissionManageGuild
	if got := s.reply(s.fake.SlashCommand(member, "digest", discordtest.String("schedule", "daily"), discordtest.String("at", "08:00"))); !strings.Contains(got, "Only members with the Manage Server permission") {
		t.Errorf("a member scheduled: %q", got)
	}
	got := s.reply(s.fake.SlashCommand(curator, "digest", discordtest.String("schedule", "daily"), discordtest.String("at", "08:00"), discordtest.Channel("channel", "c5")))
	if !strings.Contains(got, "in <#c5> every day at 08:00 UTC") {
		t.Fatalf("schedule replied %q\n%s", got, s.logs.String())
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(s.fake.ChannelMessages("c5")); n != 0 {
		t.Fatalf("%d messages before the hour", n)
	}
	clock.set(time.Date(2026, 3, 14, 8, 0, 30, 0, time.UTC))
	posted := waitChannel(t, s, "c5")
	if !strings.HasPrefix(posted[0].Content, "📰 **Daily digest of the last 24 hours**") || !strings.Contains(allText(posted), "Island ferry") {
		t.Errorf("posted %q", allText(posted))
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(s.fake.ChannelMessages("c5")); n != len(posted) {
		t.Errorf("%d messages after more looks, want %d", n, len(posted))
	}
	stop()

	clock.set(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	s2, _ := stoppableServe(t, env)
	time.Sleep(400 * time.Millisecond)
	if n := len(s2.fake.ChannelMessages("c5")); n != 0 {
		t.Fatalf("%d messages after a restart the same day", n)
	}
	clock.set(time.Date(2026, 3, 15, 8, 0, 5, 0, time.UTC))
	next := waitChannel(t, s2, "c5")
	if text := allText(next); !strings.Contains(text, "Skerryvore") || strings.Contains(text, "Island ferry") {
		t.Errorf("the next day's digest (14 March 08:00 to 15 March 08:00):\n%s", text)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(s2.fake.ChannelMessages("c5")); n != len(next) {
		t.Errorf("%d messages the next day, want one digest (%d)", n, len(next))
	}
	for _, c := range s2.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "POST" && strings.Contains(c.Path, "/channels/c5/messages")
	}) {
		if !discordtest.MentionsSuppressed(c) {
			t.Errorf("a scheduled digest may ping: %s", c)
		}
	}
}

// waitChannel waits for a digest in channel and returns its messages once
// no more arrive.
func waitChannel(t *testing.T, s *liveServe, channel string) []discordgo.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(s.fake.ChannelMessages(channel)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing posted in %s\n%s", channel, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		n := len(s.fake.ChannelMessages(channel))
		time.Sleep(100 * time.Millisecond)
		if len(s.fake.ChannelMessages(channel)) == n && strings.Contains(s.logs.String(), "scheduled digest posted") {
			return s.fake.ChannelMessages(channel)
		}
	}
}
