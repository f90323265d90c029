package answer

import (
	"regexp"
	"sort"
	"strings"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval/prose"
)

// claimsInput is what answerClaims needs from the citation pipeline.
type claimsInput struct {
	// text is the generated text, out the checked text, offsets maps the
	// first to the second.
	text, out string
	offsets   offsets
	claims    []claim
	judgments [][]Judgment
	nums      numbering
	srcs      []source
	verifier  string
}

// answerClaims lists the claims of the checked text in order: one per
// marker group, with the verdict of its citations, and one per sentence
// that states a fact without citing anything (Uncited).
func answerClaims(in claimsInput) []Claim {
	var out []Claim
	markers := make(map[prose.Span]int) // marker groups per sentence
	for _, c := range in.claims {
		markers[c.Sentence]++
	}
	for i, c := range in.claims {
		// A sentence with one marker is one claim; one with several has
		// a claim per clause.
		span := c.Sentence
		if markers[c.Sentence] > 1 {
			span = trimClause(in.text, c.Clause)
		}
		cl := in.newClaim(span)
		if len(c.Sources) == 0 {
			if !factual(cl.Text) {
				continue
			}
			cl.Verdict = Uncited
		} else {
			in.judge(&cl, c, in.judgments[i], in.nums.shown[i])
		}
		out = append(out, cl)
	}
	for _, s := range prose.Sentences(in.text) {
		if markers[s] > 0 {
			continue
		}
		if cl := in.newClaim(s); factual(cl.Text) {
			cl.Verdict = Uncited
			out = append(out, cl)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// newClaim returns the claim at span of the generated text, placed in the
// checked text.
func (in claimsInput) newClaim(span prose.Span) Claim {
	start, end := in.offsets[span.Start], in.offsets[span.End]
	return Claim{
		Text:     strings.TrimSpace(stripMarkers(in.out[start:end])),
		Start:    start,
		End:      end,
		Verifier: in.verifier,
	}
}

// judge fills cl's verdict from the judgments of claim c's sources: it is
// supported when one of them is, and quotes the best-scored supporting
// one. shown are the citation numbers c shows.
func (in claimsInput) judge(cl *Claim, c claim, js []Judgment, shown []int) {
	cl.Verdict = Unsupported
	cl.Cited = append([]int(nil), shown...)
	best := -1
	for j, v := range js {
		if v.Verifier != "" {
			cl.Verifier = v.Verifier
		}
		cl.Score = max(cl.Score, v.Score)
		if v.Supported && (best < 0 || v.Score > js[best].Score) {
			best = j
		}
	}
	if best < 0 {
		return
	}
	cl.Verdict = Supported
	src := in.srcs[c.Sources[best]]
	q := js[best].Quote
	cl.Quote = src.Text[q.Start:q.End]
	cl.QuoteStart, cl.QuoteEnd = src.Start+q.Start, src.Start+q.End
	for _, ct := range in.nums.cited {
		if in.srcs[ct.Source].Key == src.Key {
			cl.QuoteOf = ct.N
		}
	}
}

// trimClause trims a clause span of the white space and joining
// punctuation around it (", and the call lasted" starts at "and").
func trimClause(text string, s prose.Span) prose.Span {
	for s.Start < s.End && strings.ContainsRune(" \t\n,;:", rune(text[s.Start])) {
		s.Start++
	}
	for s.End > s.Start && strings.ContainsRune(" \t\n", rune(text[s.End-1])) {
		s.End--
	}
	return s
}

// listMarker matches the bullet or number that opens a list item.
var listMarker = regexp.MustCompile(`^\s*([-*•]|\d{1,2}[.)])\s+`)

// pleasantry matches sentences that address the reader rather than state
// a fact.
var pleasantry = regexp.MustCompile(`(?i)^(i hope|hope this helps|let me know|feel free|please note|thanks|thank you)\b`)

// factual reports whether a sentence of an answer states a fact that needs
// a source: not a question, a heading or list lead-in ("Key points:"), a
// refusal ("The articles do not say"), a pleasantry, or a fragment without
// content words.
func factual(s string) bool {
	s = strings.TrimSpace(listMarker.ReplaceAllString(s, ""))
	switch {
	case len(strings.Fields(s)) < 3 || !attribution.HasContent(s):
		return false
	case strings.HasSuffix(s, "?") || strings.HasSuffix(s, ":"):
		return false
	case strings.HasPrefix(s, "#") || prose.IsTitleLine(s):
		return false
	case refusalPattern.MatchString(s) || pleasantry.MatchString(s):
		return false
	}
	return true
}

// grounded reports whether every claim is supported, and there is one:
// the claims listed are those that cite a source or state a fact.
func grounded(claims []Claim) bool {
	for _, c := range claims {
		if c.Verdict != Supported {
			return false
		}
	}
	return len(claims) > 0
}
