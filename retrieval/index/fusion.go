package index

import (
	"cmp"
	"slices"
)

// FusionOptions weighs the two rankings that hybrid search combines by
// weighted reciprocal rank fusion: a chunk at rank r in a list scores
// weight/(RRFK+r) from that list, and the sums decide the order.
type FusionOptions struct {
	// VectorWeight and LexicalWeight scale each list's votes. Unequal
	// weights matter: a weak retriever voting as loudly as a strong one
	// drags good results down.
	VectorWeight, LexicalWeight float64
	// RRFK damps the advantage of the very top ranks (60 in the RRF
	// paper); smaller values trust each list's first places more.
	RRFK int
}

// DefaultFusionOptions returns the weights measured on the SQuAD dev set
// with the built-in local embedder (eval_corpus_test.go, default chunks;
// answer in top-1 / top-5): lexical alone 0.863 / 0.957, vector alone
// 0.747 / 0.907; equal-weight RRF (k 60) 0.820 / 0.930, vector 0.5 at k 10
// 0.833 / 0.950, vector 0.2 at k 5 0.860 / 0.957, vector 0.1 0.863 / 0.957.
// The local embedder is much weaker than BM25 on these questions, so the
// lexical ranking leads and the vector ranking breaks near-ties. With a
// real embedding model (OpenAI, Ollama) raise VectorWeight and measure.
func DefaultFusionOptions() FusionOptions {
	return FusionOptions{VectorWeight: 0.2, LexicalWeight: 1, RRFK: 5}
}

// normalized fills in defaults for unset fields.
func (o FusionOptions) normalized() FusionOptions {
	if o == (FusionOptions{}) {
		return DefaultFusionOptions()
	}
	if o.RRFK <= 0 {
		o.RRFK = DefaultFusionOptions().RRFK
	}
	if o.VectorWeight < 0 {
		o.VectorWeight = 0
	}
	if o.LexicalWeight < 0 {
		o.LexicalWeight = 0
	}
	return o
}

// candidate is a chunk found by either retriever, with both component
// results (rank 0 = not found by that retriever).
type candidate struct {
	e        *chunkEntry
	vecScore float64
	vecRank  int
	lexScore float64
	lexRank  int
	score    float64
}

// fuse scores candidates by weighted reciprocal rank fusion and sorts them
// best first. Ties go to the better lexical rank, then the better vector
// rank, then the lower chunk key, so results are deterministic.
func fuse(cands []*candidate, o FusionOptions) {
	k := float64(o.RRFK)
	for _, c := range cands {
		c.score = 0
		if c.lexRank > 0 {
			c.score += o.LexicalWeight / (k + float64(c.lexRank))
		}
		if c.vecRank > 0 {
			c.score += o.VectorWeight / (k + float64(c.vecRank))
		}
	}
	slices.SortFunc(cands, compareCandidates)
}

func compareCandidates(a, b *candidate) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	if c := cmp.Compare(rankKey(a.lexRank), rankKey(b.lexRank)); c != 0 {
		return c
	}
	if c := cmp.Compare(rankKey(a.vecRank), rankKey(b.vecRank)); c != 0 {
		return c
	}
	return cmp.Compare(a.e.rowid, b.e.rowid)
}

// rankKey orders absent (0) after every real rank.
func rankKey(r int) int {
	if r == 0 {
		return int(^uint(0) >> 1)
	}
	return r
}
