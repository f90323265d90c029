package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/retrieval"
)

func resolveArticles() []retrieval.Article {
	return []retrieval.Article{
		article("001-super-bowl-50", "Super Bowl 50", "The Broncos won."),
		article("002-warsaw", "Warsaw", "Warsaw is a city."),
		article("austin-shoigu-call", "U.S. Defense Secretary Lloyd Austin Speaks With Russia Defense Minister", "Austin urged a ceasefire."),
		article("austin-2", "U.S. Defense Secretary Lloyd Austin Visits Kyiv", "Austin visited Kyiv."),
		article("warsaw-pact", "Warsaw Pact", "An alliance."),
	}
}

func TestResolveArticle(t *testing.T) {
	e, _ := offlineEngine(t, resolveArticles()...)
	for ref, want := range map[string]string{
		"002-warsaw":                            "002-warsaw",         // exact ID
		"  002-warsaw ":                         "002-warsaw",         // trimmed
		"seeds/austin-shoigu-call.md":           "austin-shoigu-call", // file path
		"/tmp/x/001-super-bowl-50.markdown":     "001-super-bowl-50",
		"warsaw":                                "002-warsaw", // exact title beats the "Warsaw Pact" prefix
		"SUPER BOWL 50":                         "001-super-bowl-50",
		"super":                                 "001-super-bowl-50", // unique title prefix
		"warsaw p":                              "warsaw-pact",
		"U.S. Defense Secretary Lloyd Austin V": "austin-2",
		"austin-s":                              "austin-shoigu-call", // unique ID prefix
	} {
		a, err := e.ResolveArticle(context.Background(), ref)
		if err != nil || a.ID != want {
			t.Errorf("ResolveArticle(%q) = %q, %v; want %q", ref, a.ID, err, want)
			continue
		}
		if a.Body == "" {
			t.Errorf("ResolveArticle(%q) returned no body", ref)
		}
	}
}

func TestResolveArticleAmbiguous(t *testing.T) {
	e, _ := offlineEngine(t, resolveArticles()...)
	_, err := e.ResolveArticle(context.Background(), "U.S. Defense Secretary")
	var amb *AmbiguousArticleError
	if !errors.As(err, &amb) {
		t.Fatalf("error = %v, want *AmbiguousArticleError", err)
	}
	if amb.Ref != "U.S. Defense Secretary" || len(amb.Candidates) != 2 {
		t.Errorf("ambiguous: %+v", amb)
	}
	if !strings.Contains(err.Error(), "austin-2") || !strings.Contains(err.Error(), "austin-shoigu-call") {
		t.Errorf("message does not list the candidates: %v", err)
	}
	// Summarize reports the same error.
	if _, err := e.Summarize(context.Background(), "u.s.", Short, nil); !errors.As(err, &amb) {
		t.Errorf("Summarize error = %v, want ambiguous", err)
	}
}

func TestResolveArticleUnknown(t *testing.T) {
	e, _ := offlineEngine(t, resolveArticles()...)
	for _, ref := range []string{"no-such-article", "Berlin"} {
		_, err := e.ResolveArticle(context.Background(), ref)
		if !errors.Is(err, ErrUnknownArticle) || err.Error() != fmt.Sprintf("no article matches %q", ref) {
			t.Errorf("ResolveArticle(%q) error = %v", ref, err)
		}
		if _, err := e.Summarize(context.Background(), ref, Medium, nil); !errors.Is(err, ErrUnknownArticle) {
			t.Errorf("Summarize(%q) error = %v", ref, err)
		}
	}
	if _, err := e.ResolveArticle(context.Background(), " "); err == nil {
		t.Error("empty reference: no error")
	}
}

func TestParagraphsOf(t *testing.T) {
	body := "First para\nstill first.\n\n  \nSecond para.\n\n\nThird  "
	ps := paragraphsOf(body)
	want := []string{"First para\nstill first.", "Second para.", "Third"}
	if len(ps) != len(want) {
		t.Fatalf("paragraphs %+v", ps)
	}
	for i, p := range ps {
		if p.Text != want[i] || body[p.Start:p.End] != p.Text || p.N != i+1 {
			t.Errorf("paragraph %d = %+v, want %q", i, p, want[i])
		}
	}
	if len(paragraphsOf("\n \n")) != 0 {
		t.Error("blank body has paragraphs")
	}
}

func TestSummarizeOfflineSeed(t *testing.T) {
	arts := seedArticles(t)
	e, _ := offlineEngine(t, arts...)
	body := arts[0].Body
	paras := paragraphsOf(body)
	for _, tt := range []struct {
		length Length
		n      int
	}{{Short, 3}, {Medium, 6}, {Long, 10}, {"", 6}} {
		var streamed string
		ans, err := e.Summarize(context.Background(), "austin-shoigu-call", tt.length, func(d string) { streamed += d })
		if err != nil {
			t.Fatal(err)
		}
		if !ans.Extractive || !ans.Grounded || ans.Refused || streamed != ans.Text {
			t.Errorf("%s: extractive %v grounded %v streamed==text %v", tt.length, ans.Extractive, ans.Grounded, streamed == ans.Text)
		}
		markers := ParseCitations(ans.Text)
		if len(markers) != tt.n {
			t.Errorf("%s: %d cited sentences, want %d:\n%s", tt.length, len(markers), tt.n, ans.Text)
		}
		// Sentences in article order, each cited by its paragraph number.
		last := 0
		for _, m := range markers {
			n := m.Numbers[0]
			if n < last {
				t.Errorf("%s: paragraph [%d] after [%d]: not in article order", tt.length, n, last)
			}
			last = n
		}
		for _, c := range ans.Citations {
			p := paras[c.N-1]
			if c.Passage != p.Text || body[c.Start:c.End] != c.Quote || c.Start < p.Start || c.End > p.End {
				t.Errorf("%s: citation [%d] does not point into paragraph %d: %+v", tt.length, c.N, c.N, c)
			}
		}
		if strings.Contains(ans.Text, "Written by") || strings.Contains(ans.Text, "WATCH:") {
			t.Errorf("%s: boilerplate quoted:\n%s", tt.length, ans.Text)
		}
	}
	if _, err := e.Summarize(context.Background(), "austin-shoigu-call", "huge", nil); err == nil {
		t.Error("unknown length: no error")
	}
}

func TestSummarizeLLMMapReduce(t *testing.T) {
	var paras []string
	for i := 1; i <= 12; i++ {
		paras = append(paras, fmt.Sprintf("Topic%d is described in paragraph number %d with detail word%d and more words to fill the space here.", i, i, i))
	}
	a := article("long", "A long article", paras...)
	r := realRetriever(t, a)
	partial := 0
	e, srv := llmEngine(t, r, Config{ContextBudget: 400}, func(req openaitest.ChatRequest) string {
		prompt := allText(req)
		if !req.Stream {
			// A partial summary: one sentence per paragraph shown.
			partial++
			var b strings.Builder
			for i := 1; i <= 12; i++ {
				if strings.Contains(prompt, fmt.Sprintf("Topic%d is", i)) {
					fmt.Fprintf(&b, "Topic%d has word%d [%d]. ", i, i, i)
				}
			}
			return b.String()
		}
		// The final summary cites paragraphs by their original numbers,
		// plus one claim its paragraph does not support and one number
		// that is no paragraph.
		for _, s := range []string{"Topic2 has word2", "Topic11 has word11"} {
			if !strings.Contains(prompt, s) {
				return "missing partial summary " + s
			}
		}
		return "Topic2 is described with detail word2 [2]. Topic11 has detail word11 [11]. Bananas are yellow [5]. Extra [40]."
	})
	ans, err := e.Summarize(context.Background(), "long", Short, nil)
	if err != nil {
		t.Fatal(err)
	}
	if partial < 2 {
		t.Errorf("%d partial summaries, want map-reduce over several groups", partial)
	}
	reqs := srv.ChatRequests()
	if !reqs[len(reqs)-1].Stream {
		t.Error("final summary not streamed")
	}
	want := "Topic2 is described with detail word2 [2]. Topic11 has detail word11 [11]. Bananas are yellow. Extra."
	if ans.Text != want {
		t.Errorf("summary = %q, want %q", ans.Text, want)
	}
	if len(ans.Citations) != 2 || ans.Citations[0].N != 2 || ans.Citations[1].N != 11 {
		t.Errorf("citations %+v", ans.Citations)
	}
	// "Bananas are yellow" lost its citation and is marked; "Extra." says
	// nothing to check.
	var verdicts []Verdict
	for _, c := range ans.Claims {
		verdicts = append(verdicts, c.Verdict)
	}
	if fmt.Sprint(verdicts) != "[supported supported unsupported]" || ans.Grounded {
		t.Errorf("grounded %v claims %+v", ans.Grounded, ans.Claims)
	}
	if ans.Citations[1].Passage != paras[10] {
		t.Errorf("citation 11 passage = %q, want paragraph 11", ans.Citations[1].Passage)
	}
	if ans.Usage.TotalTokens == 0 {
		t.Error("usage not summed")
	}
}

func TestSummarizeLLMFitsBudget(t *testing.T) {
	arts := seedArticles(t)
	e, srv := llmEngine(t, realRetriever(t, arts...), Config{}, func(req openaitest.ChatRequest) string {
		return "Austin urged an immediate ceasefire in Ukraine [2]."
	})
	ans, err := e.Summarize(context.Background(), "austin-shoigu-call", Medium, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.ChatRequests()); n != 1 {
		t.Errorf("%d chat requests for a short article, want 1", n)
	}
	if ans.Extractive || len(ans.Citations) != 1 || ans.Citations[0].N != 2 || !strings.Contains(ans.Citations[0].Quote, "immediate ceasefire") {
		t.Errorf("summary %q citations %+v", ans.Text, ans.Citations)
	}
}
