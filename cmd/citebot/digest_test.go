package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// digestEnv is an offline environment whose seeds are the answer
// package's digest test library: 40 articles of March 2026 in 9 stories.
func digestEnv(t *testing.T) map[string]string {
	t.Helper()
	env := offlineEnv(t)
	env["CITEBOT_SEEDS_DIR"] = "../../answer/testdata/digest"
	return env
}

// lastWeek is the test library's last week, as flags.
var lastWeek = []string{"--since", "2026-03-08", "--until", "2026-03-14"}

func TestDigestOfflineText(t *testing.T) {
	r := runCLI(t, digestEnv(t), append([]string{"digest"}, lastWeek...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	body, sources, ok := strings.Cut(r.stdout, "Sources:")
	if !ok {
		t.Fatalf("no Sources: section in\n%s", r.stdout)
	}
	for _, want := range []string{"Digest from 8 March 2026 to 14 March 2026", "Port of Brennan", "[1]",
		"8 stories from 30 articles; 3 older articles left out (CITEBOT_DIGEST_MAX_ARTICLES)"} {
		if !strings.Contains(body, want) {
			t.Errorf("digest lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "⚠") {
		t.Errorf("an extractive digest has a flagged sentence:\n%s", body)
	}
	// Each article once, with its date.
	if n := strings.Count(sources, "Dockworkers walk out at the Port of Brennan"); n > 1 {
		t.Errorf("an article is listed %d times:\n%s", n, sources)
	}
	if !strings.Contains(sources, "March 2026") || strings.Contains(sources, "February 2026") {
		t.Errorf("sources lack dates or list an article of February:\n%s", sources)
	}
}

func TestDigestJSONTopicAndCap(t *testing.T) {
	env := digestEnv(t)
	env["CITEBOT_DIGEST_MAX_ARTICLES"] = "3"
	args := append([]string{"digest", "--json", "--topic", "Zipway data breach", "--length", "short"}, lastWeek...)
	r := runCLI(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Answer     string `json:"answer"`
		Grounded   bool   `json:"grounded"`
		Extractive bool   `json:"extractive"`
		Length     string `json:"length"`
		Topic      string `json:"topic"`
		Since      string `json:"since"`
		Until      string `json:"until"`
		Stories    []struct {
			Title    string   `json:"title"`
			Articles []string `json:"articles"`
			Start    int      `json:"start"`
			End      int      `json:"end"`
		} `json:"stories"`
		Citations []struct {
			N       int `json:"n"`
			Article struct {
				ID, Published string
			} `json:"article"`
		} `json:"citations"`
		Claims []struct {
			Verdict string `json:"verdict"`
		} `json:"claims"`
		Considered int `json:"considered"`
		LeftOut    int `json:"left_out"`
		Requests   int `json:"requests"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if !got.Grounded || !got.Extractive || got.Length != "short" || got.Topic != "Zipway data breach" || got.Requests != 0 {
		t.Errorf("grounded %v, extractive %v, length %q, topic %q, requests %d", got.Grounded, got.Extractive, got.Length, got.Topic, got.Requests)
	}
	if got.Considered != 4 || got.LeftOut != 1 || len(got.Stories) != 1 {
		t.Fatalf("considered %d, left out %d, %d stories; want 4, 1, 1", got.Considered, got.LeftOut, len(got.Stories))
	}
	if s := got.Stories[0]; got.Answer[s.Start:s.End] == "" || len(s.Articles) != 3 {
		t.Errorf("story %+v does not span its text or lacks its 3 articles", s)
	}
	for _, c := range got.Citations {
		if !strings.HasPrefix(c.Article.ID, "breach-") || !strings.HasPrefix(c.Article.Published, "2026-03-") {
			t.Errorf("citation %d: %s (%s), want a breach article of March", c.N, c.Article.ID, c.Article.Published)
		}
	}
	for _, c := range got.Claims {
		if c.Verdict != "supported" {
			t.Errorf("claim verdict %q", c.Verdict)
		}
	}
	if !strings.HasPrefix(got.Since, "2026-03-08T00:00:00") || !strings.HasPrefix(got.Until, "2026-03-15T00:00:00") {
		t.Errorf("window %s .. %s, want 8 March to the end of 14 March", got.Since, got.Until)
	}
}

func TestDigestFeedAndErrors(t *testing.T) {
	env := digestEnv(t)
	r := runCLI(t, env, append([]string{"digest", "--feed", "wire"}, lastWeek...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "from feed wire") || !strings.Contains(r.stdout, "from 3 articles") || strings.Contains(r.stdout, "Brennan") {
		t.Errorf("feed digest wrong:\n%s", r.stdout)
	}
	r = runCLI(t, env, "digest", "--since", "2025-01-01", "--until", "2025-01-07")
	if want := "No articles were published between 1 January 2025 and 8 January 2025."; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("empty window: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	r = runCLI(t, env, "digest", "--length", "huge")
	if r.code != 2 || !strings.Contains(r.stderr, "--length") {
		t.Errorf("bad length: exit %d, stderr %q", r.code, r.stderr)
	}
	env["CITEBOT_DIGEST_MAX_ARTICLES"] = "0"
	r = runCLI(t, env, "digest")
	if r.code == 0 || !strings.Contains(r.stderr, "CITEBOT_DIGEST_MAX_ARTICLES") {
		t.Errorf("CITEBOT_DIGEST_MAX_ARTICLES=0: exit %d, stderr %q", r.code, r.stderr)
	}
}

// digest --json decodes into the documented digestJSON with unknown fields
// refused, and follows the JSON conventions (docs/json.md).
func TestDigestJSONMatchesTheDocumentedShape(t *testing.T) {
	r := runCLI(t, digestEnv(t), append([]string{"digest", "--json"}, lastWeek...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got digestJSON
	decodeStrict(t, "digest", r.stdout, &got)
	var generic any
	if err := json.Unmarshal([]byte(r.stdout), &generic); err != nil {
		t.Fatal(err)
	}
	checkShape(t, "digest", generic, "")
	if len(got.Stories) != 8 || got.Considered != 33 || got.LeftOut != 3 || got.Length != "medium" {
		t.Errorf("%d stories, considered %d, left out %d, length %q; want 8, 33, 3, medium", len(got.Stories), got.Considered, got.LeftOut, got.Length)
	}
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "(`digestJSON`)") {
		t.Error("docs/json.md has no section for digestJSON")
	}
}
