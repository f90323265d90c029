package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
)

// originalEdits are the PATCHes of an interaction's @original, in order.
func (h *harness) originalEdits(sent discordtest.Sent) []discordtest.Call {
	return h.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, "/"+sent.Token+"/messages/@original")
	})
}

func TestAskStreamsEditsAndCites(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	cb := h.callback(sent)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 != 0 {
		t.Errorf("first response = type %d flags %d, want a public deferred response (5)", bodyType(cb), bodyFlags(cb))
	}
	orig, follow := h.waitAnswer(sent)
	edits := h.originalEdits(sent)
	interim := 0
	for _, e := range edits[:len(edits)-1] {
		if strings.HasSuffix(bodyContent(e), streamCursor) {
			interim++
		}
	}
	if interim < 2 {
		t.Errorf("%d streamed edits before the final one, want ≥ 2", interim)
	}
	// Throttled: edits at least EditInterval apart (20 ms here), so a
	// 10-word stream at 10 ms per word cannot produce one edit per word.
	for i := 1; i < len(edits); i++ {
		if gap := edits[i].Time.Sub(edits[i-1].Time); gap < 15*time.Millisecond {
			t.Errorf("edits %d and %d only %v apart", i-1, i, gap)
		}
	}
	if len(follow) != 0 {
		t.Errorf("short answer sent %d follow-ups", len(follow))
	}
	if !strings.Contains(orig.Content, "[1]") || !strings.HasPrefix(orig.Content, "> **What did Austin urge?**") {
		t.Errorf("final content = %q", orig.Content)
	}
	if len(orig.Embeds) != 1 || orig.Embeds[0].Title != "Sources" ||
		!strings.Contains(orig.Embeds[0].Description, "[U.S. Defense Secretary Lloyd Austin") ||
		!strings.Contains(orig.Embeds[0].Description, "Mary Webber · 14 May 2022") ||
		!strings.Contains(orig.Embeds[0].Description, "> According to the U.S. Department of Defense") {
		t.Errorf("sources embed = %+v", orig.Embeds)
	}
	if len(orig.Components) != 1 {
		t.Errorf("want one row of feedback buttons, got %d", len(orig.Components))
	}
	h.checkHygiene()
}

func TestAskPrivateIsEphemeral(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"), discordtest.Bool("private", true))
	cb := h.callback(sent)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 == 0 {
		t.Errorf("private ask: first response type %d flags %d, want ephemeral deferred", bodyType(cb), bodyFlags(cb))
	}
	orig, _ := h.waitAnswer(sent)
	if orig.Flags&64 == 0 || !strings.Contains(orig.Content, "[1]") {
		t.Errorf("answer not ephemeral or incomplete: flags %d %q", orig.Flags, orig.Content)
	}
	h.checkHygiene()
}

var citeCheckRE = regexp.MustCompile(`\[\d+\]`)

func TestLongAnswerSplitAtBoundaries(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	var para []string
	for i := 0; i < 60; i++ {
		para = append(para, fmt.Sprintf("Sentence number %d says something about the call between the two ministers [%d].", i, i%3+1))
		if i%7 == 6 {
			para = append(para, "\n\n")
		}
	}
	long := strings.Join(para, " ")
	eng.setAsk(func(ctx context.Context, q string, _ []answerTurn, onDelta answerDelta) (answerT, error) {
		onDelta(long)
		a := citedAnswer(long)
		for n := 2; n <= 3; n++ {
			c := a.Citations[0]
			c.N = n
			a.Citations = append(a.Citations, c)
		}
		return a, nil
	})
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "Tell me everything"))
	orig, follow := h.waitAnswer(sent)
	parts := append([]string{orig.Content}, nil...)
	for _, f := range follow {
		parts = append(parts, f.Content)
	}
	if len(parts) < 3 {
		t.Fatalf("%d-character answer came in %d messages", textLen(long), len(parts))
	}
	total := 0
	for i, p := range parts {
		if textLen(p) > maxContent {
			t.Errorf("part %d is %d characters", i, textLen(p))
		}
		if strings.Count(p, "[") != strings.Count(p, "]") {
			t.Errorf("part %d has a broken citation: …%s", i, p[max(0, len(p)-40):])
		}
		total += len(citeCheckRE.FindAllString(p, -1))
	}
	if want := len(citeCheckRE.FindAllString(long, -1)); total != want {
		t.Errorf("%d citations across parts, want %d", total, want)
	}
	last := follow[len(follow)-1]
	if len(last.Embeds) != 1 || len(last.Components) != 1 || len(orig.Embeds) != 0 {
		t.Errorf("sources and buttons should be on the last message only")
	}
	h.checkHygiene()
}

func TestRateLimitMessage(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), RatePerMinute: 1}, discordtest.Options{})
	first := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "First?"))
	h.waitAnswer(first)
	second := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "Second?"))
	cb := h.callback(second)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !regexp.MustCompile(`try again in \d+ seconds`).MatchString(bodyContent(cb)) {
		t.Errorf("rate-limited ask got %s %q", cb, bodyContent(cb))
	}
	// Another user is not affected.
	other := h.fake.SlashCommand(guildActor("u2", "c1"), "ask", discordtest.String("question", "Mine?"))
	if cb := h.callback(other); bodyType(cb) != 5 {
		t.Errorf("other user's ask got type %d", bodyType(cb))
	}
	h.waitAnswer(other)
	h.checkHygiene()
}

func TestQuestionTooLong(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), MaxQuestion: 20}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", strings.Repeat("why ", 10)))
	cb := h.callback(sent)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "limit is 20") {
		t.Errorf("long question got %s %q", cb, bodyContent(cb))
	}
}

func TestDisallowedChannelAndRole(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AllowedChannels: []string{"ok"}, AllowedRoles: []string{"r-members"}}, discordtest.Options{})
	member := guildActor("u1", "ok")
	member.Roles = []string{"r-members"}

	// A mention in another channel is ignored: no REST call at all.
	elsewhere := member
	elsewhere.ChannelID = "elsewhere"
	before := len(h.fake.Calls())
	h.fake.SendMessage(elsewhere, discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	// Then a slash command there is refused privately.
	sent := h.fake.SlashCommand(elsewhere, "ask", discordtest.String("question", "What?"))
	cb := h.callback(sent)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "not enabled in this channel") {
		t.Errorf("slash command in a disallowed channel got %q", bodyContent(cb))
	}
	for _, c := range h.fake.Calls()[before:] {
		if strings.Contains(c.Path, "/channels/elsewhere/") {
			t.Errorf("bot answered in a disallowed channel: %s", c)
		}
	}
	// No role: refused.
	norole := guildActor("u2", "ok")
	sent = h.fake.SlashCommand(norole, "ask", discordtest.String("question", "What?"))
	if cb := h.callback(sent); !strings.Contains(bodyContent(cb), "allowed roles") {
		t.Errorf("member without role got %q", bodyContent(cb))
	}
	// Allowed channel and role: answered.
	sent = h.fake.SlashCommand(member, "ask", discordtest.String("question", "What did Austin urge?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("allowed ask not answered: %q", orig.Content)
	}
	if n := len(eng.askCalls()); n != 1 {
		t.Errorf("engine asked %d times, want 1", n)
	}
	h.checkHygiene()
}

func TestEngineDownThenKeepsServing(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	working := eng.ask
	eng.setAsk(func(ctx context.Context, q string, h []answerTurn, d answerDelta) (answerT, error) {
		return answerT{}, &answer.ModelError{Model: "m at 127.0.0.1:1", Err: errors.New("cannot reach m at 127.0.0.1:1: connection refused")}
	})
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	// Only the asker sees the failure: the public placeholder goes.
	text := h.waitPrivateFailure(sent)
	if !strings.Contains(text, "language model is not responding") || !strings.Contains(text, "ref: ") {
		t.Errorf("LLM failure shown as %q", text)
	}
	ref := regexp.MustCompile(`ref: ([0-9a-f]+)`).FindStringSubmatch(text)
	if ref == nil || !strings.Contains(h.logs.String(), "ref="+ref[1]) {
		t.Errorf("the reference shown is not in the log")
	}
	eng.setAsk(working)
	sent = h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "And now?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("bot did not recover: %q", orig.Content)
	}
	h.checkHygiene()
}

func TestPanicIsRecoveredWithReference(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	working := eng.ask
	eng.setAsk(func(ctx context.Context, q string, h []answerTurn, d answerDelta) (answerT, error) {
		panic("boom in the engine")
	})
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "Crash?"))
	var orig string
	waitUntil(t, func() bool {
		orig, _ = h.privateNotice(sent)
		return strings.Contains(orig, "Something went wrong")
	})
	ref := regexp.MustCompile(`ref: ([0-9a-f]+)`).FindStringSubmatch(orig)
	logs := h.logs.String()
	if ref == nil || !strings.Contains(logs, "ref="+ref[1]) || !strings.Contains(logs, "boom in the engine") || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic log lacks the reference or the stack:\n%s", logs)
	}
	// Panics in message handlers too.
	h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: h.fake.Mention() + " crash again?"})
	_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return strings.Contains(bodyContent(c), "Something went wrong") && strings.Contains(c.Path, "/channels/c1/messages")
	})
	if err != nil {
		t.Errorf("panic in a message handler not reported: %v", err)
	}
	eng.setAsk(working)
	sent = h.fake.SlashCommand(guildActor("u2", "c1"), "ask", discordtest.String("question", "Still there?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("bot did not keep serving after a panic: %q", orig.Content)
	}
}

func TestQueuePositionEditedInPlace(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	gate := make(chan struct{})
	working := eng.ask
	eng.setAsk(func(ctx context.Context, q string, hist []answerTurn, d answerDelta) (answerT, error) {
		if q == "first" {
			<-gate
		}
		return working(ctx, q, hist, d)
	})
	h := startBot(t, Config{Engine: eng, MaxConcurrent: 1}, discordtest.Options{})
	first := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "first"))
	waitUntil(t, func() bool { return len(eng.askCalls()) == 1 })
	second := h.fake.SlashCommand(guildActor("u2", "c1"), "ask", discordtest.String("question", "second"))
	_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return strings.Contains(c.Path, second.Token) && strings.Contains(bodyContent(c), "You're #1 in line")
	})
	if err != nil {
		t.Fatalf("no queue position shown: %v", err)
	}
	close(gate)
	for _, s := range []discordtest.Sent{first, second} {
		if orig, _ := h.waitAnswer(s); !strings.Contains(orig.Content, "[1]") {
			t.Errorf("queued ask not answered: %q", orig.Content)
		}
	}
	h.checkHygiene()
}

func Test429OnEditIsRetried(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	// Every edit of @original is refused once... twice in a row.
	h.fake.FailNext("PATCH", "/messages/@original", 2, 30*time.Millisecond)
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	orig, _ := h.waitAnswer(sent)
	if !strings.Contains(orig.Content, "[1]") || len(orig.Embeds) != 1 {
		t.Errorf("answer not delivered after 429s: %q", orig.Content)
	}
	n429 := len(h.fake.CallsMatching(func(c discordtest.Call) bool { return c.Status == 429 }))
	if n429 != 2 {
		t.Errorf("%d calls answered 429, want 2", n429)
	}
	h.checkHygiene()
}

func Test429RetriesAreBounded(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, RateLimitRetries: 2}, discordtest.Options{})
	h.fake.FailNext("PATCH", "/messages/@original", 1000, 10*time.Millisecond)
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	h.waitJob(sent.ID) // returns: the bot gave up instead of looping
	finals := h.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, sent.Token) && isFinalBody(c.Body)
	})
	if len(finals) != 3 {
		t.Errorf("final edit tried %d times, want 1 + 2 retries", len(finals))
	}
	if !strings.Contains(h.logs.String(), "rate limited by Discord") {
		t.Error("giving up is not logged")
	}
}

func TestRESTCallsHaveDeadlines(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), RESTTimeout: 200 * time.Millisecond}, discordtest.Options{})
	// Every edit hangs far longer than the test may run: only the bot's
	// own deadline can end one, so the job ending at all is the check.
	h.fake.SlowNext("PATCH", "/messages/@original", 1000, time.Hour)
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	h.waitJob(sent.ID)
	// And the bot hung up: the fake saw a held edit closed by the client
	// (499), never one it answered.
	_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, sent.Token) && c.Status == 499
	})
	if err != nil {
		t.Errorf("no held edit was abandoned by the bot: %v\n%s", err, h.callList())
	}
	answered := h.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.Contains(c.Path, sent.Token) && c.Status != 499
	})
	if len(answered) > 0 {
		t.Errorf("edits answered by a hanging Discord: %v", answered)
	}
	if !strings.Contains(h.logs.String(), "deadline exceeded") {
		t.Errorf("timeouts not logged:\n%s", h.logs.String())
	}
}
