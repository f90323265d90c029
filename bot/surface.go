package bot

import (
	"context"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// surface is where an answer appears: an interaction response or a
// channel message, plus continuation messages after it.
type surface interface {
	// edit replaces the live (first) message.
	edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error)
	// send posts a continuation after the last message.
	send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error)
	// ids are the messages shown so far, first first.
	ids() []string
}

// shown tracks the messages an answer occupies: the live one, edited as
// the answer streams, and the continuations after it. It is safe for
// concurrent use (interim edits and the final delivery overlap).
type shown struct {
	mu   sync.Mutex
	live string   // "" until known
	more []string // continuations, in order
}

// keepLive records the live message of a successful call and passes the
// call's results through.
func (s *shown) keepLive(msg *discordgo.Message, err error) (*discordgo.Message, error) {
	if err == nil && msg != nil {
		s.mu.Lock()
		s.live = msg.ID
		s.mu.Unlock()
	}
	return msg, err
}

// keepMore records a continuation of a successful call and passes the
// call's results through.
func (s *shown) keepMore(msg *discordgo.Message, err error) (*discordgo.Message, error) {
	if err == nil && msg != nil {
		s.mu.Lock()
		s.more = append(s.more, msg.ID)
		s.mu.Unlock()
	}
	return msg, err
}

// liveID is the live message's ID ("" until known).
func (s *shown) liveID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}

// lastID is the newest message shown, which the next continuation
// replies to.
func (s *shown) lastID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.more); n > 0 {
		return s.more[n-1]
	}
	return s.live
}

// ids are the messages shown so far, the live one first.
func (s *shown) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if s.live != "" {
		out = append(out, s.live)
	}
	return append(out, s.more...)
}

// interactionSurface shows an answer as the interaction's response and
// follow-ups.
type interactionSurface struct {
	shown
	r         *responder
	ephemeral bool
}

func (s *interactionSurface) edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	return s.keepLive(s.r.editOriginal(ctx, m, opts...))
}

func (s *interactionSurface) send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	return s.keepMore(s.r.followup(ctx, m, s.ephemeral, opts...))
}

// channelSurface shows an answer as a channel message (a reply to the
// question, or the first message in a thread) and continuations, each a
// reply to the part before it so the reply chain stays linear.
type channelSurface struct {
	shown
	b         *Bot
	channelID string
}

// start posts the placeholder the answer will be edited into.
func (s *channelSurface) start(ctx context.Context, m outMessage, replyTo *discordgo.Message) error {
	send := &discordgo.MessageSend{Content: m.Content, AllowedMentions: noMentions()}
	if replyTo != nil {
		send.Reference = replyRef(replyTo.ID, replyTo.ChannelID, replyTo.GuildID)
	}
	return s.b.rest(ctx, "post answer", func(opts ...discordgo.RequestOption) error {
		_, err := s.keepLive(s.b.s.ChannelMessageSendComplex(s.channelID, send, opts...))
		return err
	})
}

func (s *channelSurface) edit(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	content, embeds, comps := m.replacement()
	return s.b.s.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: s.liveID(), Channel: s.channelID, Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	}, opts...)
}

func (s *channelSurface) send(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	return s.keepMore(s.b.s.ChannelMessageSendComplex(s.channelID, &discordgo.MessageSend{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions(),
		Reference: replyRef(s.lastID(), s.channelID, ""),
	}, opts...))
}
