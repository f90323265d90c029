package answer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/citebot/citebot/prompts"
)

// digestLLM writes each story with one model request over its articles
// (the map step; see Digest for why there is no reduce), streaming the raw
// output to onDelta with a blank line between stories. A story the model
// writes nothing for gets its offline paragraph instead, without another
// request.
func (e *Engine) digestLLM(ctx context.Context, groups []storyGroup, length Length, onDelta DeltaFunc, d *Digest) ([]string, error) {
	today := e.now().Format("2 January 2006")
	var paras []string
	first := 0
	for gi, g := range groups {
		msgs, err := e.cfg.Prompts.Digest(prompts.DigestData{
			Length: string(length), Today: today, Articles: storyPassages(g, first, e.cfg.ContextBudget),
		})
		if err != nil {
			return nil, fmt.Errorf("render digest prompt: %w", err)
		}
		if gi > 0 {
			emit(onDelta, "\n\n")
		}
		text, usage, err := e.stream(ctx, msgs, onDelta)
		d.Requests++
		d.Usage = addUsage(d.Usage, usage)
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

// storyPassages shows a story's articles to the model, numbered from
// first+1 as the digest numbers them, their texts cut to share budget
// bytes (fitShares).
func storyPassages(g storyGroup, first, budget int) []prompts.Passage {
	lens := make([]int, len(g.articles))
	for i, a := range g.articles {
		lens[i] = len(a.Body)
	}
	shares := fitShares(lens, budget)
	out := make([]prompts.Passage, len(g.articles))
	for i, a := range g.articles {
		out[i] = prompts.Passage{
			N: first + i + 1, Title: a.Title, Author: a.Author, Published: a.Published, Source: a.Source,
			Text: cutAtRune(a.Body, shares[i]),
		}
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
