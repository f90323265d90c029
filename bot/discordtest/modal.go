package discordtest

import (
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// respondModalLocked checks a modal response (type 9) as Discord does: only
// to a command or a component, with a custom_id, a title of 1..45
// characters and 1..5 action rows of text inputs.
func (s *Server) respondModalLocked(in *interaction, data map[string]any) *callError {
	if in.kind != discordgo.InteractionApplicationCommand && in.kind != discordgo.InteractionMessageComponent {
		return errorf(http.StatusBadRequest, 50035, "a modal cannot answer interaction type %d", in.kind)
	}
	if data == nil || str(data, "custom_id") == "" {
		return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: modal custom_id required")
	}
	if n := TextLen(str(data, "title")); n < 1 || n > 45 {
		return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: modal title of %d characters (1 to 45)", n)
	}
	rows, _ := data["components"].([]any)
	if len(rows) < 1 || len(rows) > 5 {
		return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: a modal needs 1 to 5 rows, got %d", len(rows))
	}
	for _, row := range rows {
		rm, _ := row.(map[string]any)
		inner, _ := rm["components"].([]any)
		if int(num(rm["type"])) != int(discordgo.ActionsRowComponent) || len(inner) != 1 {
			return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: a modal row holds one text input")
		}
		ti, _ := inner[0].(map[string]any)
		if int(num(ti["type"])) != int(discordgo.TextInputComponent) || str(ti, "custom_id") == "" {
			return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: a modal row holds one text input with a custom_id")
		}
		if n := TextLen(str(ti, "label")); n < 1 || n > 45 {
			return errorf(http.StatusBadRequest, 50035, "Invalid Form Body: text input label of %d characters (1 to 45)", n)
		}
	}
	in.modal = data
	return nil
}

// Modal returns the modal an interaction was answered with (type 9), as
// sent: custom_id, title and components.
func (s *Server) Modal(interactionID string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[interactionID]
	if !ok || in.modal == nil {
		return nil, false
	}
	return in.modal, true
}

// SubmitModal injects a modal submission (type 5) for the modal shown in
// answer to interaction of: its custom_id and each text input's value by
// custom_id. A modal opened from a button carries the clicked message.
func (s *Server) SubmitModal(a Actor, of string, values map[string]string) Sent {
	s.mu.Lock()
	in, ok := s.interactions[of]
	var modal map[string]any
	var msg *discordgo.Message
	if ok {
		modal = in.modal
		if m, found := s.messages[in.originalID]; found && in.kind == discordgo.InteractionMessageComponent {
			msg = s.viewLocked(m)
		}
	}
	if modal == nil {
		s.problemLocked("SubmitModal: interaction %s showed no modal", of)
		s.mu.Unlock()
		return Sent{}
	}
	s.mu.Unlock()
	var rows []any
	for _, row := range modal["components"].([]any) {
		ti := row.(map[string]any)["components"].([]any)[0].(map[string]any)
		id := str(ti, "custom_id")
		rows = append(rows, map[string]any{"type": 1, "components": []any{
			map[string]any{"type": int(discordgo.TextInputComponent), "custom_id": id, "value": values[id]},
		}})
	}
	data := map[string]any{"custom_id": str(modal, "custom_id"), "components": rows}
	return s.newInteraction(a, discordgo.InteractionModalSubmit, "", data, msg)
}

// deleteWebhookMessage deletes @original or a follow-up, as a bot does
// to take back a public response.
func (s *Server) deleteWebhookMessage(w http.ResponseWriter, r *http.Request) {
	m := s.lockWebhookMessage(w, r)
	if m == nil {
		return
	}
	delete(s.messages, m.ID)
	ids := s.channelMsgs[m.ChannelID]
	if i := slices.Index(ids, m.ID); i >= 0 {
		s.channelMsgs[m.ChannelID] = slices.Delete(slices.Clone(ids), i, i+1)
	}
	s.deleted = append(s.deleted, m.ID)
	s.notifyLocked()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	s.Dispatch("MESSAGE_DELETE", map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": m.GuildID})
}

// Deleted reports whether a message was deleted through the webhook
// routes (a taken-back response).
func (s *Server) Deleted(messageID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.deleted, messageID)
}
