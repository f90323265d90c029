package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// choices decodes an autocomplete callback.
func choices(t *testing.T, c discordtest.Call) []map[string]any {
	t.Helper()
	if bodyType(c) != 8 {
		t.Fatalf("autocomplete answered with type %d", bodyType(c))
	}
	var out []map[string]any
	d, _ := c.Body["data"].(map[string]any)
	list, _ := d["choices"].([]any)
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestSummarizeAutocompleteAndSummary(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	eng.articles = append(eng.articles,
		retrieval.Article{ID: "ukraine-talks", Title: "Talks between Austin and Shoigu resume"},
		retrieval.Article{ID: "weather", Title: "Weather in Kyiv"},
	)
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	user := guildActor("u1", "c1")

	// Prefix matches first, then substring matches; case-insensitive.
	sent := h.fake.Autocomplete(user, "summarize", discordtest.Focused("article", "aUs"))
	got := choices(t, h.callback(sent))
	if len(got) != 2 || got[0]["value"] != "austin-shoigu-call" || got[1]["value"] != "ukraine-talks" {
		t.Errorf("'aUs' (ID prefix, then title substring) offered %v", got)
	}
	sent = h.fake.Autocomplete(user, "summarize", discordtest.Focused("article", "KYIV"))
	if got := choices(t, h.callback(sent)); len(got) != 1 || got[0]["value"] != "weather" {
		t.Errorf("'KYIV' offered %v", got)
	}
	if name, _ := got[0]["name"].(string); !strings.HasPrefix(name, "U.S. Defense Secretary") || textLen(name) > 100 {
		t.Errorf("choice name %q", name)
	}
	sent = h.fake.Autocomplete(user, "summarize", discordtest.Focused("article", ""))
	if got := choices(t, h.callback(sent)); len(got) != 3 {
		t.Errorf("empty input offered %d articles, want all 3", len(got))
	}

	sent = h.fake.SlashCommand(user, "summarize", discordtest.String("article", "austin-shoigu-call"), discordtest.String("length", "short"))
	orig, _ := h.waitAnswer(sent)
	if !strings.HasPrefix(orig.Content, "📰 **Summary of [U.S. Defense Secretary") || !strings.Contains(orig.Content, "(short)") ||
		!strings.Contains(orig.Content, "[1]") || len(orig.Embeds) != 1 {
		t.Errorf("summary = %q", orig.Content)
	}
	sent = h.fake.SlashCommand(user, "summarize", discordtest.String("article", "no-such-thing"))
	if text := h.waitPrivateFailure(sent); !strings.Contains(text, "I don't know an article called") {
		t.Errorf("unknown article = %q", text)
	}
	h.checkHygiene()
}

func TestMatchArticlesTop25(t *testing.T) {
	var list []retrieval.Article
	for i := 0; i < 40; i++ {
		list = append(list, retrieval.Article{ID: fmt.Sprintf("a%02d", i), Title: fmt.Sprintf("Report %02d on the war", i)})
	}
	list = append(list, retrieval.Article{ID: "z", Title: "War report"})
	got := matchArticles(list, "war", 25)
	if len(got) != 25 || got[0].ID != "z" {
		t.Errorf("'war': %d results, first %q; want 25 with the prefix match first", len(got), got[0].ID)
	}
	if got := matchArticles(list, "REPORT 07", 25); len(got) != 1 || got[0].ID != "a07" {
		t.Errorf("'REPORT 07' = %v", got)
	}
	if got := matchArticles(list, "nothing like it", 25); len(got) != 0 {
		t.Errorf("no match returned %d", len(got))
	}
}

func TestArticlesPagination(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	eng.articles = nil
	for i := 0; i < 23; i++ {
		eng.articles = append(eng.articles, retrieval.Article{ID: fmt.Sprintf("art-%02d", i), Title: fmt.Sprintf("Article %02d", i), Source: "https://example.com/" + fmt.Sprint(i)})
	}
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	user := guildActor("u1", "c1")
	sent := h.fake.SlashCommand(user, "articles")
	if cb := h.callback(sent); bodyType(cb) != 5 {
		t.Errorf("/articles first response type %d", bodyType(cb))
	}
	var page discordgo.Message
	waitUntil(t, func() bool { page, _ = h.fake.OriginalResponse(sent.ID); return len(page.Embeds) == 1 })
	if f := page.Embeds[0].Footer; f == nil || !strings.HasPrefix(f.Text, "Page 1 of 3") {
		t.Errorf("footer = %+v", f)
	}
	if !strings.Contains(page.Embeds[0].Description, "1. [Article 00](https://example.com/0)") || strings.Contains(page.Embeds[0].Description, "Article 10") {
		t.Errorf("page 1 = %q", page.Embeds[0].Description)
	}
	prev, next := pageButtons(t, page)
	if !prev.Disabled || next.Disabled || next.CustomID != "art:2" {
		t.Errorf("buttons = %+v %+v", prev, next)
	}
	click := h.fake.ClickButton(user, page.ID, next.CustomID)
	if cb := h.callback(click); bodyType(cb) != 6 {
		t.Errorf("button click first response type %d, want 6 (deferred update)", bodyType(cb))
	}
	waitUntil(t, func() bool {
		m, _ := h.fake.Message(page.ID)
		return len(m.Embeds) == 1 && m.Embeds[0].Footer != nil && strings.HasPrefix(m.Embeds[0].Footer.Text, "Page 2 of 3")
	})
	// Page 3 is the last: next disabled. A page past the end is clamped.
	sent = h.fake.SlashCommand(user, "articles", discordtest.Int("page", 9))
	waitUntil(t, func() bool { page, _ = h.fake.OriginalResponse(sent.ID); return len(page.Embeds) == 1 })
	if _, next := pageButtons(t, page); !next.Disabled || !strings.Contains(page.Embeds[0].Description, "23. ") {
		t.Errorf("last page = %q", page.Embeds[0].Description)
	}
	h.checkHygiene()
}

func pageButtons(t *testing.T, m discordgo.Message) (discordgo.Button, discordgo.Button) {
	t.Helper()
	if len(m.Components) != 1 {
		t.Fatalf("%d component rows", len(m.Components))
	}
	row := m.Components[0].(*discordgo.ActionsRow)
	return *row.Components[0].(*discordgo.Button), *row.Components[1].(*discordgo.Button)
}

func TestSearchIsEphemeral(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	for i := 0; i < 7; i++ {
		eng.search = append(eng.search, retrieval.Passage{
			Article: seedArticle, Score: 0.9 - float64(i)/10,
			Chunk: retrieval.Chunk{Text: strings.Repeat("Austin urged an immediate ceasefire. ", 40)},
		})
	}
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "search", discordtest.String("query", "ceasefire"))
	cb := h.callback(sent)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 == 0 {
		t.Errorf("/search first response type %d flags %d, want ephemeral deferred", bodyType(cb), bodyFlags(cb))
	}
	var m discordgo.Message
	waitUntil(t, func() bool { m, _ = h.fake.OriginalResponse(sent.ID); return len(m.Embeds) == 1 })
	fields := m.Embeds[0].Fields
	if len(fields) != DefaultSearchK || !strings.HasPrefix(fields[0].Name, "1. U.S. Defense") || !strings.Contains(fields[0].Name, "score 0.900") ||
		!strings.Contains(fields[0].Value, "[source](https://www.latinpost.com/") {
		t.Errorf("search embed fields = %d, first %+v", len(fields), fields[0])
	}
	if m.Flags&64 == 0 {
		t.Error("search results are not ephemeral")
	}
	h.checkHygiene()
}

func TestHelp(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), AutoThread: true, AskChannels: []string{"ask"}}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "help")
	cb := h.callback(sent)
	content := bodyContent(cb)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !strings.Contains(content, "/ask") || !strings.Contains(content, "<#ask>") || !strings.Contains(content, "thread") {
		t.Errorf("help = type %d: %q", bodyType(cb), content)
	}
	h.checkHygiene()
}

func TestFeedbackIsStoredHashed(t *testing.T) {
	t.Parallel()
	sink := &feedbackSink{}
	h := startBot(t, Config{Engine: newFakeEngine(), Feedback: sink, FeedbackSalt: "pepper"}, discordtest.Options{})
	user := guildActor("u1", "c1")
	sent := h.fake.SlashCommand(user, "ask", discordtest.String("question", "What did Austin urge?"))
	orig, _ := h.waitAnswer(sent)
	up, down := feedbackIDs(t, orig)

	click := h.fake.ClickButton(guildActor("voter", "c1"), orig.ID, up)
	cb := h.callback(click)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 == 0 {
		t.Errorf("vote acknowledged with type %d flags %d, want ephemeral", bodyType(cb), bodyFlags(cb))
	}
	waitUntil(t, func() bool {
		m, _ := h.fake.OriginalResponse(click.ID)
		return strings.Contains(m.Content, "Thanks")
	})
	got := sink.all()
	if len(got) != 1 {
		t.Fatalf("%d feedback stored", len(got))
	}
	f := got[0]
	sum := sha256.Sum256([]byte("pepper\x00voter"))
	if f.Vote != 1 || f.UserHash != hex.EncodeToString(sum[:]) || f.Question != "What did Austin urge?" ||
		!strings.Contains(f.Answer, "ceasefire") || len(f.Citations) != 1 || f.Citations[0] != "austin-shoigu-call" ||
		f.GuildID != "g1" || f.ChannelID != "c1" || f.Time.IsZero() {
		t.Errorf("feedback = %+v", f)
	}
	// After a restart the record is gone; the vote still keeps what the
	// message shows.
	h.bot.records = newLRU[string, *answerRecord](10)
	h.fake.ClickButton(guildActor("voter2", "c1"), orig.ID, down)
	waitUntil(t, func() bool { return len(sink.all()) == 2 })
	f = sink.all()[1]
	if f.Vote != -1 || f.Question != "What did Austin urge?" || !strings.Contains(f.Answer, "ceasefire") || len(f.Citations) != 1 {
		t.Errorf("feedback from the message = %+v", f)
	}
	h.checkHygiene()
}

func feedbackIDs(t *testing.T, m discordgo.Message) (up, down string) {
	t.Helper()
	if len(m.Components) != 1 {
		t.Fatalf("no feedback buttons on %q", m.Content)
	}
	row := m.Components[0].(*discordgo.ActionsRow)
	return row.Components[0].(*discordgo.Button).CustomID, row.Components[1].(*discordgo.Button).CustomID
}
