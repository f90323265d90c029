package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestControlFilterDropsTerminalControls(t *testing.T) {
	var out bytes.Buffer
	f := &controlFilter{w: &out}
	in := "Title \x1b[2J\x1b]0;owned\x07 é\u009b31m\nnext\tline\xff"
	// Byte by byte, so runes are split across writes.
	for i := 0; i < len(in); i++ {
		if _, err := f.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "Title [2J]0;owned é31m\nnext\tline"; got != want {
		t.Errorf("filtered %q, want %q", got, want)
	}
}

// An article whose title carries escape codes cannot reach the terminal
// through `articles`, and its stored title is clean.
func TestArticlesPrintsNoControlCodes(t *testing.T) {
	env := offlineEnv(t)
	seeds := t.TempDir()
	writeFile(t, seeds+"/evil.md", "---\ntitle: Evil \x1b[2J\x1b]0;pwned\x07 title\nauthor: X\u009b1m\n---\n\n"+strings.Repeat("Body text about harbours and ships. ", 100)+"\n")
	env["CITEBOT_SEEDS_DIR"] = seeds
	r := runCLI(t, env, "articles")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, bad := range []string{"\x1b", "\a", "\u009b"} {
		if bytes.Contains([]byte(r.stdout+r.stderr), []byte(bad)) {
			t.Errorf("output carries %q:\n%q", bad, r.stdout)
		}
	}
	if !bytes.Contains([]byte(r.stdout), []byte("Evil")) {
		t.Errorf("the article is not listed:\n%s", r.stdout)
	}
}
