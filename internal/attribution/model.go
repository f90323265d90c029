package attribution

import "math"

// Model is a logistic regression over Features.Vector: a passage supports
// a claim when Prob reaches Threshold.
type Model struct {
	Weights   []float64
	Bias      float64
	Threshold float64
}

// Prob is the modelled probability that the passage with features x
// (Features.Vector) supports the claim. It is scaled by the share of the
// claim's numbers the passage holds: a claim that changes "27 days" into
// "45 days" keeps every other word of its source, and numbers are the
// facts a faithful paraphrase keeps.
func (m Model) Prob(x []float64) float64 {
	z := m.Bias
	for i, w := range m.Weights {
		z += w * x[i]
	}
	return (1 - x[missingNumbersAt]) / (1 + math.Exp(-z))
}

// missingNumbersAt is the index of MissingNumbers in Features.Vector.
const missingNumbersAt = 4

// Sample is one labelled claim as the fit sees it: Statements[i][j] are the
// features of the claim's i-th statement against its j-th reference.
type Sample struct {
	Label      bool
	Source     string
	Statements [][][]float64
}

// ClaimProb is the probability that every statement of s is supported by
// some reference: the least, over statements, of the best reference's
// Prob. This is the rule the product applies to an answer's claims.
func (m Model) ClaimProb(s Sample) float64 {
	p, _, _ := m.weakest(s)
	return p
}

// weakest returns ClaimProb and the statement and reference it comes from.
func (m Model) weakest(s Sample) (p float64, stmt, ref int) {
	p = 2
	for i, refs := range s.Statements {
		best, at := -1.0, 0
		for j, x := range refs {
			if q := m.Prob(x); q > best {
				best, at = q, j
			}
		}
		if best < p {
			p, stmt, ref = best, i, at
		}
	}
	if p > 1 {
		p = 0
	}
	return p, stmt, ref
}
