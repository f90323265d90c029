package bot

import (
	"bytes"
	"context"
	"errors"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// libCall is one call the bot made on a Library.
type libCall struct {
	Method string
	Scope  retrieval.Scope
	Ref    string // the URL, file name or article ID
	Data   []byte
}

func (c libCall) is(method string, scope retrieval.Scope, ref string) bool {
	return c.Method == method && c.Scope == scope && c.Ref == ref
}

// fakeLibrary records calls and answers them as configured: by default a
// link or file is added with 12 or 3 passages, and Forget removes any ID.
type fakeLibrary struct {
	mu    sync.Mutex
	calls []libCall
	err   error // returned by every call, when set
	dup   bool  // adds report Duplicate
}

func (l *fakeLibrary) note(c libCall) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	return l.err
}

func (l *fakeLibrary) all() []libCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *fakeLibrary) AddURL(_ context.Context, scope retrieval.Scope, url string) (Added, error) {
	if err := l.note(libCall{Method: "AddURL", Scope: scope, Ref: url}); err != nil {
		return Added{}, err
	}
	id := "web-" + path.Base(url)
	return Added{Article: retrieval.Article{ID: id, Title: "Page " + path.Base(url), Source: url, Scope: scope}, Passages: 12, Duplicate: l.dup}, nil
}

func (l *fakeLibrary) AddFile(_ context.Context, scope retrieval.Scope, name string, data []byte) (Added, error) {
	if err := l.note(libCall{Method: "AddFile", Scope: scope, Ref: name, Data: slices.Clone(data)}); err != nil {
		return Added{}, err
	}
	id := strings.TrimSuffix(name, path.Ext(name))
	return Added{Article: retrieval.Article{ID: id, Title: "Notes *from* " + name, Scope: scope}, Passages: 1, Duplicate: l.dup}, nil
}

func (l *fakeLibrary) Forget(_ context.Context, scope retrieval.Scope, id string) (retrieval.Article, error) {
	if err := l.note(libCall{Method: "Forget", Scope: scope, Ref: id}); err != nil {
		return retrieval.Article{}, err
	}
	return retrieval.Article{ID: id, Title: "Title of " + id, Scope: scope}, nil
}

// manager is a member of g1 with the Manage Server permission.
func manager(user string) discordtest.Actor {
	a := guildActor(user, "c1")
	a.Permissions = discordtest.MemberPermissions | discordgo.PermissionManageGuild
	return a
}

// startCurationBot runs a bot with lib as its Library.
func startCurationBot(t *testing.T, lib Library, cfg Config) *harness {
	t.Helper()
	cfg.Library = lib
	if cfg.Engine == nil && cfg.EngineFor == nil {
		cfg.Engine = newFakeEngine()
	}
	return startBot(t, cfg, discordtest.Options{})
}

// curationReply waits for a curation command's reply: acknowledged at
// once as an ephemeral deferred response, then edited into the outcome.
func (h *harness) curationReply(sent discordtest.Sent) string {
	h.t.Helper()
	cb := h.callback(sent)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 == 0 {
		h.t.Errorf("first response type %d flags %d, want an ephemeral deferred reply (5, 64)", bodyType(cb), bodyFlags(cb))
	}
	_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, "/"+sent.Token+"/messages/@original")
	})
	if err != nil {
		h.t.Fatalf("no reply to %s: %v\n%s\nlogs:\n%s", sent.ID, err, h.callList(), h.logs.String())
	}
	m, _ := h.fake.OriginalResponse(sent.ID)
	if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		h.t.Errorf("reply %q is not ephemeral", m.Content)
	}
	return m.Content
}

func TestCurationCommandsRegisteredForManagersInServers(t *testing.T) {
	t.Parallel()
	h := startCurationBot(t, &fakeLibrary{}, Config{GuildID: "g1"})
	regs := h.fake.Registrations()
	if len(regs) != 1 {
		t.Fatalf("%d registrations", len(regs))
	}
	byName := map[string]map[string]any{}
	for _, c := range regs[0].Commands {
		byName[c["name"].(string)] = c
	}
	for _, name := range []string{"ingest", "forget", "Add to library"} {
		c, ok := byName[name]
		if !ok {
			t.Errorf("%q not registered", name)
			continue
		}
		if c["default_member_permissions"] != "32" || c["dm_permission"] != false {
			t.Errorf("%q: default_member_permissions %v, dm_permission %v; want \"32\" (Manage Server), false", name, c["default_member_permissions"], c["dm_permission"])
		}
		if ctxs, _ := c["contexts"].([]any); len(ctxs) != 1 || ctxs[0] != float64(0) {
			t.Errorf("%q contexts %v, want servers only", name, c["contexts"])
		}
	}
	if typ := byName["Add to library"]["type"]; typ != float64(3) {
		t.Errorf("Add to library has type %v, want 3 (message)", typ)
	}
	if ask := byName["ask"]; ask["default_member_permissions"] != nil {
		t.Errorf("/ask is restricted: %v", ask["default_member_permissions"])
	}
	// Without a Library the commands do not exist.
	h2 := startBot(t, Config{Engine: newFakeEngine(), GuildID: "g1"}, discordtest.Options{})
	for _, c := range h2.fake.Commands("g1") {
		if c.Name == "ingest" || c.Name == "forget" || c.Name == "Add to library" {
			t.Errorf("%q registered without a Library", c.Name)
		}
	}
}

func TestIngestURLByManager(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{})
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", " https://example.com/ceasefire ")))
	want := "Added **Page ceasefire** (`web-ceasefire`, 12 passages). You can ask about it now."
	if got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	calls := lib.all()
	if len(calls) != 1 || !calls[0].is("AddURL", retrieval.GuildScope("g1"), "https://example.com/ceasefire") {
		t.Errorf("library calls %+v", calls)
	}
	line := logLine(h.logs.String(), "library changed")
	if !strings.Contains(line, `action="ingest url"`) || !strings.Contains(line, "article=web-ceasefire") ||
		!strings.Contains(line, "scope=g1") || !strings.Contains(line, "user="+h.bot.hashUser("u1")) {
		t.Errorf("change logged as %q", line)
	}
	// The same content again is a duplicate.
	lib.mu.Lock()
	lib.dup = true
	lib.mu.Unlock()
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", "https://example.com/ceasefire")))
	if want := "That is already in the library as **Page ceasefire** (`web-ceasefire`)."; got != want {
		t.Errorf("duplicate reply %q, want %q", got, want)
	}
	h.checkHygiene()
}

// logLine is the first log line containing msg.
func logLine(logs, msg string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, msg) {
			return l
		}
	}
	return ""
}

func TestIngestRefusedWithoutPermission(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{CuratorRoles: []string{"curators"}})
	member := guildActor("u2", "c1")
	member.Roles = []string{"readers"}
	for _, sent := range []discordtest.Sent{
		h.fake.SlashCommand(member, "ingest", discordtest.String("url", "https://example.com/a")),
		h.fake.SlashCommand(member, "forget", discordtest.String("article", "a")),
	} {
		if got := h.curationReply(sent); got != notCuratorText {
			t.Errorf("member without permission told %q", got)
		}
	}
	msg, _ := h.fake.SendMessage(guildActor("u3", "c1"), discordtest.MessageSpec{Content: "https://example.com/b"})
	if got := h.curationReply(h.fake.MessageCommand(member, "Add to library", msg.ID)); got != notCuratorText {
		t.Errorf("context menu by a member without permission: %q", got)
	}
	// Nothing to pick from either.
	if got := choices(t, h.callback(h.fake.Autocomplete(member, "forget", discordtest.Focused("article", "")))); len(got) != 0 {
		t.Errorf("autocomplete offered %v to a member without permission", got)
	}
	if calls := lib.all(); len(calls) != 0 {
		t.Errorf("library called: %+v", calls)
	}
	h.checkHygiene()
}

func TestIngestAllowedForCuratorRoleAndAdministrator(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{CuratorRoles: []string{"curators"}})
	curator := guildActor("u2", "c1")
	curator.Roles = []string{"readers", "curators"}
	admin := guildActor("u3", "c1")
	admin.Permissions = discordgo.PermissionAdministrator
	for _, a := range []discordtest.Actor{curator, admin} {
		got := h.curationReply(h.fake.SlashCommand(a, "ingest", discordtest.String("url", "https://example.com/x")))
		if !strings.HasPrefix(got, "Added **Page x**") {
			t.Errorf("%s told %q", a.UserID, got)
		}
	}
	if n := len(lib.all()); n != 2 {
		t.Errorf("%d library calls, want 2", n)
	}
	h.checkHygiene()
}

func TestIngestFileDownloadsFromCDN(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{})
	body := []byte("# Field notes\n\nThe ceasefire talks resumed on Monday.\n")
	att := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "notes.md", ContentType: "text/markdown; charset=utf-8", Data: body})
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.Attachment("file", att)))
	if want := "Added **Notes \\*from\\* notes.md** (`notes`, 1 passage). You can ask about it now."; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	calls := lib.all()
	if len(calls) != 1 || calls[0].Method != "AddFile" || calls[0].Scope != "g1" || calls[0].Ref != "notes.md" || !bytes.Equal(calls[0].Data, body) {
		t.Errorf("library calls %+v", calls)
	}
	if n := h.fake.Downloads(att.ID); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
	if line := logLine(h.logs.String(), "library changed"); !strings.Contains(line, `action="ingest file"`) {
		t.Errorf("change logged as %q", line)
	}
	// A text file without a known extension is named for its content
	// type; an image is refused without a download.
	att = h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "README", ContentType: "text/plain", Data: []byte("plain words")})
	h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.Attachment("file", att)))
	if calls := lib.all(); len(calls) != 2 || calls[1].Ref != "README.txt" {
		t.Errorf("text file handed over as %+v", calls[len(calls)-1])
	}
	img := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "cat.png", ContentType: "image/png", Data: []byte("\x89PNG")})
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.Attachment("file", img))); got != unsupportedFileText {
		t.Errorf("image: %q", got)
	}
	if h.fake.Downloads(img.ID) != 0 || len(lib.all()) != 2 {
		t.Error("the image was downloaded or handed to the library")
	}
	h.checkHygiene()
}

func TestIngestOversizeFileRefused(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{})
	// Declared over the 5 MB default: refused before any download.
	big := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "big.md", ContentType: "text/markdown", Data: []byte("# Big\n\ntext"), Size: 6 << 20})
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.Attachment("file", big)))
	if want := "That file is 6 MB; the limit is 5 MB."; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	if n := h.fake.Downloads(big.ID); n != 0 {
		t.Errorf("%d downloads of an over-size file", n)
	}
	if calls := h.fake.CallsMatching(func(c discordtest.Call) bool { return strings.HasPrefix(c.Path, "/attachments/") }); len(calls) != 0 {
		t.Errorf("CDN requested: %v", calls)
	}

	// Declared small but bigger once read: the cap while reading holds.
	h2 := startCurationBot(t, lib, Config{MaxArticleBytes: 1000})
	liar := h2.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "liar.txt", ContentType: "text/plain", Data: bytes.Repeat([]byte("word "), 400), Size: 10})
	got = h2.curationReply(h2.fake.SlashCommand(manager("u1"), "ingest", discordtest.Attachment("file", liar)))
	if want := "That file is larger than the limit of 1 KB."; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	if len(lib.all()) != 0 {
		t.Errorf("library called: %+v", lib.all())
	}
	h.checkHygiene()
	h2.checkHygiene()
}

func TestIngestUsageAndDM(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{})
	att := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "a.md", ContentType: "text/markdown", Data: []byte("# A\n\ntext")})
	for what, sent := range map[string]discordtest.Sent{
		"neither": h.fake.SlashCommand(manager("u1"), "ingest"),
		"both":    h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", "https://example.com/a"), discordtest.Attachment("file", att)),
	} {
		if got := h.curationReply(sent); got != ingestUsage {
			t.Errorf("%s: %q", what, got)
		}
	}
	dm := discordtest.Actor{UserID: "u1", ChannelID: "dm-u1"}
	if got := h.curationReply(h.fake.SlashCommand(dm, "ingest", discordtest.String("url", "https://example.com/a"))); got != "Articles can only be added in a server." {
		t.Errorf("DM: %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(dm, "forget", discordtest.String("article", "a"))); got != "Articles can only be removed in a server." {
		t.Errorf("DM forget: %q", got)
	}
	if got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", "ftp://example.com/a"))); got != notWebLinkText {
		t.Errorf("ftp link: %q", got)
	}
	if len(lib.all()) != 0 || h.fake.Downloads(att.ID) != 0 {
		t.Errorf("library called (%+v) or file downloaded", lib.all())
	}
	h.checkHygiene()
}

func TestAddToLibraryMessage(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	h := startCurationBot(t, lib, Config{})
	body := []byte("Minutes of the meeting.")
	notes := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "minutes.txt", ContentType: "text/plain; charset=utf-8", Data: body})
	photo := h.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("jpeg")})
	msg, _ := h.fake.SendMessage(guildActor("u5", "c1"), discordtest.MessageSpec{
		Content:     "Worth reading (https://example.com/report), twice: <https://example.com/report>.",
		Attachments: []discordgo.MessageAttachment{notes, photo},
	})
	got := h.curationReply(h.fake.MessageCommand(manager("u1"), "Add to library", msg.ID))
	want := strings.Join([]string{
		"✅ <https://example.com/report>: added **Page report** (`web-report`, 12 passages).",
		"✅ `minutes.txt`: added **Notes \\*from\\* minutes.txt** (`minutes`, 1 passage).",
		"Skipped 1 other file: only Markdown, text, HTML or PDF files can be added.",
		"You can ask about them now.",
	}, "\n")
	if got != want {
		t.Errorf("reply:\n%s\nwant:\n%s", got, want)
	}
	calls := lib.all()
	if len(calls) != 2 || calls[0].Method != "AddURL" || calls[0].Ref != "https://example.com/report" || calls[0].Scope != "g1" ||
		calls[1].Method != "AddFile" || calls[1].Ref != "minutes.txt" || !bytes.Equal(calls[1].Data, body) || calls[1].Scope != "g1" {
		t.Errorf("library calls %+v", calls)
	}
	if h.fake.Downloads(photo.ID) != 0 {
		t.Error("the photo was downloaded")
	}
	if line := logLine(h.logs.String(), "library changed"); !strings.Contains(line, `action="context menu"`) {
		t.Errorf("change logged as %q", line)
	}
	// One item fails with a UserError, the other with an internal error.
	lib.mu.Lock()
	lib.err = UserError{Message: "That page could not be fetched (404 Not Found)."}
	lib.mu.Unlock()
	got = h.curationReply(h.fake.MessageCommand(manager("u1"), "Add to library", msg.ID))
	if !strings.HasPrefix(got, "⚠️ <https://example.com/report>: That page could not be fetched (404 Not Found).\n⚠️ `minutes.txt`: ") {
		t.Errorf("failures shown as %q", got)
	}
	plain, _ := h.fake.SendMessage(guildActor("u5", "c1"), discordtest.MessageSpec{Content: "just words", Attachments: []discordgo.MessageAttachment{photo}})
	if got := h.curationReply(h.fake.MessageCommand(manager("u1"), "Add to library", plain.ID)); got != "That message has no links or Markdown, text, HTML or PDF files to add." {
		t.Errorf("nothing to add: %q", got)
	}
	h.checkHygiene()
}

func TestTrimLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/a.":                  "https://example.com/a",
		"https://example.com/a),":                 "https://example.com/a",
		"https://en.wikipedia.org/wiki/Foo_(bar)": "https://en.wikipedia.org/wiki/Foo_(bar)",
		"https://example.com/a**":                 "https://example.com/a",
	} {
		if got := trimLink(in); got != want {
			t.Errorf("trimLink(%q) = %q, want %q", in, got, want)
		}
	}
}

// scopedArticles is an EngineFor whose engines list the articles each
// scope sees.
func scopedArticles(all []retrieval.Article) func(retrieval.Scope) Engine {
	return func(s retrieval.Scope) Engine {
		e := newFakeEngine()
		e.articles = nil
		for _, a := range all {
			if s.Sees(a.Scope) {
				e.articles = append(e.articles, a)
			}
		}
		return e
	}
}

func TestForgetOffersAndRemovesOnlyThisServersArticles(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{}
	shared := seedArticle
	mine := retrieval.Article{ID: "g1-minutes", Title: "Minutes of the g1 meeting", Scope: "g1"}
	theirs := retrieval.Article{ID: "g2-minutes", Title: "Minutes of the g2 meeting", Scope: "g2"}
	h := startCurationBot(t, lib, Config{EngineFor: scopedArticles([]retrieval.Article{shared, mine, theirs})})

	got := choices(t, h.callback(h.fake.Autocomplete(manager("u1"), "forget", discordtest.Focused("article", ""))))
	if len(got) != 1 || got[0]["value"] != "g1-minutes" || got[0]["name"] != "Minutes of the g1 meeting" {
		t.Errorf("autocomplete offered %v, want only g1's own article", got)
	}
	reply := h.curationReply(h.fake.SlashCommand(manager("u1"), "forget", discordtest.String("article", "g1-minutes")))
	if want := "Removed **Title of g1-minutes** (`g1-minutes`)."; reply != want {
		t.Errorf("reply %q, want %q", reply, want)
	}
	if calls := lib.all(); len(calls) != 1 || !calls[0].is("Forget", "g1", "g1-minutes") {
		t.Errorf("library calls %+v", calls)
	}
	if line := logLine(h.logs.String(), "library changed"); !strings.Contains(line, "action=forget") || !strings.Contains(line, "article=g1-minutes") {
		t.Errorf("change logged as %q", line)
	}
	// A title typed in full is found too; a shared article is refused.
	h.curationReply(h.fake.SlashCommand(manager("u1"), "forget", discordtest.String("article", "minutes of the G1 meeting")))
	if calls := lib.all(); len(calls) != 2 || calls[1].Ref != "g1-minutes" {
		t.Errorf("by title: %+v", calls)
	}
	reply = h.curationReply(h.fake.SlashCommand(manager("u1"), "forget", discordtest.String("article", shared.ID)))
	if reply != sharedForgetTxt || len(lib.all()) != 2 {
		t.Errorf("shared article: %q, %d calls", reply, len(lib.all()))
	}
	// Unknown IDs go to the library, whose sentence is shown as is.
	lib.mu.Lock()
	lib.err = &UserError{Message: "There is no article “nope” in this server's library."}
	lib.mu.Unlock()
	reply = h.curationReply(h.fake.SlashCommand(manager("u1"), "forget", discordtest.String("article", "nope")))
	if reply != "There is no article “nope” in this server's library." {
		t.Errorf("unknown article: %q", reply)
	}
	h.checkHygiene()
}

var refRE = regexp.MustCompile(`\(ref: ([0-9a-f]{8})\)`)

func TestCurationErrorsShowUserSentenceOrRef(t *testing.T) {
	t.Parallel()
	lib := &fakeLibrary{err: errors.Join(errors.New("fetch"), UserError{Message: "That site refused the request (403 Forbidden)."})}
	h := startCurationBot(t, lib, Config{})
	got := h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", "https://example.com/a")))
	if got != "That site refused the request (403 Forbidden)." {
		t.Errorf("UserError shown as %q", got)
	}
	lib.mu.Lock()
	lib.err = errors.New("index: disk I/O error at /var/lib/citebot")
	lib.mu.Unlock()
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "ingest", discordtest.String("url", "https://example.com/a")))
	m := refRE.FindStringSubmatch(got)
	if m == nil || !strings.HasPrefix(got, "Something failed on my side while trying to add that") || strings.Contains(got, "disk") {
		t.Fatalf("internal error shown as %q", got)
	}
	if line := logLine(h.logs.String(), "ref="+m[1]); !strings.Contains(line, "disk I/O error") {
		t.Errorf("ref %s not in the log with the error: %q", m[1], line)
	}
	got = h.curationReply(h.fake.SlashCommand(manager("u1"), "forget", discordtest.String("article", "a")))
	if !strings.HasPrefix(got, "Something failed on my side while trying to remove that (ref: ") {
		t.Errorf("internal forget error shown as %q", got)
	}
	h.checkHygiene()
}
