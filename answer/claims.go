package answer

import (
	"sort"
	"strings"

	"github.com/citebot/citebot/retrieval/prose"
)

// claim is one citation point of generated text: a marker group and the
// words it vouches for.
type claim struct {
	// Marker is the byte span of the marker group in the text.
	Marker prose.Span
	// Sources are the cited sources that exist, as 0-based indexes into
	// the source list, in the order cited and without repeats. Invalid
	// counts the numbers that named no source.
	Sources []int
	Invalid int
	// Sentence is the span of the sentence the marker belongs to, Clause
	// the part of it the marker closes: from the sentence start, or the
	// previous marker of the sentence, up to this marker. A marker after
	// its sentence ("ceasefire. [1]") closes the whole sentence.
	Sentence, Clause prose.Span
	// SentenceTerms and ClauseTerms are the content words of those spans,
	// markers removed.
	SentenceTerms, ClauseTerms []string
}

// locateClaims finds the claims of text, one per marker group, in order.
// nsrc is the number of sources: numbers outside 1..nsrc are counted in
// Invalid and not kept.
func locateClaims(text string, nsrc int) []claim {
	groups := groupMarkers(text, ParseCitations(text))
	sents := prose.Sentences(text)
	claims := make([]claim, len(groups))
	for gi, g := range groups {
		c := claim{Marker: prose.Span{Start: g.Start, End: g.End}}
		for _, n := range g.Numbers {
			if n < 1 || n > nsrc {
				c.Invalid++
				continue
			}
			c.Sources = append(c.Sources, n-1)
		}
		if len(sents) > 0 {
			c.Sentence, c.Clause = claimSpans(text, sents, groups, gi)
			c.SentenceTerms = contentTerms(stripMarkers(text[c.Sentence.Start:c.Sentence.End]))
			if c.Clause == c.Sentence {
				c.ClauseTerms = c.SentenceTerms
			} else if c.Clause.Start < c.Clause.End {
				c.ClauseTerms = contentTerms(stripMarkers(text[c.Clause.Start:c.Clause.End]))
			}
		}
		claims[gi] = c
	}
	return claims
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

// claimSpans returns the sentence a marker group cites and the clause
// before the marker (back to the previous marker of the same sentence). A
// marker that opens a sentence ("… ceasefire. [1] Next …") belongs to the
// sentence before. sents must not be empty.
func claimSpans(text string, sents []prose.Span, groups []markerGroup, gi int) (sentence, clause prose.Span) {
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
	if g.Start > s.End {
		return s, s
	}
	from := s.Start
	if gi > 0 && groups[gi-1].End > s.Start {
		from = groups[gi-1].End
	}
	return s, prose.Span{Start: from, End: g.Start}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
