package bot

import (
	"github.com/bwmarrin/discordgo"
)

// commands are the application commands (slash commands and, with a
// Library, the curation commands), registered with one bulk overwrite at
// start (idempotent: Discord replaces the whole set).
func commands(cfg Config) []*discordgo.ApplicationCommand {
	maxQ := cfg.MaxQuestion
	if maxQ > 6000 {
		maxQ = 6000 // Discord's ceiling for string options
	}
	minPage := 1.0
	contexts := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	integration := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	cmd := func(c *discordgo.ApplicationCommand) *discordgo.ApplicationCommand {
		c.Type = discordgo.ChatApplicationCommand
		c.Contexts = contexts
		c.IntegrationTypes = integration
		if c.Options == nil {
			c.Options = []*discordgo.ApplicationCommandOption{}
		}
		return c
	}
	list := []*discordgo.ApplicationCommand{
		cmd(&discordgo.ApplicationCommand{
			Name:        "ask",
			Description: "Ask a question; the answer cites the articles it comes from",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "What do you want to know?", Required: true, MaxLength: maxQ},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the answer"},
				{Type: discordgo.ApplicationCommandOptionString, Name: "since", Description: "Only articles since a date (2026-05-01) or this long ago (24h, 7d, 2w)", MaxLength: 32},
			},
		}),
		cmd(&discordgo.ApplicationCommand{
			Name:        "summarize",
			Description: "Summarize one article, with citations to its paragraphs",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "article", Description: "Start typing a title", Required: true, Autocomplete: true},
				{Type: discordgo.ApplicationCommandOptionString, Name: "length", Description: "How long a summary", Choices: lengthChoices()},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the summary"},
			},
		}),
		cmd(&discordgo.ApplicationCommand{
			Name:        "articles",
			Description: "List the articles I can answer from",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "page", Description: "Page number", MinValue: &minPage},
			},
		}),
		cmd(&discordgo.ApplicationCommand{
			Name:        "search",
			Description: "Show the passages that best match a query (only you see them)",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "query", Description: "Words to look for", Required: true, MaxLength: maxQ},
			},
		}),
		cmd(&discordgo.ApplicationCommand{
			Name:        "help",
			Description: "What I do and how to ask",
		}),
	}
	if cfg.Digester != nil {
		list = append(list, cmd(digestCommand(cfg)))
	}
	if cfg.Library != nil {
		list = append(list, curationCommands(integration)...)
	}
	if cfg.Feeds != nil {
		list = append(list, curatorOnly(feedsCommand(), integration))
	}
	return list
}

// curationCommands change a server's library: /ingest, the "Add to
// library" message command and /forget. They exist in servers only, and
// Discord shows them only to members with Manage Server (or roles a
// server administrator allows); the bot still checks on every use.
func curationCommands(integration *[]discordgo.ApplicationIntegrationType) []*discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageGuild)
	noDM := false
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	curator := func(c *discordgo.ApplicationCommand) *discordgo.ApplicationCommand {
		c.DefaultMemberPermissions = &manage
		c.DMPermission = &noDM
		c.Contexts = guildOnly
		c.IntegrationTypes = integration
		if c.Options == nil {
			c.Options = []*discordgo.ApplicationCommandOption{}
		}
		return c
	}
	return []*discordgo.ApplicationCommand{
		curator(&discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        cmdIngest,
			Description: "Add an article to this server's library, from a link or a file",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "Link to the article (http or https)", MaxLength: 2000},
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "A Markdown, text, HTML or PDF file"},
			},
		}),
		curator(&discordgo.ApplicationCommand{
			Type: discordgo.MessageApplicationCommand,
			Name: cmdAddToLibrary,
		}),
		curator(&discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        cmdForget,
			Description: "Remove an article from this server's library",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "article", Description: "Start typing a title", Required: true, Autocomplete: true},
			},
		}),
	}
}

// lengthChoices are the /summarize length choices, named as their values.
func lengthChoices() []*discordgo.ApplicationCommandOptionChoice {
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, l := range summaryLengths {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: string(l), Value: string(l)})
	}
	return out
}

// Option getters that never panic on an unexpected type (discordgo's do).

func optString(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o.Name == name {
			if s, ok := o.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

func optBool(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			if v, ok := o.Value.(bool); ok {
				return v
			}
		}
	}
	return false
}

func optInt(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) int {
	for _, o := range opts {
		if o.Name == name {
			if v, ok := o.Value.(float64); ok {
				return int(v)
			}
		}
	}
	return 0
}

func focusedOption(opts []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o.Focused {
			return o
		}
	}
	return nil
}
