package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
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

// goInternalRE matches what a user should never read: Go function and
// type names (strconv.ParseInt, *fs.PathError, url.Error), the network
// layer's "dial tcp", and placeholders such as "(unparsable URL)".
var goInternalRE = regexp.MustCompile(`\b(strconv|fs|os|url|net|json|time|http|context)\.[A-Z]\w*|\*\w+\.[A-Z]|dial tcp|unparsable|context canceled|%!`)

// Every error the CLI prints is one line after "citebot: ", one sentence
// ending in a full stop, without repeated context or Go internals; the
// --help hint follows usage mistakes only.
func TestEveryErrorIsOneSentence(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.md")
	doc := filepath.Join(dir, "doc.md")
	writeFile(t, doc, "# A title\n\nSome text about a ceasefire that lasted an hour.\n")
	noEmbed := map[string]string{"CITEBOT_EMBED_PROVIDER": "openai", "CITEBOT_EMBED_BASE_URL": "http://127.0.0.1:1/v1"}
	for _, tt := range []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		help  bool   // the --help hint is wanted
		shows string // the message must contain this
	}{
		{"missing file", nil, []string{"ingest", missing}, 1, false, missing},
		{"missing eval file", nil, []string{"eval", missing}, 1, false, missing},
		{"unknown article", nil, []string{"summarize", "no-such-article"}, 1, false, "no-such-article"},
		{"forget unknown article", nil, []string{"forget", "no-such-article"}, 1, false, "no-such-article"},
		{"-k not a number", nil, []string{"search", "-k", "abc", "x"}, 2, true, `-k must be a whole number, not "abc"`},
		{"-k out of range", nil, []string{"search", "-k", "0", "x"}, 2, true, "-k must be from 1 to 100"},
		{"flag without value", nil, []string{"search", "x", "-k"}, 2, true, "-k needs a value"},
		{"unknown flag", nil, []string{"search", "--nosuch", "x"}, 2, true, "--nosuch"},
		{"unknown command", nil, []string{"nosuchcommand"}, 2, true, "nosuchcommand"},
		{"misspelt command", nil, []string{"serch", "x"}, 2, true, "did you mean search"},
		{"bad length", nil, []string{"summarize", "--length", "huge", "x"}, 2, true, "huge"},
		{"bad since", nil, []string{"ask", "--since", "nonsense", "x"}, 1, false, "nonsense"},
		{"bad env number", map[string]string{"CITEBOT_K": "abc"}, []string{"search", "x"}, 2, false, `CITEBOT_K must be a whole number from 1 to 100, not "abc"`},
		{"bad env range", map[string]string{"CITEBOT_REFUSAL_FLOOR": "1.5"}, []string{"search", "x"}, 2, false, "CITEBOT_REFUSAL_FLOOR"},
		{"bad env duration", map[string]string{"CITEBOT_LLM_TIMEOUT": "soon"}, []string{"search", "x"}, 2, false, "CITEBOT_LLM_TIMEOUT"},
		{"base URL without scheme", map[string]string{"OPENAI_BASE_URL": "127.0.0.1:18080/v1"}, []string{"ask", "x"}, 2, false, `"127.0.0.1:18080/v1" (try http://127.0.0.1:18080/v1)`},
		{"missing env file", nil, []string{"--env-file", missing, "config"}, 1, false, missing},
		// A dead chat model makes ask and summarize answer offline, with a
		// logged warning (TestDeadChatModelIsOneSentenceWithoutTheKey); a
		// verifier that needs one and has none is still an error.
		{"verifier without chat model", map[string]string{"CITEBOT_VERIFIER": "llm"}, []string{"ask", "x"}, 2, false, "CITEBOT_VERIFIER=llm"},
		{"unreachable embedding server", noEmbed, []string{"ingest", doc}, 1, false, "127.0.0.1:1"},
		{"refused URL", nil, []string{"ingest", "http://127.0.0.1/x"}, 1, false, "127.0.0.1"},
		{"private URL", nil, []string{"ingest", "http://10.0.0.1/x"}, 1, false, "private"},
		{"unsupported scheme", nil, []string{"ingest", "ftp://example.com/x"}, 1, false, "ftp"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env["CITEBOT_EMBED_PROVIDER"] != "" {
				if testing.Short() {
					t.Skip("the embedder retries with back-off for about 12 s")
				}
				t.Parallel()
			}
			env := offlineEnv(t)
			env["CITEBOT_LOG_LEVEL"] = "error"
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tt.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			line := lines[len(lines)-1] // warnings (logged) may come first
			if !strings.HasPrefix(line, "citebot: ") || strings.HasPrefix(line, "citebot: warning") {
				t.Fatalf("stderr %q: the last line is not the error", r.stderr)
			}
			for _, l := range lines[:len(lines)-1] {
				if strings.HasPrefix(l, "citebot: ") && !strings.HasPrefix(l, "citebot: warning: ") {
					t.Errorf("stderr %q: more than one error line", r.stderr)
				}
			}
			msg := strings.TrimPrefix(line, "citebot: ")
			hint := strings.HasSuffix(msg, " Run 'citebot --help' for usage.")
			if hint != tt.help {
				t.Errorf("%q: --help hint %v, want %v", line, hint, tt.help)
			}
			if !strings.HasSuffix(msg, ".") {
				t.Errorf("%q does not end with a full stop", line)
			}
			if strings.Contains(msg, "citebot: ") {
				t.Errorf("%q repeats the citebot: prefix", line)
			}
			if rep := repeatedContext(line); rep != "" {
				t.Errorf("%q repeats %q", line, rep)
			}
			if m := goInternalRE.FindString(msg); m != "" {
				t.Errorf("%q shows Go internals (%q)", line, m)
			}
			if !strings.Contains(msg, tt.shows) {
				t.Errorf("%q does not show %q", line, tt.shows)
			}
		})
	}
}

// Ctrl-C ends quietly with status 130: the cancellation is no error to
// print.
func TestInterruptExits130Quietly(t *testing.T) {
	var buf strings.Builder
	if code := exitCode(fmt.Errorf("ask: %w", context.Canceled), &buf); code != 130 || buf.Len() != 0 {
		t.Errorf("exit %d, stderr %q; want 130 and nothing", code, buf.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	err := runWithInput(ctx, []string{"search", "ceasefire"}, func(k string) string { return offlineEnv(t)[k] }, strings.NewReader(""), &out, &errOut)
	if err != nil {
		if code := exitCode(err, &errOut); code != 130 {
			t.Errorf("cancelled search: exit %d, stderr %q", code, errOut.String())
		}
	}
}
