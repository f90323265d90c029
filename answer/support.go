package answer

import (
	"math"
	"strings"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval/prose"
)

// contentTerms returns the stemmed content words of text in order, with
// repeats: prose.ClaimStops removed. Function and question words carry no
// evidence ("What did Austin urge?" and a passage share "what" and "did"
// whatever the passage says), so both the refusal floor and the support
// check look only at content words.
func contentTerms(text string) []string {
	return prose.ContentWords(text, prose.ClaimStops)
}

// termSet returns the distinct content words of text.
func termSet(text string) map[string]bool {
	set := make(map[string]bool)
	for _, t := range contentTerms(text) {
		set[t] = true
	}
	return set
}

// weights maps a term to its importance; a missing term weighs 1.
type weights = attribution.Weights

// idfWeights computes inverse document frequencies of terms over docs
// (each a set of terms), smoothed so that a term in every document still
// weighs a little: ln(1 + N/df).
func idfWeights(terms []string, docs []map[string]bool) weights {
	w := make(weights, len(terms))
	n := float64(len(docs))
	for _, t := range terms {
		df := 0
		for _, d := range docs {
			if d[t] {
				df++
			}
		}
		w[t] = math.Log(1 + (n+1)/(float64(df)+1))
	}
	return w
}

// support is how well one passage backs one claim, and which sentence of
// the passage backs it best.
type support struct {
	Score float64
	// Sentence is the best sentence's span in the passage text.
	Sentence prose.Span
}

// passageSentences returns the sentence spans of a passage, skipping
// nothing: a heading can be a fine quote for a claim about a heading.
func passageSentences(text string) []prose.Span {
	spans := prose.Sentences(text)
	if len(spans) == 0 && strings.TrimSpace(text) != "" {
		spans = []prose.Span{{Start: 0, End: len(text)}}
	}
	return spans
}

// passageWholeWeight discounts support found only across several sentences
// of a passage: a claim may fairly combine two sentences, but a claim whose
// words are scattered over a long passage is weaker evidence than one
// sentence saying it.
const passageWholeWeight = 0.85

// scoreSupport measures how well passage text supports claim (the lexical
// verifier uses it to pick the quote of a claim it cannot check): the share of
// the claim's content words (stemmed, distinct) found in the passage's best
// sentence, or a discounted share found anywhere in the passage, whichever
// is higher. A claim without content words ("Yes.") cannot be checked and
// scores 1 against its first sentence. fallback, if not empty, picks the
// quote in that case (the question's terms).
func scoreSupport(claim []string, text string, fallback []string) support {
	spans := passageSentences(text)
	if len(spans) == 0 {
		return support{}
	}
	claim = attribution.Unique(claim)
	if len(claim) == 0 {
		best := support{Score: 1, Sentence: spans[0]}
		if len(fallback) > 0 {
			bestCov := -1.0
			for _, s := range spans {
				if c := attribution.Coverage(attribution.Unique(fallback), nil, termSet(text[s.Start:s.End])); c > bestCov {
					bestCov, best.Sentence = c, s
				}
			}
		}
		return best
	}
	best := support{Score: -1}
	whole := make(map[string]bool)
	for _, s := range spans {
		set := termSet(text[s.Start:s.End])
		for t := range set {
			whole[t] = true
		}
		if c := attribution.Coverage(claim, nil, set); c > best.Score {
			best = support{Score: c, Sentence: s}
		}
	}
	if c := passageWholeWeight * attribution.Coverage(claim, nil, whole); c > best.Score {
		best.Score = c
	}
	return best
}
