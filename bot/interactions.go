package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// ackWindow is what Discord allows for the first interaction response.
const ackWindow = 3 * time.Second

// responder answers one interaction and remembers whether it has been
// acknowledged, so errors and panics go to the right place.
type responder struct {
	b *Bot
	i *discordgo.Interaction

	mu        sync.Mutex
	acked     bool
	ephemeral bool
	// deferred is true after a deferred reply: @original is the bot's
	// placeholder (not a clicked message), which a failure may delete.
	deferred bool
}

func (r *responder) isAcked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acked
}

// respond sends the first response, under the 3-second window.
func (r *responder) respond(ctx context.Context, what string, resp *discordgo.InteractionResponse) error {
	ctx, cancel := context.WithTimeout(ctx, ackWindow)
	defer cancel()
	err := r.b.rest(ctx, what, func(opts ...discordgo.RequestOption) error {
		return r.b.s.InteractionRespond(r.i, resp, opts...)
	})
	if err != nil {
		r.b.log.Warn("interaction response failed", "call", what, "err", err)
		return err
	}
	r.mu.Lock()
	r.acked = true
	r.ephemeral = resp.Data != nil && resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0
	r.mu.Unlock()
	return nil
}

// deferReply acknowledges at once; the answer follows by editing.
func (r *responder) deferReply(ctx context.Context, ephemeral bool) error {
	data := &discordgo.InteractionResponseData{AllowedMentions: noMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	err := r.respond(ctx, "defer interaction", &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: data})
	if err == nil {
		r.mu.Lock()
		r.deferred = true
		r.mu.Unlock()
	}
	return err
}

// publicPlaceholder reports whether @original is a public deferred reply,
// which a failure should not be shown in (see failPrivately).
func (r *responder) publicPlaceholder() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acked && r.deferred && !r.ephemeral
}

// failPrivately tells the asker only about a failure after a public
// deferred reply: it deletes the public placeholder and sends m as an
// ephemeral follow-up. When the placeholder cannot be deleted it shows m
// in it instead, so the asker is told either way.
func (r *responder) failPrivately(ctx context.Context, m outMessage) {
	err := r.b.rest(ctx, "delete placeholder", func(opts ...discordgo.RequestOption) error {
		uri := discordgo.EndpointWebhookMessage(r.i.AppID, r.i.Token, "@original")
		_, err := r.b.s.RequestWithBucketID("DELETE", uri, nil, uri, opts...)
		return err
	})
	if err != nil {
		r.b.log.Warn("could not delete the public placeholder", "err", err)
		r.show(ctx, "tell the user", m)
		return
	}
	err = r.b.rest(ctx, "private failure", func(opts ...discordgo.RequestOption) error {
		_, err := r.followup(ctx, m, true, opts...)
		return err
	})
	if err != nil {
		r.b.log.Warn("could not send the private failure notice", "err", err)
	}
}

// deferUpdate acknowledges a button click; the message is edited after.
func (r *responder) deferUpdate(ctx context.Context) error {
	return r.respond(ctx, "defer update", &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
}

// reply sends a message as the first response.
func (r *responder) reply(ctx context.Context, m outMessage, ephemeral bool) error {
	data := &discordgo.InteractionResponseData{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions(),
	}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.respond(ctx, "reply to interaction", &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
}

// editOriginal replaces the response (or, for a button, the clicked
// message).
//
// discordgo's InteractionResponseEdit files every webhook edit of every
// interaction under one rate-limit bucket, so one answer's limit would
// stall all others; this sends the same request with a bucket per
// interaction token, as Discord limits them.
func (r *responder) editOriginal(ctx context.Context, m outMessage, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	uri := discordgo.EndpointWebhookMessage(r.i.AppID, r.i.Token, "@original")
	body, err := r.b.s.RequestWithBucketID("PATCH", uri, webhookEdit(m), uri, opts...)
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("decode the edited message: %w", err)
	}
	return &msg, nil
}

// followup posts another message under the interaction.
func (r *responder) followup(ctx context.Context, m outMessage, ephemeral bool, opts ...discordgo.RequestOption) (*discordgo.Message, error) {
	p := &discordgo.WebhookParams{Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.b.s.FollowupMessageCreate(r.i, true, p, opts...)
}

// tell shows a notice: as the response if none was sent yet (privately),
// else in place of it.
func (r *responder) tell(ctx context.Context, text string) {
	if r.i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return
	}
	if !r.isAcked() {
		_ = r.reply(ctx, errorMessage(text), true)
		return
	}
	if r.publicPlaceholder() {
		r.failPrivately(ctx, errorMessage(text))
		return
	}
	r.show(ctx, "tell the user", errorMessage(text))
}

// show replaces the response with m (retrying a 429). A failure is only
// logged: the user has nothing else to be told through.
func (r *responder) show(ctx context.Context, what string, m outMessage) {
	err := r.b.rest(ctx, what, func(opts ...discordgo.RequestOption) error {
		_, err := r.editOriginal(ctx, m, opts...)
		return err
	})
	if err != nil {
		r.b.log.Warn("could not update the interaction response", "call", what, "err", err)
	}
}

// webhookEdit replaces content, embeds and components entirely (empty
// lists clear them).
func webhookEdit(m outMessage) *discordgo.WebhookEdit {
	content, embeds, comps := m.replacement()
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}
}

// replacement returns m's parts for an edit that replaces a message
// entirely: nil lists become empty ones, which Discord reads as "clear"
// rather than "keep".
func (m outMessage) replacement() (string, []*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	embeds := m.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	comps := m.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return m.Content, embeds, comps
}

// scope is the library view the interaction asks from: its server's, or
// the shared one in a DM.
func (r *responder) scope() retrieval.Scope { return scopeOf(r.i.GuildID) }

// userOf is the user behind an interaction, in a guild or a DM.
func userOf(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	if i.User != nil {
		return i.User
	}
	return &discordgo.User{}
}

// onRawInteraction is the gateway handler for INTERACTION_CREATE: it
// reads the partial channel of the payload, which discordgo drops, so the
// channel guard knows a thread's parent without a REST call before the
// 3-second acknowledgement, then handles the interaction.
func (b *Bot) onRawInteraction(s *discordgo.Session, e *discordgo.Event) {
	if e == nil || e.Type != "INTERACTION_CREATE" {
		return
	}
	ic, ok := e.Struct.(*discordgo.InteractionCreate)
	if !ok || ic == nil || ic.Interaction == nil {
		return
	}
	b.noteInteractionChannel(ic.ChannelID, e.RawData)
	b.onInteraction(s, ic)
}

// noteInteractionChannel caches the parent of the interaction's channel
// from its payload's partial channel ("" for a channel that is no thread).
func (b *Bot) noteInteractionChannel(channelID string, raw []byte) {
	var p struct {
		Channel *struct {
			ID       string                `json:"id"`
			Type     discordgo.ChannelType `json:"type"`
			ParentID string                `json:"parent_id"`
		} `json:"channel"`
	}
	if channelID == "" || json.Unmarshal(raw, &p) != nil || p.Channel == nil || p.Channel.ID != channelID {
		return
	}
	parent := ""
	switch p.Channel.Type {
	case discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread, discordgo.ChannelTypeGuildNewsThread:
		if p.Channel.ParentID == "" {
			return // a thread without its parent: let the guard look it up
		}
		parent = p.Channel.ParentID
	}
	b.parents.put(channelID, parent)
}

// onInteraction handles an INTERACTION_CREATE.
func (b *Bot) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	r := &responder{b: b, i: ic.Interaction}
	served := b.serve("interaction", r.tell, func(ctx context.Context) {
		switch r.i.Type {
		case discordgo.InteractionApplicationCommand:
			b.onCommand(ctx, r)
		case discordgo.InteractionApplicationCommandAutocomplete:
			b.onAutocomplete(ctx, r)
		case discordgo.InteractionMessageComponent:
			b.onComponent(ctx, r)
		case discordgo.InteractionModalSubmit:
			b.onModalSubmit(ctx, r)
		}
	})
	if !served {
		ctx, cancel := context.WithTimeout(context.Background(), ackWindow)
		defer cancel()
		r.tell(ctx, "I'm restarting right now. Please try again in a minute.")
	}
}

func (b *Bot) onCommand(ctx context.Context, r *responder) {
	data, ok := r.i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return
	}
	if data.Name == "help" {
		_ = r.reply(ctx, helpMessage(b.cfg), true)
		return
	}
	if !b.interactionAllowed(ctx, r) {
		return
	}
	switch data.Name {
	case "ask":
		b.cmdAsk(ctx, r, data)
	case "summarize":
		b.cmdSummarize(ctx, r, data)
	case "articles":
		b.cmdArticles(ctx, r, optInt(data.Options, "page"))
	case "search":
		b.cmdSearch(ctx, r, data)
	case cmdDigest:
		if b.cfg.Digester == nil {
			_ = r.reply(ctx, errorMessage("Digests are not set up on this bot."), true)
			return
		}
		b.cmdDigest(ctx, r, data)
	default:
		if !b.onCurationCommand(ctx, r, data) {
			_ = r.reply(ctx, errorMessage("I don't know that command. Try /help."), true)
		}
	}
}

// interactionAllowed applies the channel and role guard rails, telling
// the user privately when they fail.
func (b *Bot) interactionAllowed(ctx context.Context, r *responder) bool {
	return b.admit(ctx, r, b.accessRefusal(ctx, r.i.GuildID, r.i.ChannelID, r.i.Member))
}

// admitQuestion applies the question guard rails (see questionRefusal),
// telling the user privately when they fail.
func (b *Bot) admitQuestion(ctx context.Context, r *responder, q, ifEmpty string) bool {
	return b.admit(ctx, r, b.questionRefusal(q, userOf(r.i).ID, ifEmpty))
}

// admit shows a guard rail's refusal privately; true when there is none.
func (b *Bot) admit(ctx context.Context, r *responder, refusal string) bool {
	if refusal == "" {
		return true
	}
	_ = r.reply(ctx, errorMessage(refusal), true)
	return false
}

func (b *Bot) cmdAsk(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	q := strings.TrimSpace(optString(data.Options, "question"))
	if !b.admitQuestion(ctx, r, q, "Please include a question.") {
		return
	}
	since, err := answer.ParseSince(optString(data.Options, "since"), time.Now())
	if err != nil {
		_ = r.reply(ctx, errorMessage("I couldn't read since: use a date like 2026-05-01 or a duration like 24h, 7d, 2w."), true)
		return
	}
	private := optBool(data.Options, "private")
	if r.deferReply(ctx, private) != nil {
		return
	}
	b.runJob(ctx, &interactionSurface{r: r, ephemeral: private}, job{
		kind: jobAsk, question: q, echo: true, since: since,
		guildID: r.i.GuildID, channelID: r.i.ChannelID, origin: r.i.ID, source: sourceSlash,
	})
}

func (b *Bot) onComponent(ctx context.Context, r *responder) {
	data, ok := r.i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		return
	}
	switch {
	case strings.HasPrefix(data.CustomID, feedbackPrefix):
		b.onFeedback(ctx, r, data.CustomID)
	case strings.HasPrefix(data.CustomID, feedbackWhyPrefix):
		b.onFeedbackWhy(ctx, r, strings.TrimPrefix(data.CustomID, feedbackWhyPrefix))
	case strings.HasPrefix(data.CustomID, articlesPrefix):
		b.onArticlesPage(ctx, r, data.CustomID)
	default:
		_ = r.reply(ctx, errorMessage("That button no longer works."), true)
	}
}
