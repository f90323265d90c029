package bot

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
)

// A slash command in a thread of an allowed channel is let in from the
// interaction's own partial channel (parent_id): no REST look-up before
// the acknowledgement. A thread of another channel is refused.
func TestAllowedChannelThreadFromPayload(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	h := startBot(t, Config{Engine: eng, AllowedChannels: []string{"ok"}}, discordtest.Options{})
	h.fake.AddChannel(discordgo.Channel{ID: "th-ok", GuildID: "g1", ParentID: "ok", Type: discordgo.ChannelTypeGuildPublicThread})
	h.fake.AddChannel(discordgo.Channel{ID: "th-no", GuildID: "g1", ParentID: "elsewhere", Type: discordgo.ChannelTypeGuildPublicThread})
	sent := h.fake.SlashCommand(guildActor("u1", "th-ok"), "ask", discordtest.String("question", "What did Austin urge?"))
	if orig, _ := h.waitAnswer(sent); !strings.Contains(orig.Content, "[1]") {
		t.Errorf("ask in a thread of an allowed channel: %q", orig.Content)
	}
	sent = h.fake.SlashCommand(guildActor("u2", "th-no"), "ask", discordtest.String("question", "What?"))
	if cb := h.callback(sent); !strings.Contains(bodyContent(cb), "not enabled in this channel") {
		t.Errorf("ask in a thread of another channel got %q", bodyContent(cb))
	}
	for _, c := range h.fake.Calls() {
		if c.Method == "GET" && strings.HasPrefix(c.Path, "/api/v9/channels/th-") && !strings.Contains(c.Path, "/messages") {
			t.Errorf("channel looked up over REST: %s", c)
		}
	}
}
