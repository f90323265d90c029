package answer

import (
	"sort"
	"strconv"
	"strings"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// source is one numbered piece of text the model was shown: a retrieved
// passage (Ask) or an article paragraph (Summarize).
type source struct {
	Article retrieval.Article
	// Text is the passage or paragraph; Start is its offset in Article.Body.
	Text  string
	Start int
	// Key decides which sources merge into one citation: the article ID
	// for answers, the paragraph for summaries.
	Key string
}

// passageSources numbers retrieved passages 1..n as sources merged by
// article.
func passageSources(ps []retrieval.Passage) []source {
	out := make([]source, len(ps))
	for i, p := range ps {
		out[i] = source{Article: p.Article, Text: p.Chunk.Text, Start: p.Chunk.Start, Key: p.Article.ID}
	}
	return out
}

// citeOptions tunes checkCitations.
type citeOptions struct {
	// Threshold is the support score a cited claim needs to keep its
	// citation (see scoreSupport).
	Threshold float64
	// KeepNumbers keeps the source numbers instead of renumbering by
	// first use (summaries cite paragraph n as [n]).
	KeepNumbers bool
	// Question terms pick the quote for claims that have no content words.
	Question []string
}

// citeResult is generated text after its citations were checked.
type citeResult struct {
	// Text has clean "[n]" markers, renumbered; dropped markers are gone.
	Text      string
	Citations []Citation
	// Invalid counts numbers that named no source, Unsupported those that
	// failed the support check.
	Invalid, Unsupported int
	// Markers counts the marker groups in the input.
	Markers int
}

// markerGroup is a run of markers separated only by white space ("[1][3]",
// "[1] [2]"), treated as one citation point.
type markerGroup struct {
	Start, End int
	Numbers    []int
}

func groupMarkers(text string, ms []Marker) []markerGroup {
	var out []markerGroup
	for _, m := range ms {
		if n := len(out); n > 0 && strings.TrimSpace(text[out[n-1].End:m.Start]) == "" {
			g := &out[n-1]
			g.End = m.End
			for _, x := range m.Numbers {
				if !containsInt(g.Numbers, x) {
					g.Numbers = append(g.Numbers, x)
				}
			}
			continue
		}
		out = append(out, markerGroup{Start: m.Start, End: m.End, Numbers: append([]int(nil), m.Numbers...)})
	}
	return out
}

// removeSpliced removes markers that only exist because a marker was cut
// out between their parts ("[[9]2]" without "[9]" reads "[2]"): markers
// straddling a junction go, until none is left.
func removeSpliced(text string, junctions []int) string {
	for range len(text) + 1 {
		var bad *Marker
		for _, m := range ParseCitations(text) {
			for _, j := range junctions {
				if m.Start < j && j < m.End {
					bad = &m
					break
				}
			}
			if bad != nil {
				break
			}
		}
		if bad == nil {
			return text
		}
		text = text[:bad.Start] + text[bad.End:]
		n := bad.End - bad.Start
		for i, j := range junctions {
			switch {
			case j >= bad.End:
				junctions[i] = j - n
			case j > bad.Start:
				junctions[i] = bad.Start
			}
		}
		junctions = append(junctions, bad.Start)
	}
	return text
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// claimFor returns the content words of the claim a marker group cites:
// the words of the clause before the marker (back to the previous marker of
// the same sentence) and of the whole sentence. A marker that opens a
// sentence ("… ceasefire. [1] Next …") belongs to the sentence before.
func claimFor(text string, sents []prose.Span, groups []markerGroup, gi int) (clause, sentence []string) {
	if len(sents) == 0 {
		return nil, nil
	}
	g := groups[gi]
	// The first sentence that ends after the marker starts holds it.
	si := sort.Search(len(sents), func(i int) bool { return sents[i].End > g.Start })
	if si == len(sents) {
		si--
	}
	if si > 0 && g.Start >= sents[si].Start && len(contentTerms(stripMarkers(text[sents[si].Start:g.Start]))) == 0 {
		si--
	}
	s := sents[si]
	sentence = contentTerms(stripMarkers(text[s.Start:s.End]))
	if g.Start > s.End {
		return sentence, sentence
	}
	from := s.Start
	if gi > 0 && groups[gi-1].End > s.Start {
		from = groups[gi-1].End
	}
	if from < g.Start {
		clause = contentTerms(stripMarkers(text[from:g.Start]))
	}
	return clause, sentence
}

// minClauseTerms: a clause with fewer content words than this is judged by
// its whole sentence ("…, and in 1990 [2].").
const minClauseTerms = 3

// checkCitations turns generated text with [n] markers into checked
// citations: numbers naming no source are dropped, each cited claim is
// checked against its source (below opts.Threshold the citation goes),
// sources with the same Key merge, numbers are reassigned by first use,
// and the text is rewritten with clean "[n]" markers.
func checkCitations(text string, srcs []source, opts citeOptions) citeResult {
	ms := ParseCitations(text)
	groups := groupMarkers(text, ms)
	res := citeResult{Markers: len(groups)}
	sents := prose.Sentences(text)

	type use struct {
		src int
		sup support
	}
	kept := make([][]use, len(groups))
	for gi, g := range groups {
		var clause, sentence []string
		checked := false
		for _, n := range g.Numbers {
			if n < 1 || n > len(srcs) {
				res.Invalid++
				continue
			}
			if !checked {
				clause, sentence = claimFor(text, sents, groups, gi)
				checked = true
			}
			src := srcs[n-1]
			sup := scoreSupport(sentence, src.Text, opts.Question)
			if len(uniqueTerms(clause)) >= minClauseTerms {
				if c := scoreSupport(clause, src.Text, opts.Question); c.Score > sup.Score {
					sup = c
				}
			}
			if sup.Score < opts.Threshold {
				res.Unsupported++
				continue
			}
			kept[gi] = append(kept[gi], use{src: n - 1, sup: sup})
		}
	}

	// Number the surviving sources by first use, merging by Key, and keep
	// for each the best supported quote.
	number := make(map[string]int)
	best := make(map[string]use)
	var order []string
	for _, us := range kept {
		for _, u := range us {
			k := srcs[u.src].Key
			if _, ok := number[k]; !ok {
				n := len(order) + 1
				if opts.KeepNumbers {
					n = u.src + 1
				}
				number[k] = n
				order = append(order, k)
				best[k] = u
			} else if u.sup.Score > best[k].sup.Score {
				best[k] = u
			}
		}
	}

	var b strings.Builder
	var junctions []int // where a marker was removed from the output
	last := 0
	for gi, g := range groups {
		start := g.Start
		if len(kept[gi]) == 0 {
			for start > last && (text[start-1] == ' ' || text[start-1] == '\t') {
				start--
			}
		}
		b.WriteString(text[last:start])
		if len(kept[gi]) == 0 {
			junctions = append(junctions, b.Len())
		}
		var done []int
		for _, u := range kept[gi] {
			n := number[srcs[u.src].Key]
			if containsInt(done, n) {
				continue
			}
			done = append(done, n)
			b.WriteString("[" + strconv.Itoa(n) + "]")
		}
		last = g.End
	}
	b.WriteString(text[last:])
	res.Text = strings.TrimSpace(removeSpliced(b.String(), junctions))

	for _, k := range order {
		u := best[k]
		src := srcs[u.src]
		q := u.sup.Sentence
		res.Citations = append(res.Citations, Citation{
			N:       number[k],
			Article: src.Article,
			Quote:   src.Text[q.Start:q.End],
			Passage: src.Text,
			Start:   src.Start + q.Start,
			End:     src.Start + q.End,
		})
	}
	if opts.KeepNumbers {
		sort.Slice(res.Citations, func(i, j int) bool { return res.Citations[i].N < res.Citations[j].N })
	}
	return res
}
