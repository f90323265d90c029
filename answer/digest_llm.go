package answer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/citebot/citebot/prompts"
)

// digestLLM writes each story with the model (writeStory), streaming the
// raw output of each story's last request to onDelta with a blank line
// between stories. A story the model writes nothing for gets its offline
// paragraph instead, without another request.
func (e *Engine) digestLLM(ctx context.Context, groups []storyGroup, length Length, onDelta DeltaFunc, d *Digest) ([]string, error) {
	today := e.now().Format("2 January 2006")
	var paras []string
	first := 0
	for gi, g := range groups {
		if gi > 0 {
			emit(onDelta, "\n\n")
		}
		text, err := e.writeStory(ctx, storyArticles(g, first), length, today, onDelta, d)
		if err != nil {
			return nil, fmt.Errorf("digest story %d (%s): %w", gi+1, g.articles[0].ID, err)
		}
		p := oneParagraph(text)
		if p == "" {
			e.log.Warn("the model wrote nothing for a story; quoting it offline", "story", g.articles[0].ID)
			p = extractiveStory(g, first, digestShapes[length].sentences)
		}
		paras = append(paras, p)
		first += len(g.articles)
	}
	return paras, nil
}

// writeStory asks the model for one story. When the story's articles fit
// the context budget that is one request. Otherwise it is map-reduce, as
// for the summary of a long article: the articles are split into groups
// that fit (an article longer than the budget cut to it), each group is
// written up in one request (map), every sentence citing its article's
// number; the sentences are regrouped by the article they cite, and the
// story is written from those (reduce), again in rounds while they do not
// fit. A round that does not shrink the text ends the rounds, and what is
// left is cut to fit (fitShares) for the last request. So a story of B
// bytes takes one request when B <= budget, else about ceil(B/budget) map
// requests and one reduce request.
func (e *Engine) writeStory(ctx context.Context, ps []prompts.Passage, length Length, today string, onDelta DeltaFunc, d *Digest) (string, error) {
	budget := e.cfg.ContextBudget
	for level := 0; passagesBytes(ps) > budget && len(ps) > 1 && level < maxReduceLevels; level++ {
		groups := groupPassages(cutEach(ps, budget), budget)
		var partials []string
		for _, g := range groups {
			// Partial write-ups keep more detail than the story shown.
			text, err := e.storyRequest(ctx, g, Long, today, nil, d)
			if err != nil {
				return "", err
			}
			partials = append(partials, text)
		}
		next := regroupByCitation(partials, ps)
		if len(next) == 0 || passagesBytes(next) >= passagesBytes(ps) {
			e.log.Warn("map-reduce digest story did not shrink; writing it from the part that fits", "story", ps[0].Title)
			break
		}
		ps = next
	}
	return e.storyRequest(ctx, shareBudget(ps, budget), length, today, onDelta, d)
}

// storyRequest renders the digest prompt over ps and asks the model once:
// streamed to onDelta when it is set, else as one completion.
func (e *Engine) storyRequest(ctx context.Context, ps []prompts.Passage, length Length, today string, onDelta DeltaFunc, d *Digest) (string, error) {
	msgs, err := e.cfg.Prompts.Digest(prompts.DigestData{Length: string(length), Today: today, Articles: ps})
	if err != nil {
		return "", fmt.Errorf("render digest prompt: %w", err)
	}
	var text string
	var usage Usage
	if onDelta != nil {
		text, usage, err = e.stream(ctx, msgs, onDelta)
	} else {
		text, usage, err = e.complete(ctx, msgs)
	}
	d.Requests++
	d.Usage = addUsage(d.Usage, usage)
	return text, err
}

// storyArticles shows a story's articles to the model, numbered from
// first+1 as the digest numbers them, with their whole texts.
func storyArticles(g storyGroup, first int) []prompts.Passage {
	out := make([]prompts.Passage, len(g.articles))
	for i, a := range g.articles {
		out[i] = prompts.Passage{N: first + i + 1, Title: a.Title, Author: a.Author, Published: a.Published, Source: a.Source, Text: a.Body}
	}
	return out
}

// cutEach cuts every passage to at most budget bytes.
func cutEach(ps []prompts.Passage, budget int) []prompts.Passage {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Text = cutAtRune(out[i].Text, budget)
	}
	return out
}

// shareBudget cuts the passages' texts to share budget bytes (fitShares).
func shareBudget(ps []prompts.Passage, budget int) []prompts.Passage {
	lens := make([]int, len(ps))
	for i, p := range ps {
		lens[i] = len(p.Text)
	}
	shares := fitShares(lens, budget)
	out := slices.Clone(ps)
	for i := range out {
		out[i].Text = cutAtRune(out[i].Text, shares[i])
	}
	return out
}

// fitShares divides budget bytes among texts of the given lengths: every
// text gets an equal share, and what a short text leaves over goes to the
// longer ones (water filling), so that short articles are never cut to
// make room and long ones are cut evenly.
func fitShares(lens []int, budget int) []int {
	shares := make([]int, len(lens))
	order := make([]int, len(lens))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lens[order[a]] < lens[order[b]] })
	left := budget
	for k, i := range order {
		fair := left / (len(order) - k)
		shares[i] = min(lens[i], fair)
		left -= shares[i]
	}
	return shares
}

// oneParagraph joins the model's output for a story into one paragraph:
// the digest shows one paragraph per story and finds stories by the blank
// lines between them.
func oneParagraph(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
