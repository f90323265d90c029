package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// forumPost returns the thread of m when m opens a post in a forum (or
// media) channel listed in AskChannels: a forum post's first message has
// its thread's ID. The thread comes from the gateway state or REST; the
// post is answered in it.
func (b *Bot) forumPost(ctx context.Context, m *discordgo.Message) (*discordgo.Channel, bool) {
	if m.GuildID == "" || m.ID != m.ChannelID || len(b.askChannels) == 0 {
		return nil, false
	}
	ch, err := b.s.State.Channel(m.ChannelID)
	if err != nil || ch == nil {
		err = b.rest(ctx, "get channel", func(opts ...discordgo.RequestOption) error {
			var err error
			ch, err = b.s.Channel(m.ChannelID, opts...)
			return err
		})
		if err != nil {
			b.log.Warn("look up forum post", "channel", m.ChannelID, "err", err)
			return nil, false
		}
	}
	if !ch.IsThread() || !b.askChannels[ch.ParentID] {
		return nil, false
	}
	b.parents.put(ch.ID, ch.ParentID)
	return ch, true
}

// forumQuestion is the question a forum post asks: its title, then its
// first message when that adds anything.
func forumQuestion(title, body string) string {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	switch {
	case body == "" || strings.EqualFold(body, title):
		return title
	case title == "" || strings.Contains(body, title):
		return body
	}
	if !strings.ContainsAny(title[len(title)-1:], ".?!:？") {
		title += "."
	}
	return title + " " + body
}

// onRawGuild notes the bot's managed role (the role Discord creates for
// the bot, tags.bot_id) from GUILD_CREATE and role events, which
// discordgo's Role drops, so mentioning that role counts as a mention.
func (b *Bot) onRawGuild(_ *discordgo.Session, e *discordgo.Event) {
	if e == nil {
		return
	}
	type role struct {
		ID   string `json:"id"`
		Tags *struct {
			BotID string `json:"bot_id"`
		} `json:"tags"`
	}
	note := func(guildID string, r role) {
		if guildID != "" && r.Tags != nil && r.Tags.BotID != "" && r.Tags.BotID == b.botID {
			b.botRoles.put(guildID, r.ID)
		}
	}
	switch e.Type {
	case "GUILD_CREATE":
		var g struct {
			ID    string `json:"id"`
			Roles []role `json:"roles"`
		}
		if json.Unmarshal(e.RawData, &g) == nil {
			for _, r := range g.Roles {
				note(g.ID, r)
			}
		}
	case "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE":
		var ev struct {
			GuildID string `json:"guild_id"`
			Role    role   `json:"role"`
		}
		if json.Unmarshal(e.RawData, &ev) == nil {
			note(ev.GuildID, ev.Role)
		}
	}
}

// mentionsBotRole reports whether m mentions the bot's managed role.
func (b *Bot) mentionsBotRole(m *discordgo.Message) bool {
	if m.GuildID == "" {
		return false
	}
	id, ok := b.botRoles.get(m.GuildID)
	return ok && (slices.Contains(m.MentionRoles, id) || strings.Contains(m.Content, "<@&"+id+">"))
}

// stripRoleMention removes mentions of the bot's managed role.
func (b *Bot) stripRoleMention(content, guildID string) string {
	if id, ok := b.botRoles.get(guildID); ok && guildID != "" {
		return strings.ReplaceAll(content, "<@&"+id+">", " ")
	}
	return content
}
