package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
)

// maxTurns bounds the conversation handed to the engine.
func (b *Bot) maxTurns() int {
	n := b.cfg.HistoryDepth / 2
	if n < 1 {
		n = 1
	}
	return n
}

// chainHistory reads the reply chain above m (at most HistoryDepth
// messages, fetched through REST and cached) and turns it into the
// conversation so far, oldest first.
func (b *Bot) chainHistory(ctx context.Context, m *discordgo.Message) []answer.Turn {
	var chain []*discordgo.Message // newest first
	cur := m.ReferencedMessage
	if cur == nil && m.MessageReference != nil {
		cur = b.fetchMessage(ctx, firstNonEmpty(m.MessageReference.ChannelID, m.ChannelID), m.MessageReference.MessageID)
	}
	seen := map[string]bool{}
	for cur != nil && len(chain) < b.cfg.HistoryDepth && !seen[cur.ID] {
		seen[cur.ID] = true
		chain = append(chain, cur)
		if _, cached := b.messages.get(cur.ID); !cached {
			c := *cur
			c.ReferencedMessage = nil
			b.messages.put(cur.ID, &c)
		}
		ref := cur.MessageReference
		if ref == nil || ref.MessageID == "" {
			break
		}
		if cur.ReferencedMessage != nil && cur.ReferencedMessage.ID == ref.MessageID {
			cur = cur.ReferencedMessage
			continue
		}
		cur = b.fetchMessage(ctx, firstNonEmpty(ref.ChannelID, cur.ChannelID), ref.MessageID)
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return b.turnsFrom(chain)
}

// threadHistory is the conversation in a bot thread: remembered, or after
// a restart read back from the thread's recent messages.
func (b *Bot) threadHistory(ctx context.Context, threadID, beforeID string) []answer.Turn {
	if turns, ok := b.threads.get(threadID); ok && len(turns) > 0 {
		return append([]answer.Turn(nil), turns...)
	}
	var msgs []*discordgo.Message
	err := b.rest(ctx, "read thread", func(opts ...discordgo.RequestOption) error {
		var err error
		msgs, err = b.s.ChannelMessages(threadID, b.cfg.HistoryDepth, beforeID, "", "", opts...)
		return err
	})
	if err != nil {
		b.log.Warn("could not read thread history", "thread", threadID, "err", err)
		return nil
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	// A thread opened on a message has that message's ID: the first
	// question, in the parent channel.
	if parent := b.parentOf(ctx, threadID); parent != "" {
		if starter := b.fetchMessage(ctx, parent, threadID); starter != nil {
			msgs = append([]*discordgo.Message{starter}, msgs...)
		}
	}
	turns := b.turnsFrom(msgs)
	b.threads.put(threadID, turns)
	return turns
}

// turnsFrom pairs messages (oldest first) into question/answer turns.
// The bot's own messages are matched to the answers it remembers; others
// are read from their text, without the question echo and notices.
func (b *Bot) turnsFrom(msgs []*discordgo.Message) []answer.Turn {
	var (
		turns   []answer.Turn
		lastRec *answerRecord
		lastBot bool
	)
	for _, msg := range msgs {
		if msg.Author == nil || msg.Author.ID != b.botID {
			q := stripBotMention(msg.Content, b.botID)
			if q == "" {
				continue
			}
			turns = append(turns, answer.Turn{Question: q})
			lastRec, lastBot = nil, false
			continue
		}
		if rec, ok := b.turns.get(msg.ID); ok {
			if rec == lastRec {
				continue // another part of the same answer
			}
			lastRec = rec
			if n := len(turns); n > 0 && turns[n-1].Answer == "" {
				turns[n-1].Answer = rec.answer
			} else {
				turns = append(turns, answer.Turn{Question: rec.question, Answer: rec.answer})
			}
			lastBot = true
			continue
		}
		q, a := parseBotMessage(msg.Content)
		if a == "" {
			continue
		}
		n := len(turns)
		switch {
		case n > 0 && turns[n-1].Answer == "":
			turns[n-1].Answer = a
		case n > 0 && lastBot && lastRec == nil && q == "":
			turns[n-1].Answer += "\n\n" + a // a continuation part
		default:
			turns = append(turns, answer.Turn{Question: q, Answer: a})
		}
		lastRec, lastBot = nil, true
	}
	out := turns[:0]
	for _, t := range turns {
		if t.Answer != "" {
			out = append(out, t)
		}
	}
	if max := b.maxTurns(); len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

// parseBotMessage splits one of the bot's messages into the echoed
// question (if any) and the answer text, dropping notices and status
// lines.
func parseBotMessage(content string) (question, text string) {
	var keep []string
	for i, line := range strings.Split(content, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case i == 0 && strings.HasPrefix(t, markQuestion+"**"):
			question = unescapeMarkdown(strings.TrimSuffix(strings.TrimPrefix(t, markQuestion+"**"), "**"))
			continue
		case strings.HasPrefix(t, markUngrounded), strings.HasPrefix(t, markExtractive),
			strings.HasPrefix(t, markThinking), strings.HasPrefix(t, "📰 "):
			continue
		}
		keep = append(keep, line)
	}
	text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.Join(keep, "\n")), strings.TrimSpace(streamCursor)))
	return question, text
}

func unescapeMarkdown(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		if r == '\\' && !esc {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}

// fetchMessage returns a message from the cache or REST (nil if gone).
func (b *Bot) fetchMessage(ctx context.Context, channelID, id string) *discordgo.Message {
	if m, ok := b.messages.get(id); ok {
		return m
	}
	var m *discordgo.Message
	err := b.rest(ctx, "fetch message", func(opts ...discordgo.RequestOption) error {
		var err error
		m, err = b.s.ChannelMessage(channelID, id, opts...)
		return err
	})
	if err != nil {
		b.log.Debug("could not fetch a message of the reply chain", "message", id, "err", err)
		return nil
	}
	c := *m
	c.ReferencedMessage = nil // keep the cache flat; the chain walk refetches
	b.messages.put(id, &c)
	return m
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
