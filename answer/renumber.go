package answer

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/citebot/citebot/retrieval/prose"
)

// numbering is the outcome of renumber.
type numbering struct {
	// shown[i] are the numbers claim i shows, in order, without repeats;
	// empty when none of its citations stands.
	shown [][]int
	// cited are the citations in the order of first use.
	cited []cited
}

// cited is one citation: the number it shows, the source whose quote it
// shows, and that quote's span in the source text.
type cited struct {
	N      int
	Source int
	Quote  prose.Span
}

// renumber numbers the sources that back their claims: by first use, or
// as numbered in the input with keepNumbers. Sources with the same Key
// merge into one citation, which quotes the judgment whose quote holds
// most of the question's content words (question), then the best-scored.
// Unsupported citations get no number.
func renumber(claims []claim, judgments [][]Judgment, srcs []source, keepNumbers bool, question []string) numbering {
	var out numbering
	out.shown = make([][]int, len(claims))
	byKey := make(map[string]int) // index into out.cited
	best := make(map[string]float64)
	bestQ := make(map[string]float64) // question coverage of the quote
	for i, c := range claims {
		for j, v := range judgments[i] {
			if !v.Supported {
				continue
			}
			s := c.Sources[j]
			k := srcs[s].Key
			ci, ok := byKey[k]
			if !ok {
				n := len(out.cited) + 1
				if keepNumbers {
					n = s + 1
				}
				ci = len(out.cited)
				byKey[k] = ci
				best[k] = v.Score
				bestQ[k] = questionCoverage(question, srcs[s].Text, v.Quote)
				out.cited = append(out.cited, cited{N: n, Source: s, Quote: v.Quote})
			} else if q := questionCoverage(question, srcs[s].Text, v.Quote); q > bestQ[k] || (q == bestQ[k] && v.Score > best[k]) {
				best[k], bestQ[k] = v.Score, q
				out.cited[ci].Source, out.cited[ci].Quote = s, v.Quote
			}
			if n := out.cited[ci].N; !containsInt(out.shown[i], n) {
				out.shown[i] = append(out.shown[i], n)
			}
		}
	}
	return out
}

// rewriteMarkers replaces each claim's marker group in text with the
// numbers it shows ("[2][3]"); a group that shows none goes, with the
// white space before it. It also returns where each byte offset of text
// (0..len(text)) ended up in the result.
func rewriteMarkers(text string, claims []claim, shown [][]int) (string, offsets) {
	var b strings.Builder
	moved := make(offsets, len(text)+1)
	var junctions []int // where a marker was removed from the output
	last := 0
	copyTo := func(end int) {
		for i := last; i < end; i++ {
			moved[i] = b.Len() + i - last
		}
		b.WriteString(text[last:end])
	}
	for i, c := range claims {
		start := c.Marker.Start
		if len(shown[i]) == 0 {
			for start > last && (text[start-1] == ' ' || text[start-1] == '\t') {
				start--
			}
		}
		copyTo(start)
		for k := start; k < c.Marker.End; k++ {
			moved[k] = b.Len()
		}
		if len(shown[i]) == 0 {
			junctions = append(junctions, b.Len())
		}
		for _, n := range shown[i] {
			b.WriteString("[" + strconv.Itoa(n) + "]")
		}
		last = c.Marker.End
	}
	copyTo(len(text))
	moved[len(text)] = b.Len()
	out, spliced := removeSpliced(b.String(), junctions)
	trimmed := strings.TrimLeftFunc(out, unicode.IsSpace)
	lead := len(out) - len(trimmed)
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	for i, p := range moved {
		moved[i] = min(max(spliced[p]-lead, 0), len(trimmed))
	}
	return trimmed, moved
}

// offsets maps each byte offset of a text, and its end, to an offset in a
// rewritten text.
type offsets []int

// removeSpliced removes markers that only exist because a marker was cut
// out between their parts ("[[9]2]" without "[9]" reads "[2]"): markers
// straddling a junction go, until none is left. It also returns where each
// offset of text (0..len(text)) ended up.
func removeSpliced(text string, junctions []int) (string, offsets) {
	moved := make(offsets, len(text)+1)
	for i := range moved {
		moved[i] = i
	}
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
			return text, moved
		}
		text = text[:bad.Start] + text[bad.End:]
		n := bad.End - bad.Start
		shift := func(j int) int {
			switch {
			case j >= bad.End:
				return j - n
			case j > bad.Start:
				return bad.Start
			}
			return j
		}
		for i, j := range junctions {
			junctions[i] = shift(j)
		}
		for i, p := range moved {
			moved[i] = shift(p)
		}
		junctions = append(junctions, bad.Start)
	}
	return text, moved
}

// buildCitations turns the numbered citations into Citations with their
// quotes and offsets in the article body, sorted by number when the
// numbers were kept (they are in order of first use otherwise).
func buildCitations(cs []cited, srcs []source, keepNumbers bool) []Citation {
	var out []Citation
	for _, c := range cs {
		src := srcs[c.Source]
		q := c.Quote
		out = append(out, Citation{
			N:       c.N,
			Article: src.Article,
			Quote:   src.Text[q.Start:q.End],
			Passage: src.Text,
			Start:   src.Start + q.Start,
			End:     src.Start + q.End,
		})
	}
	if keepNumbers {
		sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	}
	return out
}
