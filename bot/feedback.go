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
	// AnswerID names the answer voted on (its feedback ID): one vote per
	// person per answer, a later one replaces the earlier.
	AnswerID string
	// Comment is what the voter said was wrong after a 👎 ("" = nothing).
	Comment string
}

// feedbackWhyPrefix starts the custom ID of the "What was wrong?" button
// offered after a 👎 ("fbw:<record>"); feedbackModalPrefix that of its
// modal ("fbm:<record>"), whose text input is feedbackCommentID.
const (
	feedbackWhyPrefix   = "fbw:"
	feedbackModalPrefix = "fbm:"
	feedbackCommentID   = "comment"
	maxFeedbackComment  = 1000
)

// voteKey is one person's vote on one answer.
func voteKey(answerID, userHash string) string { return answerID + "\x00" + userHash }

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
	id := rest[2:]
	f := Feedback{
		Time:      time.Now().UTC(),
		GuildID:   r.i.GuildID,
		ChannelID: r.i.ChannelID,
		UserHash:  b.hashUser(userOf(r.i).ID),
		Vote:      vote,
		AnswerID:  id,
	}
	prev, voted := b.votes.get(voteKey(id, f.UserHash))
	if voted && prev.Vote == vote {
		// One vote per person per answer: the same click again changes
		// nothing.
		_ = r.reply(ctx, feedbackThanks(id, vote, "You already voted "+voteEmoji(vote)+" on this answer."), true)
		return
	}
	b.cfg.Metrics.Feedback(vote)
	if r.deferReply(ctx, true) != nil {
		return
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
	if voted {
		text = "Changed your vote to " + voteEmoji(vote) + "."
	}
	msg := feedbackThanks(id, vote, text)
	if b.cfg.Feedback == nil {
		msg = outMessage{Content: "Thanks! (Feedback is not being recorded on this bot.)"}
	} else if err := b.cfg.Feedback.AddFeedback(ctx, f); err != nil {
		ref := b.logFailure("store feedback", err)
		msg = outMessage{Content: "Sorry, I couldn't save your feedback (ref: " + ref + ")."}
	} else {
		b.votes.put(voteKey(id, f.UserHash), f)
	}
	r.show(ctx, "acknowledge feedback", msg)
}

func voteEmoji(vote int) string {
	if vote < 0 {
		return "👎"
	}
	return "👍"
}

// feedbackThanks is the private acknowledgement of a vote; after a 👎 it
// offers the optional "What was wrong?" form.
func feedbackThanks(id string, vote int, text string) outMessage {
	m := outMessage{Content: text}
	if vote < 0 {
		m.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "What was wrong?", Style: discordgo.SecondaryButton, CustomID: feedbackWhyPrefix + id, Emoji: &discordgo.ComponentEmoji{Name: "📝"}},
		}}}
	}
	return m
}

// onFeedbackWhy opens the "What was wrong?" form for the answer id.
func (b *Bot) onFeedbackWhy(ctx context.Context, r *responder, id string) {
	_ = r.respond(ctx, "open feedback form", &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID: feedbackModalPrefix + id,
			Title:    "What was wrong?",
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{
					CustomID: feedbackCommentID, Label: "What was wrong with the answer?", Style: discordgo.TextInputParagraph,
					Placeholder: "e.g. the date is wrong, or the source does not say that", Required: false, MaxLength: maxFeedbackComment,
				},
			}}},
		},
	})
}

// onModalSubmit handles a submitted form: the "What was wrong?" note,
// stored with the voter's 👎 on that answer.
func (b *Bot) onModalSubmit(ctx context.Context, r *responder) {
	data, ok := r.i.Data.(discordgo.ModalSubmitInteractionData)
	if !ok || !strings.HasPrefix(data.CustomID, feedbackModalPrefix) {
		_ = r.reply(ctx, errorMessage("That form no longer works."), true)
		return
	}
	id := strings.TrimPrefix(data.CustomID, feedbackModalPrefix)
	comment := strings.TrimSpace(modalValue(data.Components, feedbackCommentID))
	if comment == "" {
		_ = r.reply(ctx, outMessage{Content: "Nothing to add, then. Your 👎 stands."}, true)
		return
	}
	hash := b.hashUser(userOf(r.i).ID)
	f, ok := b.votes.get(voteKey(id, hash))
	if !ok {
		f = Feedback{GuildID: r.i.GuildID, ChannelID: r.i.ChannelID, UserHash: hash, Vote: -1, AnswerID: id}
		if rec, found := b.records.get(id); found {
			f.Question, f.Answer, f.Citations = rec.question, rec.answer, append([]string(nil), rec.citations...)
		}
	}
	f.Time = time.Now().UTC()
	f.Comment = truncate(comment, maxFeedbackComment)
	text := "Thanks, I saved your note with your " + voteEmoji(f.Vote) + "."
	if b.cfg.Feedback == nil {
		text = "Thanks! (Feedback is not being recorded on this bot.)"
	} else if err := b.cfg.Feedback.AddFeedback(ctx, f); err != nil {
		ref := b.logFailure("store feedback", err)
		text = "Sorry, I couldn't save your note (ref: " + ref + ")."
	} else {
		b.votes.put(voteKey(id, hash), f)
	}
	_ = r.reply(ctx, outMessage{Content: text}, true)
}

// modalValue is the value of the text input customID in a submitted form.
func modalValue(rows []discordgo.MessageComponent, customID string) string {
	for _, row := range rows {
		var inner []discordgo.MessageComponent
		switch r := row.(type) {
		case *discordgo.ActionsRow:
			inner = r.Components
		case discordgo.ActionsRow:
			inner = r.Components
		}
		for _, c := range inner {
			switch t := c.(type) {
			case *discordgo.TextInput:
				if t.CustomID == customID {
					return t.Value
				}
			case discordgo.TextInput:
				if t.CustomID == customID {
					return t.Value
				}
			}
		}
	}
	return ""
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
