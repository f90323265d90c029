package answer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// paragraph is one blank-line separated block of an article body.
type paragraph struct {
	N          int // 1-based, the citation number
	Start, End int // byte offsets in the body
	Text       string
}

// paragraphsOf numbers the paragraphs of body (prose.Paragraphs) from
// 1, the numbers summaries cite.
func paragraphsOf(body string) []paragraph {
	spans := prose.Paragraphs(body)
	out := make([]paragraph, 0, len(spans))
	for i, sp := range spans {
		out = append(out, paragraph{N: i + 1, Start: sp.Start, End: sp.End, Text: body[sp.Start:sp.End]})
	}
	return out
}

// paragraphSources numbers paragraphs as sources, one citation each.
func paragraphSources(a retrieval.Article, ps []paragraph) []source {
	meta := a
	meta.Body = ""
	out := make([]source, len(ps))
	for i, p := range ps {
		out[i] = source{Article: meta, Text: p.Text, Start: p.Start, Key: strconv.Itoa(p.N)}
	}
	return out
}

// sentencesPerLength is how many sentences an extractive summary quotes.
var sentencesPerLength = map[Length]int{Short: 3, Medium: 6, Long: 10}

// Summarize summarizes one article (see ResolveArticle for what ref may
// be), citing its paragraphs: [n] is the article's n-th paragraph, and the
// numbers are kept rather than renumbered so that they say where in the
// article a point comes from. With an LLM, an article longer than the
// context budget is summarized map-reduce: groups of paragraphs first, then
// a summary of those partial summaries that keeps the paragraph numbers.
// Offline, an extractive summarizer quotes the article's central sentences.
// length is read as ParseLength reads it ("" is Medium).
func (e *Engine) Summarize(ctx context.Context, ref string, length Length, onDelta DeltaFunc) (Answer, error) {
	start := time.Now()
	length, err := ParseLength(string(length))
	if err != nil {
		return Answer{}, err
	}
	rstart := time.Now()
	a, err := e.ResolveArticle(ctx, ref)
	if err != nil {
		return Answer{}, err
	}
	paras := paragraphsOf(a.Body)
	var ans Answer
	ans.Timings.Retrieval = time.Since(rstart)
	if len(paras) == 0 {
		return Answer{}, fmt.Errorf("article %s has no text to summarize", a.ID)
	}
	srcs := paragraphSources(a, paras)
	var text string
	if e.cfg.LLM == nil {
		ans.Extractive = true
		text = extractiveSummary(paras, sentencesPerLength[length])
		emit(onDelta, stripMarkersForStream(text, srcs))
	} else {
		lstart := time.Now()
		var usage Usage
		text, usage, err = e.summarizeLLM(ctx, a, paras, length, onDelta)
		ans.Usage = usage
		ans.Timings.LLM = time.Since(lstart)
		var me *ModelError
		switch {
		case err != nil && errors.As(err, &me) && !e.cfg.NoFallback:
			// The model is down or timed out: summarize offline.
			e.log.Warn("language model failed; summarizing offline", "err", err)
			ans.Extractive, ans.Fallback, ans.FallbackError = true, true, err.Error()
			text = extractiveSummary(paras, sentencesPerLength[length])
			emit(onDelta, stripMarkersForStream(text, srcs))
		case err != nil:
			return Answer{}, fmt.Errorf("summarize %s: %w", a.ID, err)
		}
	}
	v := e.verifier()
	if ans.Extractive {
		v = e.offlineVerifier()
	}
	res, err := checkCitations(ctx, text, srcs, citeOptions{Verifier: v, KeepNumbers: true})
	if err != nil {
		return Answer{}, fmt.Errorf("summarize %s: %w", a.ID, err)
	}
	res.applyTo(&ans)
	for _, c := range res.Citations {
		p := paras[c.N-1]
		ans.Passages = append(ans.Passages, retrieval.Passage{
			Article: srcs[0].Article,
			Chunk:   retrieval.Chunk{ArticleID: a.ID, Ordinal: p.N - 1, Start: p.Start, End: p.End, Text: p.Text},
		})
	}
	ans.Timings.Total = time.Since(start)
	return ans, nil
}

// stripMarkersForStream returns what the offline summary streams: the
// same text the checked answer will show (its quotes keep every citation).
func stripMarkersForStream(text string, srcs []source) string {
	claims := locateClaims(text, len(srcs))
	shown := make([][]int, len(claims))
	for i, c := range claims {
		for _, s := range c.Sources {
			if n := s + 1; !containsInt(shown[i], n) {
				shown[i] = append(shown[i], n)
			}
		}
	}
	out, _ := rewriteMarkers(text, claims, shown)
	return out
}

// summarizeLLM runs the summary prompt over the paragraphs, map-reduce when
// they exceed the context budget.
func (e *Engine) summarizeLLM(ctx context.Context, a retrieval.Article, paras []paragraph, length Length, onDelta DeltaFunc) (string, Usage, error) {
	ps := make([]prompts.Passage, len(paras))
	for i, p := range paras {
		ps[i] = prompts.Passage{N: p.N, Title: a.Title, Author: a.Author, Published: a.Published, Source: a.Source, Text: p.Text}
	}
	var total Usage
	for level := 0; ; level++ {
		if passagesBytes(ps) <= e.cfg.ContextBudget || len(ps) <= 1 || level >= maxReduceLevels {
			ps = fitBudget(ps, e.cfg.ContextBudget)
			msgs, err := e.cfg.Prompts.Summary(summaryData(a, length, ps))
			if err != nil {
				return "", total, fmt.Errorf("render summary prompt: %w", err)
			}
			text, usage, err := e.stream(ctx, msgs, onDelta)
			total = addUsage(total, usage)
			return text, total, err
		}
		groups := groupPassages(ps, e.cfg.ContextBudget)
		e.log.Debug("map-reduce summary", "article", a.ID, "level", level, "groups", len(groups))
		var partials []string
		for _, g := range groups {
			msgs, err := e.cfg.Prompts.Summary(summaryData(a, length, g))
			if err != nil {
				return "", total, fmt.Errorf("render summary prompt: %w", err)
			}
			text, usage, err := e.complete(ctx, msgs)
			total = addUsage(total, usage)
			if err != nil {
				return "", total, fmt.Errorf("summarize paragraphs %d-%d: %w", g[0].N, g[len(g)-1].N, err)
			}
			partials = append(partials, text)
		}
		next := regroupByCitation(partials, ps)
		if len(next) == 0 || passagesBytes(next) >= passagesBytes(ps) {
			// The partial summaries cite nothing usable, or are no
			// shorter than their input: summarize what fits.
			e.log.Warn("map-reduce summary did not shrink; summarizing the part that fits", "article", a.ID)
			if len(next) == 0 {
				next = ps
			}
			ps = fitBudget(next, e.cfg.ContextBudget)
			continue
		}
		ps = next
	}
}

// maxReduceLevels bounds map-reduce rounds; after that the input is cut to
// the budget.
const maxReduceLevels = 4

func summaryData(a retrieval.Article, length Length, ps []prompts.Passage) prompts.SummaryData {
	return prompts.SummaryData{
		Title: a.Title, Author: a.Author, Published: a.Published, Source: a.Source,
		Length: string(length), Paragraphs: ps,
	}
}

func passagesBytes(ps []prompts.Passage) int {
	n := 0
	for _, p := range ps {
		n += len(p.Text)
	}
	return n
}

// groupPassages cuts ps into consecutive groups of at most budget bytes
// (a longer single passage is a group of its own).
func groupPassages(ps []prompts.Passage, budget int) [][]prompts.Passage {
	var out [][]prompts.Passage
	var cur []prompts.Passage
	size := 0
	for _, p := range ps {
		if len(cur) > 0 && size+len(p.Text) > budget {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, p)
		size += len(p.Text)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// fitBudget keeps the leading passages that fit in budget bytes (at least
// one, cut at budget).
func fitBudget(ps []prompts.Passage, budget int) []prompts.Passage {
	var out []prompts.Passage
	size := 0
	for _, p := range ps {
		if size+len(p.Text) > budget {
			if len(out) == 0 {
				p.Text = cutAtRune(p.Text, budget)
				out = append(out, p)
			}
			break
		}
		out = append(out, p)
		size += len(p.Text)
	}
	return out
}

// cutAtRune returns the first n bytes of s or fewer, ending at a rune
// boundary. Unlike prose.Shorten it adds no "…": the text is article text
// for the model and must stay within the byte budget.
func cutAtRune(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// regroupByCitation turns partial summaries back into numbered passages
// for the next round: every sentence of a partial summary goes to the
// passages it cites (paragraphs of an article, or the articles of a
// digest story), so the next round cites the original numbers; each keeps
// its passage's title, author, date and source. Sentences citing nothing
// valid are dropped.
func regroupByCitation(partials []string, ps []prompts.Passage) []prompts.Passage {
	valid := make(map[int]prompts.Passage, len(ps))
	for _, p := range ps {
		valid[p.N] = p
	}
	buckets := make(map[int][]string)
	for _, text := range partials {
		for _, s := range prose.Sentences(text) {
			sent := text[s.Start:s.End]
			plain := strings.TrimSpace(stripMarkers(sent))
			if plain == "" {
				continue
			}
			for _, m := range ParseCitations(sent) {
				for _, n := range m.Numbers {
					if _, ok := valid[n]; ok && (len(buckets[n]) == 0 || buckets[n][len(buckets[n])-1] != plain) {
						buckets[n] = append(buckets[n], plain)
					}
				}
			}
		}
	}
	nums := make([]int, 0, len(buckets))
	for n := range buckets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	out := make([]prompts.Passage, 0, len(nums))
	for _, n := range nums {
		p := valid[n]
		p.Text = strings.Join(buckets[n], " ")
		out = append(out, p)
	}
	return out
}
