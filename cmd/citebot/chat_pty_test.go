package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]|\b")

// ptyChat runs `citebot chat` in-process on a pseudo-terminal and lets a
// test type into it and read the screen's bytes.
type ptyStderr = lockedBuffer

type ptyChat struct {
	t    *testing.T
	ptm  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // where the next expect starts looking
	done chan error
}

func startPtyChat(t *testing.T, env map[string]string) *ptyChat {
	t.Helper()
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 40, Cols: 90}); err != nil {
		t.Fatal(err)
	}
	c := &ptyChat{t: t, ptm: ptm, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			c.mu.Lock()
			c.out.Write(buf[:n])
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	var stderr ptyStderr
	go func() {
		getenv := func(k string) string { return env[k] }
		err := runWithInput(context.Background(), []string{"chat"}, getenv, pts, pts, &stderr)
		c.done <- err
	}()
	t.Cleanup(func() {
		pts.Close()
		ptm.Close()
		if t.Failed() {
			t.Logf("screen:\n%q\nstderr:\n%s", c.screen(), stderr.String())
		}
	})
	return c
}

func (c *ptyChat) screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// expect waits until want appears after the mark, moves the mark past it
// and returns the text between.
func (c *ptyChat) expect(want string) string {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s := c.screen()
		if i := strings.Index(s[c.mark:], want); i >= 0 {
			got := s[c.mark : c.mark+i]
			c.mark += i + len(want)
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("timed out waiting for %q after %q", want, c.screen()[c.mark:])
	return ""
}

// prompt waits for the prompt, then types keys.
func (c *ptyChat) prompt(keys string) {
	c.t.Helper()
	c.expect("> ")
	time.Sleep(50 * time.Millisecond) // let the line editor take the terminal
	if _, err := c.ptm.WriteString(keys); err != nil {
		c.t.Fatal(err)
	}
}

func (c *ptyChat) wait() error {
	c.t.Helper()
	select {
	case err := <-c.done:
		return err
	case <-time.After(20 * time.Second):
		c.t.Fatalf("chat did not exit")
		return nil
	}
}

func TestChatOnATerminal(t *testing.T) {
	env := offlineEnv(t)
	env["CITEBOT_SEEDS_DIR"] = "testdata/squad/articles"
	c := startPtyChat(t, env)

	c.prompt("/help\r")
	c.expect("Commands:")
	for _, want := range []string{"/new ", "/quit ", "/help "} {
		c.expect(want)
	}

	c.prompt("/bogus\r")
	c.expect("Unknown command /bogus")
	if !strings.Contains(c.screen(), "/bogus\r\n") {
		t.Error("the line after Enter does not start at the left margin (raw mode without output processing)")
	}

	c.prompt("Who was named Super Bowl 50 MVP?\r")
	first := c.expect("Sources:")
	if !strings.Contains(first, "Von Miller") {
		t.Errorf("first answer does not name Von Miller:\n%s", first)
	}
	c.prompt("How many sacks did he record?\r")
	second := c.expect("Sources:")
	if !strings.Contains(second, "sacks") || strings.Contains(second, "Most Valuable Player") {
		t.Errorf("follow-up did not keep to Von Miller:\n%s", second)
	}
	if n := strings.Count(c.screen(), "Offline extractive answer"); n != 1 {
		t.Errorf("extractive notice shown %d times, want once per session", n)
	}
	for _, line := range strings.Split(c.screen(), "\n") {
		parts := strings.Split(strings.TrimRight(line, "\r"), "\r") // the line editor redraws after \r
		shown := ansiSeq.ReplaceAllString(parts[len(parts)-1], "")
		if w := len([]rune(shown)); w > 90 {
			t.Errorf("line of %d columns on a 90-column terminal: %q", w, line)
		}
	}

	// Up arrow recalls the last question; Ctrl-C clears it and a second
	// Ctrl-C on the empty line leaves.
	c.prompt("\x1b[A")
	c.expect("How many sacks did he record?")
	c.ptm.WriteString("\x03")
	c.expect("Ctrl-C again")
	c.prompt("\x03")
	if err := c.wait(); err != nil {
		t.Fatalf("chat: %v", err)
	}

	path := filepath.Join(env["CITEBOT_DATA_DIR"], "chat_history")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("history mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "How many sacks did he record?") {
		t.Errorf("history file lacks the questions:\n%s", data)
	}

	// A new session recalls the last session's question; Ctrl-D leaves.
	c2 := startPtyChat(t, env)
	c2.prompt("\x1b[A")
	c2.expect("How many sacks did he record?")
	c2.ptm.WriteString("\x01\x0b\x04") // start of line, kill to end, Ctrl-D on the empty line
	if err := c2.wait(); err != nil {
		t.Fatalf("chat: %v", err)
	}
}
