package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot/discordtest"
)

// TestHelperCitebot is not a test: run with CITEBOT_HELPER_ARGS set, the
// test binary becomes citebot, so live tests can run `citebot ingest` in a
// real second process.
func TestHelperCitebot(t *testing.T) {
	raw := os.Getenv("CITEBOT_HELPER_ARGS")
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	err := run(context.Background(), args, os.Getenv, os.Stdout, &errOut)
	os.Stderr.Write(errOut.Bytes())
	os.Exit(exitCode(err, os.Stderr))
}

// otherProcess runs citebot with args in a child process with env.
func otherProcess(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCitebot$")
	cmd.Env = []string{"CITEBOT_HELPER_ARGS=" + string(raw), "HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("citebot %v in another process: %v\n%s", args, err, out)
	}
	return string(out)
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// liveServe is `citebot serve` running in this process against a fake
// Discord.
type liveServe struct {
	t    *testing.T
	fake *discordtest.Server
	logs *lockedBuffer
	env  map[string]string
}

func startServe(t *testing.T, env map[string]string) *liveServe {
	t.Helper()
	s, _ := stoppableServe(t, env)
	return s
}

// member is an ordinary member of server 1001.
var member = discordtest.Actor{UserID: "u1", Username: "u1", GuildID: "1001", ChannelID: "c1"}

// ask sends /ask as member and returns the final answer text and its
// sources.
func (s *liveServe) ask(q string) (text, sources string) {
	s.t.Helper()
	return s.askAs(member, q)
}

func (s *liveServe) askAs(who discordtest.Actor, q string) (text, sources string) {
	s.t.Helper()
	before := strings.Count(s.logs.String(), "msg=answered")
	sent := s.fake.SlashCommand(who, "ask", discordtest.String("question", q))
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(s.logs.String(), "msg=answered") <= before {
		if time.Now().After(deadline) {
			s.t.Fatalf("no answer to %q\n%s", q, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	orig, _ := s.fake.OriginalResponse(sent.ID)
	for _, e := range orig.Embeds {
		sources += e.Title + "\n" + e.Description + "\n"
	}
	return orig.Content, sources
}

// offered returns the /summarize autocomplete choices for typed.
func (s *liveServe) offered(typed string) string {
	s.t.Helper()
	sent := s.fake.Autocomplete(discordtest.Actor{UserID: "u1", Username: "u1", GuildID: "1001", ChannelID: "c1"}, "summarize", discordtest.Focused("article", typed))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := s.fake.WaitCall(ctx, func(c discordtest.Call) bool {
		return c.Method == "POST" && strings.HasSuffix(c.Path, "/interactions/"+sent.ID+"/"+sent.Token+"/callback")
	})
	if err != nil {
		s.t.Fatalf("no autocomplete answer: %v", err)
	}
	raw, _ := json.Marshal(c.Body)
	return string(raw)
}

// eventually asks q until ok holds for the answer, within 5 s.
func (s *liveServe) eventually(q, what string, ok func(text, sources string) bool) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		text, sources := s.ask(q)
		if strings.Contains(text, "couldn't answer") {
			s.t.Fatalf("an answer failed while the library changed: %q", text)
		}
		if ok(text, sources) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("within 5 s: %s; last answer %q, sources %q", what, text, sources)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const lighthouseArticle = `---
title: Lighthouse keepers return to Skerryvore
---

The Skerryvore lighthouse will be staffed again from June, the Northern Lighthouse Board said.

Two keepers will live on the rock in shifts of four weeks, polishing the lens every morning.
`

// A running bot follows the library: an article that `citebot ingest` adds
// in another process is cited within seconds, an edit is cited in its new
// wording, and a forgotten article is no longer cited or offered, all
// without a restart and with every answer meanwhile succeeding.
func TestServeFollowsTheLibraryLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	data := t.TempDir()
	env := map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h", "CITEBOT_LOG_LEVEL": "info", "DISCORD_RATE_PER_MINUTE": "1000"}
	s := startServe(t, env)
	const q = "How long are the keepers' shifts at Skerryvore?"
	if _, sources := s.ask(q); strings.Contains(sources, "Skerryvore") {
		t.Fatalf("cited before it was added: %q", sources)
	}

	file := filepath.Join(t.TempDir(), "skerryvore.md")
	if err := os.WriteFile(file, []byte(lighthouseArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	childEnv := map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_LOG_LEVEL": "warn"}
	out := otherProcess(t, childEnv, "ingest", file)
	if !strings.Contains(out, "added 1,") {
		t.Fatalf("ingest said %q", out)
	}
	s.eventually(q, "the new article is cited", func(text, sources string) bool {
		return strings.Contains(sources, "Lighthouse keepers return") && strings.Contains(text, "four weeks")
	})
	if got := s.offered("Lighthouse"); !strings.Contains(got, "skerryvore") {
		t.Errorf("/summarize autocomplete does not offer the new article: %s", got)
	}

	edited := strings.Replace(lighthouseArticle, "shifts of four weeks", "shifts of six weeks", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	otherProcess(t, childEnv, "ingest", file)
	s.eventually(q, "the edited wording is cited", func(text, _ string) bool { return strings.Contains(text, "six weeks") })

	otherProcess(t, childEnv, "forget", "skerryvore")
	s.eventually(q, "the forgotten article is no longer cited", func(text, sources string) bool {
		return !strings.Contains(sources, "Lighthouse keepers") && !strings.Contains(text, "six weeks")
	})
	if got := s.offered("Lighthouse"); strings.Contains(got, "skerryvore") {
		t.Errorf("/summarize autocomplete still offers the forgotten article: %s", got)
	}
	if !strings.Contains(s.logs.String(), "article=skerryvore") {
		t.Errorf("serve did not log the live changes:\n%s", s.logs.String())
	}
}

// A folder registered by `citebot ingest DIR` in another process is
// followed by the running bot: an edit there is cited in its new wording,
// and a deleted file is no longer cited, with no other command run.
func TestServeFollowsARegisteredFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	data := t.TempDir()
	env := map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_SYNC_INTERVAL": "100ms", "CITEBOT_RESCAN_INTERVAL": "1h", "CITEBOT_LOG_LEVEL": "info", "DISCORD_RATE_PER_MINUTE": "1000"}
	s := startServe(t, env)
	dir := t.TempDir()
	file := filepath.Join(dir, "skerryvore.md")
	if err := os.WriteFile(file, []byte(lighthouseArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	out := otherProcess(t, map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_LOG_LEVEL": "warn"}, "ingest", dir)
	if !strings.Contains(out, "registered folder "+dir) {
		t.Fatalf("ingest DIR said %q", out)
	}
	const q = "How long are the keepers' shifts at Skerryvore?"
	s.eventually(q, "the folder's article is cited", func(text, _ string) bool { return strings.Contains(text, "four weeks") })
	// Give the watcher time to pick the new folder up (it polls the
	// registered sources every CITEBOT_SYNC_INTERVAL), then edit.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.logs.String(), `msg="following folder" path=`+dir) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	edited := strings.Replace(lighthouseArticle, "shifts of four weeks", "shifts of two weeks", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	s.eventually(q, "the edit in the folder is cited", func(text, _ string) bool { return strings.Contains(text, "two weeks") })
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	s.eventually(q, "the deleted file is no longer cited", func(text, sources string) bool {
		return !strings.Contains(sources, "Lighthouse keepers") && !strings.Contains(text, "two weeks")
	})
}

// reply waits for the (ephemeral) final reply to a curation command.
func (s *liveServe) reply(sent discordtest.Sent) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.fake.WaitCall(ctx, func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, "/"+sent.Token+"/messages/@original")
	}); err != nil {
		s.t.Fatalf("no reply: %v\n%s", err, s.logs.String())
	}
	m, _ := s.fake.OriginalResponse(sent.ID)
	return m.Content
}

// Curators add articles to their own server's library from Discord, through
// the real library and the guarded fetcher: answerable there at once, never
// in another server or a DM; others are refused; /forget removes it.
func TestServeCuratorsAddFromDiscord(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Ferry timetable changes</title></head><body><article><h1>Ferry timetable changes</h1>
<p>From Monday the island ferry leaves the harbour every forty minutes instead of every hour.</p>
<p>The last crossing of the day moves to half past eleven at night.</p></article></body></html>`)
	}))
	defer page.Close()
	data := t.TempDir()
	env := map[string]string{"CITEBOT_DATA_DIR": data, "CITEBOT_LOG_LEVEL": "info", "DISCORD_RATE_PER_MINUTE": "1000",
		"CITEBOT_FETCH_ALLOW_HOSTS": strings.TrimPrefix(page.URL, "http://")}
	s := startServe(t, env)
	curator := member
	curator.UserID, curator.Permissions = "boss", discordtest.MemberPermissions|discordgo.PermissionManageGuild

	if got := s.reply(s.fake.SlashCommand(member, "ingest", discordtest.String("url", page.URL+"/ferry"))); !strings.Contains(got, "Only members with the Manage Server permission") {
		t.Errorf("a member without the permission got %q", got)
	}
	got := s.reply(s.fake.SlashCommand(curator, "ingest", discordtest.String("url", page.URL+"/ferry")))
	if !strings.HasPrefix(got, "Added **Ferry timetable changes**") || !strings.Contains(got, "You can ask about it now.") {
		t.Fatalf("/ingest url replied %q\n%s", got, s.logs.String())
	}
	const q = "How often does the island ferry leave the harbour?"
	if text, sources := s.ask(q); !strings.Contains(sources, "Ferry timetable changes") || !strings.Contains(text, "forty minutes") {
		t.Errorf("server 1001 after /ingest: %q, sources %q", text, sources)
	}
	other := discordtest.Actor{UserID: "u2", Username: "u2", GuildID: "2002", ChannelID: "c2"}
	dm := discordtest.Actor{UserID: "u3", Username: "u3", ChannelID: "dm-u3"}
	for name, who := range map[string]discordtest.Actor{"another server": other, "a DM": dm} {
		if text, sources := s.askAs(who, q); strings.Contains(sources, "Ferry") || strings.Contains(text, "forty minutes") {
			t.Errorf("%s sees the server's article: %q", name, text)
		}
	}
	// The same link again is the same content.
	if got := s.reply(s.fake.SlashCommand(curator, "ingest", discordtest.String("url", page.URL+"/ferry"))); !strings.Contains(got, "already in the library") {
		t.Errorf("second /ingest of the same page: %q", got)
	}
	// A file attachment.
	att := s.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "lighthouse.md", ContentType: "text/markdown", Data: []byte(lighthouseArticle)})
	if got := s.reply(s.fake.SlashCommand(curator, "ingest", discordtest.Attachment("file", att))); !strings.HasPrefix(got, "Added **Lighthouse keepers return to Skerryvore**") {
		t.Errorf("/ingest file replied %q", got)
	}
	if text, _ := s.ask("How long are the keepers' shifts at Skerryvore?"); !strings.Contains(text, "four weeks") {
		t.Errorf("the attached article is not answered: %q", text)
	}
	// A private address, not on the allow-list, is refused in one sentence.
	if got := s.reply(s.fake.SlashCommand(curator, "ingest", discordtest.String("url", "http://169.254.169.254/latest/meta-data"))); !strings.Contains(got, "I can't fetch that") {
		t.Errorf("a metadata address gave %q", got)
	}
	// Right-click → Apps → "Add to library" on a message with a link.
	posted, _ := s.fake.SendMessage(member, discordtest.MessageSpec{Content: "Worth reading: " + page.URL + "/bridge"})
	if got := s.reply(s.fake.MessageCommand(curator, "Add to library", posted.ID)); !strings.Contains(got, "added **Ferry timetable changes**") && !strings.Contains(got, "already in the library") {
		t.Errorf("Add to library replied %q", got)
	}
	files, _ := filepath.Glob(filepath.Join(data, "servers", "1001", "articles", "*.md"))
	if len(files) != 3 {
		t.Errorf("saved files for server 1001: %v", files)
	}
	if got := s.reply(s.fake.SlashCommand(curator, "forget", discordtest.String("article", "lighthouse"))); !strings.HasPrefix(got, "Removed **Lighthouse keepers") {
		t.Errorf("/forget replied %q", got)
	}
	if text, sources := s.ask("How long are the keepers' shifts at Skerryvore?"); strings.Contains(sources, "Lighthouse") || strings.Contains(text, "four weeks") {
		t.Errorf("a forgotten article is still answered: %q", text)
	}
}

// stoppableServe is `citebot serve` against a new fake Discord, with a
// stop that waits for it to end (a restart starts another on the same
// data).
func stoppableServe(t *testing.T, env map[string]string) (*liveServe, func()) {
	t.Helper()
	fake := discordtest.NewServer(discordtest.Options{})
	t.Cleanup(fake.Close)
	env["DISCORD_TOKEN"] = fake.Token()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: logs, discordClient: fake.Client()}
	root := a.rootCommand()
	root.SetArgs([]string{"serve"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(stop)
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	if err := fake.WaitReady(rctx); err != nil {
		t.Fatalf("serve never connected: %v\n%s", err, logs.String())
	}
	return &liveServe{t: t, fake: fake, logs: logs, env: env}, stop
}
