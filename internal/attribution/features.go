package attribution

import (
	"math"

	"github.com/citebot/citebot/retrieval/prose"
)

// Features describe how well one passage backs one claim. Each is in
// [0, 1] except LogLength. They were chosen on AttributionBench dev
// (TestFit, by 5-fold and leave-one-source-out cross-validation) among
// more candidates (coverage of the best single sentence, of the whole
// passage weighted by rarity, trigram share, rarest missing word, support
// spread; rarity within the passages at hand, hits of the rarest words,
// precision of the best sentence, numbers mismatched vs absent, names
// absent, the share of the claim the question holds, character n-grams,
// other stem lengths, longest common subsequence, features recomputed
// inside the best window): those added nothing once these were in.
type Features struct {
	// Pair is the rarity-weighted share of the claim's content words
	// found in the passage's best sentence or two adjacent sentences,
	// words matched on their first letters (stemOf): one place that says
	// it is better evidence than words scattered over a passage.
	Pair float64
	// Novel is the same share, exact words, for the claim's words that the
	// question does not hold: the claim's news (Pair when there is none).
	Novel float64
	// Bigrams is the share of the claim's adjacent content-word pairs that
	// stand adjacent in the passage too; Run the longest run of the
	// claim's three-word sequences (stop words included) found in the
	// passage, over the claim's count of them: phrases kept, not just
	// words.
	Bigrams, Run float64
	// MissingNumbers is the share of the claim's numbers the passage does
	// not hold (0 when it states none), MissingNames the same for its
	// names: a right subject with a wrong detail.
	MissingNumbers, MissingNames float64
	// Negation is 1 when one of the claim and the passage sentence that
	// backs it best is negated and the other is not.
	Negation float64
	// Anywhere is the plain share of the claim's content words found
	// anywhere in the passage. With Pair fixed, a high share means words
	// gathered from all over a passage on the same subject: it weighs
	// against support.
	Anywhere float64
	// LogLength is ln(1 + the claim's content words).
	LogLength float64
	// Window is the rarity-weighted share of the claim's content words,
	// exact words, found in the best run of three adjacent sentences: a
	// paragraph's worth of evidence, where web text cut into short lines
	// spreads one statement over several "sentences". Together with Pair
	// (its first letters, two sentences) and Anywhere it tells a claim
	// stated in one place from words gathered from all over the passage.
	Window float64
}

// Vector returns the features in the order of FeatureNames.
func (f Features) Vector() []float64 {
	return []float64{f.Pair, f.Novel, f.Bigrams, f.Run, f.MissingNumbers, f.MissingNames, f.Negation,
		f.Anywhere, f.LogLength, f.Window}
}

// FeatureNames name the entries of Features.Vector.
var FeatureNames = []string{"pair", "novel", "bigrams", "run", "missing_numbers", "missing_names",
	"negation", "anywhere", "log_length", "window"}

// Weights map a term to its rarity; a term not in the map weighs 1.
type Weights map[string]float64

func (w Weights) of(t string) float64 {
	if v, ok := w[t]; ok {
		return v
	}
	return 1
}

// Extract computes the features of claim c against passage p with term
// weights w, and returns the span of p.Text that backs c best: its best
// sentence, or two adjacent sentences when together they cover more.
func Extract(c Claim, p *Passage, w Weights) (Features, prose.Span) {
	f := Features{LogLength: math.Log1p(float64(len(c.Terms)))}
	quote := prose.Span{End: len(p.Text)}
	if len(p.sents) > 0 {
		quote = p.sents[0].span
	}
	if len(c.Terms) > 0 && len(p.sents) > 0 {
		sent, best := bestSentence(c.Terms, w, p.sents)
		quote = p.sents[best].span
		if pair, at := bestPair(c.Terms, w, p.sents); pair > sent {
			quote = prose.Span{Start: p.sents[at].span.Start, End: p.sents[at+1].span.End}
		}
		if c.negated != p.sents[best].negated {
			f.Negation = 1
		}
		f.Pair = fuzzyPair(c.Terms, w, p.sents)
		f.Novel = f.Pair
		if len(c.Novel) > 0 {
			s, _ := bestSentence(c.Novel, w, p.sents)
			pair, _ := bestPair(c.Novel, w, p.sents)
			f.Novel = math.Max(s, pair)
		}
		f.Anywhere = Coverage(c.Terms, nil, p.terms)
		f.Window = bestWindow(c.Terms, w, p.sents)
	}
	f.Bigrams = share(len(c.bigrams), func(i int) bool { return p.bigrams[c.bigrams[i]] })
	f.Run = longestRun(c, p)
	if len(c.numbers) > 0 {
		f.MissingNumbers = 1 - share(len(c.numbers), func(i int) bool { return p.numbers[c.numbers[i]] })
	}
	if len(c.names) > 0 {
		f.MissingNames = 1 - share(len(c.names), func(i int) bool { return allIn(c.names[i], p.words) })
	}
	return f, quote
}

// share is the fraction of 0..n-1 for which ok holds; 1 when n is 0.
func share(n int, ok func(i int) bool) float64 {
	if n == 0 {
		return 1
	}
	k := 0
	for i := range n {
		if ok(i) {
			k++
		}
	}
	return float64(k) / float64(n)
}

func allIn(ts []string, set map[string]bool) bool {
	for _, t := range ts {
		if !set[t] {
			return false
		}
	}
	return true
}

// Coverage is the weighted share of terms in set (uniform with nil w).
func Coverage(terms []string, w Weights, set map[string]bool) float64 {
	var have, total float64
	for _, t := range terms {
		wt := w.of(t)
		total += wt
		if set[t] {
			have += wt
		}
	}
	if total == 0 {
		return 0
	}
	return have / total
}

// bestSentence returns the best coverage of terms by one sentence and that
// sentence's index (the first of equals). sents must not be empty.
func bestSentence(terms []string, w Weights, sents []sentence) (float64, int) {
	best, at := -1.0, 0
	for i, s := range sents {
		if c := Coverage(terms, w, s.terms); c > best {
			best, at = c, i
		}
	}
	return best, at
}

// bestPair returns the best coverage of terms by two adjacent sentences
// and the index of the first (0, 0 for a single sentence).
func bestPair(terms []string, w Weights, sents []sentence) (float64, int) {
	best, at := 0.0, 0
	pair := make(map[string]bool)
	for i := 1; i < len(sents); i++ {
		clear(pair)
		for t := range sents[i-1].terms {
			pair[t] = true
		}
		for t := range sents[i].terms {
			pair[t] = true
		}
		if c := Coverage(terms, w, pair); c > best {
			best, at = c, i-1
		}
	}
	return best, at
}

// fuzzyPair is the best coverage of terms by one sentence or two adjacent
// ones, words matched by stemOf.
func fuzzyPair(terms []string, w Weights, sents []sentence) float64 {
	stems := make([]string, len(terms))
	for i, t := range terms {
		stems[i] = stemOf(t)
	}
	best := 0.0
	for i := range sents {
		var have, total float64
		for k, st := range stems {
			wt := w.of(terms[k])
			total += wt
			if sents[i].stems[st] || i > 0 && sents[i-1].stems[st] {
				have += wt
			}
		}
		if total > 0 && have/total > best {
			best = have / total
		}
	}
	return best
}

// bestWindow is the best coverage of terms by three adjacent sentences
// (fewer at the passage's ends), exact words.
func bestWindow(terms []string, w Weights, sents []sentence) float64 {
	best := 0.0
	for i := range sents {
		lo, hi := max(0, i-1), min(len(sents)-1, i+1)
		var have, total float64
		for _, t := range terms {
			wt := w.of(t)
			total += wt
			for j := lo; j <= hi; j++ {
				if sents[j].terms[t] {
					have += wt
					break
				}
			}
		}
		if total > 0 && have/total > best {
			best = have / total
		}
	}
	return best
}

// longestRun is the longest run of the claim's consecutive three-word
// sequences that the passage holds, over the number of such sequences.
func longestRun(c Claim, p *Passage) float64 {
	if len(c.trigrams) == 0 {
		return 0
	}
	cur, best := 0, 0
	for _, g := range c.trigrams {
		if p.trigrams[g] {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return float64(best) / float64(len(c.trigrams))
}
