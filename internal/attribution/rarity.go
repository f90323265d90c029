package attribution

import "math"

// DocFreq counts in how many documents each term occurs, to weigh terms
// by rarity where no library index is at hand (the evaluation weighs the
// words of a claim by their rarity among all the benchmark's references).
type DocFreq struct {
	n  int
	df map[string]int
}

// NewDocFreq counts the content terms (Terms) of docs.
func NewDocFreq(docs []string) *DocFreq {
	d := &DocFreq{df: make(map[string]int)}
	for _, doc := range docs {
		d.Add(doc)
	}
	return d
}

// Add counts one more document.
func (d *DocFreq) Add(doc string) {
	d.n++
	seen := make(map[string]bool)
	for _, t := range Terms(doc) {
		if !seen[t] {
			seen[t] = true
			d.df[t]++
		}
	}
}

// TermRarity returns ln(1 + (N+1)/(df+1)) for each term, the formula the
// library index uses, so weights fitted here carry over to the product.
func (d *DocFreq) TermRarity(terms []string) map[string]float64 {
	out := make(map[string]float64, len(terms))
	for _, t := range terms {
		out[t] = math.Log(1 + float64(d.n+1)/float64(d.df[t]+1))
	}
	return out
}
