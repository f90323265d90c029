package discordtest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Actor is who triggers an event, and where.
type Actor struct {
	UserID   string
	Username string
	// GuildID "" means a direct message.
	GuildID   string
	ChannelID string
	Roles     []string
	// Permissions are the member's permissions in the channel, sent as
	// member.permissions (a decimal string) in a server's interactions;
	// 0 means MemberPermissions. Add discordgo.PermissionManageGuild to
	// make the actor a server manager.
	Permissions int64
}

// MemberPermissions are an ordinary member's permissions, what the fake
// sends unless an Actor says otherwise: viewing, sending, reacting,
// threads and the like, but not Manage Server or Administrator.
const MemberPermissions int64 = 2248473465835073

// permissions is member.permissions as Discord sends it.
func (a Actor) permissions() string {
	p := a.Permissions
	if p == 0 {
		p = MemberPermissions
	}
	return strconv.FormatInt(p, 10)
}

// User is the actor as a Discord user object.
func (a Actor) User() discordgo.User {
	name := a.Username
	if name == "" {
		name = "user" + a.UserID
	}
	return discordgo.User{ID: a.UserID, Username: name, GlobalName: name}
}

// Option is one slash command option as the client sends it.
type Option struct {
	Name    string
	Type    discordgo.ApplicationCommandOptionType
	Value   any
	Focused bool
	// File is the attachment of an attachment option, sent in
	// resolved.attachments (Value is its ID).
	File *discordgo.MessageAttachment
	// Sub are a subcommand's options (see Sub).
	Sub []Option
}

// String is a string option.
func String(name, value string) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value}
}

// Bool is a boolean option.
func Bool(name string, value bool) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionBoolean, Value: value}
}

// Int is an integer option.
func Int(name string, value int) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionInteger, Value: value}
}

// Attachment is an attachment option carrying att (from Attach), as the
// client sends a file picked for a slash command: the option's value is
// the attachment ID and the attachment itself is in resolved.attachments.
func Attachment(name string, att discordgo.MessageAttachment) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionAttachment, Value: att.ID, File: &att}
}

// Sub is a subcommand with its options (/feeds add url:…).
func Sub(name string, opts ...Option) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Sub: opts}
}

// Channel is a channel option naming channelID.
func Channel(name, channelID string) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionChannel, Value: channelID}
}

// Focused is the option being typed during autocomplete.
func Focused(name, partial string) Option {
	return Option{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: partial, Focused: true}
}

// Sent identifies an injected event.
type Sent struct {
	// ID is the interaction or message ID; Token the interaction token.
	ID, Token string
	Seq       int64
	// At is when the dispatch was written to the gateway.
	At time.Time
}

// Interaction returns the fake's record of an interaction's first
// response: its type and when it arrived. ok is false until it is
// acknowledged.
func (s *Server) Interaction(id string) (respType discordgo.InteractionResponseType, at time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, found := s.interactions[id]
	if !found || !in.acked {
		return 0, time.Time{}, false
	}
	return in.ackType, in.ackAt, true
}

// OriginalResponse returns the @original message of an interaction.
func (s *Server) OriginalResponse(id string) (discordgo.Message, bool) {
	s.mu.Lock()
	in, ok := s.interactions[id]
	var mid string
	if ok {
		mid = in.originalID
	}
	s.mu.Unlock()
	if mid == "" {
		return discordgo.Message{}, false
	}
	return s.Message(mid)
}

// Followups returns an interaction's follow-up messages, in order.
func (s *Server) Followups(id string) []discordgo.Message {
	s.mu.Lock()
	var ids []string
	if in, ok := s.interactions[id]; ok {
		ids = append(ids, in.followups...)
	}
	s.mu.Unlock()
	var out []discordgo.Message
	for _, mid := range ids {
		if m, ok := s.Message(mid); ok {
			out = append(out, m)
		}
	}
	return out
}

// newInteraction registers an interaction and dispatches its
// INTERACTION_CREATE as Discord sends it; data is always present.
func (s *Server) newInteraction(a Actor, kind discordgo.InteractionType, name string, data map[string]any, msg *discordgo.Message) Sent {
	s.mu.Lock()
	id := s.newIDLocked()
	token := "itok-" + id + "-aW50ZXJhY3Rpb24.dG9rZW4"
	in := &interaction{id: id, token: token, kind: kind, name: name, guildID: a.GuildID, channelID: a.ChannelID, user: a.User(), sentAt: time.Now()}
	if t, ok := data["type"].(int); ok {
		in.commandType = discordgo.ApplicationCommandType(t)
	}
	s.interactions[id] = in
	s.byToken[token] = in
	if msg != nil {
		in.originalID = msg.ID
	}
	s.mu.Unlock()

	payload := map[string]any{
		"id": id, "application_id": s.opts.AppID, "type": int(kind), "data": data,
		"channel_id": a.ChannelID, "token": token, "version": 1, "locale": "en-US",
		"app_permissions": "309237730304",
		"channel":         map[string]any{"id": a.ChannelID, "type": 0},
	}
	s.mu.Lock()
	if ch, ok := s.channels[a.ChannelID]; ok {
		// The partial channel Discord sends: a thread names its parent.
		c := map[string]any{"id": ch.ID, "type": int(ch.Type), "guild_id": ch.GuildID, "name": ch.Name}
		if ch.ParentID != "" {
			c["parent_id"] = ch.ParentID
		}
		payload["channel"] = c
	}
	s.mu.Unlock()
	u := a.User()
	if a.GuildID != "" {
		roles := a.Roles
		if roles == nil {
			roles = []string{}
		}
		payload["guild_id"] = a.GuildID
		payload["guild_locale"] = "en-US"
		payload["member"] = map[string]any{"user": u, "roles": roles, "permissions": a.permissions(), "joined_at": "2024-01-01T00:00:00Z"}
		payload["context"] = 0
	} else {
		payload["user"] = u
		payload["context"] = 1
		payload["channel"] = map[string]any{"id": a.ChannelID, "type": 1}
	}
	if msg != nil {
		payload["message"] = wire(msg)
	}
	seq, at := s.Dispatch("INTERACTION_CREATE", payload)
	s.mu.Lock()
	in.sentAt = at
	s.mu.Unlock()
	return Sent{ID: id, Token: token, Seq: seq, At: at}
}

func optionsJSON(opts []Option) []any {
	out := []any{}
	for _, o := range opts {
		m := map[string]any{"name": o.Name, "type": int(o.Type), "value": o.Value}
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			m = map[string]any{"name": o.Name, "type": int(o.Type), "options": optionsJSON(o.Sub)}
		}
		if o.Focused {
			m["focused"] = true
		}
		out = append(out, m)
	}
	return out
}

// SlashCommand injects a chat input command invocation. Attachment
// options also fill resolved.attachments.
func (s *Server) SlashCommand(a Actor, name string, opts ...Option) Sent {
	data := map[string]any{"id": s.commandID(name), "name": name, "type": 1, "options": optionsJSON(opts)}
	if a.GuildID != "" {
		data["guild_id"] = a.GuildID
	}
	files := map[string]any{}
	for _, o := range opts {
		if o.File != nil {
			files[o.File.ID] = o.File
		}
	}
	if len(files) > 0 {
		data["resolved"] = map[string]any{"attachments": files}
	}
	return s.newInteraction(a, discordgo.InteractionApplicationCommand, name, data, nil)
}

// MessageCommand injects a message context-menu command (right-click a
// message → Apps → name) on a stored message, as Discord sends it:
// data.type 3, target_id, and the message in resolved.messages.
func (s *Server) MessageCommand(a Actor, name, messageID string) Sent {
	msg := s.storedOrStub(a, messageID)
	data := map[string]any{
		"id": s.commandID(name), "name": name, "type": int(discordgo.MessageApplicationCommand), "target_id": messageID,
		"resolved": map[string]any{"messages": map[string]any{messageID: wire(msg)}},
	}
	if a.GuildID != "" {
		data["guild_id"] = a.GuildID
	}
	return s.newInteraction(a, discordgo.InteractionApplicationCommand, name, data, nil)
}

// Autocomplete injects an autocomplete request; one option should be
// Focused.
func (s *Server) Autocomplete(a Actor, name string, opts ...Option) Sent {
	data := map[string]any{"id": s.commandID(name), "name": name, "type": 1, "options": optionsJSON(opts)}
	return s.newInteraction(a, discordgo.InteractionApplicationCommandAutocomplete, name, data, nil)
}

// ClickButton injects a button click on a stored message.
func (s *Server) ClickButton(a Actor, messageID, customID string) Sent {
	msg := s.storedOrStub(a, messageID)
	data := map[string]any{"custom_id": customID, "component_type": int(discordgo.ButtonComponent)}
	return s.newInteraction(a, discordgo.InteractionMessageComponent, "", data, msg)
}

func (s *Server) commandID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range s.commands {
		for _, c := range list {
			if c.Name == name {
				return c.ID
			}
		}
	}
	return "0"
}

// MessageSpec is a user message to inject.
type MessageSpec struct {
	Content string
	// ReplyTo is the ID of the message this one replies to (same channel).
	ReplyTo string
	// NoReplyPing turns off the reply's mention of the replied-to author.
	NoReplyPing bool
	// Bot marks the author as a bot.
	Bot bool
	// Attachments are files on the message (from Attach).
	Attachments []discordgo.MessageAttachment
	// id is the message's ID ("" = a new one): a forum post's first
	// message has its thread's ID.
	id string
}

var mentionRE = regexp.MustCompile(`<@!?(\d+)>`)

var roleMentionRE = regexp.MustCompile(`<@&(\d+)>`)

// SendMessage injects MESSAGE_CREATE for a user message, stores it (so
// REST can fetch it) and fills mentions and referenced_message as Discord
// does.
func (s *Server) SendMessage(a Actor, spec MessageSpec) (discordgo.Message, Sent) {
	u := a.User()
	u.Bot = spec.Bot
	m := &discordgo.Message{ChannelID: a.ChannelID, GuildID: a.GuildID, Content: spec.Content, Author: &u, Type: discordgo.MessageTypeDefault}
	for _, att := range spec.Attachments {
		m.Attachments = append(m.Attachments, &att)
	}
	if a.GuildID != "" {
		roles := a.Roles
		if roles == nil {
			roles = []string{}
		}
		m.Member = &discordgo.Member{Roles: roles}
	}
	s.mu.Lock()
	seen := map[string]bool{}
	for _, sm := range mentionRE.FindAllStringSubmatch(spec.Content, -1) {
		if sm[1] == s.bot.ID && !seen[sm[1]] {
			b := s.bot
			m.Mentions = append(m.Mentions, &b)
			seen[sm[1]] = true
		}
	}
	for _, sm := range roleMentionRE.FindAllStringSubmatch(spec.Content, -1) {
		if !slices.Contains(m.MentionRoles, sm[1]) {
			m.MentionRoles = append(m.MentionRoles, sm[1])
		}
	}
	m.ID = spec.id
	if spec.ReplyTo != "" {
		if target, ok := s.messages[spec.ReplyTo]; ok {
			m.Type = discordgo.MessageTypeReply
			m.MessageReference = &discordgo.MessageReference{MessageID: target.ID, ChannelID: target.ChannelID, GuildID: target.GuildID}
			if !spec.NoReplyPing && target.Author != nil && !seen[target.Author.ID] {
				au := *target.Author
				m.Mentions = append(m.Mentions, &au)
			}
		}
	}
	s.storeLocked(m)
	view := s.viewLocked(m)
	s.mu.Unlock()
	seq, at := s.Dispatch("MESSAGE_CREATE", wire(view))
	return *view, Sent{ID: m.ID, Seq: seq, At: at}
}

// IsMessageCall reports whether a call creates or edits message content:
// interaction callbacks of types 4, 5 and 7, webhook edits and
// follow-ups, and channel message creates and edits.
func IsMessageCall(c Call) bool {
	if c.Status == 429 {
		return false
	}
	p := c.Path
	switch {
	case strings.HasSuffix(p, "/callback"):
		t := int(num(c.Body["type"]))
		return t == 4 || t == 5 || t == 7
	case strings.HasPrefix(p, "/api/v9/webhooks/"):
		return c.Method == "PATCH" || c.Method == "POST"
	case strings.HasPrefix(p, "/api/v9/channels/") && strings.Contains(p, "/messages"):
		return (c.Method == "POST" && strings.HasSuffix(p, "/messages")) || (c.Method == "PATCH" && !strings.HasSuffix(p, "/messages"))
	}
	return false
}

// MentionsSuppressed reports whether a message call's body carries
// allowed_mentions with an empty parse list and no users or roles, so
// nothing it says can ping anyone.
func MentionsSuppressed(c Call) bool {
	body := c.Body
	if strings.HasSuffix(c.Path, "/callback") {
		body, _ = c.Body["data"].(map[string]any)
	}
	am, ok := body["allowed_mentions"].(map[string]any)
	if !ok {
		return false
	}
	parse, ok := am["parse"].([]any)
	if !ok || len(parse) != 0 {
		return false
	}
	users, _ := am["users"].([]any)
	roles, _ := am["roles"].([]any)
	replied, _ := am["replied_user"].(bool)
	return len(users) == 0 && len(roles) == 0 && !replied
}

// storedOrStub is the stored message as Discord would show it, or a bare
// message with that ID in the actor's channel when the fake never saw it.
func (s *Server) storedOrStub(a Actor, messageID string) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.messages[messageID]; ok {
		return s.viewLocked(m)
	}
	return &discordgo.Message{ID: messageID, ChannelID: a.ChannelID}
}
