package main

import (
	"encoding/json"
	"path/filepath"
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

func TestEvalAttribution(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"id":"a","src_dataset":"Mine","question":"Who met?","claim":"Austin spoke with Shoigu for about an hour.","references":["Lloyd Austin and Sergei Shoigu spoke for about an hour on Friday."],"attribution_label":"attributable"}`,
		`{"id":"b","src_dataset":"Mine","question":"How long?","claim":"The call lasted three days.","references":["Lloyd Austin and Sergei Shoigu spoke for about an hour on Friday."],"attribution_label":"not attributable"}`,
		`{"id":"c","src_dataset":"Other","question":"What tie?","claim":"Austin wore a red tie during the call.","references":["Austin urged an immediate ceasefire in Ukraine."],"attribution_label":"not attributable"}`,
	}
	path := filepath.Join(dir, "claims.jsonl")
	writeFile(t, path, strings.Join(lines, "\n")+"\n")
	r := runCLI(t, offlineEnv(t), "eval", "--attribution", path, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		N         int     `json:"n"`
		MacroF1   float64 `json:"macro_f1"`
		Accuracy  float64 `json:"accuracy"`
		Confusion struct{ TP, FP, TN, FN int }
		BySource  map[string]struct {
			N int `json:"n"`
		} `json:"by_source"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got.N != 3 || got.BySource["Mine"].N != 2 || got.BySource["Other"].N != 1 || got.Confusion.TP+got.Confusion.FP+got.Confusion.TN+got.Confusion.FN != 3 {
		t.Errorf("report = %+v", got)
	}
	if got.Accuracy < 0.99 {
		t.Errorf("the verifier misjudged these plain cases: %+v", got)
	}
	writeFile(t, path, lines[0]+"\n{not json\n")
	if r := runCLI(t, offlineEnv(t), "eval", "--attribution", path); r.code != 1 || !strings.Contains(r.stderr, "line 2") {
		t.Errorf("malformed line: exit %d, %q", r.code, r.stderr)
	}
	if r := runCLI(t, offlineEnv(t), "eval", "--attribution", path, "extra.jsonl"); r.code != 2 {
		t.Errorf("a question file with --attribution: exit %d", r.code)
	}
}
