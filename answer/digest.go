package answer

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// Digest summarizes the articles of a window (see DigestRequest) as a few
// stories, one paragraph each, every sentence citing the articles it comes
// from and checked by the verifier like an answer's.
//
// The articles are grouped into stories by the words they share
// (digest_group.go), ordered by how many articles and how recent. Offline,
// each story is its central sentences, quoted (the extractive summarizer's
// scores over the story's articles). With an LLM each story is written
// from its articles in one request when they fit Config.ContextBudget, and
// map-reduce when they do not (writeStory: a request per group of
// articles that fits, then one that writes the story from their cited
// sentences). There is no request across stories: their order and
// headlines are decided by the grouping, and a request that rewrote the
// checked paragraphs could only lose citations. So a digest makes one
// request per story shown (5 short, 8 medium, 12 long) whose articles fit
// the budget, about ceil(bytes/budget)+1 for a story that does not, plus one when
// the verifier is the model (Digest.Requests counts them). When the model
// fails the digest is written offline instead (Answer.Fallback), unless
// Config.NoFallback.
//
// onDelta (may be nil) receives the text as it is written: the model's raw
// output story by story, or offline the final text one story at a time.
// An empty window is an error wrapping ErrNoDigestArticles.
func (e *Engine) Digest(ctx context.Context, req DigestRequest, onDelta DeltaFunc) (Digest, error) {
	start := time.Now()
	length, err := ParseLength(string(req.Length))
	if err != nil {
		return Digest{}, err
	}
	d := Digest{}
	d.Since, d.Until = e.digestWindow(req)
	max := req.MaxArticles
	if max <= 0 {
		max = DefaultDigestMaxArticles
	}
	sel, err := e.selectArticles(ctx, req, d.Since, d.Until, max)
	if err != nil {
		return Digest{}, err
	}
	if len(sel.articles) == 0 {
		return Digest{}, &NoDigestArticlesError{Since: d.Since, Until: d.Until, Topic: strings.TrimSpace(req.Topic), Feed: req.Feed, Undated: sel.undated}
	}
	d.Considered, d.LeftOut = sel.considered, sel.considered-len(sel.articles)
	d.Timings.Retrieval = time.Since(start)
	groups := e.digestStories(sel.articles, length, &d)
	srcs := digestSources(groups)
	paras, streamed, err := e.writeStories(ctx, groups, length, onDelta, &d)
	if err != nil {
		return Digest{}, err
	}
	if err := e.checkDigest(ctx, &d, paras, groups, srcs); err != nil {
		return Digest{}, err
	}
	if !streamed {
		emitStories(onDelta, d)
	}
	d.Timings.Total = time.Since(start)
	return d, nil
}

// digestWindow fills in the request's window: Until defaults to now,
// Since to a day before Until.
func (e *Engine) digestWindow(req DigestRequest) (since, until time.Time) {
	since, until = req.Since, req.Until
	if until.IsZero() {
		until = e.now()
	}
	if since.IsZero() {
		since = until.Add(-24 * time.Hour)
	}
	return since, until
}

// digestStories groups the articles into the stories the length shows.
func (e *Engine) digestStories(arts []datedArticle, length Length, d *Digest) []storyGroup {
	var rarity termRarer
	if r, ok := e.cfg.Retriever.(termRarer); ok {
		rarity = r
	}
	groups := groupStories(arts, rarity)
	if max := digestShapes[length].stories; len(groups) > max {
		d.StoriesLeftOut = len(groups) - max
		groups = groups[:max]
	}
	return groups
}

// digestSources numbers the stories' articles as sources, story by story,
// one source (the whole body) per article, merged by article ID: the
// digest's citation numbers are per article.
func digestSources(groups []storyGroup) []source {
	var out []source
	for _, g := range groups {
		for _, a := range g.articles {
			meta := a.Article
			meta.Body = ""
			out = append(out, source{Article: meta, Text: a.Body, Key: a.ID})
		}
	}
	return out
}

// writeStories writes one paragraph per story: with the model when there
// is one (streamed reports that its output went to onDelta), else, or when
// the model fails, offline.
func (e *Engine) writeStories(ctx context.Context, groups []storyGroup, length Length, onDelta DeltaFunc, d *Digest) (paras []string, streamed bool, err error) {
	if e.cfg.LLM != nil {
		lstart := time.Now()
		paras, err = e.digestLLM(ctx, groups, length, onDelta, d)
		d.Timings.LLM = time.Since(lstart)
		var me *ModelError
		switch {
		case err == nil:
			return paras, true, nil
		case !errors.As(err, &me) || e.cfg.NoFallback:
			return nil, false, err
		}
		e.log.Warn("language model failed; writing the digest offline", "err", err)
		d.Fallback, d.FallbackError = true, err.Error()
		if onDelta != nil {
			onDelta("\n\n")
		}
	}
	d.Extractive = true
	n := digestShapes[length].sentences
	first := 0
	for _, g := range groups {
		paras = append(paras, extractiveStory(g, first, n))
		first += len(g.articles)
	}
	return paras, false, nil
}

// checkDigest verifies every sentence of the stories' paragraphs against
// the articles it cites and fills in d's text, claims, citations and
// stories.
func (e *Engine) checkDigest(ctx context.Context, d *Digest, paras []string, groups []storyGroup, srcs []source) error {
	v := e.verifier()
	if d.Extractive {
		v = e.offlineVerifier()
	}
	res, err := checkCitations(ctx, strings.Join(paras, "\n\n"), srcs, citeOptions{Verifier: v})
	if err != nil {
		return err
	}
	res.applyTo(&d.Answer)
	if _, ok := v.(*LLMVerifier); ok && (len(res.Citations) > 0 || res.Unsupported > 0) {
		d.Requests++ // the model verifier judges all claims in one request
	}
	d.Stories = storySpans(d.Text, groups)
	d.Passages = citedParagraphs(d.Citations, srcs)
	return nil
}

// storySpans finds each story's paragraph in the checked text: the
// paragraphs are in story order, separated by blank lines.
func storySpans(text string, groups []storyGroup) []Story {
	out := make([]Story, 0, len(groups))
	pos := 0
	for _, g := range groups {
		end := strings.Index(text[pos:], "\n\n")
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		s := Story{Title: g.articles[0].Title, Start: pos, End: end, Newest: g.newest}
		for _, a := range g.articles {
			s.Articles = append(s.Articles, a.ID)
		}
		out = append(out, s)
		pos = min(end+2, len(text))
	}
	return out
}

// citedParagraphs narrows each citation's Passage from the whole article
// to the paragraph holding its quote, and returns those paragraphs as the
// digest's passages.
func citedParagraphs(cites []Citation, srcs []source) []retrieval.Passage {
	bodies := make(map[string]string, len(srcs))
	for _, s := range srcs {
		bodies[s.Key] = s.Text
	}
	var out []retrieval.Passage
	for i := range cites {
		c := &cites[i]
		body := bodies[c.Article.ID]
		for _, p := range paragraphsOf(body) {
			if c.Start >= p.Start && c.Start < p.End {
				c.Passage = p.Text
				out = append(out, retrieval.Passage{Article: c.Article, Chunk: retrieval.Chunk{
					ArticleID: c.Article.ID, Ordinal: p.N - 1, Start: p.Start, End: p.End, Text: p.Text,
				}})
				break
			}
		}
	}
	return out
}

// emitStories streams the finished digest one story at a time.
func emitStories(onDelta DeltaFunc, d Digest) {
	for i, s := range d.Stories {
		if i > 0 {
			emit(onDelta, "\n\n")
		}
		emit(onDelta, d.Text[s.Start:s.End])
	}
}
