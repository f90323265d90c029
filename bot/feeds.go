package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/retrieval"
)

// Feeds lets curators follow news feeds for their server from Discord
// (/feeds add, list, remove). Like Library, the bot defines it so that it
// need not know how feeds are polled or stored; every call names one
// server's scope.
type Feeds interface {
	// Add follows the feed at url (polled every every; 0 = the default),
	// announcing new items in channelID ("" = nowhere), and polls it once
	// at once: its items are answerable when Add returns.
	Add(ctx context.Context, scope retrieval.Scope, url string, every time.Duration, channelID string) (FeedInfo, error)
	// List returns the feeds scope's library follows.
	List(ctx context.Context, scope retrieval.Scope) ([]FeedInfo, error)
	// Remove stops following the feed id names in scope; its items leave
	// the library.
	Remove(ctx context.Context, scope retrieval.Scope, id string) (FeedInfo, error)
}

// FeedInfo is one followed feed as curators see it.
type FeedInfo struct {
	ID, URL, Title string
	Every          time.Duration
	// Channel is where new items are announced ("" = nowhere).
	Channel     string
	LastSuccess time.Time
	LastError   string
	// Items is how many of its items are in the library (for Add: how
	// many the first poll added; for Remove: how many left).
	Items int
	// Already: Add found the feed followed already (and updated it).
	Already bool
}

// Announcement is one new feed item posted in a feed's channel.
type Announcement struct {
	Title, Publisher, Link string
	Published              time.Time
}

const (
	cmdFeeds      = "feeds"
	actionFeeds   = "feeds"
	feedsInDMText = "Feeds can only be followed in a server."
	// MaxAnnouncements is how many items of one feed one poll announces;
	// the rest are summed up in one more line.
	MaxAnnouncements = 5
	maxFeedsListed   = 20
)

// feedIntervals are the /feeds add every: choices.
var feedIntervals = []string{"15m", "30m", "1h", "6h", "24h"}

// feedsCommand is /feeds with its add, list and remove subcommands.
func feedsCommand() *discordgo.ApplicationCommand {
	var every []*discordgo.ApplicationCommandOptionChoice
	for _, v := range feedIntervals {
		every = append(every, &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v})
	}
	return &discordgo.ApplicationCommand{
		Type:        discordgo.ChatApplicationCommand,
		Name:        cmdFeeds,
		Description: "Follow news feeds in this server's library",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Follow a feed (RSS, Atom or JSON Feed) and add its items now",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "The feed's link (http or https)", Required: true, MaxLength: 2000},
					{Type: discordgo.ApplicationCommandOptionString, Name: "every", Description: "How often to poll it (default 30m)", Choices: every},
					{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Announce new items in this channel",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
				}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "The feeds this server follows", Options: []*discordgo.ApplicationCommandOption{}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Stop following a feed; its items leave the library",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "feed", Description: "Start typing its title", Required: true, Autocomplete: true},
				}},
		},
	}
}

// curatorOnly registers c as the curation commands are: in servers only,
// shown to members with Manage Server (the bot checks on every use).
func curatorOnly(c *discordgo.ApplicationCommand, integration *[]discordgo.ApplicationIntegrationType) *discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageGuild)
	noDM := false
	c.DefaultMemberPermissions = &manage
	c.DMPermission = &noDM
	c.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	c.IntegrationTypes = integration
	return c
}

// subcommand is the subcommand an interaction names and its options.
func subcommand(opts []*discordgo.ApplicationCommandInteractionDataOption) (string, []*discordgo.ApplicationCommandInteractionDataOption) {
	for _, o := range opts {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			return o.Name, o.Options
		}
	}
	return "", nil
}

// cmdFeeds runs /feeds: privately, in a server, for curators only.
func (b *Bot) cmdFeeds(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	c, ok := b.startCuration(ctx, r, actionFeeds)
	if !ok {
		return
	}
	sub, opts := subcommand(data.Options)
	var text string
	switch sub {
	case "add":
		text = b.feedsAdd(ctx, c, opts)
	case "list":
		text = b.feedsList(ctx, c)
	case "remove":
		text = b.feedsRemove(ctx, c, strings.TrimSpace(optString(opts, "feed")))
	default:
		text = "Use /feeds add, /feeds list or /feeds remove."
	}
	b.finishCuration(r, text)
}

func (b *Bot) feedsAdd(ctx context.Context, c curation, opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	link := strings.TrimSpace(optString(opts, "url"))
	if !isWebLink(link) {
		return notWebLinkText
	}
	var every time.Duration
	if v := optString(opts, "every"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return "Pick how often to poll the feed from the list."
		}
		every = d
	}
	channel := optString(opts, "channel")
	c.action = "feeds add"
	f, err := b.cfg.Feeds.Add(ctx, c.scope, link, every, channel)
	if err != nil {
		return b.curationFailure(c, "follow", err)
	}
	b.forgetArticleList(c.scope)
	b.log.Info("feed followed", "feed", f.ID, "url", f.URL, "scope", string(c.scope), "user", c.user, "items", f.Items, "channel", channel)
	verb := "Following"
	if f.Already {
		verb = "Already following"
	}
	text := fmt.Sprintf("%s %s, polled every %s: %s added.", verb, feedName(f), shortEvery(f.Every), countArticles(f.Items))
	if f.Items > 0 {
		text += " You can ask about them now."
	}
	if f.Channel != "" {
		text += " New articles are announced in <#" + f.Channel + ">."
	}
	if f.LastError != "" {
		text += " The first poll failed (" + truncate(f.LastError, 200) + "); I will try again."
	}
	return text
}

func (b *Bot) feedsList(ctx context.Context, c curation) string {
	list, err := b.cfg.Feeds.List(ctx, c.scope)
	if err != nil {
		return b.curationFailure(c, "list", err)
	}
	if len(list) == 0 {
		return "This server follows no feeds yet. Add one with /feeds add."
	}
	lines := []string{fmt.Sprintf("This server follows %d feed%s:", len(list), plural(len(list), "", "s"))}
	for i, f := range list {
		if i == maxFeedsListed {
			lines = append(lines, fmt.Sprintf("…and %d more.", len(list)-i))
			break
		}
		line := fmt.Sprintf("• %s, every %s, %s", feedName(f), shortEvery(f.Every), countArticles(f.Items))
		if f.Channel != "" {
			line += ", announced in <#" + f.Channel + ">"
		}
		switch {
		case f.LastError != "":
			line += "; last poll failed: " + escapeMarkdown(truncate(f.LastError, 120))
		case !f.LastSuccess.IsZero():
			line += fmt.Sprintf("; last polled <t:%d:R>", f.LastSuccess.Unix())
		}
		lines = append(lines, line)
	}
	return truncate(strings.Join(lines, "\n"), 1900)
}

func (b *Bot) feedsRemove(ctx context.Context, c curation, ref string) string {
	if ref == "" {
		return "Please pick the feed to remove."
	}
	c.action = "feeds remove"
	f, err := b.cfg.Feeds.Remove(ctx, c.scope, ref)
	if err != nil {
		return b.curationFailure(c, "remove", err)
	}
	b.forgetArticleList(c.scope)
	b.log.Info("feed removed", "feed", f.ID, "url", f.URL, "scope", string(c.scope), "user", c.user, "items", f.Items)
	return fmt.Sprintf("Stopped following %s; %s left the library.", feedName(f), countArticles(f.Items))
}

// feedChoices are the /feeds remove autocomplete choices: this server's
// feeds, and none for someone who may not change the library.
func (b *Bot) feedChoices(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) []*discordgo.ApplicationCommandOptionChoice {
	if r.i.GuildID == "" || !b.mayCurate(r.i.Member) {
		return nil
	}
	_, opts := subcommand(data.Options)
	typed := ""
	if o := focusedOption(opts); o != nil {
		typed, _ = o.Value.(string)
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	list, err := b.cfg.Feeds.List(ctx, r.scope())
	if err != nil {
		b.log.Warn("autocomplete: list feeds", "err", err)
		return nil
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, f := range list {
		name := feedTitle(f) + " (" + f.URL + ")"
		if typed != "" && !strings.Contains(strings.ToLower(name), typed) && !strings.HasPrefix(f.ID, typed) {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: f.ID})
		if len(out) == maxChoices {
			break
		}
	}
	return out
}

// Announce posts a feed's new items in channelID, one short message each
// (title, publisher, date, link; no pings, no link previews), at most
// MaxAnnouncements, then one line for the rest. feed names the feed in
// that line. It stops at the first message that cannot be sent.
func (b *Bot) Announce(ctx context.Context, channelID, feed string, items []Announcement) error {
	if channelID == "" || len(items) == 0 {
		return nil
	}
	var texts []string
	for i, it := range items {
		if i == MaxAnnouncements {
			n := len(items) - i
			texts = append(texts, fmt.Sprintf("…and %d more new article%s from %s.", n, plural(n, "", "s"), escapeMarkdown(truncate(feed, 200))))
			break
		}
		texts = append(texts, announcementText(it))
	}
	for _, text := range texts {
		send := &discordgo.MessageSend{Content: text, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}
		err := b.rest(ctx, "announce feed item", func(opts ...discordgo.RequestOption) error {
			_, err := b.s.ChannelMessageSendComplex(channelID, send, opts...)
			return err
		})
		if err != nil {
			b.log.Warn("could not announce a feed item", "channel", channelID, "err", err)
			return err
		}
	}
	return nil
}

// announcementText is "📰 **Title** · Publisher · 2 Jan 2006\n<link>".
func announcementText(it Announcement) string {
	parts := []string{"📰 **" + escapeMarkdown(truncate(strings.TrimSpace(it.Title), 200)) + "**"}
	if it.Publisher != "" {
		parts = append(parts, escapeMarkdown(truncate(it.Publisher, 100)))
	}
	if !it.Published.IsZero() {
		parts = append(parts, it.Published.UTC().Format("2 Jan 2006"))
	}
	text := strings.Join(parts, " · ")
	if it.Link != "" {
		text += "\n" + truncate(it.Link, 1500)
	}
	return text
}

// feedTitle is a feed's title, or its URL before it was read.
func feedTitle(f FeedInfo) string {
	if t := strings.TrimSpace(f.Title); t != "" {
		return t
	}
	return f.URL
}

// feedName is "**Title** (`id`)".
func feedName(f FeedInfo) string {
	return "**" + escapeMarkdown(truncate(feedTitle(f), 150)) + "** (" + codeID(f.ID) + ")"
}

// shortEvery is an interval as the every: choices spell it.
func shortEvery(d time.Duration) string {
	switch {
	case d <= 0:
		return "30m"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func countArticles(n int) string {
	return fmt.Sprintf("%d article%s", n, plural(n, "", "s"))
}
