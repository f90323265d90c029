package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/retrieval"
)

// A slash command in a thread of an allowed channel is let in from the
// interaction's own partial channel (parent_id): no REST look-up before
// the acknowledgement. A thread of another channel is refused.
func TestAllowedChannelThreadFromPayload(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AllowedChannels: []string{"ok"}}, discordtest.Options{})
	h.fake.AddChannel(discordgo.Channel{ID: "th-ok", GuildID: "g1", ParentID: "ok", Type: discordgo.ChannelTypeGuildPublicThread})
	h.fake.AddChannel(discordgo.Channel{ID: "th-no", GuildID: "g1", ParentID: "elsewhere", Type: discordgo.ChannelTypeGuildPublicThread})
	sent := h.fake.SlashCommand(guildActor("u1", "th-ok"), "ask", discordtest.String("question", "What did Austin urge?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("ask in a thread of an allowed channel: %q", orig.Content)
	}
	sent = h.fake.SlashCommand(guildActor("u2", "th-no"), "ask", discordtest.String("question", "What?"))
	if cb := h.callback(sent); !strings.Contains(bodyContent(cb), "not enabled in this channel") {
		t.Errorf("ask in a thread of another channel got %q", bodyContent(cb))
	}
	for _, c := range h.fake.Calls() {
		if c.Method == "GET" && strings.HasPrefix(c.Path, "/api/v9/channels/th-") && !strings.Contains(c.Path, "/messages") {
			t.Errorf("channel looked up over REST: %s", c)
		}
	}
}

// privateNotice is the notice a failed public interaction left its asker:
// its ephemeral follow-up, once the public placeholder is gone.
func (h *harness) privateNotice(sent discordtest.Sent) (string, bool) {
	if _, ok := h.fake.OriginalResponse(sent.ID); ok {
		return "", false
	}
	for _, f := range h.fake.Followups(sent.ID) {
		if f.Flags&discordgo.MessageFlagsEphemeral != 0 {
			return f.Content, true
		}
	}
	return "", false
}

// waitPrivateFailure waits for a public interaction's job to fail and
// returns the notice only its asker sees.
func (h *harness) waitPrivateFailure(sent discordtest.Sent) string {
	h.t.Helper()
	h.waitJob(sent.ID)
	text, ok := h.privateNotice(sent)
	if !ok {
		h.t.Fatalf("interaction %s: no private failure notice with the placeholder deleted\n%s", sent.ID, h.callList())
	}
	return text
}

// An error after a public deferred reply is told to the asker only: the
// "thinking" placeholder is deleted and the notice is an ephemeral
// follow-up. A private ask fails in place.
func TestFailureAfterPublicDeferIsPrivate(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	eng.setAsk(func(ctx context.Context, q string, _ []answerTurn, _ answerDelta) (answerT, error) {
		return answerT{}, errors.New("index on fire")
	})
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	cb := h.callback(sent)
	if bodyType(cb) != 5 || bodyFlags(cb)&64 != 0 {
		t.Fatalf("public ask deferred with type %d flags %d", bodyType(cb), bodyFlags(cb))
	}
	if text := h.waitPrivateFailure(sent); !strings.Contains(text, "something failed") {
		t.Errorf("private notice %q", text)
	}
	for _, m := range h.fake.ChannelMessages("c1") {
		if m.Flags&discordgo.MessageFlagsEphemeral == 0 && strings.Contains(m.Content, "something failed") {
			t.Errorf("failure shown publicly: %q", m.Content)
		}
	}
	// Private: the ephemeral response itself says it.
	sent = h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"), discordtest.Bool("private", true))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "something failed") {
		t.Errorf("private failure = %q", orig.Content)
	}
	h.checkHygiene()
}

// /summarize private:true answers ephemerally.
func TestSummarizePrivate(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine()}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "summarize", discordtest.String("article", seedArticle.ID), discordtest.Bool("private", true))
	if cb := h.callback(sent); bodyType(cb) != 5 || bodyFlags(cb)&64 == 0 {
		t.Errorf("private summary deferred with type %d flags %d", bodyType(cb), bodyFlags(cb))
	}
	if orig, _ := h.waitAnswer(sent); orig.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(orig.Content, "Summary") {
		t.Errorf("private summary = %q flags %d", orig.Content, orig.Flags)
	}
	found := false
	for _, c := range h.fake.Commands("") {
		if c.Name == "summarize" {
			for _, o := range c.Options {
				found = found || o.Name == "private"
			}
		}
	}
	if !found {
		t.Error("/summarize has no private option")
	}
	h.checkHygiene()
}

// /articles page buttons work only for whoever ran /articles.
func TestArticlesButtonsBelongToTheAsker(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	eng.articles = nil
	for i := 0; i < 23; i++ {
		eng.articles = append(eng.articles, retrieval.Article{ID: fmt.Sprintf("art-%02d", i), Title: fmt.Sprintf("Article %02d", i)})
	}
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	owner := guildActor("u1", "c1")
	sent := h.fake.SlashCommand(owner, "articles")
	var page discordgo.Message
	waitUntil(t, func() bool { page, _ = h.fake.OriginalResponse(sent.ID); return len(page.Embeds) == 1 })
	_, next := pageButtons(t, page)
	click := h.fake.ClickButton(guildActor("u2", "c1"), page.ID, next.CustomID)
	cb := h.callback(click)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "These buttons belong to useru1's list; run /articles yourself.") {
		t.Errorf("another user's click got type %d %q", bodyType(cb), bodyContent(cb))
	}
	if m, _ := h.fake.Message(page.ID); !strings.HasPrefix(m.Embeds[0].Footer.Text, "Page 1 of 3") {
		t.Errorf("another user turned the page: %q", m.Embeds[0].Footer.Text)
	}
	click = h.fake.ClickButton(owner, page.ID, next.CustomID)
	if cb := h.callback(click); bodyType(cb) != 6 {
		t.Errorf("owner's click got type %d", bodyType(cb))
	}
	waitUntil(t, func() bool {
		m, _ := h.fake.Message(page.ID)
		return strings.HasPrefix(m.Embeds[0].Footer.Text, "Page 2 of 3")
	})
	h.checkHygiene()
}

// One vote per person per answer: the same click again stores nothing, the
// other button changes the vote (same AnswerID, so the store replaces
// it). After 👎 the "What was wrong?" modal's text is stored with the vote.
func TestOneVotePerPersonAndWhatWasWrong(t *testing.T) {
	t.Parallel()
	sink := &feedbackSink{}
	h := startBot(t, Config{Engine: newFakeEngine(), Feedback: sink}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	orig, _ := h.waitAnswer(sent)
	up, down := feedbackIDs(t, orig)
	voter := guildActor("voter", "c1")

	click := h.fake.ClickButton(voter, orig.ID, up)
	waitUntil(t, func() bool { m, _ := h.fake.OriginalResponse(click.ID); return strings.Contains(m.Content, "Thanks") })
	again := h.fake.ClickButton(voter, orig.ID, up)
	if cb := h.callback(again); bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "already voted 👍") {
		t.Errorf("second 👍 got %q", bodyContent(cb))
	}
	click = h.fake.ClickButton(voter, orig.ID, down)
	var thanks discordgo.Message
	waitUntil(t, func() bool {
		thanks, _ = h.fake.OriginalResponse(click.ID)
		return strings.Contains(thanks.Content, "Changed your vote to 👎")
	})
	votes := sink.all()
	if len(votes) != 2 || votes[0].Vote != 1 || votes[1].Vote != -1 || votes[0].AnswerID == "" || votes[1].AnswerID != votes[0].AnswerID || votes[1].UserHash != votes[0].UserHash {
		t.Fatalf("votes = %+v", votes)
	}

	// The 👎 acknowledgement offers the form.
	if len(thanks.Components) != 1 {
		t.Fatalf("no form button on %q", thanks.Content)
	}
	why := thanks.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.Button)
	open := h.fake.ClickButton(voter, thanks.ID, why.CustomID)
	if cb := h.callback(open); bodyType(cb) != int(discordgo.InteractionResponseModal) {
		t.Fatalf("form button answered with type %d", bodyType(cb))
	}
	modal, ok := h.fake.Modal(open.ID)
	if !ok || !strings.Contains(fmt.Sprint(modal["title"]), "What was wrong") {
		t.Fatalf("modal = %v", modal)
	}
	submit := h.fake.SubmitModal(voter, open.ID, map[string]string{"comment": "  The call was on Friday, not Monday. "})
	if cb := h.callback(submit); bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "saved your note") {
		t.Errorf("submit answered %q", bodyContent(cb))
	}
	votes = sink.all()
	last := votes[len(votes)-1]
	if len(votes) != 3 || last.Vote != -1 || last.Comment != "The call was on Friday, not Monday." || last.AnswerID != votes[0].AnswerID ||
		last.Question != "What did Austin urge?" {
		t.Errorf("vote with comment = %+v", last)
	}
	h.checkHygiene()
}

// A new post in a forum named in AskChannels is answered in its thread,
// from its title and first message; a post in another forum is not.
func TestForumPostIsAnswered(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AskChannels: []string{"forum"}}, discordtest.Options{})
	h.fake.AddChannel(discordgo.Channel{ID: "forum", GuildID: "g1", Type: discordgo.ChannelTypeGuildForum, Name: "questions"})
	th, first, _ := h.fake.CreateForumPost(guildActor("u1", "forum"), "forum", "What did Austin urge", discordtest.MessageSpec{Content: "In the call with Shoigu, I mean."})
	h.waitJob(first.ID)
	a := h.botReplyTo(th.ID, first.ID)
	if !strings.Contains(a.Content, "[1]") {
		t.Errorf("forum post answered %q", a.Content)
	}
	qs := eng.askCalls()
	if len(qs) != 1 || qs[0].Question != "What did Austin urge. In the call with Shoigu, I mean." {
		t.Errorf("asked %q", qs)
	}
	// A post in a forum that is not an ask channel: ignored.
	h.fake.AddChannel(discordgo.Channel{ID: "other", GuildID: "g1", Type: discordgo.ChannelTypeGuildForum})
	th2, _, _ := h.fake.CreateForumPost(guildActor("u1", "other"), "other", "Anything?", discordtest.MessageSpec{Content: "Is this answered?"})
	time.Sleep(100 * time.Millisecond)
	for _, m := range h.fake.ChannelMessages(th2.ID) {
		if m.Author != nil && m.Author.ID == h.fake.AppID() {
			t.Errorf("answered a post outside the ask channels: %q", m.Content)
		}
	}
	h.checkHygiene()
}

// Mentioning the bot's managed role (GUILD_CREATE roles, tags.bot_id)
// counts as mentioning the bot; another role does not.
func TestBotRoleMentionCounts(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	h.fake.GuildCreate("g1", "r-bot")
	waitUntil(t, func() bool { _, ok := h.bot.botRoles.get("g1"); return ok })
	q, _ := h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: "<@&r-bot> what did Austin urge?"})
	h.waitJob(q.ID)
	if a := h.botReplyTo("c1", q.ID); !strings.Contains(a.Content, "[1]") {
		t.Errorf("role mention answered %q", a.Content)
	}
	if qs := eng.askCalls(); len(qs) != 1 || qs[0].Question != "what did Austin urge?" {
		t.Errorf("asked %q", qs)
	}
	h.fake.SendMessage(guildActor("u1", "c1"), discordtest.MessageSpec{Content: "<@&r-mods> what did Austin urge?"})
	time.Sleep(100 * time.Millisecond)
	if n := len(eng.askCalls()); n != 1 {
		t.Errorf("another role's mention was answered (%d asks)", n)
	}
	h.checkHygiene()
}

// brokenListEngine fails to list articles.
type brokenListEngine struct{ *fakeEngine }

func (brokenListEngine) Articles(context.Context) ([]retrieval.Article, error) {
	return nil, errors.New("store on fire")
}

// A public /articles that fails tells only the asker.
func TestArticlesFailureIsPrivate(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: brokenListEngine{newFakeEngine()}}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "articles")
	var text string
	waitUntil(t, func() bool { text, _ = h.privateNotice(sent); return text != "" })
	if !strings.Contains(text, "couldn't read the article list") {
		t.Errorf("private notice %q", text)
	}
	h.checkHygiene()
}
