package answer

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/retrieval"
)

// callPassages are what a question about the Austin–Shoigu call retrieves:
// [1] the call itself, [2] and [3] unrelated articles.
func callPassages() []retrieval.Passage {
	mk := func(id, title, text string) retrieval.Passage {
		a := retrieval.Article{ID: id, Title: title}
		return retrieval.Passage{Article: a, Chunk: retrieval.Chunk{ArticleID: id, Start: 0, End: len(text), Text: text}}
	}
	return []retrieval.Passage{
		mk("call", "Austin speaks with Shoigu", "Defense Secretary Lloyd Austin spoke with Russian Defense Minister Sergei Shoigu on Friday. "+
			"The two men talked for about an hour about the war in Ukraine. Austin urged an immediate ceasefire."),
		mk("bread", "Baking bread", "Sourdough bread rises slowly because wild yeast ferments the dough overnight."),
		mk("moon", "The Moon", "The Moon orbits the Earth about once every 27 days."),
	}
}

// The case the verifier exists for: a model answer that invents a
// detail, cites a passage that does not exist, and states one true fact.
func TestAskLLMClaimVerdicts(t *testing.T) {
	reply := "The call lasted about three days and ended in a treaty. [9] Austin wore a red tie. [1] " +
		"Austin urged an immediate ceasefire in Ukraine [1]."
	e, _ := llmEngine(t, newFixedRetriever(callPassages()), Config{}, func(openaitest.ChatRequest) string { return reply })
	ans, err := e.Ask(context.Background(), "How long did Austin and Shoigu talk about Ukraine?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "The call lasted about three days and ended in a treaty. Austin wore a red tie. Austin urged an immediate ceasefire in Ukraine [1]."
	if ans.Text != want {
		t.Errorf("text = %q, want %q", ans.Text, want)
	}
	if ans.Grounded || ans.Refused {
		t.Errorf("grounded %v refused %v; want an ungrounded answer", ans.Grounded, ans.Refused)
	}
	if len(ans.Citations) != 1 || ans.Citations[0].Article.ID != "call" {
		t.Fatalf("citations %+v; want only the call", ans.Citations)
	}
	if len(ans.Claims) != 3 {
		t.Fatalf("claims %+v", ans.Claims)
	}
	checkClaimSpans(t, ans)
	treaty, tie, ceasefire := ans.Claims[0], ans.Claims[1], ans.Claims[2]
	if treaty.Text != "The call lasted about three days and ended in a treaty." || treaty.Verdict != Uncited || len(treaty.Cited) != 0 {
		t.Errorf("treaty claim %+v; want uncited ([9] names no passage)", treaty)
	}
	if tie.Text != "Austin wore a red tie." || tie.Verdict != Unsupported || len(tie.Cited) != 0 || tie.Quote != "" {
		t.Errorf("tie claim %+v; want unsupported, its [1] dropped", tie)
	}
	if ceasefire.Text != "Austin urged an immediate ceasefire in Ukraine." || ceasefire.Verdict != Supported || len(ceasefire.Cited) != 1 || ceasefire.Cited[0] != 1 || ceasefire.Verifier != "lexical" {
		t.Errorf("ceasefire claim %+v; want supported by [1]", ceasefire)
	}
	body := callPassages()[0].Chunk.Text
	// "Ukraine" is in the sentence before: the quote is both.
	if !strings.HasSuffix(ceasefire.Quote, "about the war in Ukraine. Austin urged an immediate ceasefire.") || ceasefire.QuoteOf != 1 || body[ceasefire.QuoteStart:ceasefire.QuoteEnd] != ceasefire.Quote {
		t.Errorf("ceasefire quote %q of [%d] at %d:%d", ceasefire.Quote, ceasefire.QuoteOf, ceasefire.QuoteStart, ceasefire.QuoteEnd)
	}
	data, err := json.Marshal(ceasefire)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"text":`, `"start":`, `"end":`, `"cited":[1]`, `"verdict":"supported"`, `"score":`, `"quote":`, `"verifier":"lexical"`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("claim JSON %s lacks %s", data, k)
		}
	}
}

// checkClaimSpans checks that every claim's span holds its text.
func checkClaimSpans(t *testing.T, ans Answer) {
	t.Helper()
	for _, c := range ans.Claims {
		if c.Start < 0 || c.End > len(ans.Text) || c.Start > c.End {
			t.Errorf("claim %q span %d:%d outside the text", c.Text, c.Start, c.End)
			continue
		}
		if got := strings.TrimSpace(stripMarkers(ans.Text[c.Start:c.End])); got != c.Text {
			t.Errorf("text[%d:%d] = %q, want the claim %q", c.Start, c.End, got, c.Text)
		}
	}
}

func checkAnswer(t *testing.T, text string, opts citeOptions) Answer {
	t.Helper()
	res := checkWith(text, opts)
	var ans Answer
	res.applyTo(&ans)
	checkClaimSpans(t, ans)
	return ans
}

func verdictsOf(ans Answer) string {
	var vs []string
	for _, c := range ans.Claims {
		vs = append(vs, string(c.Verdict))
	}
	return strings.Join(vs, " ")
}

func TestClaimsOfClausesAndUncitedSentences(t *testing.T) {
	ans := checkAnswer(t, "Tides come from the pull of the Moon on the oceans [4], and the Moon orbits the Earth every 27 days [5]. "+
		"The Moon is made of green cheese. Austin urged an immediate ceasefire in Ukraine [2].", citeOptions{})
	if got := verdictsOf(ans); got != "supported supported uncited unsupported" {
		t.Fatalf("verdicts %q, claims %+v", got, ans.Claims)
	}
	if c := ans.Claims[1]; c.Text != "and the Moon orbits the Earth every 27 days" || c.Cited[0] != 2 {
		t.Errorf("clause claim %+v", c)
	}
	if ans.Grounded {
		t.Error("an answer with an uncited fact is grounded")
	}
	ans = checkAnswer(t, "Tides come from the pull of the Moon on the oceans [4].", citeOptions{})
	if !ans.Grounded || verdictsOf(ans) != "supported" {
		t.Errorf("grounded %v claims %+v", ans.Grounded, ans.Claims)
	}
}

func TestClaimsSkipWhatStatesNoFact(t *testing.T) {
	text := "## Key points\n\nWhat did Austin ask for? Austin urged an immediate ceasefire in Ukraine [1]. " +
		"The passages do not say how Shoigu replied. Here is what they say:\n\n- I hope this helps."
	ans := checkAnswer(t, text, citeOptions{})
	if got := verdictsOf(ans); got != "supported" || !ans.Grounded {
		t.Errorf("verdicts %q grounded %v; want the one cited fact only: %+v", got, ans.Grounded, ans.Claims)
	}
	// Nothing cited, nothing factual: not grounded.
	if ans := checkAnswer(t, "What did Austin ask for?", citeOptions{}); ans.Grounded || len(ans.Claims) != 0 {
		t.Errorf("a question alone: grounded %v claims %+v", ans.Grounded, ans.Claims)
	}
	for s, want := range map[string]bool{
		"Austin urged a ceasefire.": true, "Why?": false, "Summary:": false, "Yes.": false,
		"Lloyd Austin Speaks With Shoigu": false, "The articles do not mention the weather.": false,
		"Thank you for asking about the call.": false,
	} {
		if factual(s) != want {
			t.Errorf("factual(%q) = %v, want %v", s, !want, want)
		}
	}
}

func TestVerifierOffKeepsEveryValidCitation(t *testing.T) {
	ans := checkAnswer(t, "Bread needs flour [5]. The Moon is made of cheese [9].", citeOptions{Verifier: VerifierOff})
	if got := verdictsOf(ans); got != "supported uncited" || ans.Claims[0].Verifier != "off" || len(ans.Citations) != 1 {
		t.Errorf("verdicts %q claims %+v", got, ans.Claims)
	}
}

// failingVerifier fails, as an LLM judge does when its model is down.
type failingVerifier struct{ err error }

func (failingVerifier) Name() string { return "llm" }

func (f failingVerifier) Verify(context.Context, string, []Statement, []string) ([][]Judgment, error) {
	return nil, f.err
}

func TestVerifierFailureFailsTheAnswer(t *testing.T) {
	cause := errors.New("judge model down")
	e, _ := llmEngine(t, newFixedRetriever(callPassages()), Config{Verifier: failingVerifier{cause}},
		func(openaitest.ChatRequest) string { return "Austin urged an immediate ceasefire [1]." })
	_, err := e.Ask(context.Background(), "What did Austin urge in Ukraine?", nil, nil)
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), "verify citations (llm)") {
		t.Errorf("error %v, want the verifier's, named once", err)
	}
	// Extractive answers quote passages and are checked offline.
	e, err = NewEngine(Config{Retriever: newFixedRetriever(callPassages()), Verifier: failingVerifier{cause}})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := e.Ask(context.Background(), "What did Austin urge in Ukraine?", nil, nil)
	if err != nil || !ans.Grounded {
		t.Errorf("extractive with an LLM verifier configured: %v grounded %v", err, ans.Grounded)
	}
}

func TestLexicalVerifierJudgesDetails(t *testing.T) {
	passages := []string{callPassages()[0].Chunk.Text, callPassages()[2].Chunk.Text}
	for _, tc := range []struct {
		claim string
		cited int
		want  bool
	}{
		{"Austin and Shoigu talked for about an hour about the war in Ukraine.", 0, true},
		{"Austin spoke with Shoigu about Ukraine for about 1 hour.", 0, true},
		{"The Moon orbits the Earth every 27 days.", 1, true},
		{"The Moon orbits the Earth every 45 days.", 1, false}, // a wrong number
		{"Austin wore a red tie.", 0, false},
		{"Sourdough bread rises slowly.", 1, false},
	} {
		js, err := LexicalVerifier{}.Verify(context.Background(), "", []Statement{{Text: tc.claim, Sentence: tc.claim, Cited: []int{tc.cited}}}, passages)
		if err != nil {
			t.Fatal(err)
		}
		if got := js[0][0]; got.Supported != tc.want {
			t.Errorf("%q: supported %v (score %.3f), want %v", tc.claim, got.Supported, got.Score, tc.want)
		}
	}
}

// Extractive answers and summaries quote their passages word for word:
// every claim is supported, whatever the verifier's weights.
func TestExtractiveClaimsAllSupported(t *testing.T) {
	arts := seedArticles(t)
	e, err := NewEngine(Config{Retriever: realRetriever(t, arts...)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	answered := 0
	for _, q := range []string{
		austinQuestion,
		"How long did the call between Austin and Shoigu last?",
		"Who took part in the call?",
		"When did the two defense chiefs last speak?",
		"What did the Pentagon say about the call?",
	} {
		ans, err := e.Ask(ctx, q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Refused {
			continue
		}
		answered++
		checkAllSupported(t, q, ans)
	}
	if answered < 3 {
		t.Errorf("only %d of the questions answered", answered)
	}
	for _, a := range arts {
		for _, l := range []Length{Short, Long} {
			ans, err := e.Summarize(ctx, a.ID, l, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkAllSupported(t, "summary of "+a.ID, ans)
		}
	}
}

func checkAllSupported(t *testing.T, what string, ans Answer) {
	t.Helper()
	checkClaimSpans(t, ans)
	if !ans.Grounded || len(ans.Claims) == 0 {
		t.Errorf("%s: grounded %v with %d claims: %q", what, ans.Grounded, len(ans.Claims), ans.Text)
	}
	for _, c := range ans.Claims {
		if c.Verdict != Supported || c.Score != 1 {
			t.Errorf("%s: claim %q is %s (score %.3f)", what, c.Text, c.Verdict, c.Score)
		}
	}
}
