package answer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

const austinQuestion = "What did Lloyd Austin urge during his call with Sergei Shoigu?"

// farOutQuestions are about things no seed article covers.
var farOutQuestions = []string{
	"Who won the 2018 FIFA World Cup final?",
	"How do I bake sourdough bread at home?",
	"What was Apple's closing stock price yesterday?",
}

func TestNewEngineErrors(t *testing.T) {
	if _, err := NewEngine(Config{}); err == nil {
		t.Error("no retriever: no error")
	}
	if _, err := NewEngine(Config{Retriever: newFixedRetriever(nil), LLM: chatLLM(t, "http://localhost:1/v1")}); err == nil {
		t.Error("LLM without prompts: no error")
	}
	e, err := NewEngine(Config{Retriever: newFixedRetriever(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.K != DefaultK || e.cfg.RefusalFloor != DefaultRefusalFloor || e.cfg.SupportThreshold != DefaultSupportThreshold || e.cfg.ContextBudget != DefaultContextBudget {
		t.Errorf("defaults not filled: %+v", e.cfg)
	}
}

func TestAskEmptyQuestion(t *testing.T) {
	e, r := offlineEngine(t, seedArticles(t)...)
	for _, q := range []string{"", "   \n\t"} {
		if _, err := e.Ask(context.Background(), q, nil, nil); !errors.Is(err, ErrEmptyQuestion) {
			t.Errorf("Ask(%q) error = %v, want ErrEmptyQuestion", q, err)
		}
	}
	if n := r.searches.Load(); n != 0 {
		t.Errorf("an empty question searched %d times", n)
	}
}

func TestAskOfflineAustin(t *testing.T) {
	arts := seedArticles(t)
	e, r := offlineEngine(t, arts...)
	var streamed strings.Builder
	ans, err := e.Ask(context.Background(), austinQuestion, nil, func(d string) { streamed.WriteString(d) })
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Extractive || !ans.Grounded || ans.Refused {
		t.Errorf("extractive %v grounded %v refused %v", ans.Extractive, ans.Grounded, ans.Refused)
	}
	if !strings.Contains(ans.Text, `"immediate ceasefire"`) || !strings.Contains(ans.Text, "[1]") {
		t.Errorf("answer lacks the ceasefire sentence with [1]:\n%s", ans.Text)
	}
	if streamed.String() != ans.Text {
		t.Errorf("streamed %q, final %q", streamed.String(), ans.Text)
	}
	if len(ans.Citations) != 1 {
		t.Fatalf("citations: %+v", ans.Citations)
	}
	c := ans.Citations[0]
	if c.N != 1 || c.Article.ID != "austin-shoigu-call" || c.Article.Author != "Mary Webber" {
		t.Errorf("citation: %+v", c)
	}
	body := arts[0].Body
	if c.Start < 0 || c.End > len(body) || body[c.Start:c.End] != c.Quote || !strings.Contains(c.Passage, c.Quote) {
		t.Errorf("quote %q not at body[%d:%d]", c.Quote, c.Start, c.End)
	}
	if ans.Timings.Total < ans.Timings.Retrieval || len(ans.Passages) == 0 {
		t.Errorf("timings %+v, %d passages", ans.Timings, len(ans.Passages))
	}
	if r.rarityCalls.Load() == 0 {
		t.Error("the extractive reader did not ask the index for library-wide term rarity")
	}
}

func TestAskOfflineFollowUp(t *testing.T) {
	e, r := offlineEngine(t, seedArticles(t)...)
	history := []Turn{{Question: austinQuestion, Answer: "Austin urged an immediate ceasefire [1]."}}
	ans, err := e.Ask(context.Background(), "How long did it last?", history, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := austinQuestion + " How long did it last?"; r.lastQuery() != want {
		t.Errorf("query = %q, want %q (previous question + new one)", r.lastQuery(), want)
	}
	if ans.Refused || !strings.Contains(ans.Text, "about an hour") {
		t.Errorf("follow-up answer: refused %v\n%s", ans.Refused, ans.Text)
	}
}

func TestAskFarOutRefused(t *testing.T) {
	e, _ := offlineEngine(t, seedArticles(t)...)
	for _, q := range farOutQuestions {
		var streamed string
		ans, err := e.Ask(context.Background(), q, nil, func(d string) { streamed += d })
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Refused || ans.Grounded || len(ans.Citations) != 0 || ans.Text != RefusalText || streamed != RefusalText {
			t.Errorf("%q: refused %v grounded %v citations %d text %q", q, ans.Refused, ans.Grounded, len(ans.Citations), ans.Text)
		}
	}
}

func TestAskRefusalSuggestsClosestArticles(t *testing.T) {
	r := newFixedRetriever(testPassages())
	e, err := NewEngine(Config{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := e.Ask(context.Background(), "When will the volcano on Io erupt again?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused || len(ans.Suggestions) != 3 || ans.Suggestions[0] != "Austin speaks with Shoigu" {
		t.Errorf("refused %v suggestions %q", ans.Refused, ans.Suggestions)
	}
	// A negative floor never refuses early.
	e, _ = NewEngine(Config{Retriever: r, RefusalFloor: -1})
	if ans, _ := e.Ask(context.Background(), "When will the volcano on Io erupt again?", nil, nil); ans.Refused && ans.Text == RefusalText && len(ans.Citations) == 0 && len(ans.Passages) == 0 {
		t.Errorf("floor -1 still refused early: %+v", ans)
	}
}

func TestAskEarlyRefusalMakesNoLLMCall(t *testing.T) {
	e, srv := llmEngine(t, realRetriever(t, seedArticles(t)...), Config{}, func(openaitest.ChatRequest) string {
		return "Should not be asked [1]."
	})
	for _, q := range farOutQuestions {
		ans, err := e.Ask(context.Background(), q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Refused || len(ans.Citations) != 0 {
			t.Errorf("%q: refused %v citations %d", q, ans.Refused, len(ans.Citations))
		}
	}
	if n := len(srv.ChatRequests()); n != 0 {
		t.Errorf("early refusals made %d chat requests, want 0", n)
	}
}

// llmQuestion is covered well by testPassages, so it passes the floor.
const llmQuestion = "What immediate ceasefire did Austin seek in Ukraine?"

func TestAskLLMDropsOutOfRangeCitation(t *testing.T) {
	reply := "Austin urged an immediate ceasefire in Ukraine [1][7]. The call lasted about an hour [3, 9]."
	e, srv := llmEngine(t, newFixedRetriever(testPassages()), Config{}, func(openaitest.ChatRequest) string { return reply })
	var streamed strings.Builder
	ans, err := e.Ask(context.Background(), llmQuestion, nil, func(d string) { streamed.WriteString(d) })
	if err != nil {
		t.Fatal(err)
	}
	if streamed.String() != reply {
		t.Errorf("streamed %q, want the raw reply", streamed.String())
	}
	if strings.Contains(ans.Text, "[7]") || strings.Contains(ans.Text, "[9]") {
		t.Errorf("out-of-range citation shown: %q", ans.Text)
	}
	if want := "Austin urged an immediate ceasefire in Ukraine [1]. The call lasted about an hour [1]."; ans.Text != want {
		t.Errorf("text = %q, want %q", ans.Text, want)
	}
	if !ans.Grounded || ans.Extractive || len(ans.Citations) != 1 || ans.Citations[0].Article.ID != "austin" {
		t.Errorf("grounded %v extractive %v citations %+v", ans.Grounded, ans.Extractive, ans.Citations)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 || !reqs[0].Stream {
		t.Fatalf("%d chat requests; want one streamed", len(reqs))
	}
	// The prompt numbers the five passages.
	prompt := allText(reqs[0])
	for _, s := range []string{"Sourdough bread rises slowly", "27 days", llmQuestion} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q", s)
		}
	}
	if ans.Usage.TotalTokens == 0 || ans.Timings.LLM <= 0 {
		t.Errorf("usage %+v timings %+v", ans.Usage, ans.Timings)
	}
}

func TestAskLLMUnsupportedCitationUngrounded(t *testing.T) {
	reply := "Sourdough bread rises overnight because wild yeast ferments the dough [1]."
	e, _ := llmEngine(t, newFixedRetriever(testPassages()), Config{}, func(openaitest.ChatRequest) string { return reply })
	ans, err := e.Ask(context.Background(), llmQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Grounded || ans.Refused || len(ans.Citations) != 0 {
		t.Errorf("grounded %v refused %v citations %+v; want ungrounded, no citations", ans.Grounded, ans.Refused, ans.Citations)
	}
	if ans.Text != "Sourdough bread rises overnight because wild yeast ferments the dough." {
		t.Errorf("text = %q, want the marker removed", ans.Text)
	}

	// One supported and one unsupported claim: only the bad marker goes.
	reply = "Austin urged an immediate ceasefire in Ukraine [1]. Sourdough rises overnight with wild yeast [3]."
	ans, err = e.Ask(context.Background(), llmQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Austin urged an immediate ceasefire in Ukraine [1]. Sourdough rises overnight with wild yeast."; ans.Text != want {
		t.Errorf("text = %q, want %q", ans.Text, want)
	}
	// The unsupported sentence stays, marked, and the answer is not
	// grounded: one of its facts has no source.
	if ans.Grounded || len(ans.Claims) != 2 || ans.Claims[0].Verdict != Supported || ans.Claims[1].Verdict != Unsupported {
		t.Errorf("grounded %v claims %+v; want supported then unsupported", ans.Grounded, ans.Claims)
	}
}

func TestAskLLMRefusalOutput(t *testing.T) {
	for _, reply := range []string{
		"The passages do not contain information about that.",
		"I couldn't find that in the articles [2].",
	} {
		e, _ := llmEngine(t, newFixedRetriever(testPassages()), Config{}, func(openaitest.ChatRequest) string { return reply })
		ans, err := e.Ask(context.Background(), llmQuestion, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Refused || len(ans.Citations) != 0 || ans.Grounded || strings.Contains(ans.Text, "[") || len(ans.Suggestions) == 0 {
			t.Errorf("%q: refused %v citations %d grounded %v text %q suggestions %q", reply, ans.Refused, len(ans.Citations), ans.Grounded, ans.Text, ans.Suggestions)
		}
	}
}

func TestAskFollowUpUsesRewrite(t *testing.T) {
	const rewritten = "How long did the call between Austin and Shoigu last?"
	r := newSpyIndex(t, seedArticles(t)...)
	e, srv := llmEngine(t, r, Config{}, func(req openaitest.ChatRequest) string {
		if !req.Stream {
			return "Standalone question: \"" + rewritten + "\"\n"
		}
		return "The call lasted about an hour [1]."
	})
	history := []Turn{{Question: austinQuestion, Answer: "Austin urged an immediate ceasefire [1]."}}
	ans, err := e.Ask(context.Background(), "How long did it last?", history, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.lastQuery() != rewritten {
		t.Errorf("retrieval query = %q, want the rewrite %q", r.lastQuery(), rewritten)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 || reqs[0].Stream || !reqs[1].Stream {
		t.Fatalf("chat requests: %d (want rewrite, then streamed answer)", len(reqs))
	}
	if p := allText(reqs[0]); !strings.Contains(p, "How long did it last?") || !strings.Contains(p, austinQuestion) {
		t.Errorf("rewrite prompt lacks the question or history:\n%s", p)
	}
	if !ans.Grounded || ans.Text != "The call lasted about an hour [1]." {
		t.Errorf("answer %q grounded %v", ans.Text, ans.Grounded)
	}
	if ans.Usage.TotalTokens == 0 {
		t.Error("usage of rewrite + answer not recorded")
	}
}

func TestAskFollowUpUnusableRewriteFallsBack(t *testing.T) {
	r := newSpyIndex(t, seedArticles(t)...)
	e, _ := llmEngine(t, r, Config{}, func(req openaitest.ChatRequest) string {
		if !req.Stream {
			return "   \n"
		}
		return "The call lasted about an hour [1]."
	})
	history := []Turn{{Question: austinQuestion}}
	if _, err := e.Ask(context.Background(), "How long did it last?", history, nil); err != nil {
		t.Fatal(err)
	}
	if want := austinQuestion + " How long did it last?"; r.lastQuery() != want {
		t.Errorf("query = %q, want the offline fallback %q", r.lastQuery(), want)
	}
}

func TestAskSearchError(t *testing.T) {
	r := newSpyIndex(t, seedArticles(t)...)
	r.fail = errors.New("index is closed")
	e, _ := NewEngine(Config{Retriever: r})
	if _, err := e.Ask(context.Background(), austinQuestion, nil, nil); err == nil || !strings.Contains(err.Error(), "index is closed") {
		t.Errorf("error = %v", err)
	}
}

func TestAskCanceled(t *testing.T) {
	e, _ := offlineEngine(t, seedArticles(t)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Ask(ctx, austinQuestion, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestSearchAndArticlesPassThrough(t *testing.T) {
	e, r := offlineEngine(t, seedArticles(t)...)
	ps, err := e.Search(context.Background(), "ceasefire", 2)
	if err != nil || len(ps) == 0 || ps[0].Article.ID != "austin-shoigu-call" {
		t.Fatalf("Search: %v %+v", err, ps)
	}
	if r.lastQuery() != "ceasefire" {
		t.Errorf("query %q", r.lastQuery())
	}
	as, err := e.Articles(context.Background())
	if err != nil || len(as) != 1 || as[0].Title == "" {
		t.Errorf("Articles: %v %+v", err, as)
	}
}
