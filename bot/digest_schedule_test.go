package bot

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the system's zone files

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
)

// startScheduleBot runs a bot with schedules in mem, checked every few
// milliseconds on clock.
func startScheduleBot(t *testing.T, fd *fakeDigester, mem *memSchedules, clock *fakeClock) *harness {
	t.Helper()
	return startDigestBot(t, fd, Config{DigestSchedules: mem, Now: clock.Now, DigestCheckEvery: 2 * time.Millisecond})
}

// waitLooks waits until the scheduler has looked for due digests n more
// times, so whatever it was going to claim by now it has.
func waitLooks(t *testing.T, mem *memSchedules, n int) {
	t.Helper()
	target := mem.listCalls() + n
	waitUntil(t, func() bool { return mem.listCalls() >= target })
}

func TestDigestSchedulePermissionsAndCommands(t *testing.T) {
	t.Parallel()
	mem := &memSchedules{}
	clock := &fakeClock{t: time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)}
	h := startScheduleBot(t, &fakeDigester{shared: twoStories()}, mem, clock)
	if got := optionNames(registered(t, h, "digest")); !slices.Equal(got, []string{"since", "topic", "feed", "length", "private", "schedule", "at", "channel", "tz"}) {
		t.Errorf("options %v", got)
	}
	daily := func(opts ...discordtest.Option) []discordtest.Option {
		return append([]discordtest.Option{discordtest.String("schedule", "daily")}, opts...)
	}
	member := guildActor("u2", "c1")
	if got := h.curationReply(h.fake.SlashCommand(member, "digest", daily(discordtest.String("at", "08:00"))...)); got != notCuratorText {
		t.Errorf("member told %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(member, "digest", discordtest.String("schedule", "list"))); got != notCuratorText {
		t.Errorf("member listing told %q", got)
	}
	dm := discordtest.Actor{UserID: "u1", ChannelID: "dm-u1"}
	if got := h.curationReply(h.fake.SlashCommand(dm, "digest", daily(discordtest.String("at", "08:00"))...)); got != digestInDMText {
		t.Errorf("DM told %q", got)
	}
	for at, want := range map[string]string{"25:00": "24-hour", "": "24-hour", "8am": "24-hour"} {
		if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", daily(discordtest.String("at", at))...)); !strings.Contains(got, want) {
			t.Errorf("at:%q told %q", at, got)
		}
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", daily(discordtest.String("at", "8"), discordtest.String("tz", "Mars/Olympus"))...)); !strings.Contains(got, "time zone") {
		t.Errorf("bad tz told %q", got)
	}

	// 08:00 UTC has passed today (10:00): the first goes out tomorrow.
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", daily(discordtest.String("at", "08:00"), discordtest.Channel("channel", "c7"), discordtest.String("topic", "ceasefire"))...))
	tomorrow := time.Date(2026, 5, 15, 8, 0, 0, 0, time.UTC).Unix()
	if want := "I'll post a digest of the last 24 hours about “ceasefire” in <#c7> every day at 08:00 UTC. The next one goes out <t:" + itoa64(tomorrow) + ":F>"; !strings.HasPrefix(got, want) {
		t.Errorf("daily told %q\nwant %q…", got, want)
	}
	if s, ok := mem.get("g1", "c7"); !ok || s.At != 480 || s.TZ != "" || s.Topic != "ceasefire" || s.LastDay != "2026-05-14" {
		t.Errorf("stored %+v", s)
	}
	// 09:30 in Paris (07:30 UTC in summer) has passed too; with no
	// channel: the one it was asked in.
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", daily(discordtest.String("at", "9:30"), discordtest.String("tz", "Europe/Paris"))...))
	if !strings.Contains(got, "in <#c1> every day at 09:30 Europe/Paris") {
		t.Errorf("Paris told %q", got)
	}
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", discordtest.String("schedule", "list")))
	if !strings.Contains(got, "2 channels get a daily digest:") || !strings.Contains(got, "• <#c1> at 09:30 Europe/Paris, medium") ||
		!strings.Contains(got, "• <#c7> at 08:00 UTC, medium, about “ceasefire”; next <t:"+itoa64(tomorrow)+":R>") {
		t.Errorf("list told %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", discordtest.String("schedule", "off"), discordtest.Channel("channel", "c7"))); got != "Stopped the daily digest in <#c7> (it went out at 08:00 UTC)." {
		t.Errorf("off told %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", discordtest.String("schedule", "off"), discordtest.Channel("channel", "c7"))); !strings.Contains(got, "gets no daily digest") {
		t.Errorf("second off told %q", got)
	}
	if _, ok := mem.get("g1", "c7"); ok {
		t.Error("schedule still stored after off")
	}
	h.checkHygiene()
}

// The scheduled digest goes out once a day at its hour: not before, not
// twice, not again after a restart the same day, and again the next day.
func TestScheduledDigestOncePerDayAcrossRestart(t *testing.T) {
	t.Parallel()
	mem := &memSchedules{}
	clock := &fakeClock{t: time.Date(2026, 5, 14, 7, 59, 0, 0, time.UTC)}
	fd := &fakeDigester{shared: twoStories()}
	h := startScheduleBot(t, fd, mem, clock)
	h.curationReply(h.fake.SlashCommand(manager("u1"), "digest", discordtest.String("schedule", "daily"), discordtest.String("at", "08:00"),
		discordtest.Channel("channel", "c7"), discordtest.String("length", "short")))
	waitLooks(t, mem, 3)
	if n := len(h.fake.ChannelMessages("c7")); n != 0 {
		t.Fatalf("%d messages before the hour", n)
	}

	at := time.Date(2026, 5, 14, 8, 0, 30, 0, time.UTC)
	clock.set(at)
	waitUntil(t, func() bool { return len(h.fake.ChannelMessages("c7")) > 0 })
	waitLooks(t, mem, 5)
	msgs := h.fake.ChannelMessages("c7")
	if len(msgs) != 1 {
		t.Fatalf("%d messages posted, want 1", len(msgs))
	}
	if !strings.HasPrefix(msgs[0].Content, "📰 **Daily digest of the last 24 hours**\n") || !strings.Contains(msgs[0].Content, "[1, 2]") || len(msgs[0].Embeds) != 1 {
		t.Errorf("posted %q", msgs[0].Content)
	}
	reqs := fd.requests()
	if r := reqs[len(reqs)-1]; r.Req.Length != answer.Short || !r.Req.Until.Equal(at) || !r.Req.Since.Equal(at.Add(-24*time.Hour)) || string(r.Scope) != "g1" {
		t.Errorf("scheduled request %+v", r)
	}
	for _, c := range h.fake.CallsMatching(discordtest.IsMessageCall) {
		if !discordtest.MentionsSuppressed(c) {
			t.Errorf("%s does not suppress mentions", c)
		}
	}
	h.checkHygiene()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// Restarted the same day: nothing is posted again.
	clock.set(time.Date(2026, 5, 14, 9, 0, 0, 0, time.UTC))
	h2 := startScheduleBot(t, fd, mem, clock)
	waitLooks(t, mem, 5)
	if n := len(h2.fake.ChannelMessages("c7")); n != 0 {
		t.Fatalf("%d messages after a restart the same day", n)
	}
	// The next day, before the hour nothing; after it, one digest.
	clock.set(time.Date(2026, 5, 15, 7, 0, 0, 0, time.UTC))
	waitLooks(t, mem, 3)
	if n := len(h2.fake.ChannelMessages("c7")); n != 0 {
		t.Fatalf("%d messages before the next day's hour", n)
	}
	clock.set(time.Date(2026, 5, 15, 8, 1, 0, 0, time.UTC))
	waitUntil(t, func() bool { return len(h2.fake.ChannelMessages("c7")) > 0 })
	waitLooks(t, mem, 5)
	if n := len(h2.fake.ChannelMessages("c7")); n != 1 {
		t.Errorf("%d messages the next day, want 1", n)
	}
	if want := []string{"g1/c7/2026-05-14", "g1/c7/2026-05-15"}; !slices.Equal(mem.wonClaims(), want) {
		t.Errorf("claims %v, want %v", mem.wonClaims(), want)
	}
}

// A bot that was down at the hour posts when it is back the same day; a
// day that ended while it was down is not made up for.
func TestScheduledDigestMissedHour(t *testing.T) {
	t.Parallel()
	mem := &memSchedules{list: map[string]DigestSchedule{
		"g1/c8": {GuildID: "g1", ChannelID: "c8", At: 6 * 60, LastDay: "2026-05-14"},
		"g1/c9": {GuildID: "g1", ChannelID: "c9", At: 20 * 60, LastDay: "2026-05-13"},
	}}
	clock := &fakeClock{t: time.Date(2026, 5, 15, 15, 0, 0, 0, time.UTC)}
	h := startScheduleBot(t, &fakeDigester{shared: twoStories()}, mem, clock)
	waitUntil(t, func() bool { return len(h.fake.ChannelMessages("c8")) > 0 })
	waitLooks(t, mem, 3)
	if n := len(h.fake.ChannelMessages("c9")); n != 0 {
		t.Errorf("c9 (20:00, the 14th missed) got %d messages at 15:00", n)
	}
	if want := []string{"g1/c8/2026-05-15"}; !slices.Equal(mem.wonClaims(), want) {
		t.Errorf("claims %v", mem.wonClaims())
	}
}

// A digest that could not be made gives its day back and is tried again
// after a pause; an empty window posts nothing and keeps the day.
func TestScheduledDigestRetriesAndEmptyWindow(t *testing.T) {
	t.Parallel()
	mem := &memSchedules{list: map[string]DigestSchedule{"g1/c8": {GuildID: "g1", ChannelID: "c8", At: 6 * 60}}}
	clock := &fakeClock{t: time.Date(2026, 5, 15, 6, 0, 0, 0, time.UTC)}
	fd := &fakeDigester{shared: twoStories(), fail: errors.New("model down")}
	h := startScheduleBot(t, fd, mem, clock)
	waitUntil(t, func() bool { return len(fd.requests()) == 1 })
	waitLooks(t, mem, 5)
	if s, _ := mem.get("g1", "c8"); s.LastDay != "" || len(fd.requests()) != 1 {
		t.Fatalf("after a failure: day %q, %d tries (want the day given back, no retry before the pause)", s.LastDay, len(fd.requests()))
	}
	fd.mu.Lock()
	fd.fail = nil
	fd.mu.Unlock()
	clock.set(clock.Now().Add(digestRetryPause))
	waitUntil(t, func() bool { return len(h.fake.ChannelMessages("c8")) == 1 })

	// The next day has no articles: nothing is posted, the day is done.
	fd.mu.Lock()
	fd.shared = nil
	fd.mu.Unlock()
	clock.set(time.Date(2026, 5, 16, 6, 30, 0, 0, time.UTC))
	waitUntil(t, func() bool { s, _ := mem.get("g1", "c8"); return s.LastDay == "2026-05-16" })
	waitLooks(t, mem, 3)
	if n := len(h.fake.ChannelMessages("c8")); n != 1 {
		t.Errorf("%d messages after an empty day, want 1", n)
	}
}

func TestDueDayAndNextPostInZones(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	s := DigestSchedule{At: 8 * 60, TZ: "Europe/Paris", LastDay: "2026-03-28"}
	// 29 March 2026: Paris moves to summer time at 02:00; 08:00 there is
	// 06:00 UTC.
	for _, tc := range []struct {
		now time.Time
		day string
		due bool
	}{
		{time.Date(2026, 3, 29, 5, 59, 0, 0, time.UTC), "2026-03-29", false},
		{time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC), "2026-03-29", true},
		{time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), "2026-03-30", false}, // already the 30th in Paris, before 08:00
	} {
		day, due := dueDay(s, tc.now, paris)
		if day != tc.day || due != tc.due {
			t.Errorf("dueDay at %v = %s, %v; want %s, %v", tc.now, day, due, tc.day, tc.due)
		}
	}
	s.LastDay = "2026-03-29"
	if got, want := nextPost(s, time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), paris), time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("nextPost = %v, want %v", got, want)
	}
	for in, want := range map[string]int{"8": 480, "08:00": 480, "23:59": 1439, "0:05": 5} {
		if got, ok := parseClock(in); !ok || got != want {
			t.Errorf("parseClock(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"24:00", "8:60", "8.30", "noon"} {
		if _, ok := parseClock(in); ok {
			t.Errorf("parseClock(%q) accepted", in)
		}
	}
}

// /help names /digest, and the schedule to curators' bots, within one
// message even with every feature on.
func TestHelpNamesDigest(t *testing.T) {
	cfg := Config{Digester: (&fakeDigester{}).digesterFor, DigestSchedules: &memSchedules{}, Library: &fakeLibrary{}, Feeds: &fakeFeeds{},
		AutoThread: true, AskChannels: []string{"123456789012345678", "223456789012345678"}}.withDefaults()
	text := helpMessage(cfg).Content
	if !strings.Contains(text, "`/digest`") || !strings.Contains(text, "schedule:daily at:08:00") || strings.HasSuffix(text, "…") {
		t.Errorf("help (%d units):\n%s", textLen(text), text)
	}
	if text := helpMessage(Config{}.withDefaults()).Content; strings.Contains(text, "/digest") {
		t.Errorf("help without digests names /digest:\n%s", text)
	}
}
