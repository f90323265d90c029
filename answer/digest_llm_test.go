package answer

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
)

// articleBlock finds the articles of a digest prompt: number and text.
var articleBlock = regexp.MustCompile(`(?s)<article n="(\d+)"[^>]*>\n(.*?)\n</article>`)

// storyReply answers a digest prompt as a careful model would: the first
// sentence of each of the first two articles, each citing its article.
func storyReply(req openaitest.ChatRequest) string {
	var b strings.Builder
	for i, m := range articleBlock.FindAllStringSubmatch(allText(req), 2) {
		first, _, _ := strings.Cut(m[2], "\n")
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimSpace(first) + " [" + m[1] + "]")
	}
	return b.String()
}

// With a chat model a digest of 30 articles takes one request per story
// shown and no more: the documented budget (stories + 1 with the model
// verifier, which this engine does not use).
func TestDigestLLMRequestBudget(t *testing.T) {
	ix := realRetriever(t, digestLibrary(t)...)
	eng, srv := llmEngine(t, ix, Config{Now: func() time.Time { return digestNow }}, storyReply)
	req := lastWeekRequest()
	req.MaxArticles = 30
	var streamed strings.Builder
	d, err := eng.Digest(context.Background(), req, func(s string) { streamed.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, s := range d.Stories {
		covered += len(s.Articles)
	}
	chats := len(srv.ChatRequests())
	t.Logf("%d articles, %d stories, %d chat requests, %d counted", covered, len(d.Stories), chats, d.Requests)
	if covered != 30 {
		t.Errorf("the stories cover %d articles, want 30", covered)
	}
	if chats != d.Requests || chats > len(d.Stories)+1 || chats > digestShapes[Medium].stories+1 {
		t.Errorf("%d chat requests (%d counted) for %d stories: over the budget of stories+1", chats, d.Requests, len(d.Stories))
	}
	for _, r := range srv.ChatRequests() {
		if n := len(allText(r)); n > DefaultContextBudget+4000 {
			t.Errorf("a story request carries %d bytes, over the context budget %d plus the prompt", n, DefaultContextBudget)
		}
	}
	if d.Extractive || d.Fallback {
		t.Errorf("digest with a model: extractive %v, fallback %v", d.Extractive, d.Fallback)
	}
	checkDigestInvariants(t, d)
	if !strings.Contains(streamed.String(), "[") {
		t.Errorf("nothing of the model's output was streamed: %q", streamed.String())
	}
}

// Article texts are cut so that one story's request fits the context
// budget.
func TestDigestLLMFitsContextBudget(t *testing.T) {
	ix := realRetriever(t, digestLibrary(t)...)
	eng, srv := llmEngine(t, ix, Config{Now: func() time.Time { return digestNow }, ContextBudget: 600}, storyReply)
	if _, err := eng.Digest(context.Background(), lastWeekRequest(), nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.ChatRequests() {
		text := 0
		for _, m := range articleBlock.FindAllStringSubmatch(allText(r), -1) {
			text += len(m[2])
		}
		if text > 600 {
			t.Errorf("a story request carries %d bytes of article text, over the budget of 600", text)
		}
	}
}

// A story whose articles do not fit the context budget is written
// map-reduce: each group of articles that fits is written up in one
// request, and a last request writes the story from those sentences,
// which still cite the original article numbers. Every request fits the
// budget, the count is what Digest.Requests says, and the story's
// sentences stay cited and supported.
func TestDigestLLMMapReducesABigStory(t *testing.T) {
	ix := realRetriever(t, digestLibrary(t)...)
	const budget = 900
	eng, srv := llmEngine(t, ix, Config{Now: func() time.Time { return digestNow }, ContextBudget: budget}, storyReply)
	req := lastWeekRequest()
	req.Topic = "Port of Brennan strike"
	d, err := eng.Digest(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(d.Stories) == 0 || len(reqs) <= len(d.Stories) {
		t.Fatalf("%d requests for %d stories: no map-reduce happened", len(reqs), len(d.Stories))
	}
	if len(reqs) != d.Requests {
		t.Errorf("%d chat requests, Digest.Requests says %d", len(reqs), d.Requests)
	}
	for _, r := range reqs {
		text := 0
		for _, m := range articleBlock.FindAllStringSubmatch(allText(r), -1) {
			text += len(m[2])
		}
		if text > budget {
			t.Errorf("a request carries %d bytes of article text, over the budget of %d", text, budget)
		}
	}
	// The reduce request is shown the map requests' sentences, under the
	// numbers of the articles they cite.
	last := allText(reqs[len(reqs)-1])
	first := articleBlock.FindAllStringSubmatch(allText(reqs[0]), 1)
	if len(first) == 0 || !strings.Contains(last, strings.TrimSpace(strings.SplitN(first[0][2], "\n", 2)[0])) {
		t.Errorf("the reduce request does not carry the map step's sentences:\n%s", last)
	}
	checkDigestInvariants(t, d)
	t.Logf("%d stories, %d requests", len(d.Stories), len(reqs))
}

// A sentence of the model that cites no article it was shown is marked
// like an answer's, and the digest is not grounded.
func TestDigestLLMUncitedSentenceIsMarked(t *testing.T) {
	ix := realRetriever(t, digestLibrary(t)...)
	reply := func(req openaitest.ChatRequest) string {
		return storyReply(req) + " The harbour will be sold to a foreign buyer next year [99]."
	}
	eng, _ := llmEngine(t, ix, Config{Now: func() time.Time { return digestNow }}, reply)
	req := lastWeekRequest()
	req.Topic = "Port of Brennan strike"
	d, err := eng.Digest(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Grounded {
		t.Errorf("digest with an invented sentence is grounded:\n%s", d.Text)
	}
	flagged := 0
	for _, c := range d.Claims {
		if c.Flagged() {
			flagged++
			if !strings.Contains(c.Text, "foreign buyer") {
				t.Errorf("flagged %q, want only the invented sentence", c.Text)
			}
		}
	}
	if flagged != len(d.Stories) {
		t.Errorf("%d sentences flagged, want %d (one per story)", flagged, len(d.Stories))
	}
	if marked := MarkText(d.Answer, "⚠"); !strings.Contains(marked, "next year. ⚠") {
		t.Errorf("the invented sentence is not marked:\n%s", marked)
	}
}

// When the model is down the digest is written offline, and says so.
func TestDigestLLMFallsBackOffline(t *testing.T) {
	eng, err := NewEngine(Config{Retriever: realRetriever(t, digestLibrary(t)...), LLM: failingLLM{errors.New("connection refused")},
		Prompts: mustPrompts(t), Now: func() time.Time { return digestNow }})
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Digest(context.Background(), lastWeekRequest(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Fallback || !d.Extractive || d.FallbackError == "" {
		t.Errorf("fallback %v, extractive %v, error %q", d.Fallback, d.Extractive, d.FallbackError)
	}
	checkDigestInvariants(t, d)
	eng.cfg.NoFallback = true
	var me *ModelError
	if _, err := eng.Digest(context.Background(), lastWeekRequest(), nil); !errors.As(err, &me) {
		t.Errorf("NoFallback: error %v, want a *ModelError", err)
	}
}

func mustPrompts(t testing.TB) *prompts.Renderer {
	t.Helper()
	r, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}
