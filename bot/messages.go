package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// trigger is why a message is for the bot.
type trigger int

const (
	trigNone    trigger = iota
	trigDM              // any direct message
	trigReply           // a reply to one of the bot's messages: a follow-up
	trigMention         // mentions the bot
	trigThread          // in a thread the bot opened
	trigAsk             // ends in "?" in an ask channel
	trigForum           // a new post in an ask channel that is a forum
)

// onMessage is the gateway handler for MESSAGE_CREATE.
func (b *Bot) onMessage(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil {
		return
	}
	m := mc.Message
	if m.Author == nil || m.Author.Bot || m.Author.ID == b.botID || m.WebhookID != "" {
		return // never answer bots, webhooks or ourselves
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	tell := func(ctx context.Context, text string) { b.replyText(ctx, m, text) }
	b.serve("message", tell, func(ctx context.Context) { b.handleMessage(ctx, m) })
}

func (b *Bot) handleMessage(ctx context.Context, m *discordgo.Message) {
	q, trig := b.classify(m)
	if trig == trigNone {
		if post, ok := b.forumPost(ctx, m); ok {
			q, trig = forumQuestion(post.Name, stripBotMention(b.stripRoleMention(m.Content, m.GuildID), b.botID)), trigForum
		}
	}
	if trig == trigNone {
		return
	}
	if b.accessRefusal(ctx, m.GuildID, m.ChannelID, m.Member) != "" {
		b.log.Debug("ignored message outside the allowed channels or roles", "channel", m.ChannelID)
		return
	}
	hint := "Ask me something about the articles, for example “@" + b.botName + " what was agreed?”, or use /ask. /help explains more."
	if refusal := b.questionRefusal(q, m.Author.ID, hint); refusal != "" {
		b.replyText(ctx, m, refusal)
		return
	}

	var history []answer.Turn
	threadID := ""
	switch {
	case trig == trigThread:
		threadID = m.ChannelID
		history = b.threadHistory(ctx, m.ChannelID, m.ID)
	case m.MessageReference != nil:
		history = b.chainHistory(ctx, m)
	}

	channelID := m.ChannelID
	replyTo := m
	if b.cfg.AutoThread && (trig == trigMention || trig == trigAsk) && m.GuildID != "" && b.parentOf(ctx, m.ChannelID) == "" {
		if th, err := b.startThread(ctx, m, q); err != nil {
			b.log.Warn("could not open a thread; answering in the channel", "channel", m.ChannelID, "err", err)
		} else {
			channelID, replyTo, threadID = th.ID, nil, th.ID
		}
	}

	sf := &channelSurface{b: b, channelID: channelID}
	if err := sf.start(ctx, outMessage{Content: thinkingText}, replyTo); err != nil {
		b.log.Warn("could not post an answer", "channel", channelID, "err", err)
		return
	}
	rec := b.runJob(ctx, sf, job{
		kind: jobAsk, question: q, history: history,
		guildID: m.GuildID, channelID: channelID, origin: m.ID, source: trig.source(),
	})
	if rec != nil && threadID != "" {
		max := b.maxTurns()
		b.threads.update(threadID, func(turns []answer.Turn) []answer.Turn {
			turns = append(turns, answer.Turn{Question: q, Answer: rec.answer})
			if len(turns) > max {
				turns = turns[len(turns)-max:]
			}
			return turns
		})
	}
}

// classify decides whether a message is for the bot and extracts the
// question.
func (b *Bot) classify(m *discordgo.Message) (string, trigger) {
	mentioned := strings.Contains(m.Content, "<@"+b.botID+">") || strings.Contains(m.Content, "<@!"+b.botID+">") || b.mentionsBotRole(m)
	q := stripBotMention(b.stripRoleMention(m.Content, m.GuildID), b.botID)
	replyToBot := m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil && m.ReferencedMessage.Author.ID == b.botID
	switch {
	case m.GuildID == "":
		return q, trigDM
	case replyToBot:
		return q, trigReply
	case mentioned:
		return q, trigMention
	case b.isBotThread(m.ChannelID):
		return q, trigThread
	case b.askChannels[m.ChannelID] && endsWithQuestion(q):
		return q, trigAsk
	}
	return "", trigNone
}

func stripBotMention(content, botID string) string {
	s := strings.ReplaceAll(content, "<@!"+botID+">", " ")
	s = strings.ReplaceAll(s, "<@"+botID+">", " ")
	return strings.TrimSpace(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }), " "))
}

func endsWithQuestion(q string) bool {
	q = strings.TrimSpace(q)
	return strings.HasSuffix(q, "?") || strings.HasSuffix(q, "？")
}

// isBotThread reports whether channelID is a thread the bot opened.
func (b *Bot) isBotThread(channelID string) bool {
	if _, ok := b.threads.get(channelID); ok {
		return true
	}
	ch, err := b.s.State.Channel(channelID)
	return err == nil && ch != nil && ch.IsThread() && ch.OwnerID == b.botID
}

// startThread opens a thread on the question message.
func (b *Bot) startThread(ctx context.Context, m *discordgo.Message, q string) (*discordgo.Channel, error) {
	var th *discordgo.Channel
	err := b.rest(ctx, "start thread", func(opts ...discordgo.RequestOption) error {
		var err error
		th, err = b.s.MessageThreadStartComplex(m.ChannelID, m.ID, &discordgo.ThreadStart{
			Name: threadName(q), AutoArchiveDuration: 1440,
		}, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	b.threads.put(th.ID, nil)
	b.parents.put(th.ID, m.ChannelID)
	return th, nil
}

func threadName(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if q == "" {
		q = "Question"
	}
	return truncate(q, maxThreadName)
}

// replyText answers a message with a short notice.
func (b *Bot) replyText(ctx context.Context, m *discordgo.Message, text string) {
	err := b.rest(ctx, "reply", func(opts ...discordgo.RequestOption) error {
		_, err := b.s.ChannelMessageSendComplex(m.ChannelID, &discordgo.MessageSend{
			Content:         truncate(text, maxContent),
			AllowedMentions: noMentions(),
			Reference:       replyRef(m.ID, m.ChannelID, m.GuildID),
		}, opts...)
		return err
	})
	if err != nil {
		b.log.Warn("reply failed", "channel", m.ChannelID, "err", err)
	}
}
