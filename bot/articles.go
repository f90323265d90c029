package bot

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// articlesPrefix starts the custom IDs of the page buttons: "art:<page>".
const articlesPrefix = "art:"

// articleListing is one scope's article list, sorted for display, and
// when it was fetched.
type articleListing struct {
	list    []retrieval.Article
	fetched time.Time
	version int64 // Config.LibraryVersion when fetched
}

// articleList is the list of articles scope sees, cached briefly (per
// scope: servers see different articles) so autocomplete answers fast.
func (b *Bot) articleList(ctx context.Context, scope retrieval.Scope) ([]retrieval.Article, error) {
	b.artMu.Lock()
	defer b.artMu.Unlock()
	version := b.libraryVersion()
	if c, ok := b.articles.get(scope); ok && time.Since(c.fetched) < articleCacheTTL && c.version == version {
		return c.list, nil
	}
	list, err := b.engineFor(scope).Articles(ctx)
	if err != nil {
		return nil, err
	}
	sorted := append([]retrieval.Article(nil), list...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return strings.ToLower(displayTitle(sorted[i])) < strings.ToLower(displayTitle(sorted[j]))
	})
	b.articles.put(scope, articleListing{list: sorted, fetched: time.Now(), version: version})
	return sorted, nil
}

// articleByID finds an article scope sees.
func (b *Bot) articleByID(ctx context.Context, scope retrieval.Scope, id string) (retrieval.Article, bool) {
	list, err := b.articleList(ctx, scope)
	if err != nil {
		return retrieval.Article{}, false
	}
	for _, a := range list {
		if a.ID == id {
			return a, true
		}
	}
	return retrieval.Article{}, false
}

func displayTitle(a retrieval.Article) string {
	if a.Title != "" {
		return a.Title
	}
	return a.ID
}

// matchArticles ranks articles for autocomplete: titles (or IDs) starting
// with the typed text first, then those containing it, case-insensitive,
// at most max.
func matchArticles(list []retrieval.Article, typed string, max int) []retrieval.Article {
	typed = strings.ToLower(strings.TrimSpace(typed))
	var prefix, sub []retrieval.Article
	for _, a := range list {
		title, id := strings.ToLower(displayTitle(a)), strings.ToLower(a.ID)
		switch {
		case typed == "" || strings.HasPrefix(title, typed) || strings.HasPrefix(id, typed):
			prefix = append(prefix, a)
		case strings.Contains(title, typed) || strings.Contains(id, typed):
			sub = append(sub, a)
		}
	}
	out := append(prefix, sub...)
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// onAutocomplete offers articles for /summarize, windows and feeds for
// /digest and, to curators, this server's own articles for /forget.
func (b *Bot) onAutocomplete(ctx context.Context, r *responder) {
	data, ok := r.i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return
	}
	typed := ""
	if o := focusedOption(data.Options); o != nil {
		typed, _ = o.Value.(string)
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	switch {
	case data.Name == "summarize":
		list, err := b.articleList(ctx, r.scope())
		if err != nil {
			b.log.Warn("autocomplete: list articles", "err", err)
		}
		choices = articleChoices(matchArticles(list, typed, maxChoices))
	case data.Name == cmdForget && b.cfg.Library != nil:
		choices = b.forgetChoices(ctx, r, typed)
	case data.Name == cmdFeeds && b.cfg.Feeds != nil:
		choices = b.feedChoices(ctx, r, data)
	case data.Name == cmdDigest && b.cfg.Digester != nil:
		choices = b.digestChoices(ctx, r, focusedOption(data.Options))
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	_ = r.respond(ctx, "autocomplete", &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
}

// articleChoices offers articles by title (and date), with the ID as the
// value, or the shortened title when the ID is too long for a value.
func articleChoices(list []retrieval.Article) []*discordgo.ApplicationCommandOptionChoice {
	var choices []*discordgo.ApplicationCommandOptionChoice
	for _, a := range list {
		value := a.ID
		if textLen(value) > maxChoiceValue {
			value = truncate(displayTitle(a), maxChoiceValue)
		}
		name := displayTitle(a)
		if a.Published != "" {
			name += " (" + a.Published + ")"
		}
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: value})
	}
	return choices
}

// summaryLengths are the lengths /summarize offers, shortest first.
var summaryLengths = []answer.Length{answer.Short, answer.Medium, answer.Long}

// summaryLength reads a /summarize length: one of summaryLengths, or
// medium when it is unset or unknown (an old client's choice).
func summaryLength(s string) answer.Length {
	for _, l := range summaryLengths {
		if string(l) == s {
			return l
		}
	}
	return answer.Medium
}

func (b *Bot) cmdSummarize(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	ref := strings.TrimSpace(optString(data.Options, "article"))
	if !b.admitQuestion(ctx, r, ref, "Please pick an article.") {
		return
	}
	length := summaryLength(optString(data.Options, "length"))
	private := optBool(data.Options, "private")
	if r.deferReply(ctx, private) != nil {
		return
	}
	b.runJob(ctx, &interactionSurface{r: r, ephemeral: private}, job{
		kind: jobSummary, question: ref, length: length,
		guildID: r.i.GuildID, channelID: r.i.ChannelID, origin: r.i.ID, source: sourceSlash,
	})
}

func (b *Bot) cmdArticles(ctx context.Context, r *responder, page int) {
	if r.deferReply(ctx, false) != nil {
		return
	}
	b.showArticles(ctx, r, page)
}

func (b *Bot) onArticlesPage(ctx context.Context, r *responder, customID string) {
	page, err := strconv.Atoi(strings.TrimPrefix(customID, articlesPrefix))
	if err != nil {
		_ = r.reply(ctx, errorMessage("That button no longer works."), true)
		return
	}
	if owner := listOwner(r.i.Message); owner != nil && owner.ID != userOf(r.i).ID {
		_ = r.reply(ctx, errorMessage("These buttons belong to "+escapeMarkdown(displayName(owner))+"'s list; run /articles yourself."), true)
		return
	}
	if r.deferUpdate(ctx) != nil {
		return
	}
	b.showArticles(ctx, r, page)
}

// listOwner is who ran the /articles a list message answers (nil when
// unknown: anyone may page it).
func listOwner(m *discordgo.Message) *discordgo.User {
	switch {
	case m == nil:
		return nil
	case m.InteractionMetadata != nil && m.InteractionMetadata.User != nil:
		return m.InteractionMetadata.User
	case m.Interaction != nil && m.Interaction.User != nil:
		return m.Interaction.User
	}
	return nil
}

// displayName is how Discord shows u: the global display name, else the
// username.
func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// showArticles edits the response into one page of the article list.
func (b *Bot) showArticles(ctx context.Context, r *responder, page int) {
	list, err := b.articleList(ctx, r.scope())
	var msg outMessage
	if err != nil {
		ref := b.logFailure("list articles", err)
		msg = errorMessage("I couldn't read the article list right now (ref: " + ref + ").")
		if r.publicPlaceholder() {
			r.failPrivately(ctx, msg) // only the asker hears of it
			return
		}
	} else {
		msg = articlesPage(list, page, b.cfg.PageSize)
	}
	r.show(ctx, "show articles", msg)
}

// articlesPage renders one page (1-based, clamped) with previous/next
// buttons.
func articlesPage(list []retrieval.Article, page, size int) outMessage {
	if len(list) == 0 {
		return outMessage{Content: "No articles are indexed yet."}
	}
	pages := (len(list) + size - 1) / size
	if page < 1 {
		page = 1
	}
	if page > pages {
		page = pages
	}
	var lines []string
	for i, a := range list[(page-1)*size : min(page*size, len(list))] {
		line := fmt.Sprintf("%d. %s", (page-1)*size+i+1, titleLink(truncate(displayTitle(a), 150), a.Source))
		var meta []string
		if a.Author != "" {
			meta = append(meta, escapeMarkdown(truncate(a.Author, 60)))
		}
		if a.Published != "" {
			meta = append(meta, escapeMarkdown(a.Published))
		}
		meta = append(meta, "`"+strings.ReplaceAll(truncate(a.ID, 80), "`", "'")+"`")
		lines = append(lines, line+" — "+strings.Join(meta, " · "))
	}
	desc := truncate(strings.Join(lines, "\n"), maxEmbedDescription)
	embed := &discordgo.MessageEmbed{
		Title:       "Articles",
		Description: desc,
		Color:       embedColor,
		Footer:      &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("Page %d of %d · %d articles · /summarize one, or /ask about them", page, pages, len(list))},
	}
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: articlesPrefix + strconv.Itoa(page-1), Disabled: page <= 1, Emoji: &discordgo.ComponentEmoji{Name: "◀️"}},
		discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: articlesPrefix + strconv.Itoa(page+1), Disabled: page >= pages, Emoji: &discordgo.ComponentEmoji{Name: "▶️"}},
	}}
	return outMessage{Embeds: []*discordgo.MessageEmbed{embed}, Components: []discordgo.MessageComponent{row}}
}

// libraryVersion is Config.LibraryVersion, or 0 without one (the cache
// then only expires by age).
func (b *Bot) libraryVersion() int64 {
	if b.cfg.LibraryVersion == nil {
		return 0
	}
	return b.cfg.LibraryVersion()
}
