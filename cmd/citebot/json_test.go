package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
)

// decodeStrict decodes out into v, refusing fields v does not document.
func decodeStrict(t *testing.T, name, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Errorf("%s --json does not decode into %T: %v\n%s", name, v, err, out)
	}
}

var snakeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkShape walks any decoded JSON value: keys are snake_case, no value
// is null, and every object named "article" (or in "articles") has the
// article fields.
func checkShape(t *testing.T, name string, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("%s --json: %s is null", name, path)
	case map[string]any:
		if strings.HasSuffix(path, ".article") || strings.HasSuffix(path, ".articles[]") {
			for _, k := range []string{"id", "title", "source", "author", "publisher", "published"} {
				if _, ok := x[k]; !ok {
					t.Errorf("%s --json: %s lacks %q", name, path, k)
				}
			}
		}
		for k, val := range x {
			if !snakeRE.MatchString(k) {
				t.Errorf("%s --json: key %s.%s is not snake_case", name, path, k)
			}
			checkShape(t, name, val, path+"."+k)
		}
	case []any:
		for _, val := range x {
			checkShape(t, name, val, path+"[]")
		}
	case float64:
		if (strings.HasSuffix(path, ".score") || name == "eval") && math.Abs(x-round4(x)) > 1e-12 {
			t.Errorf("%s --json: %s = %v has more than 4 decimals", name, path, x)
		}
	}
}

// Every command's --json output decodes into the struct docs/json.md
// documents, with unknown fields refused, and follows the conventions:
// snake_case keys, [] for empty lists, full article objects, scores with
// 4 decimals.
func TestJSONOutputsMatchTheDocumentedShapes(t *testing.T) {
	env := offlineEnv(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.md")
	writeFile(t, doc, "# A title\n\nSome text about a ceasefire that lasted an hour.\n")
	dated := filepath.Join(dir, "dated.md")
	writeFile(t, dated, "---\ntitle: Harbour reopens\npublished: "+time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)+
		"\n---\n\nThe harbour reopened on Monday after the storm. Ferries sailed again at noon.\n")
	questions := filepath.Join(dir, "q.jsonl")
	writeFile(t, questions, `{"question":"How long did the call between Austin and Shoigu last?","answer":"about an hour","article":"austin-shoigu-call"}`+"\n")
	for _, tt := range []struct {
		args []string
		into any
	}{
		{[]string{"ingest", doc}, &ingestResult{}},
		{[]string{"articles"}, &articlesJSON{}},
		{[]string{"sources"}, &sourcesJSON{}},
		{[]string{"search", "ceasefire"}, &searchJSON{}},
		{[]string{"ask", "How long did the call between Austin and Shoigu last?"}, &answerJSON{}},
		{[]string{"summarize", "austin-shoigu-call"}, &answerJSON{}},
		{[]string{"ingest", dated}, &ingestResult{}},
		{[]string{"digest"}, &digestJSON{}},
		{[]string{"feedback"}, &feedbackJSON{}},
		{[]string{"eval", questions}, &answer.EvalReport{}},
		{[]string{"check"}, &checkResult{}},
		{[]string{"feeds", "list"}, &feedsJSON{}},
		{[]string{"config"}, &configJSON{}},
		{[]string{"forget", "doc"}, &forgetJSON{}},
	} {
		name := strings.Join(tt.args[:1], " ")
		r := runCLI(t, env, append(tt.args, "--json")...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, r.code, r.stderr)
			continue
		}
		decodeStrict(t, name, r.stdout, tt.into)
		var generic any
		if err := json.NewDecoder(bytes.NewReader([]byte(r.stdout))).Decode(&generic); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkShape(t, name, generic, "")
		if name == "summarize" {
			s := tt.into.(*answerJSON)
			if s.Article == nil || s.Article.ID != "austin-shoigu-call" || s.Length != "medium" {
				t.Errorf("summarize --json: article %+v, length %q; want the article and medium", s.Article, s.Length)
			}
		}
		if name == "ask" {
			if a := tt.into.(*answerJSON); a.TimingsMS.Total <= 0 {
				t.Errorf("ask --json: timings_ms.total = %v, want > 0", a.TimingsMS.Total)
			}
		}
	}
}

// docs/json.md names the Go type of every shape the test above checks.
func TestJSONDocNamesEveryShape(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"searchJSON", "answerJSON", "articlesJSON", "ingestResult", "sourcesJSON", "forgetJSON", "feedbackJSON", "answer.EvalReport", "checkResult", "feedsJSON", "configJSON", "digestJSON"} {
		if !strings.Contains(string(doc), "(`"+name+"`)") {
			t.Errorf("docs/json.md has no section for %s", name)
		}
	}
}

func TestRoundFloatsReachesNestedFields(t *testing.T) {
	r := answer.EvalReport{MRR: 1.0 / 3, F1: 0.123456}
	roundFloats(&r)
	if r.MRR != 0.3333 || r.F1 != 0.1235 {
		t.Errorf("MRR %v, F1 %v; want 0.3333 and 0.1235", r.MRR, r.F1)
	}
}
