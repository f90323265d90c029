package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --since and --until restrict the sources of search and ask.
func TestSinceRestrictsSources(t *testing.T) {
	env := offlineEnv(t)
	dir := t.TempDir()
	recent := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	writeFile(t, filepath.Join(dir, "old.md"), "---\ntitle: Old ferry\npublished: 2022-05-13\n---\n\nThe harbour ferry was cancelled because of a strike by the crew.\n")
	writeFile(t, filepath.Join(dir, "new.md"), "---\ntitle: New ferry\npublished: "+recent+"\n---\n\nThe harbour ferry resumed service after the strike ended.\n")
	if r := runCLI(t, env, "ingest", dir); r.code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
	}
	titles := func(args ...string) map[string]bool {
		t.Helper()
		r := runCLI(t, env, append([]string{"search", "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("search %v: exit %d: %s", args, r.code, r.stderr)
		}
		var got struct {
			Passages []struct {
				Article struct{ Title string } `json:"article"`
			} `json:"passages"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, p := range got.Passages {
			out[p.Article.Title] = true
		}
		return out
	}
	if got := titles("harbour ferry strike"); !got["Old ferry"] || !got["New ferry"] {
		t.Errorf("no window: %v", got)
	}
	for _, since := range []string{"7d", "168h", time.Now().AddDate(0, 0, -5).Format("2006-01-02")} {
		if got := titles("--since", since, "harbour ferry strike"); got["Old ferry"] || !got["New ferry"] {
			t.Errorf("--since %s: %v", since, got)
		}
	}
	if got := titles("--until", "2022-05-13", "harbour ferry strike"); !got["Old ferry"] || got["New ferry"] {
		t.Errorf("--until 2022-05-13 (inclusive): %v", got)
	}
	r := runCLI(t, env, "ask", "--json", "--since", "7d", "Why was the harbour ferry affected by the strike?")
	if r.code != 0 {
		t.Fatalf("ask: exit %d: %s", r.code, r.stderr)
	}
	var ans struct {
		Answer    string `json:"answer"`
		Citations []struct {
			Article struct{ Title string } `json:"article"`
		} `json:"citations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ans); err != nil {
		t.Fatal(err)
	}
	for _, c := range ans.Citations {
		if c.Article.Title != "New ferry" {
			t.Errorf("ask --since 7d cites %q", c.Article.Title)
		}
	}
	if !strings.HasPrefix(ans.Answer, "In articles since ") {
		t.Errorf("ask --since answer %q does not name the window", ans.Answer)
	}
	if r := runCLI(t, env, "search", "--since", "soon", "ferry"); r.code == 0 || !strings.Contains(r.stderr, "--since") {
		t.Errorf("--since soon: exit %d, stderr %q", r.code, r.stderr)
	}
}
