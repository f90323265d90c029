package answer

import (
	"context"

	"github.com/citebot/citebot/internal/attribution"
)

// LexicalVerifier is the offline citation check: a logistic regression
// over lexical evidence (attribution.Features: rarity-weighted coverage of
// the claim by one or two adjacent sentences and by three, the coverage of
// what the question did not already say, kept word pairs and phrases,
// numbers and names the passage must hold, one-sided negation), fitted on human
// judgments (see verify_weights.go). A claim the passage quotes word for
// word is always supported, so extractive answers are. It never fails.
type LexicalVerifier struct {
	// Threshold is the modelled probability of support a citation needs
	// (DefaultSupportThreshold when 0).
	Threshold float64
	// Rarity weighs words by how rare they are in the library
	// (index.Index offers it). Nil weighs them by their rarity among the
	// sentences of the passages at hand, which undervalues the subject
	// they all share.
	Rarity attribution.Rarity
}

// Name is "lexical".
func (LexicalVerifier) Name() string { return "lexical" }

// Verify judges each claim against each passage it cites.
func (v LexicalVerifier) Verify(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, error) {
	threshold := v.Threshold
	if threshold == 0 {
		threshold = DefaultSupportThreshold
	}
	qterms := attribution.Terms(question)
	prepared := make([]*attribution.Passage, len(passages))
	passage := func(i int) *attribution.Passage {
		if prepared[i] == nil {
			prepared[i] = attribution.NewPassage(passages[i])
		}
		return prepared[i]
	}
	type pair struct{ clause, sentence attribution.Claim }
	cs := make([]pair, len(claims))
	var all []attribution.Claim
	for i, st := range claims {
		cs[i] = pair{attribution.NewClaim(st.Text, qterms), attribution.NewClaim(st.Sentence, qterms)}
		all = append(all, cs[i].clause, cs[i].sentence)
	}
	w := v.weights(all, passages)
	out := make([][]Judgment, len(claims))
	for i, st := range claims {
		for _, pi := range st.Cited {
			j := judge(cs[i].sentence, passage(pi), w, qterms)
			if st.Text != st.Sentence && len(cs[i].clause.Terms) >= minClauseTerms {
				if cj := judge(cs[i].clause, passage(pi), w, qterms); cj.Score > j.Score {
					j = cj
				}
			}
			j.Supported = j.Score >= threshold
			out[i] = append(out[i], j)
		}
	}
	return out, nil
}

// minClauseTerms: a clause with fewer content words than this is judged by
// its whole sentence only ("…, and in 1990 [2].").
const minClauseTerms = 3

// weights returns the rarity of the claims' words: from v.Rarity, else
// among the passages' sentences.
func (v LexicalVerifier) weights(claims []attribution.Claim, passages []string) attribution.Weights {
	if v.Rarity != nil {
		return attribution.ClaimWeights(claims, v.Rarity)
	}
	df := attribution.NewDocFreq(nil)
	for _, p := range passages {
		for _, s := range passageSentences(p) {
			df.Add(p[s.Start:s.End])
		}
	}
	return attribution.ClaimWeights(claims, df)
}

// judge scores one claim against one passage: 1 for a verbatim quote or
// a claim with nothing to check ("Yes."), whose quote the question's words
// pick; else the model's probability.
func judge(c attribution.Claim, p *attribution.Passage, w attribution.Weights, question []string) Judgment {
	if q, ok := p.Quotes(c); ok {
		return Judgment{Score: 1, Quote: q}
	}
	if !attribution.HasContent(c.Text) {
		return Judgment{Score: 1, Quote: scoreSupport(nil, p.Text, question).Sentence}
	}
	f, quote := attribution.Extract(c, p, w)
	return Judgment{Score: lexicalModel.Prob(f.Vector()), Quote: quote}
}
