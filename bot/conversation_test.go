package bot

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot/discordtest"
)

// botReplyTo finds the bot's answer that replies to message id (its final
// state).
func (h *harness) botReplyTo(channelID, id string) discordgo.Message {
	h.t.Helper()
	for _, m := range h.fake.ChannelMessages(channelID) {
		if m.Author != nil && m.Author.ID == h.fake.AppID() && m.MessageReference != nil && m.MessageReference.MessageID == id {
			return m
		}
	}
	h.t.Fatalf("no bot reply to %s in %s\n%s", id, channelID, h.callList())
	return discordgo.Message{}
}

func TestMentionIsAnsweredAsReply(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	q, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	h.waitJob(q.ID)
	reply := h.botReplyTo("c1", q.ID)
	if !strings.Contains(reply.Content, "[1]") || len(reply.Embeds) != 1 || len(reply.Components) != 1 {
		t.Errorf("reply = %q (%d embeds)", reply.Content, len(reply.Embeds))
	}
	if strings.Contains(reply.Content, "> **") {
		t.Error("a mention answer should not echo the question (the reply shows it)")
	}
	calls := eng.askCalls()
	if len(calls) != 1 || calls[0].Question != "what did Austin urge?" || len(calls[0].History) != 0 {
		t.Errorf("engine calls = %+v", calls)
	}
	// Streamed by editing the reply.
	edits := h.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "PATCH" && strings.HasSuffix(c.Path, "/channels/c1/messages/"+reply.ID)
	})
	if len(edits) < 2 {
		t.Errorf("%d edits of the reply, want streaming", len(edits))
	}
	h.checkHygiene()
}

func TestReplyChainIsConversation(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	user := guildActor("u1", "c1")
	q1, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	h.waitJob(q1.ID)
	a1 := h.botReplyTo("c1", q1.ID)

	// A reply to the answer, without mentioning the bot, is a follow-up.
	q2, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: "how long did it last?", ReplyTo: a1.ID, NoReplyPing: true})
	h.waitJob(q2.ID)
	a2 := h.botReplyTo("c1", q2.ID)
	calls := eng.askCalls()
	if len(calls) != 2 {
		t.Fatalf("engine calls = %d", len(calls))
	}
	want := []answer.Turn{{Question: "what did Austin urge?", Answer: "Austin urged an immediate ceasefire in Ukraine during the call [1]."}}
	if !sameTurns(calls[1].History, want) {
		t.Errorf("follow-up history = %+v, want %+v", calls[1].History, want)
	}

	// After a restart the bot remembers nothing; the chain is read back
	// through REST.
	h.bot.turns = newLRU[string, *answerRecord](10)
	h.bot.messages = newLRU[string, *discordgo.Message](10)
	q3, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: "and who asked for it?", ReplyTo: a2.ID})
	h.waitJob(q3.ID)
	calls = eng.askCalls()
	hist := calls[2].History
	if len(hist) != 2 || hist[0].Question != "what did Austin urge?" || hist[1].Question != "how long did it last?" ||
		!strings.Contains(hist[1].Answer, "ceasefire") {
		t.Errorf("history read back = %+v", hist)
	}
	fetches := h.fake.CallsMatching(func(c discordtest.Call) bool {
		return c.Method == "GET" && strings.HasPrefix(c.Path, "/api/v9/channels/c1/messages/")
	})
	if len(fetches) == 0 {
		t.Error("no referenced message fetched through REST")
	}
	h.checkHygiene()
}

func TestReplyToSlashAnswerContinues(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	orig, _ := h.waitAnswer(sent)
	h.bot.turns = newLRU[string, *answerRecord](10) // forget: parse the message
	q, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: "why?", ReplyTo: orig.ID})
	h.waitJob(q.ID)
	hist := eng.askCalls()[1].History
	if len(hist) != 1 || hist[0].Question != "What did Austin urge?" || !strings.HasPrefix(hist[0].Answer, "Austin urged") {
		t.Errorf("history from a slash answer = %+v", hist)
	}
}

func sameTurns(a, b []answer.Turn) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAutoThread(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AutoThread: true}, discordtest.Options{})
	user := guildActor("u1", "c1")
	q1, _ := h.fake.SendMessage(user, discordtest.MessageSpec{Content: h.fake.Mention() + " what did Austin urge?"})
	h.waitJob(q1.ID)
	if _, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return c.Method == "POST" && c.Path == "/api/v9/channels/c1/messages/"+q1.ID+"/threads" && c.Status == 201
	}); err != nil {
		t.Fatal("no thread opened")
	}
	thread := q1.ID // a thread opened on a message has its ID
	msgs := h.fake.ChannelMessages(thread)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "[1]") {
		t.Fatalf("thread holds %d messages", len(msgs))
	}
	// In the thread, no mention is needed; the thread is the history.
	inThread := guildActor("u1", thread)
	q2, _ := h.fake.SendMessage(inThread, discordtest.MessageSpec{Content: "how long did the call last?"})
	h.waitJob(q2.ID)
	calls := eng.askCalls()
	if len(calls) != 2 || len(calls[1].History) != 1 || calls[1].History[0].Question != "what did Austin urge?" {
		t.Errorf("thread follow-up calls = %+v", calls)
	}
	if len(h.fake.ChannelMessages(thread)) != 3 {
		t.Errorf("thread holds %d messages, want question + 2 answers", len(h.fake.ChannelMessages(thread)))
	}
	// Only one thread: follow-ups stay in it.
	threads := h.fake.CallsMatching(func(c discordtest.Call) bool { return strings.HasSuffix(c.Path, "/threads") })
	if len(threads) != 1 {
		t.Errorf("%d threads opened", len(threads))
	}
	h.checkHygiene()
}

func TestAskChannelsAndDMs(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AskChannels: []string{"ask"}}, discordtest.Options{})
	// Ends in "?" in an ask channel: answered.
	q, _ := h.fake.SendMessage(guildActor("u1", "ask"), discordtest.MessageSpec{Content: "What did Austin urge?"})
	h.waitJob(q.ID)
	h.botReplyTo("ask", q.ID)
	// Not a question, or not an ask channel: ignored.
	h.fake.SendMessage(guildActor("u1", "ask"), discordtest.MessageSpec{Content: "thanks, that helps"})
	h.fake.SendMessage(guildActor("u1", "other"), discordtest.MessageSpec{Content: "What did Austin urge?"})
	// Bots are never answered, even when they mention the bot.
	h.fake.SendMessage(guildActor("u9", "ask"), discordtest.MessageSpec{Content: h.fake.Mention() + " what?", Bot: true})
	// A DM needs no mention.
	dm := discordtest.Actor{UserID: "u2", ChannelID: "dm-u2"}
	d, _ := h.fake.SendMessage(dm, discordtest.MessageSpec{Content: "what did Austin urge"})
	h.waitJob(d.ID)
	h.botReplyTo("dm-u2", d.ID)
	if n := len(eng.askCalls()); n != 2 {
		t.Errorf("engine asked %d times, want 2 (ask channel + DM)", n)
	}
	for _, c := range h.fake.Calls() {
		if strings.Contains(c.Path, "/channels/other/") {
			t.Errorf("answered outside an ask channel: %s", c)
		}
	}
	h.checkHygiene()
}

func TestEmptyMentionGetsHint(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	q, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: h.fake.Mention()})
	c, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		return c.Method == "POST" && c.Path == "/api/v9/channels/c1/messages"
	})
	if err != nil || !strings.Contains(bodyContent(c), "/ask") {
		t.Errorf("empty mention: %v %q", err, bodyContent(c))
	}
	ref, _ := c.Body["message_reference"].(map[string]any)
	if ref["message_id"] != q.ID {
		t.Errorf("hint is not a reply: %v", c.Body)
	}
}

func TestGatewayDropResumeAndReconnect(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	ctx := h.ctx()

	h.fake.Drop()
	if err := h.fake.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "After the drop?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("not answered after RESUME: %q", orig.Content)
	}

	// A message sent while the bot is away is replayed on RESUME.
	h.fake.Drop()
	q, _ := h.fake.SendMessage(guildActor("u2", "c1"), discordtest.MessageSpec{Content: h.fake.Mention() + " did you miss me?"})
	if err := h.fake.WaitResumes(ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.waitJob(q.ID)

	// Op 7: Discord asks for a reconnect.
	h.fake.Reconnect()
	if err := h.fake.WaitResumes(ctx, 3); err != nil {
		t.Fatal(err)
	}
	sent = h.fake.SlashCommand(guildActor("u3", "c1"), "ask", discordtest.String("question", "After op 7?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("not answered after op 7: %q", orig.Content)
	}
	if h.fake.Identifies() != 1 {
		t.Errorf("%d IDENTIFYs, want 1 (the rest RESUMEs)", h.fake.Identifies())
	}
	h.checkHygiene()
}

func TestInvalidSessionReidentifies(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	h.fake.InvalidSession()
	waitUntil(t, func() bool { return h.fake.Identifies() == 2 })
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "New session?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("not answered after op 9: %q", orig.Content)
	}
}

func TestMessageRateLimitReply(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), RatePerMinute: 1}, discordtest.Options{})
	q1, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: h.fake.Mention() + " one?"})
	h.waitJob(q1.ID)
	q2, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: h.fake.Mention() + " two?"})
	_, err := h.fake.WaitCall(h.ctx(), func(c discordtest.Call) bool {
		ref, _ := c.Body["message_reference"].(map[string]any)
		return ref != nil && ref["message_id"] == q2.ID && strings.Contains(bodyContent(c), "try again in")
	})
	if err != nil {
		t.Error(err)
	}
}
