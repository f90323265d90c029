package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// interactionWindow is how long Discord waits for the first callback.
const interactionWindow = 3 * time.Second

// interaction is the fake's view of one interaction and its responses.
type interaction struct {
	id, token string
	kind      discordgo.InteractionType
	name      string
	// commandType is data.type of a command: chat input or context menu.
	commandType discordgo.ApplicationCommandType
	guildID     string
	channelID   string
	user        discordgo.User
	sentAt      time.Time

	acked      bool
	ackType    discordgo.InteractionResponseType
	ackAt      time.Time
	originalID string // @original: the response, or the clicked message for components
	followups  []string
	// modal is the modal shown in response (type 9), as sent.
	modal map[string]any
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v9/gateway", s.getGateway)
	mux.HandleFunc("GET /api/v9/gateway/bot", s.auth(s.getGatewayBot))
	mux.HandleFunc("GET /api/v9/users/@me", s.auth(s.getMe))
	mux.HandleFunc("GET /api/v9/applications/@me", s.auth(s.getApplication))
	mux.HandleFunc("PUT /api/v9/applications/{app}/commands", s.auth(s.putCommands))
	mux.HandleFunc("PUT /api/v9/applications/{app}/guilds/{guild}/commands", s.auth(s.putCommands))
	mux.HandleFunc("POST /api/v9/interactions/{id}/{token}/callback", s.postCallback)
	mux.HandleFunc("GET /api/v9/webhooks/{app}/{token}/messages/{mid}", s.getWebhookMessage)
	mux.HandleFunc("PATCH /api/v9/webhooks/{app}/{token}/messages/{mid}", s.patchWebhookMessage)
	mux.HandleFunc("POST /api/v9/webhooks/{app}/{token}", s.postFollowup)
	mux.HandleFunc("DELETE /api/v9/webhooks/{app}/{token}/messages/{mid}", s.deleteWebhookMessage)
	mux.HandleFunc("GET /api/v9/channels/{cid}", s.auth(s.getChannel))
	mux.HandleFunc("GET /api/v9/channels/{cid}/messages", s.auth(s.listMessages))
	mux.HandleFunc("POST /api/v9/channels/{cid}/messages", s.auth(s.postMessage))
	mux.HandleFunc("GET /api/v9/channels/{cid}/messages/{mid}", s.auth(s.getMessage))
	mux.HandleFunc("PATCH /api/v9/channels/{cid}/messages/{mid}", s.auth(s.patchMessage))
	mux.HandleFunc("POST /api/v9/channels/{cid}/messages/{mid}/threads", s.auth(s.postMessageThread))
	mux.HandleFunc("POST /api/v9/channels/{cid}/typing", s.auth(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /attachments/{cid}/{aid}/{name}", s.getAttachment)
	mux.HandleFunc("/ws/", s.serveGateway)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.problemLocked("unknown route %s %s", r.Method, r.URL.Path)
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, 0, "404: Not Found")
	})
	return s.record(mux)
}

// auth rejects requests without the bot token, as Discord does.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bot "+s.opts.Token {
			apiError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		h(w, r)
	}
}

func (s *Server) getGateway(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": s.gatewayURL()})
}

func (s *Server) getGatewayBot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": s.gatewayURL(), "shards": 1,
		"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
	})
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.bot)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"id": s.opts.AppID, "name": s.opts.BotName, "bot": s.bot})
}

func (s *Server) putCommands(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("app") != s.opts.AppID {
		apiError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	raw, _ := readBody(r)
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		s.fail(w, http.StatusBadRequest, 50109, "commands body is not a JSON array: %v", err)
		return
	}
	if e := invalidForm(checkCommands(list)); e != nil {
		s.reject(w, e)
		return
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(raw, &cmds); err != nil {
		s.fail(w, http.StatusBadRequest, 50109, "commands: %v", err)
		return
	}
	guild := r.PathValue("guild")
	s.mu.Lock()
	for _, c := range cmds {
		c.ID = s.newIDLocked()
		c.ApplicationID = s.opts.AppID
		c.GuildID = guild
		c.Version = "1"
	}
	s.commands[guild] = cmds
	s.registered = append(s.registered, Registration{GuildID: guild, Commands: list, Time: time.Now()})
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

// fail records a problem and answers with a Discord error.
func (s *Server) fail(w http.ResponseWriter, status, code int, format string, args ...any) {
	s.mu.Lock()
	msg := s.problemLocked(format, args...)
	s.mu.Unlock()
	apiError(w, status, code, msg)
}

// callError is a Discord error answer that counts as a problem of the
// request, found while holding s.mu and answered (with reject) after.
type callError struct {
	status, code int
	msg          string
}

func errorf(status, code int, format string, args ...any) *callError {
	return &callError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// invalidForm is Discord's answer to a body that breaks its limits, or
// nil when probs is empty.
func invalidForm(probs []string) *callError {
	if len(probs) == 0 {
		return nil
	}
	return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: %s", strings.Join(probs, "; "))
}

// reject records e as a problem and answers with it. Callers do not hold
// s.mu.
func (s *Server) reject(w http.ResponseWriter, e *callError) {
	s.fail(w, e.status, e.code, "%s", e.msg)
}

func readBody(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

// decodeBody returns the JSON object body and the raw bytes.
func decodeBody(r *http.Request) (map[string]any, []byte) {
	raw, _ := readBody(r)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m, raw
}

// applyMessage copies the fields present in body onto m.
func applyMessage(m *discordgo.Message, body map[string]any) {
	raw, _ := json.Marshal(body)
	var upd discordgo.Message
	_ = json.Unmarshal(raw, &upd)
	if _, ok := body["content"]; ok {
		m.Content = upd.Content
	}
	if _, ok := body["embeds"]; ok {
		m.Embeds = upd.Embeds
	}
	if _, ok := body["components"]; ok {
		m.Components = upd.Components
	}
	if _, ok := body["flags"]; ok {
		m.Flags = upd.Flags
	}
}

// storeLocked gives m an ID and timestamp and files it under its channel.
func (s *Server) storeLocked(m *discordgo.Message) {
	if m.ID == "" {
		m.ID = s.newIDLocked()
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now().UTC()
	}
	s.messages[m.ID] = m
	s.channelMsgs[m.ChannelID] = append(s.channelMsgs[m.ChannelID], m.ID)
	s.notifyLocked()
}

// viewLocked is m as Discord returns it: a copy with referenced_message
// filled one level deep.
func (s *Server) viewLocked(m *discordgo.Message) *discordgo.Message {
	c := copyMessage(m)
	if ref := m.MessageReference; ref != nil {
		if rm, ok := s.messages[ref.MessageID]; ok {
			rc := copyMessage(rm)
			rc.ReferencedMessage = nil
			c.ReferencedMessage = &rc
		}
	}
	return &c
}

func (s *Server) botMessage(channelID, guildID string) *discordgo.Message {
	u := s.bot
	return &discordgo.Message{ChannelID: channelID, GuildID: guildID, Author: &u, Type: discordgo.MessageTypeDefault}
}

// dispatchMessageCreate sends MESSAGE_CREATE for a visible message, as
// Discord does for the bot's own messages too.
func (s *Server) dispatchMessageCreate(m *discordgo.Message) {
	if m == nil || m.Flags&discordgo.MessageFlagsEphemeral != 0 {
		return
	}
	s.Dispatch("MESSAGE_CREATE", wire(m))
}

func (s *Server) postCallback(w http.ResponseWriter, r *http.Request) {
	body, _ := decodeBody(r)
	typ := discordgo.InteractionResponseType(num(body["type"]))
	data, _ := body["data"].(map[string]any)
	s.mu.Lock()
	in, e := s.callbackTargetLocked(r.PathValue("id"), r.PathValue("token"))
	var created *discordgo.Message
	if e == nil {
		created, e = s.respondLocked(in, typ, data)
	}
	if e != nil {
		s.mu.Unlock()
		s.reject(w, e)
		return
	}
	in.acked, in.ackType, in.ackAt = true, typ, time.Now()
	s.notifyLocked()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	s.dispatchMessageCreate(created)
}

// callbackTargetLocked finds the interaction a callback answers, refusing
// a second or a late first response as Discord does.
func (s *Server) callbackTargetLocked(id, token string) (*interaction, *callError) {
	in, ok := s.interactions[id]
	if !ok || in.token != token {
		return nil, errorf(http.StatusNotFound, 10062, "Unknown interaction %s", id)
	}
	if in.acked {
		return nil, errorf(http.StatusBadRequest, 40060, "Interaction %s has already been acknowledged.", in.id)
	}
	if late := time.Since(in.sentAt); late > interactionWindow {
		return nil, errorf(http.StatusNotFound, 10062, "Unknown interaction %s (callback %v after the event; Discord allows %v)", in.id, late.Round(time.Millisecond), interactionWindow)
	}
	return in, nil
}

// respondLocked applies a first response of type typ to in, checking it
// fits the interaction. A message response creates the @original
// message, returned for its MESSAGE_CREATE.
func (s *Server) respondLocked(in *interaction, typ discordgo.InteractionResponseType, data map[string]any) (*discordgo.Message, *callError) {
	switch typ {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		return s.respondMessageLocked(in, typ, data)
	case discordgo.InteractionResponseDeferredMessageUpdate, discordgo.InteractionResponseUpdateMessage:
		if in.kind != discordgo.InteractionMessageComponent && !(in.kind == discordgo.InteractionModalSubmit && in.originalID != "") {
			return nil, errorf(http.StatusBadRequest, 50035, "response type %d is only valid for components", typ)
		}
		if typ == discordgo.InteractionResponseUpdateMessage {
			if e := invalidForm(checkMessage(data, false)); e != nil {
				return nil, e
			}
			if m, ok := s.messages[in.originalID]; ok && data != nil {
				applyMessage(m, data)
			}
		}
		return nil, nil
	case discordgo.InteractionResponseModal:
		return nil, s.respondModalLocked(in, data)
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		if in.kind != discordgo.InteractionApplicationCommandAutocomplete {
			return nil, errorf(http.StatusBadRequest, 50035, "autocomplete result for interaction type %d", in.kind)
		}
		return nil, invalidForm(checkChoices(data))
	}
	return nil, errorf(http.StatusBadRequest, 50035, "unsupported interaction response type %d", typ)
}

// respondMessageLocked creates the response message of a command or
// component: with content, or deferred ("thinking" until edited).
func (s *Server) respondMessageLocked(in *interaction, typ discordgo.InteractionResponseType, data map[string]any) (*discordgo.Message, *callError) {
	if in.kind != discordgo.InteractionApplicationCommand && in.kind != discordgo.InteractionMessageComponent && in.kind != discordgo.InteractionModalSubmit {
		return nil, errorf(http.StatusBadRequest, 50035, "response type %d is not valid for interaction type %d", typ, in.kind)
	}
	if typ == discordgo.InteractionResponseChannelMessageWithSource {
		if e := invalidForm(checkMessage(data, true)); e != nil {
			return nil, e
		}
	}
	m := s.botMessage(in.channelID, in.guildID)
	m.Type = discordgo.MessageTypeChatInputCommand
	if in.commandType == discordgo.MessageApplicationCommand || in.commandType == discordgo.UserApplicationCommand {
		m.Type = discordgo.MessageTypeContextMenuCommand
	}
	m.WebhookID = s.opts.AppID
	u := in.user
	m.Interaction = &discordgo.MessageInteraction{ID: in.id, Type: in.kind, Name: in.name, User: &u}
	if data != nil {
		applyMessage(m, data)
	}
	if typ == discordgo.InteractionResponseDeferredChannelMessageWithSource {
		m.Flags |= discordgo.MessageFlagsLoading
	}
	s.storeLocked(m)
	in.originalID = m.ID
	return s.viewLocked(m), nil
}

// webhookLocked finds the interaction a webhook route's token belongs
// to; the token works for 15 minutes, as Discord's do.
func (s *Server) webhookLocked(r *http.Request) (*interaction, *callError) {
	in, ok := s.byToken[r.PathValue("token")]
	if !ok || r.PathValue("app") != s.opts.AppID {
		return nil, errorf(http.StatusNotFound, 10015, "Unknown Webhook")
	}
	if time.Since(in.sentAt) > 15*time.Minute {
		return nil, errorf(http.StatusNotFound, 50027, "Invalid Webhook Token")
	}
	return in, nil
}

// webhookMessageLocked finds the message a webhook message route
// addresses: @original or one of the follow-ups.
func (s *Server) webhookMessageLocked(r *http.Request) (*discordgo.Message, *callError) {
	in, e := s.webhookLocked(r)
	if e != nil {
		return nil, e
	}
	mid := r.PathValue("mid")
	if mid == "@original" {
		if !in.acked || in.originalID == "" {
			return nil, errorf(http.StatusNotFound, 10008, "Unknown Message (the interaction has no response yet)")
		}
		mid = in.originalID
	} else if !slices.Contains(in.followups, mid) {
		return nil, errorf(http.StatusNotFound, 10008, "Unknown Message")
	}
	m, ok := s.messages[mid]
	if !ok {
		return nil, errorf(http.StatusNotFound, 10008, "Unknown Message")
	}
	return m, nil
}

func (s *Server) getWebhookMessage(w http.ResponseWriter, r *http.Request) {
	m := s.lockWebhookMessage(w, r)
	if m == nil {
		return
	}
	s.viewUnlock(w, m)
}

func (s *Server) patchWebhookMessage(w http.ResponseWriter, r *http.Request) {
	body, _ := decodeBody(r)
	s.mu.Lock()
	m, e := s.webhookMessageLocked(r)
	if e == nil {
		e = invalidForm(checkMessage(body, false))
	}
	if e != nil {
		s.mu.Unlock()
		s.reject(w, e)
		return
	}
	s.editUnlock(w, m, body)
}

// editUnlock applies an edit to m, stamps it, tells waiters, releases s.mu
// (held by the caller) and answers with the edited message. An edited
// deferred response no longer shows "thinking"; no other message carries
// that flag.
func (s *Server) editUnlock(w http.ResponseWriter, m *discordgo.Message, body map[string]any) {
	applyMessage(m, body)
	m.Flags &^= discordgo.MessageFlagsLoading
	now := time.Now().UTC()
	m.EditedTimestamp = &now
	s.notifyLocked()
	s.viewUnlock(w, m)
}

// viewUnlock releases s.mu (held by the caller) and answers with m as
// Discord returns it.
func (s *Server) viewUnlock(w http.ResponseWriter, m *discordgo.Message) {
	v := s.viewLocked(m)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wire(v))
}

func (s *Server) postFollowup(w http.ResponseWriter, r *http.Request) {
	body, _ := decodeBody(r)
	s.mu.Lock()
	in, e := s.webhookLocked(r)
	if e == nil && !in.acked {
		e = errorf(http.StatusBadRequest, 40060, "follow-up before the interaction was acknowledged")
	}
	if e == nil {
		e = invalidForm(checkMessage(body, true))
	}
	if e != nil {
		s.mu.Unlock()
		s.reject(w, e)
		return
	}
	m := s.botMessage(in.channelID, in.guildID)
	m.WebhookID = s.opts.AppID
	applyMessage(m, body)
	s.storeLocked(m)
	in.followups = append(in.followups, m.ID)
	v := s.viewLocked(m)
	s.mu.Unlock()
	if r.URL.Query().Get("wait") == "true" {
		writeJSON(w, http.StatusOK, wire(v))
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	s.dispatchMessageCreate(v)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ch, ok := s.channels[r.PathValue("cid")]
	var c discordgo.Channel
	if ok {
		c = *ch
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v >= 1 && v <= 100 {
		limit = v
	}
	before := r.URL.Query().Get("before")
	s.mu.Lock()
	ids := s.channelMsgs[r.PathValue("cid")]
	out := []wireMessage{}
	for i := len(ids) - 1; i >= 0 && len(out) < limit; i-- {
		if before != "" && !idLess(ids[i], before) {
			continue
		}
		m := s.messages[ids[i]]
		if m.Flags&discordgo.MessageFlagsEphemeral != 0 {
			continue
		}
		out = append(out, wire(s.viewLocked(m)))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	body, raw := decodeBody(r)
	cid := r.PathValue("cid")
	if e := invalidForm(checkMessage(body, true)); e != nil {
		s.reject(w, e)
		return
	}
	var send discordgo.MessageSend
	_ = json.Unmarshal(raw, &send)
	s.mu.Lock()
	m := s.botMessage(cid, s.guildOfLocked(cid))
	applyMessage(m, body)
	if ref := send.Reference; ref != nil && ref.MessageID != "" {
		target, ok := s.messages[ref.MessageID]
		if !ok || target.ChannelID != cid && ref.ChannelID == "" {
			s.mu.Unlock()
			s.fail(w, http.StatusBadRequest, 50035, "Invalid Form Body: message_reference: Unknown message %s", ref.MessageID)
			return
		}
		m.Type = discordgo.MessageTypeReply
		m.MessageReference = &discordgo.MessageReference{MessageID: target.ID, ChannelID: target.ChannelID, GuildID: target.GuildID}
	}
	s.storeLocked(m)
	v := s.viewLocked(m)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wire(v))
	s.dispatchMessageCreate(v)
}

// guildOfLocked guesses a channel's guild from known channels or messages.
func (s *Server) guildOfLocked(cid string) string {
	if ch, ok := s.channels[cid]; ok {
		return ch.GuildID
	}
	for _, id := range s.channelMsgs[cid] {
		if g := s.messages[id].GuildID; g != "" {
			return g
		}
	}
	return ""
}

// lockChannelMessage takes s.mu and returns the message a
// /channels/{cid}/messages/{mid} route addresses, with s.mu still held.
// When the channel has no such message it answers 404 Unknown Message
// (not counted as a problem: the message may have been deleted), releases
// s.mu and returns nil.
// lockWebhookMessage takes the lock and returns the webhook message the
// request names (@original or a follow-up), or answers the error, unlocks
// and returns nil.
func (s *Server) lockWebhookMessage(w http.ResponseWriter, r *http.Request) *discordgo.Message {
	s.mu.Lock()
	m, e := s.webhookMessageLocked(r)
	if e != nil {
		s.mu.Unlock()
		s.reject(w, e)
		return nil
	}
	return m
}

func (s *Server) lockChannelMessage(w http.ResponseWriter, r *http.Request) *discordgo.Message {
	s.mu.Lock()
	m, ok := s.messages[r.PathValue("mid")]
	if !ok || m.ChannelID != r.PathValue("cid") {
		s.mu.Unlock()
		unknownMessage(w)
		return nil
	}
	return m
}

func unknownMessage(w http.ResponseWriter) {
	apiError(w, http.StatusNotFound, 10008, "Unknown Message")
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	m := s.lockChannelMessage(w, r)
	if m == nil {
		return
	}
	if m.Flags&discordgo.MessageFlagsEphemeral != 0 {
		s.mu.Unlock()
		unknownMessage(w)
		return
	}
	s.viewUnlock(w, m)
}

func (s *Server) patchMessage(w http.ResponseWriter, r *http.Request) {
	body, _ := decodeBody(r)
	if e := invalidForm(checkMessage(body, false)); e != nil {
		s.reject(w, e)
		return
	}
	m := s.lockChannelMessage(w, r)
	if m == nil {
		return
	}
	if m.Author == nil || m.Author.ID != s.bot.ID || m.WebhookID != "" {
		s.mu.Unlock()
		s.fail(w, http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
		return
	}
	s.editUnlock(w, m, body)
}

func (s *Server) postMessageThread(w http.ResponseWriter, r *http.Request) {
	body, _ := decodeBody(r)
	cid, mid := r.PathValue("cid"), r.PathValue("mid")
	name := str(body, "name")
	if n := TextLen(name); n < 1 || n > 100 {
		s.fail(w, http.StatusBadRequest, 50035, "Invalid Form Body: thread name of %d characters (1 to 100)", n)
		return
	}
	m := s.lockChannelMessage(w, r)
	if m == nil {
		return
	}
	if _, exists := s.channels[mid]; exists {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, 160004, "A thread has already been created for this message")
		return
	}
	th := &discordgo.Channel{
		ID: mid, GuildID: m.GuildID, ParentID: cid, Name: name, OwnerID: s.bot.ID,
		Type: discordgo.ChannelTypeGuildPublicThread, ThreadMetadata: &discordgo.ThreadMetadata{AutoArchiveDuration: int(num(body["auto_archive_duration"]))},
	}
	s.channels[th.ID] = th
	m.Thread = th
	c := *th
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, c)
	s.Dispatch("THREAD_CREATE", map[string]any{
		"id": c.ID, "guild_id": c.GuildID, "parent_id": c.ParentID, "name": c.Name, "owner_id": c.OwnerID,
		"type": int(c.Type), "newly_created": true,
	})
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
