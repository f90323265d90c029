package answer

import (
	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval/prose"
)

// answeringQuote returns the sentence of passage a citation should quote
// for claim: the verifier's quote cur, unless another sentence also backs
// the claim (it holds a word of the claim the question did not ask, and
// one cur lacks) and holds more of the question's content words, so the quote shows what
// answers ("How long did the call last?" quotes "…lasted about an hour",
// not the claim's other sentence about February 18).
func answeringQuote(question []string, claim, passage string, cur prose.Span) prose.Span {
	question = attribution.Unique(question)
	if len(question) == 0 || cur.End > len(passage) || cur.Start > cur.End {
		return cur
	}
	asked := make(map[string]bool, len(question))
	for _, t := range question {
		asked[t] = true
	}
	var novel []string
	for _, t := range attribution.Unique(contentTerms(claim)) {
		if !asked[t] {
			novel = append(novel, t)
		}
	}
	if len(novel) == 0 {
		return cur
	}
	curSet := termSet(passage[cur.Start:cur.End])
	bestQ := attribution.Coverage(question, nil, curSet)
	bestN := attribution.Coverage(novel, nil, curSet)
	best := cur
	for _, s := range passageSentences(passage) {
		if s.Start >= cur.Start && s.End <= cur.End {
			continue
		}
		set := termSet(passage[s.Start:s.End])
		n := attribution.Coverage(novel, nil, set)
		if n == 0 || !addsTo(novel, set, curSet) {
			continue
		}
		q := attribution.Coverage(question, nil, set)
		if q > bestQ || (q == bestQ && best != cur && n > bestN) {
			best, bestQ, bestN = s, q, n
		}
	}
	return best
}

// questionCoverage is the share of the question's content words in the
// quote span of passage.
func questionCoverage(question []string, passage string, q prose.Span) float64 {
	if len(question) == 0 || q.End > len(passage) || q.Start > q.End {
		return 0
	}
	return attribution.Coverage(attribution.Unique(question), nil, termSet(passage[q.Start:q.End]))
}

// addsTo reports whether set holds a term of terms that cur lacks.
func addsTo(terms []string, set, cur map[string]bool) bool {
	for _, t := range terms {
		if set[t] && !cur[t] {
			return true
		}
	}
	return false
}
