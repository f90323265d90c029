package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// repeatedContext returns a piece of context that an error line gives
// twice, as in "load x: load x: ..." or "search: search: ...", or "".
func repeatedContext(line string) string {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(line), "citebot: "), ": ")
	seen := map[string]bool{}
	for _, p := range parts[:len(parts)-1] { // the last part is the cause
		if seen[p] {
			return p
		}
		seen[p] = true
	}
	return ""
}

func TestRepeatedContext(t *testing.T) {
	for line, want := range map[string]string{
		"citebot: search: search: index is closed.":         "search",
		"citebot: load a.md: load a.md: unsupported file.":  "load a.md",
		"citebot: load a.md: unsupported file type \".x\".": "",
	} {
		if got := repeatedContext(line); got != want {
			t.Errorf("repeatedContext(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestErrorsGiveEachContextOnce(t *testing.T) {
	env := offlineEnv(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.md")
	pdf := filepath.Join(dir, "notes.pdf")
	writeFile(t, pdf, "%PDF-1.4")
	for _, tt := range []struct {
		args []string
		name string // what the message must name exactly once
	}{
		{[]string{"ingest", missing}, missing},
		{[]string{"ingest", pdf}, pdf},
		{[]string{"summarize", "no-such-article"}, "no-such-article"},
		{[]string{"eval", missing}, missing},
		{[]string{"--env-file", dir, "config"}, dir}, // a directory, not a file
	} {
		r := runCLI(t, env, tt.args...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1 (stderr %q)", tt.args, r.code, r.stderr)
			continue
		}
		line := strings.TrimSpace(r.stderr)
		if strings.Contains(line, "\n") || !strings.HasPrefix(line, "citebot: ") {
			t.Errorf("%v: stderr %q, want one \"citebot: \" line", tt.args, r.stderr)
		}
		if n := strings.Count(line, tt.name); n != 1 {
			t.Errorf("%v: %q names %s %d times, want once", tt.args, line, tt.name, n)
		}
		if rep := repeatedContext(line); rep != "" {
			t.Errorf("%v: %q repeats %q", tt.args, line, rep)
		}
	}
}
