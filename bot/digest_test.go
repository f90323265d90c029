package bot

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// digestNow is the fake clock's time in the digest tests.
var digestNow = time.Date(2022, 5, 14, 18, 0, 0, 0, time.UTC)

// startDigestBot runs a bot whose /digest is fd's, on a fixed clock.
func startDigestBot(t *testing.T, fd *fakeDigester, cfg Config) *harness {
	t.Helper()
	cfg.Digester = fd.digesterFor
	if cfg.Engine == nil {
		cfg.Engine = newFakeEngine()
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return digestNow }
	}
	return startBot(t, cfg, discordtest.Options{})
}

func registered(t *testing.T, h *harness, name string) map[string]any {
	t.Helper()
	for _, c := range h.fake.Registrations()[0].Commands {
		if c["name"] == name {
			return c
		}
	}
	return nil
}

func optionNames(cmd map[string]any) []string {
	var out []string
	opts, _ := cmd["options"].([]any)
	for _, o := range opts {
		out = append(out, o.(map[string]any)["name"].(string))
	}
	return out
}

func TestDigestStreamsAndRendersStories(t *testing.T) {
	t.Parallel()
	fd := &fakeDigester{shared: twoStories()}
	h := startDigestBot(t, fd, Config{})

	cmd := registered(t, h, "digest")
	if cmd == nil || cmd["default_member_permissions"] != nil {
		t.Fatalf("/digest registered as %v", cmd)
	}
	if got := optionNames(cmd); !slices.Equal(got, []string{"since", "topic", "feed", "length", "private"}) {
		t.Errorf("options %v (no schedule options without DigestSchedules)", got)
	}

	user := guildActor("u1", "c1")
	sent := h.fake.SlashCommand(user, "digest", discordtest.String("since", "3 days"), discordtest.String("topic", " the  ceasefire "), discordtest.String("length", "short"))
	orig, more := h.waitAnswer(sent)
	if cb := h.callback(sent); bodyType(cb) != 5 || bodyFlags(cb)&64 != 0 {
		t.Errorf("first response type %d flags %d, want a public deferred reply", bodyType(cb), bodyFlags(cb))
	}
	if len(more) != 0 {
		t.Errorf("%d follow-ups for a short digest", len(more))
	}
	reqs := fd.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d Digest calls", len(reqs))
	}
	if r := reqs[0]; r.Scope != retrieval.GuildScope("g1") || !r.Req.Since.Equal(digestNow.AddDate(0, 0, -3)) || !r.Req.Until.Equal(digestNow) ||
		r.Req.Topic != "the ceasefire" || r.Req.Length != answer.Short || r.Req.Feed != "" {
		t.Errorf("request %+v", r)
	}

	want := []string{
		"📰 **Digest of the last 3 days about “the ceasefire”**",
		"*2 stories from 3 articles.*",
		"**Ceasefire talks** · 2 articles\nAustin urged an immediate ceasefire in a call with Shoigu [1, 2]. The call lasted about an hour [1].",
		"**Zebra migration**\nThe zebras migrate about 500 kilometres [3]. They never stop for water [3]. ⚠",
	}
	for _, w := range want {
		if !strings.Contains(orig.Content, w) {
			t.Errorf("digest lacks %q:\n%s", w, orig.Content)
		}
	}
	if !strings.Contains(orig.Content, markUngrounded+"**Unverified:**") {
		t.Errorf("no unverified notice for an unsupported sentence:\n%s", orig.Content)
	}
	if len(orig.Embeds) != 1 || orig.Embeds[0].Title != "Sources" {
		t.Fatalf("embeds %+v", orig.Embeds)
	}
	src := orig.Embeds[0].Description
	for _, w := range []string{"**[1]** [Austin calls Shoigu](https://news.example/talks-a) — Latin Post · 14 May 2022",
		"**[2]** [First call since the war began](https://news.example/talks-b) — Daily Wire · 13 May 2022",
		"**[3]** [Okavango zebras on the move](https://news.example/zebras) — Nature Desk · 12 May 2022"} {
		if strings.Count(src, w) != 1 {
			t.Errorf("Sources lack (once) %q:\n%s", w, src)
		}
	}
	if len(orig.Components) == 0 {
		t.Error("no feedback buttons")
	}

	// It streamed: interim edits showed the text with the cursor.
	streamed := false
	for _, c := range h.fake.Calls() {
		if s, _ := c.Body["content"].(string); c.Method == "PATCH" && strings.HasSuffix(s, streamCursor) && strings.Contains(s, "Austin urged") {
			streamed = true
		}
	}
	if !streamed {
		t.Errorf("no streamed edit\n%s", h.callList())
	}

	// private:true is ephemeral.
	sent = h.fake.SlashCommand(user, "digest", discordtest.Bool("private", true))
	h.waitAnswer(sent)
	if cb := h.callback(sent); bodyFlags(cb)&64 == 0 {
		t.Errorf("private digest not ephemeral: flags %d", bodyFlags(cb))
	}
	if r := fd.requests()[1].Req; !r.Since.Equal(digestNow.Add(-24*time.Hour)) || r.Length != answer.Medium {
		t.Errorf("default request %+v", r)
	}
	h.checkHygiene()
}

// A server's private stories appear in its own digests only; a DM sees
// the shared library.
func TestDigestRespectsScopes(t *testing.T) {
	t.Parallel()
	secret := fakeStory{title: "Guild news", arts: []retrieval.Article{newsArticle("g1-memo", "Internal memo", "G1 Desk", "2022-05-14")},
		sentences: []fakeSentence{{text: "The memo is private to g1", cites: []int{0}}}}
	fd := &fakeDigester{shared: twoStories()[:1], private: map[retrieval.Scope][]fakeStory{retrieval.GuildScope("g1"): {secret}}}
	h := startDigestBot(t, fd, Config{})
	g2 := guildActor("u2", "c20")
	g2.GuildID = "g2"
	dm := discordtest.Actor{UserID: "u3", ChannelID: "dm-u3"}
	for _, tc := range []struct {
		who    discordtest.Actor
		secret bool
	}{{guildActor("u1", "c1"), true}, {g2, false}, {dm, false}} {
		orig, _ := h.waitAnswer(h.fake.SlashCommand(tc.who, "digest"))
		has := strings.Contains(orig.Content, "private to g1") || len(orig.Embeds) > 0 && strings.Contains(orig.Embeds[0].Description, "Internal memo")
		if has != tc.secret {
			t.Errorf("guild %q sees g1's memo: %v\n%s", tc.who.GuildID, has, orig.Content)
		}
	}
	var scopes []retrieval.Scope
	for _, c := range fd.requests() {
		scopes = append(scopes, c.Scope)
	}
	if want := []retrieval.Scope{retrieval.GuildScope("g1"), retrieval.GuildScope("g2"), retrieval.Shared}; !slices.Equal(scopes, want) {
		t.Errorf("scopes %q, want %q", scopes, want)
	}
	h.checkHygiene()
}

// citeMarkRE finds whole citation markers; openMarkRE any "[digit".
var (
	citeMarkRE = regexp.MustCompile(`\[\d+(?:, \d+)*\]`)
	openMarkRE = regexp.MustCompile(`\[\d`)
)

// A digest longer than a message is split between stories or sentences,
// never inside a [n] or before one, and its Sources, longer than an
// embed, are split between lines; every message is within Discord's
// limits.
func TestLongDigestSplitsWithoutBreakingCitations(t *testing.T) {
	t.Parallel()
	var stories []fakeStory
	for s := range 12 {
		st := fakeStory{title: "Story " + strings.Repeat("long title ", 8) + string(rune('A'+s))}
		for a := range 4 {
			id := "art-" + string(rune('a'+s)) + string(rune('a'+a))
			st.arts = append(st.arts, newsArticle(id, strings.Repeat("A very long headline about the news of the day ", 4)+id, "Publisher "+id, "2022-05-1"+string(rune('0'+a))))
		}
		for i := range 5 {
			st.sentences = append(st.sentences, fakeSentence{
				text:  "Sentence " + string(rune('0'+i)) + " of the story tells at some length what the articles report about it",
				cites: []int{i % 4, (i + 1) % 4},
			})
		}
		stories = append(stories, st)
	}
	fd := &fakeDigester{shared: stories}
	h := startDigestBot(t, fd, Config{})
	orig, more := h.waitAnswer(h.fake.SlashCommand(guildActor("u1", "c1"), "digest", discordtest.String("length", "long")))
	msgs := append([]discordgo.Message{orig}, more...)
	if len(msgs) < 4 {
		t.Fatalf("%d messages; want the text and the Sources split over several", len(msgs))
	}
	full := buildDigest(stories)
	var marks []string
	var sourceNums []string
	for i, m := range msgs {
		if n := textLen(m.Content); n > maxContent {
			t.Errorf("message %d: %d units", i, n)
		}
		if got, whole := len(openMarkRE.FindAllString(m.Content, -1)), len(citeMarkRE.FindAllString(m.Content, -1)); got != whole {
			t.Errorf("message %d cuts a citation marker:\n%s", i, m.Content)
		}
		if strings.HasPrefix(strings.TrimSpace(m.Content), "[") {
			t.Errorf("message %d starts with a marker, cut from its sentence:\n%s", i, m.Content)
		}
		marks = append(marks, citeMarkRE.FindAllString(m.Content, -1)...)
		for _, e := range m.Embeds {
			if n := textLen(e.Description); n > maxEmbedDescription {
				t.Errorf("message %d: embed of %d units", i, n)
			}
			for _, line := range strings.Split(e.Description, "\n") {
				m := regexp.MustCompile(`^\*\*\[(\d+)\]\*\* \[.+\]\(https://news\.example/art-[a-l][a-d]\) — Publisher art-[a-l][a-d] · 1\d May 2022$`).FindStringSubmatch(line)
				if m == nil {
					t.Errorf("source line broken: %q", line)
					continue
				}
				sourceNums = append(sourceNums, m[1])
			}
		}
	}
	if want := citeMarkRE.FindAllString(full.Text, -1); !slices.Equal(marks, want) {
		t.Errorf("markers across the messages differ from the digest's: %d vs %d", len(marks), len(want))
	}
	if len(sourceNums) != len(full.Citations) {
		t.Errorf("%d source lines, want %d (each article once)", len(sourceNums), len(full.Citations))
	}
	for i, n := range sourceNums {
		if n != itoa64(int64(i+1)) {
			t.Errorf("source line %d is [%s]", i+1, n)
			break
		}
	}
	if len(msgs[len(msgs)-1].Components) == 0 {
		t.Error("no feedback buttons on the last message")
	}
	h.checkHygiene()
}

func TestDigestSinceAndFeedAutocomplete(t *testing.T) {
	t.Parallel()
	ff := &fakeFeeds{feeds: map[retrieval.Scope][]FeedInfo{
		retrieval.GuildScope("g1"): {{ID: "fg1", URL: "https://g1.example/rss", Title: "G1 Gazette"}},
		retrieval.Shared:           {{ID: "fsh", URL: "https://wire.example/rss", Title: "World Wire"}},
		retrieval.GuildScope("g2"): {{ID: "fg2", URL: "https://g2.example/rss", Title: "G2 Gazette"}},
	}}
	fd := &fakeDigester{shared: twoStories()}
	h := startDigestBot(t, fd, Config{Feeds: ff})
	user := guildActor("u1", "c1")

	got := choices(t, h.callback(h.fake.Autocomplete(user, "digest", discordtest.Focused("feed", ""))))
	var ids []string
	for _, c := range got {
		ids = append(ids, c["value"].(string))
	}
	if !slices.Equal(ids, []string{"fg1", "fsh"}) {
		t.Errorf("g1 offered feeds %v, want its own and the shared one", ids)
	}
	dm := discordtest.Actor{UserID: "u3", ChannelID: "dm-u3"}
	if got := choices(t, h.callback(h.fake.Autocomplete(dm, "digest", discordtest.Focused("feed", "gazette")))); len(got) != 0 {
		t.Errorf("a DM offered %v", got)
	}
	got = choices(t, h.callback(h.fake.Autocomplete(user, "digest", discordtest.Focused("since", ""))))
	if len(got) != len(digestSinceChoices) || got[0]["value"] != "24h" {
		t.Errorf("since offered %v", got)
	}
	got = choices(t, h.callback(h.fake.Autocomplete(user, "digest", discordtest.Focused("since", "2 weeks"))))
	if len(got) == 0 || got[0]["value"] != "2 weeks" || !strings.Contains(got[0]["name"].(string), "since 30 Apr 2022") {
		t.Errorf("typed since offered %v", got)
	}

	// A title typed without picking resolves; another server's feed and
	// a bad since: are refused privately, without a digest.
	orig, _ := h.waitAnswer(h.fake.SlashCommand(user, "digest", discordtest.String("feed", "world wire")))
	if r := fd.requests()[0].Req; r.Feed != "fsh" || !strings.Contains(orig.Content, "from World Wire**") {
		t.Errorf("feed request %+v, heading %q", r, strings.SplitN(orig.Content, "\n", 2)[0])
	}
	for _, opt := range []discordtest.Option{discordtest.String("feed", "fg2"), discordtest.String("since", "sometime")} {
		sent := h.fake.SlashCommand(user, "digest", opt)
		cb := h.callback(sent)
		if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 {
			t.Errorf("%v: response type %d flags %d, want a private reply", opt.Value, bodyType(cb), bodyFlags(cb))
		}
	}
	if n := len(fd.requests()); n != 1 {
		t.Errorf("%d Digest calls, want 1", n)
	}
	h.checkHygiene()
}

func TestParseDigestSinceAndWindowPhrase(t *testing.T) {
	now := digestNow
	for in, want := range map[string]time.Time{
		"":           now.Add(-24 * time.Hour),
		"24h":        now.Add(-24 * time.Hour),
		"3 days":     now.AddDate(0, 0, -3),
		"1 week":     now.AddDate(0, 0, -7),
		"48 hours":   now.Add(-48 * time.Hour),
		"2022-05-01": time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseDigestSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseDigestSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseDigestSince("last tuesday", now); err == nil {
		t.Error("nonsense read as a date")
	}
	for _, tc := range []struct {
		since time.Time
		want  string
	}{
		{now.Add(-24 * time.Hour), "the last 24 hours"},
		{now.Add(-48 * time.Hour), "the last 48 hours"},
		{now.AddDate(0, 0, -7), "the last 7 days"},
		{time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC), "since 1 May 2022"},
		{time.Date(2022, 5, 1, 9, 30, 0, 0, time.UTC), "since 1 May 2022 09:30 UTC"},
	} {
		if got := windowPhrase(tc.since, now); got != tc.want {
			t.Errorf("windowPhrase(%v) = %q, want %q", tc.since, got, tc.want)
		}
	}
}

// A window without articles is news too: the digest says so, publicly,
// instead of reporting a failure.
func TestEmptyDigestSaysSo(t *testing.T) {
	t.Parallel()
	h := startDigestBot(t, &fakeDigester{}, Config{})
	orig, _ := h.waitAnswer(h.fake.SlashCommand(guildActor("u1", "c1"), "digest", discordtest.String("since", "7d")))
	if want := "📰 **Digest of the last 7 days**\n\nNo articles were published in that window. Try a longer `since:`."; orig.Content != want {
		t.Errorf("empty digest %q\nwant %q", orig.Content, want)
	}
	orig, _ = h.waitAnswer(h.fake.SlashCommand(guildActor("u1", "c1"), "digest", discordtest.String("topic", "volcanoes")))
	if !strings.Contains(orig.Content, "matches the topic or feed") || orig.Flags&discordgo.MessageFlagsEphemeral != 0 {
		t.Errorf("empty topic digest %q (flags %d)", orig.Content, orig.Flags)
	}
	h.checkHygiene()
}
