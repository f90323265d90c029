package attribution

// Rarity tells how rare terms are, as ln(1 + (N+1)/(df+1)) over a
// collection: index.Index.TermRarity over the library, DocFreq over a set
// of references.
type Rarity interface {
	TermRarity(terms []string) map[string]float64
}

// References returns a DocFreq over the distinct references of examples:
// in an evaluation, the claims' words are weighed by their rarity among
// the passages of the whole benchmark, as the product weighs them among
// the chunks of the whole library.
func References(examples []Example) *DocFreq {
	d := NewDocFreq(nil)
	seen := make(map[string]bool)
	for _, ex := range examples {
		for _, r := range ex.References {
			if !seen[r] {
				seen[r] = true
				d.Add(r)
			}
		}
	}
	return d
}

// ClaimWeights returns the rarity of the terms of claims (uniform weights
// when r is nil).
func ClaimWeights(claims []Claim, r Rarity) Weights {
	if r == nil {
		return nil
	}
	var terms []string
	for _, c := range claims {
		terms = append(terms, c.Terms...)
	}
	return r.TermRarity(Unique(terms))
}

// NewSample computes the features of every statement of ex against every
// reference, with rarity r.
func NewSample(ex Example, r Rarity) Sample {
	var claims []Claim
	q := Terms(ex.Question)
	for _, st := range ex.Statements() {
		claims = append(claims, NewClaim(st, q))
	}
	ps := make([]*Passage, len(ex.References))
	for i, ref := range ex.References {
		ps[i] = NewPassage(ref)
	}
	w := ClaimWeights(claims, r)
	s := Sample{Label: ex.Attributable(), Source: ex.Source}
	for _, c := range claims {
		refs := make([][]float64, len(ps))
		for j, p := range ps {
			f, _ := Extract(c, p, w)
			refs[j] = f.Vector()
		}
		s.Statements = append(s.Statements, refs)
	}
	return s
}
