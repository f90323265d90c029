package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/citebot/citebot/retrieval"
)

// runOnTerminal runs citebot in-process with stdout on a pseudo-terminal
// of the given width and returns what the terminal received.
func runOnTerminal(t *testing.T, env map[string]string, cols int, args ...string) string {
	t.Helper()
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptm.Close()
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 40, Cols: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, ptm) // ends with EIO once pts is closed
		got <- b.String()
	}()
	var stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = runWithInput(context.Background(), args, getenv, strings.NewReader(""), pts, &stderr)
	pts.Close()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	select {
	case s := <-got:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("terminal output did not end")
		return ""
	}
}

func TestSearchBoldsMatchesOnATerminal(t *testing.T) {
	env := offlineEnv(t)
	out := runOnTerminal(t, env, 80, "search", "How long did the call between Austin and Shoigu last?")
	if !strings.Contains(out, sgrBold+"Shoigu"+sgrNormal) {
		t.Errorf("matched words not bold:\n%q", out)
	}
	if strings.Contains(out, sgrBold+"the"+sgrNormal) {
		t.Errorf("stop word bold:\n%q", out)
	}
	for _, line := range strings.Split(out, "\n") {
		plain := strings.NewReplacer(sgrBold, "", sgrNormal, "", "\r", "").Replace(line)
		if n := len([]rune(plain)); n > 80 {
			t.Errorf("line of %d columns on an 80-column terminal: %q", n, plain)
		}
	}
	env["NO_COLOR"] = "1"
	if out := runOnTerminal(t, env, 80, "search", "Shoigu"); strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR output has escapes:\n%q", out)
	}
	// Piped: as before, no escapes and no wrapping.
	if r := runCLI(t, offlineEnv(t), "search", "Shoigu"); strings.Contains(r.stdout, "\x1b") {
		t.Errorf("piped search has escapes:\n%q", r.stdout)
	}
}

func TestHighlightKeepsFilteringArticleText(t *testing.T) {
	var raw bytes.Buffer
	cf := &controlFilter{w: &raw}
	h := &highlighter{terms: map[string]bool{"shoigu": true}, raw: &raw}
	if err := h.write(cf, "Call \x1b]0;pwned\x07with Shoigu\x1b[2J."); err != nil {
		t.Fatal(err)
	}
	want := "Call ]0;pwnedwith " + sgrBold + "Shoigu" + sgrNormal + "[2J."
	if raw.String() != want {
		t.Errorf("got %q, want %q", raw.String(), want)
	}
}

func TestArticlesColumnsFitTheTerminal(t *testing.T) {
	list := []retrieval.Article{
		{ID: "short", Title: "Short"},
		{ID: "long-one", Title: strings.Repeat("A very long title ", 7), Author: strings.Repeat("Writer ", 10)},
	}
	if tc, bc := articleColumns(list, 0); tc != 0 || bc != 0 {
		t.Errorf("piped: columns %d, %d, want no limit", tc, bc)
	}
	tc, bc := articleColumns(list, 80)
	if bc != maxBylineCols || len("long-one")+tc+bc+2*columnGap != 80 {
		t.Errorf("80 columns: title %d, byline %d", tc, bc)
	}
	cut := cutCols(list[1].Title, tc)
	if !strings.HasSuffix(cut, "…") || len([]rune(cut)) != tc {
		t.Errorf("cut title %q (%d runes), want %d ending in …", cut, len([]rune(cut)), tc)
	}
	if cutCols("Short", tc) != "Short" {
		t.Error("a short title was cut")
	}
}

func TestWrapStreamMatchesWrapText(t *testing.T) {
	text := "Denver linebacker Von Miller was named Super Bowl MVP, recording five solo tackles, 2½ sacks, and two forced fumbles. [1]\nNext line."
	var b bytes.Buffer
	s := &wrapStream{w: &b, width: 30}
	for _, piece := range []string{"Denver line", "backer Von Mil", "ler was named Super Bowl MVP, rec", "ording five solo tackles, 2½ sacks, and two forced fumbles. [1]\nNext", " line."} {
		s.WriteString(piece)
	}
	s.Flush()
	if got, want := b.String(), wrapText(text, 30, ""); got != want {
		t.Errorf("streamed:\n%s\nwrapped:\n%s", got, want)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if n := len([]rune(line)); n > 30 {
			t.Errorf("line of %d runes: %q", n, line)
		}
	}
}

func TestAskWrapsToTheTerminal(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_SEEDS_DIR"] = "testdata/squad/articles"
	out := runOnTerminal(t, env, 60, "ask", "Who was named Super Bowl 50 MVP?")
	if !strings.Contains(out, "Von Miller") || !strings.Contains(out, "Sources:") {
		t.Fatalf("no cited answer:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(strings.TrimRight(line, "\r"))); n > 60 {
			t.Errorf("line of %d columns on a 60-column terminal: %q", n, line)
		}
	}
	r := runCLI(t, env, "ask", "Who was named Super Bowl 50 MVP?")
	if !strings.Contains(r.stdout, "Denver linebacker Von Miller was named Super Bowl MVP, recording five solo tackles") {
		t.Errorf("piped answer is wrapped or changed:\n%s", r.stdout)
	}
}
