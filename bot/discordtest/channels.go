package discordtest

import (
	"github.com/bwmarrin/discordgo"
)

// AddChannel makes a channel known to the fake: GET /channels/{id}
// returns it, and interactions in it carry it as their partial channel
// (type and, for a thread, parent_id) as Discord sends them. It sends no
// gateway event.
func (s *Server) AddChannel(ch discordgo.Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := ch
	s.channels[c.ID] = &c
}

// CreateForumPost opens a post in the forum channel forumID as a user
// does: a public thread whose parent is the forum (its ID is the starter
// message's ID), THREAD_CREATE with newly_created, then the post's first
// message as MESSAGE_CREATE in the thread. It returns the thread and that
// message.
func (s *Server) CreateForumPost(a Actor, forumID, title string, spec MessageSpec) (discordgo.Channel, discordgo.Message, Sent) {
	s.mu.Lock()
	id := s.newIDLocked()
	th := &discordgo.Channel{
		ID: id, GuildID: a.GuildID, ParentID: forumID, Name: title, OwnerID: a.UserID,
		Type: discordgo.ChannelTypeGuildPublicThread, ThreadMetadata: &discordgo.ThreadMetadata{AutoArchiveDuration: 4320},
	}
	s.channels[id] = th
	c := *th
	s.mu.Unlock()
	s.Dispatch("THREAD_CREATE", map[string]any{
		"id": c.ID, "guild_id": c.GuildID, "parent_id": c.ParentID, "name": c.Name, "owner_id": c.OwnerID,
		"type": int(c.Type), "newly_created": true,
		"thread_metadata": map[string]any{"archived": false, "auto_archive_duration": 4320, "locked": false},
	})
	a.ChannelID = id
	spec.id = id
	m, sent := s.SendMessage(a, spec)
	return c, m, sent
}

// GuildCreate dispatches GUILD_CREATE for guildID as Discord sends it when
// the bot joins or connects: with the @everyone role and, when botRoleID
// is set, the bot's managed role (tags.bot_id), which users may mention
// instead of the bot.
func (s *Server) GuildCreate(guildID, botRoleID string) {
	roles := []any{map[string]any{"id": guildID, "name": "@everyone", "permissions": "0", "position": 0}}
	if botRoleID != "" {
		roles = append(roles, map[string]any{
			"id": botRoleID, "name": s.bot.Username, "managed": true, "permissions": "0", "position": 1,
			"tags": map[string]any{"bot_id": s.bot.ID},
		})
	}
	s.Dispatch("GUILD_CREATE", map[string]any{
		"id": guildID, "name": "Guild " + guildID, "owner_id": "1", "roles": roles,
		"channels": []any{}, "threads": []any{}, "members": []any{}, "member_count": 2, "unavailable": false,
	})
}
