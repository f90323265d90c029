package answer

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

func TestReadEvalFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	data := `{"id": "a", "question": "Where is it?", "answers": ["Sydney"], "article": "031-private-school.md"}

{"id": "b", "question": "Who?", "answers": [], "article": "x.md"}
`
	if err := os.WriteFile(good, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	items, err := ReadEvalFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Answers[0] != "Sydney" || items[0].Article != "031-private-school.md" || len(items[1].Answers) != 0 {
		t.Errorf("items %+v", items)
	}
	for name, body := range map[string]string{
		"bad.jsonl":   `{"question": "ok?", "answers": []}` + "\n\n" + `{"question": broken}` + "\n",
		"empty.jsonl": `{"question": "ok?"}` + "\n\n" + `{"answers": ["x"]}` + "\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadEvalFile(p)
		if err == nil || !strings.Contains(err.Error(), name+":3:") {
			t.Errorf("%s: error %v, want one naming line 3", name, err)
		}
	}
	if _, err := ReadEvalFile(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestNormalizeAndScores(t *testing.T) {
	for in, want := range map[string]string{
		"The  Denver Broncos!":    "denver broncos",
		"an apple, a pear":        "apple pear",
		"Théâtre (of the) absurd": "théâtre of absurd",
		"$50,000":                 "50000",
	} {
		if got := normalizeAnswer(in); got != want {
			t.Errorf("normalizeAnswer(%q) = %q, want %q", in, got, want)
		}
	}
	em, f1, contains := answerScores("The Denver Broncos [1].", []string{"Carolina Panthers", "Denver Broncos"})
	if em != 1 || f1 != 1 || !contains {
		t.Errorf("exact: em %v f1 %v contains %v", em, f1, contains)
	}
	em, f1, contains = answerScores("The Broncos beat the Panthers [2].", []string{"Denver Broncos"})
	// pred: broncos beat panthers (3), ref: denver broncos (2), 1 shared:
	// P 1/3, R 1/2, F1 0.4.
	if em != 0 || math.Abs(f1-0.4) > 1e-9 || contains {
		t.Errorf("partial: em %v f1 %v contains %v", em, f1, contains)
	}
	// Containment respects word boundaries.
	if _, _, c := answerScores("In 1990 it rained.", []string{"199"}); c {
		t.Error("'199' found inside '1990'")
	}
	if f := tokenF1("", ""); f != 1 {
		t.Errorf("tokenF1 of two empty = %v", f)
	}
	ds := []time.Duration{5, 1, 3, 2, 4}
	if p := percentile(ds, 0.5); p != 3 {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(ds, 0.95); p != 5 {
		t.Errorf("p95 = %v", p)
	}
}

// evalItems is a hand-computed set over testPassages (fixed retrieval:
// passage 1 holds "immediate ceasefire", 2 "wild yeast", 3 "about an hour").
var evalItems = []EvalItem{
	{ID: "1", Question: "What immediate ceasefire did Austin seek in Ukraine?", Answers: []string{"immediate ceasefire"}, Article: "austin.md"},
	{ID: "2", Question: "How long did the Austin Shoigu call last on Friday?", Answers: []string{"about an hour"}, Article: "austin.md"},
	{ID: "3", Question: "What makes sourdough bread rise slowly overnight?", Answers: []string{"wild yeast"}, Article: "nowhere.md"},
	{ID: "4", Question: "What did Austin say about the Moon on Friday during the call?", Answers: []string{}, Article: "austin.md"},
	{ID: "5", Question: "What immediate ceasefire did Austin seek in Ukraine in 1990?", Answers: nil, Article: "austin.md"},
}

var evalReplies = map[string]string{
	"1": "Austin urged an immediate ceasefire in Ukraine [1].",     // F1 0.5, contains, good citation
	"2": "About an hour [3].",                                      // exact
	"3": "The Moon orbits the Earth about once every 27 days [5].", // wrong, cited passage lacks the answer
	"4": "The passages do not contain that.",                       // refusal (should refuse)
	"5": "Austin urged an immediate ceasefire [1].",                // answered (should refuse)
}

func evalEngine(t *testing.T) (*Engine, func() int) {
	e, srv := llmEngine(t, newFixedRetriever(testPassages()), Config{}, func(req openaitest.ChatRequest) string {
		prompt := allText(req)
		best := ""
		for _, it := range evalItems {
			if strings.Contains(prompt, it.Question) && len(it.Question) > len(best) {
				best = it.Question
			}
		}
		for _, it := range evalItems {
			if it.Question == best {
				return evalReplies[it.ID]
			}
		}
		return "no such question"
	})
	return e, func() int { return len(srv.ChatRequests()) }
}

func TestEvaluateHandComputed(t *testing.T) {
	e, _ := evalEngine(t)
	var progress []int
	rep, err := Evaluate(context.Background(), e, evalItems, EvalOptions{Progress: func(done, total int) {
		if total != 5 {
			t.Errorf("total %d", total)
		}
		progress = append(progress, done)
	}, Details: true})
	if err != nil {
		t.Fatal(err)
	}
	approx := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	if rep.N != 5 || rep.Answerable != 3 || rep.Unanswerable != 2 || rep.K != DefaultK || rep.Citations != 3 {
		t.Errorf("counts: %+v", rep)
	}
	approx("top1", rep.AnswerInTop1, 1.0/3)            // only item 1's answer is in passage 1
	approx("top5", rep.AnswerInTop5, 1)                // all in the five
	approx("mrr", rep.MRR, (1+1.0/3+1.0/2)/3)          // ranks 1, 3, 2
	approx("article recall", rep.ArticleRecall, 2.0/3) // nowhere.md is never retrieved
	approx("em", rep.ExactMatch, 1.0/3)
	approx("f1", rep.F1, (0.5+1+0)/3)
	approx("contains", rep.ContainsReference, 2.0/3)
	// Citations of answerable items: 1 good, 1 good, 1 bad. Item 5's
	// citation does not count: it has no reference answer.
	approx("citation precision", rep.CitationPrecision, 2.0/3)
	approx("grounded", rep.Grounded, 1)
	approx("refusal rate", rep.RefusalRate, 1.0/5)
	approx("answerable refused", rep.AnswerableRefused, 0)
	approx("unanswerable refused", rep.UnanswerableRefused, 1.0/2)
	if rep.LatencyP50MS < 0 || rep.LatencyP95MS < rep.LatencyP50MS {
		t.Errorf("latency p50 %v p95 %v", rep.LatencyP50MS, rep.LatencyP95MS)
	}
	if len(progress) != 5 || progress[4] != 5 || len(rep.Results) != 5 || !rep.Results[3].Refused {
		t.Errorf("progress %v, %d results", progress, len(rep.Results))
	}
}

func TestEvaluateRetrievalOnly(t *testing.T) {
	e, chats := evalEngine(t)
	rep, err := Evaluate(context.Background(), e, evalItems, EvalOptions{RetrievalOnly: true, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if chats() != 0 {
		t.Errorf("retrieval-only made %d chat requests", chats())
	}
	if rep.K != 3 || !rep.RetrievalOnly || rep.ExactMatch != 0 || rep.RefusalRate != 0 || rep.Citations != 0 {
		t.Errorf("report %+v", rep)
	}
	// With K 3, item 3's answer (passage 2) and item 2's (passage 3) are
	// still in; MRR unchanged.
	if math.Abs(rep.MRR-(1+1.0/3+1.0/2)/3) > 1e-9 || rep.AnswerInTop5 != 1 {
		t.Errorf("mrr %v top5 %v", rep.MRR, rep.AnswerInTop5)
	}
}

func TestEvaluateCanceled(t *testing.T) {
	e, _ := evalEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, e, evalItems, EvalOptions{}); err == nil {
		t.Error("no error after cancel")
	}
}
