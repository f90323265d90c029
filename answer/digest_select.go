package answer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval"
)

// ErrNoDigestArticles is wrapped by the error Digest returns when no
// article matches the window, topic and feed, so front ends can tell "no
// news" from a failure.
var ErrNoDigestArticles = errors.New("no articles match the digest")

// NoDigestArticlesError says, in one sentence, which window (and topic or
// feed) had no articles.
type NoDigestArticlesError struct {
	Since, Until time.Time
	Topic, Feed  string
	// Undated is how many articles of the view have no publication date
	// (and so are never in a digest), when none has one.
	Undated int
}

func (e *NoDigestArticlesError) Error() string {
	what := "No articles"
	if e.Feed != "" {
		what += fmt.Sprintf(" of feed %s", e.Feed)
	}
	if e.Topic != "" {
		what += fmt.Sprintf(" about %q", e.Topic)
	}
	msg := fmt.Sprintf("%s were published between %s and %s", what, digestDate(e.Since), digestDate(e.Until))
	switch {
	case e.Undated == 1:
		return msg + "; the library's one article has no date (a digest covers dated articles: give it a published: line in its front matter)."
	case e.Undated > 1:
		return msg + fmt.Sprintf("; none of the library's %d articles has a date (a digest covers dated articles: give them a published: line in their front matter).", e.Undated)
	}
	return msg + "."
}

// Is makes errors.Is(err, ErrNoDigestArticles) hold.
func (e *NoDigestArticlesError) Is(target error) bool { return target == ErrNoDigestArticles }

// digestDate names a window bound: the date, and the time of day when the
// bound is not midnight ("7 March 2026 18:00").
func digestDate(t time.Time) string {
	if t.Equal(dayStart(t)) {
		return t.Format("2 January 2006")
	}
	return t.Format("2 January 2006 15:04")
}

// digestTopicCover is the share of a topic's words, weighted by rarity,
// that an article must hold (in its title and the passages retrieval found)
// to count as about the topic: with the plain refusal floor, "port strike"
// would take in every article about a town called Port.
const digestTopicCover = 0.6

// datedArticle is an article of a digest with its publication time.
type datedArticle struct {
	retrieval.Article
	at time.Time
}

// selection is what selectArticles found: the articles to summarize
// (bodies loaded, newest first) and how many matched in all.
type selection struct {
	articles   []datedArticle
	considered int
	// undated counts the view's articles without a date, when no article
	// has one (it explains an empty digest).
	undated int
}

// selectArticles returns the dated articles of the engine's view in
// [since, until) that match the request's feed and topic, newest first,
// at most max of them with their bodies.
func (e *Engine) selectArticles(ctx context.Context, req DigestRequest, since, until time.Time, max int) (selection, error) {
	all, err := e.Articles(ctx)
	if err != nil {
		return selection{}, err
	}
	window := retrieval.SearchOptions{Since: since, Until: until}
	var in []datedArticle
	undated := 0
	for _, a := range all {
		t, ok := a.PublishedTime()
		if !ok {
			undated++
		}
		if !ok || !window.InWindow(t, ok) || (req.Feed != "" && !inFeed(a, req.Feed)) {
			continue
		}
		in = append(in, datedArticle{Article: a, at: t})
	}
	if topic := strings.TrimSpace(req.Topic); topic != "" && len(in) > 0 {
		if in, err = e.aboutTopic(ctx, in, topic, since, until); err != nil {
			return selection{}, err
		}
	}
	sort.SliceStable(in, func(i, j int) bool {
		if !in[i].at.Equal(in[j].at) {
			return in[i].at.After(in[j].at)
		}
		return in[i].ID < in[j].ID
	})
	sel := selection{considered: len(in)}
	if undated == len(all) {
		sel.undated = undated
	}
	if len(in) > max {
		in = in[:max]
	}
	for _, a := range in {
		full, err := e.cfg.Retriever.Article(ctx, a.ID)
		if err != nil {
			return selection{}, fmt.Errorf("read article %s: %w", a.ID, err)
		}
		a.Body = full.Body
		sel.articles = append(sel.articles, a)
	}
	return sel, nil
}

// inFeed reports whether a was saved by the poller of feed: feed items
// live under a folder .../feeds/<feed ID>/.
func inFeed(a retrieval.Article, feed string) bool {
	p := "/" + strings.TrimPrefix(filepath.ToSlash(a.Path), "/")
	return strings.Contains(p, "/feeds/"+feed+"/")
}

// aboutTopic keeps the articles of in that a search for topic over the
// window finds and that hold enough of its words (digestTopicCover).
func (e *Engine) aboutTopic(ctx context.Context, in []datedArticle, topic string, since, until time.Time) ([]datedArticle, error) {
	ps, err := e.search(ctx, topic, retrieval.MaxK, since, until)
	if err != nil {
		return nil, fmt.Errorf("digest topic: %w", err)
	}
	terms := attribution.Unique(contentTerms(topic))
	if len(terms) == 0 {
		return in, nil
	}
	var w weights
	if r, ok := e.cfg.Retriever.(termRarer); ok {
		w = r.TermRarity(terms)
	}
	found := make(map[string]map[string]bool)
	for _, p := range ps {
		set := found[p.Article.ID]
		if set == nil {
			set = termSet(p.Article.Title)
			found[p.Article.ID] = set
		}
		for t := range termSet(p.Chunk.Text) {
			set[t] = true
		}
	}
	var out []datedArticle
	for _, a := range in {
		if set := found[a.ID]; set != nil && attribution.Coverage(terms, w, set) >= digestTopicCover {
			out = append(out, a)
		}
	}
	return out, nil
}
