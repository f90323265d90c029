package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/retrieval"
)

// cmdForget is /forget: it removes one article from this server's
// library.
func (b *Bot) cmdForget(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	c, ok := b.startCuration(ctx, r, actionForget)
	if !ok {
		return
	}
	ref := strings.TrimSpace(optString(data.Options, "article"))
	if ref == "" {
		b.finishCuration(r, "Please pick the article to remove.")
		return
	}
	id, refusal := b.forgetTarget(ctx, c.scope, ref)
	if refusal != "" {
		b.finishCuration(r, refusal)
		return
	}
	a, err := b.cfg.Library.Forget(ctx, c.scope, id)
	if err != nil {
		b.finishCuration(r, b.curationFailure(c, "remove", err))
		return
	}
	b.forgetArticleList(c.scope)
	if a.ID == "" {
		a.ID = id
	}
	b.log.Info("library changed", "action", c.action, "article", a.ID, "scope", string(c.scope), "user", c.user)
	b.finishCuration(r, "Removed "+articleName(a)+".")
}

// forgetTarget is the ID of the article ref names among those scope
// sees: by ID, or by title as typed or as autocomplete shortened it. An
// article of the shared library is refused. When nothing matches (or the
// list cannot be read), ref itself is returned for the library to judge.
func (b *Bot) forgetTarget(ctx context.Context, scope retrieval.Scope, ref string) (id, refusal string) {
	list, err := b.articleList(ctx, scope)
	if err != nil {
		b.log.Warn("forget: list articles", "err", err)
		return ref, ""
	}
	match := func(a retrieval.Article) bool { return a.ID == ref }
	if !containsArticle(list, match) {
		match = func(a retrieval.Article) bool {
			title := displayTitle(a)
			return strings.EqualFold(title, ref) || truncate(title, maxChoiceValue) == ref
		}
	}
	shared := false
	for _, a := range list {
		if !match(a) {
			continue
		}
		if a.Scope == scope {
			return a.ID, ""
		}
		shared = true
	}
	if shared {
		return "", sharedForgetTxt
	}
	return ref, ""
}

func containsArticle(list []retrieval.Article, match func(retrieval.Article) bool) bool {
	for _, a := range list {
		if match(a) {
			return true
		}
	}
	return false
}

// forgetChoices are the /forget autocomplete choices: only this server's
// own articles (never the shared ones, which /forget cannot remove), and
// none for someone who may not change the library.
func (b *Bot) forgetChoices(ctx context.Context, r *responder, typed string) []*discordgo.ApplicationCommandOptionChoice {
	if r.i.GuildID == "" || !b.mayCurate(r.i.Member) {
		return nil
	}
	scope := r.scope()
	list, err := b.articleList(ctx, scope)
	if err != nil {
		b.log.Warn("autocomplete: list articles", "err", err)
	}
	var own []retrieval.Article
	for _, a := range list {
		if a.Scope == scope {
			own = append(own, a)
		}
	}
	return articleChoices(matchArticles(own, typed, maxChoices))
}
