package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/retrieval"
)

// visibleFeeds are the feeds whose items scope sees: a server's own and
// the shared library's; in a DM, the shared ones. Without Config.Feeds
// there are none to offer (feed: then takes an ID as typed).
func (b *Bot) visibleFeeds(ctx context.Context, scope retrieval.Scope) ([]FeedInfo, error) {
	if b.cfg.Feeds == nil {
		return nil, nil
	}
	scopes := []retrieval.Scope{scope}
	if scope != retrieval.Shared {
		scopes = append(scopes, retrieval.Shared)
	}
	var out []FeedInfo
	for _, s := range scopes {
		list, err := b.cfg.Feeds.List(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// visibleFeedChoices offers the visible feeds whose title, URL or ID
// holds typed, by title with the ID as the value.
func (b *Bot) visibleFeedChoices(ctx context.Context, scope retrieval.Scope, typed string) []*discordgo.ApplicationCommandOptionChoice {
	list, err := b.visibleFeeds(ctx, scope)
	if err != nil {
		b.log.Warn("autocomplete: list feeds", "err", err)
		return nil
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, f := range matchFeeds(list, typed) {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(feedTitle(f), maxChoiceName), Value: f.ID})
		if len(out) == maxChoices {
			break
		}
	}
	return out
}

// matchFeeds are the feeds whose ID is typed, or else whose title or URL
// contains it (case-insensitive); all of them for "".
func matchFeeds(list []FeedInfo, typed string) []FeedInfo {
	low := strings.ToLower(strings.TrimSpace(typed))
	var exact, sub []FeedInfo
	for _, f := range list {
		switch {
		case low == "" || f.ID == typed:
			exact = append(exact, f)
		case strings.Contains(strings.ToLower(feedTitle(f)), low) || strings.Contains(strings.ToLower(f.URL), low):
			sub = append(sub, f)
		}
	}
	if low != "" && len(exact) > 0 {
		return exact
	}
	return append(exact, sub...)
}

// resolveFeed turns feed: (an ID from autocomplete, or a title typed
// without picking) into a feed scope sees, or a sentence saying why it
// cannot. Another server's feed is unknown here, like any other. Without
// Config.Feeds the reference is taken as an ID.
func (b *Bot) resolveFeed(ctx context.Context, scope retrieval.Scope, ref string) (FeedInfo, string) {
	if b.cfg.Feeds == nil {
		return FeedInfo{ID: ref}, ""
	}
	list, err := b.visibleFeeds(ctx, scope)
	if err != nil {
		ref := b.logFailure("list feeds for /digest", err)
		return FeedInfo{}, "I couldn't read the feed list right now (ref: " + ref + "). Please try again in a moment."
	}
	switch m := matchFeeds(list, ref); len(m) {
	case 0:
		return FeedInfo{}, "I follow no feed called “" + escapeMarkdown(truncate(ref, 100)) + "” here. Pick one from the list as you type."
	case 1:
		return m[0], ""
	default:
		return FeedInfo{}, "“" + escapeMarkdown(truncate(ref, 100)) + "” matches several feeds. Pick one from the list as you type."
	}
}
