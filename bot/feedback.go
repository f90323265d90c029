package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Feedback is one vote on an answer, as the bot hands it to the
// FeedbackStore. It carries where in Discord the vote was cast, which is
// why it belongs to the bot rather than to the library. UserHash is a
// salted hash, never a raw user ID.
type Feedback struct {
	Time      time.Time
	GuildID   string // "" in a DM
	ChannelID string
	UserHash  string
	Question  string
	Answer    string
	// Citations are the cited article IDs in citation order; for an
	// answer the bot no longer remembers, the source titles its message
	// shows.
	Citations []string
	// Vote is +1 (helpful) or -1 (not helpful).
	Vote int
}

// feedbackPrefix starts the custom IDs of the 👍/👎 buttons:
// "fb:+:<record>" and "fb:-:<record>".
const feedbackPrefix = "fb:"

// hashUser is the salted SHA-256 of a user ID, stored instead of the ID.
func (b *Bot) hashUser(userID string) string {
	sum := sha256.Sum256([]byte(b.salt + "\x00" + userID))
	return hex.EncodeToString(sum[:])
}

// onFeedback stores a vote and thanks the voter privately.
func (b *Bot) onFeedback(ctx context.Context, r *responder, customID string) {
	rest := strings.TrimPrefix(customID, feedbackPrefix)
	vote := 0
	switch {
	case strings.HasPrefix(rest, "+:"):
		vote = 1
	case strings.HasPrefix(rest, "-:"):
		vote = -1
	default:
		_ = r.reply(ctx, errorMessage("That button no longer works."), true)
		return
	}
	b.cfg.Metrics.Feedback(vote)
	if r.deferReply(ctx, true) != nil {
		return
	}
	id := rest[2:]
	f := Feedback{
		Time:      time.Now().UTC(),
		GuildID:   r.i.GuildID,
		ChannelID: r.i.ChannelID,
		UserHash:  b.hashUser(userOf(r.i).ID),
		Vote:      vote,
	}
	if rec, ok := b.records.get(id); ok {
		f.Question, f.Answer, f.Citations = rec.question, rec.answer, append([]string(nil), rec.citations...)
	} else if r.i.Message != nil {
		// Not remembered (the bot restarted): keep what the message shows.
		f.Question, f.Answer = parseBotMessage(r.i.Message.Content)
		f.Citations = citationsFromEmbeds(r.i.Message.Embeds)
	}
	text := "Thanks for the feedback! 👍"
	if vote < 0 {
		text = "Thanks for the feedback! 👎 It helps me get better."
	}
	if b.cfg.Feedback == nil {
		text = "Thanks! (Feedback is not being recorded on this bot.)"
	} else if err := b.cfg.Feedback.AddFeedback(ctx, f); err != nil {
		ref := b.logFailure("store feedback", err)
		text = "Sorry, I couldn't save your feedback (ref: " + ref + ")."
	}
	r.show(ctx, "acknowledge feedback", outMessage{Content: text})
}

// citationsFromEmbeds recovers source titles from a Sources embed.
func citationsFromEmbeds(embeds []*discordgo.MessageEmbed) []string {
	var out []string
	for _, e := range embeds {
		if e == nil || e.Title != "Sources" {
			continue
		}
		for _, line := range strings.Split(e.Description, "\n") {
			if !strings.HasPrefix(line, "**[") {
				continue
			}
			if i := strings.Index(line, "** "); i >= 0 {
				t := line[i+3:]
				if j := strings.Index(t, " — "); j >= 0 {
					t = t[:j]
				}
				out = append(out, t)
			}
		}
	}
	return out
}
