package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEvalOverSquadSample(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "eval", "--json", "--seeds", "testdata/squad/articles", "testdata/squad/dev-sample.jsonl")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		N             int     `json:"n"`
		Answerable    int     `json:"answerable"`
		Unanswerable  int     `json:"unanswerable"`
		Top5          float64 `json:"answer_in_top5"`
		ArticleRecall float64 `json:"article_recall_at_k"`
		Contains      float64 `json:"answer_contains_reference"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.N != 13 || rep.Answerable != 12 || rep.Unanswerable != 1 {
		t.Fatalf("counts = %+v, want 13 questions, 12 answerable", rep)
	}
	// Two articles only: the right article is nearly always found, and the
	// answer is in the top five passages for most questions.
	if rep.ArticleRecall < 0.9 || rep.Top5 < 0.7 || rep.Contains < 0.5 {
		t.Errorf("metrics too low for two articles: %+v", rep)
	}
	r = runCLI(t, env, "eval", "--retrieval-only", "--seeds", "testdata/squad/articles", "testdata/squad/dev-sample.jsonl")
	if r.code != 0 || !strings.Contains(r.stdout, "answer in top-5 passages") || strings.Contains(r.stdout, "token F1") {
		t.Fatalf("retrieval-only table wrong (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestEvalBadFile(t *testing.T) {
	r := runCLI(t, offlineEnv(t), "eval", "testdata/squad/README.md")
	if r.code != 1 || !strings.Contains(r.stderr, "README.md:1:") {
		t.Fatalf("exit %d stderr %q; want a failure naming the line", r.code, r.stderr)
	}
}
