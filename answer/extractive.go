package answer

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// Extractive answering: without an LLM the engine answers with sentences
// quoted from the retrieved passages. SQuAD-style questions share many
// words with the sentence that answers them, so sentence scoring is
// lexical: how much of the question a sentence covers (rarer words weigh
// more), how close together the matched words stand, whether question word
// pairs occur in order, and a small prior for the best-ranked passages.

// Tuning of the extractive answerer, measured with eval_corpus_test.go on
// ../shared/corpus: with these weights and library-wide term rarity the
// best sentence lies in a passage holding the reference answer for 88% of
// dev.jsonl (coverage alone: 85%; the answer is somewhere in the top 5
// passages for 96%). The weights were fitted on one half of the questions
// and checked on the other.
const (
	// extractiveMaxSentences is the most sentences an answer quotes: the
	// best sentence, the one after it (answers often sit in the sentence
	// after the one that restates the question) and the next best of the
	// same passage.
	extractiveMaxSentences = 3
	// contextWeight is the weight of words that come only from earlier
	// turns of a conversation.
	contextWeight = 0.5
	// minSentenceWords: shorter "sentences" (headings, captions) are not
	// quoted.
	minSentenceWords = 4
	// duplicateJaccard: sentences sharing more of their words than this
	// are near-duplicates (overlapping chunks, repeated lines).
	duplicateJaccard = 0.6
)

// candidate is one sentence of a retrieved passage.
type candidate struct {
	passage int        // index into the passages
	span    prose.Span // in the passage text
	text    string
	terms   []string // content words in order
	set     map[string]bool
	score   float64
}

// extractive composes an answer from the best sentences of ans.Passages.
func (e *Engine) extractive(ctx context.Context, ans Answer, q query) (Answer, error) {
	ans.Extractive = true
	cands := candidates(ans.Passages)
	terms := attribution.Unique(append(append([]string(nil), q.Focus...), q.Context...))
	w := e.queryWeights(q, terms, cands)
	qtype := questionType(q.Question)
	for i := range cands {
		c := &cands[i]
		c.score = sentenceScore(c, terms, w, cands) + typeWeight*typeMatch(qtype, c.text, q.Question)
	}
	picked := pickSentences(cands)
	if len(picked) == 0 {
		return e.refusal(ans, ""), nil
	}
	sort.Slice(picked, func(i, j int) bool {
		a, b := picked[i], picked[j]
		if a.passage != b.passage {
			return a.passage < b.passage
		}
		return a.span.Start < b.span.Start
	})
	var b strings.Builder
	for i, c := range picked {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(c.text), " "))
		b.WriteString(" [" + strconv.Itoa(c.passage+1) + "]")
	}
	res, err := checkCitations(ctx, b.String(), passageSources(ans.Passages), citeOptions{Verifier: e.offlineVerifier(), Question: q.Text})
	if err != nil {
		return Answer{}, err
	}
	res.applyTo(&ans)
	return ans, nil
}

// candidates returns the quotable sentences of the passages, each sentence
// of an article once (overlapping chunks repeat sentences).
func candidates(ps []retrieval.Passage) []candidate {
	type key struct {
		article string
		start   int
	}
	seen := make(map[key]bool)
	var out []candidate
	for pi, p := range ps {
		text := p.Chunk.Text
		for _, s := range passageSentences(text) {
			k := key{p.Article.ID, p.Chunk.Start + s.Start}
			if seen[k] {
				continue
			}
			seen[k] = true
			st := text[s.Start:s.End]
			if !quotable(st) {
				continue
			}
			terms := contentTerms(st)
			set := make(map[string]bool, len(terms))
			for _, t := range terms {
				set[t] = true
			}
			out = append(out, candidate{passage: pi, span: s, text: st, terms: terms, set: set})
		}
	}
	return out
}

// quotable rejects headings, list markers and fragments.
func quotable(s string) bool {
	if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "|") {
		return false
	}
	return len(strings.Fields(s)) >= minSentenceWords
}

// termRarer is what a Retriever offers when it knows how rare a term is
// in the whole library (index.Index does).
type termRarer interface {
	TermRarity(terms []string) map[string]float64
}

// queryWeights weighs the query's terms by how rare they are: across the
// whole library when the retriever can tell, else by inverse sentence
// frequency among the candidates. Library-wide rarity is better: the retrieved
// passages all share the question's subject, so among them the subject
// looks common and a sentence matching only its generic words ("effect",
// "human") would outrank the one about the subject. Words only from
// earlier turns count contextWeight as much.
func (e *Engine) queryWeights(q query, terms []string, cands []candidate) weights {
	var w weights
	if r, ok := e.cfg.Retriever.(termRarer); ok {
		w = r.TermRarity(terms)
	} else {
		docs := make([]map[string]bool, len(cands))
		for i, c := range cands {
			docs[i] = c.set
		}
		w = idfWeights(terms, docs)
	}
	focus := make(map[string]bool)
	for _, t := range q.Focus {
		focus[t] = true
	}
	for _, t := range terms {
		if !focus[t] {
			w[t] *= contextWeight
		}
	}
	return w
}

// Weights of the sentence score's parts (coverage weighs 1).
const (
	proximityWeight = 0.15
	bigramWeight    = 0.05
	prevWeight      = 0.3
	noveltyPenalty  = 0.15
	typeWeight      = 0.12
)

// rankBonus is the prior for a sentence of the passage at rank r (0-based).
func rankBonus(r int) float64 {
	switch r {
	case 0:
		return 0.08
	case 1:
		return 0.04
	case 2:
		return 0.02
	}
	return 0
}

// sentenceScore scores one candidate against the query terms.
func sentenceScore(c *candidate, terms []string, w weights, all []candidate) float64 {
	cov := attribution.Coverage(terms, w, c.set)
	score := cov + rankBonus(c.passage)
	score += proximityWeight * proximity(c.terms, terms)
	score += bigramWeight * bigrams(c.terms, terms)
	// A sentence right after one that names the subject often answers with
	// "he" or "it": give it part of its predecessor's coverage.
	if prev := previous(c, all); prev != nil {
		merged := make(map[string]bool, len(c.set)+len(prev.set))
		for t := range c.set {
			merged[t] = true
		}
		for t := range prev.set {
			merged[t] = true
		}
		score += prevWeight * (attribution.Coverage(terms, w, merged) - cov)
	}
	// A sentence that only repeats the question tells nothing new.
	novel := 0
	q := make(map[string]bool, len(terms))
	for _, t := range terms {
		q[t] = true
	}
	for t := range c.set {
		if !q[t] {
			novel++
		}
	}
	if novel < 2 {
		score -= noveltyPenalty
	}
	return score
}

// previous returns the candidate just before c in the same passage.
func previous(c *candidate, all []candidate) *candidate {
	var best *candidate
	for i := range all {
		o := &all[i]
		if o.passage == c.passage && o.span.End <= c.span.Start && (best == nil || o.span.End > best.span.End) {
			best = o
		}
	}
	return best
}

// proximity is how tightly the matched query words cluster in the
// sentence: matched words divided by the length of the shortest window of
// content words holding them all (1 when adjacent), 0 for fewer than two.
func proximity(sent, terms []string) float64 {
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	matched := make(map[string]bool)
	for _, t := range sent {
		if want[t] {
			matched[t] = true
		}
	}
	k := len(matched)
	if k < 2 {
		return 0
	}
	counts := make(map[string]int)
	have, best, lo := 0, len(sent)+1, 0
	for hi, t := range sent {
		if !matched[t] {
			continue
		}
		if counts[t] == 0 {
			have++
		}
		counts[t]++
		for have == k {
			if hi-lo+1 < best {
				best = hi - lo + 1
			}
			if u := sent[lo]; matched[u] {
				counts[u]--
				if counts[u] == 0 {
					have--
				}
			}
			lo++
		}
	}
	return float64(k) / float64(best)
}

// bigrams is the share of adjacent query word pairs that also stand
// adjacent, in order, among the sentence's content words.
func bigrams(sent, terms []string) float64 {
	if len(terms) < 2 {
		return 0
	}
	pairs := make(map[[2]string]bool, len(sent))
	for i := 1; i < len(sent); i++ {
		pairs[[2]string{sent[i-1], sent[i]}] = true
	}
	hit := 0
	for i := 1; i < len(terms); i++ {
		if pairs[[2]string{terms[i-1], terms[i]}] {
			hit++
		}
	}
	return float64(hit) / float64(len(terms)-1)
}

// pickSentences returns the best candidate, the sentence after it in the
// same passage, and the next best sentence of that passage, skipping
// near-duplicates. Quoting only from the best sentence's passage keeps the
// answer to one source: a second passage would be a second citation that
// is right less often.
func pickSentences(cands []candidate) []candidate {
	if len(cands) == 0 {
		return nil
	}
	order := byScore(len(cands), func(i int) float64 { return cands[i].score })
	best := cands[order[0]]
	if best.score <= 0 {
		return nil
	}
	out := []candidate{best}
	add := func(c candidate) {
		if len(out) == extractiveMaxSentences {
			return
		}
		for _, o := range out {
			if o.passage == c.passage && o.span == c.span || jaccard(c.set, o.set) > duplicateJaccard {
				return
			}
		}
		out = append(out, c)
	}
	next := -1
	for i, c := range cands {
		if c.passage == best.passage && c.span.Start >= best.span.End && (next < 0 || c.span.Start < cands[next].span.Start) {
			next = i
		}
	}
	if next >= 0 {
		add(cands[next])
	}
	for _, i := range order[1:] {
		if cands[i].passage == best.passage {
			add(cands[i])
			break
		}
	}
	return out
}

// byScore returns the indexes 0..n-1 ordered by score, best first; ties
// keep index order.
func byScore(n int, score func(i int) float64) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return score(order[i]) > score(order[j]) })
	return order
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
