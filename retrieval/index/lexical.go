package index

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"sync"

	"github.com/citebot/citebot/retrieval/prose"
)

// The lexical side of search is Okapi BM25 over an in-memory inverted
// index of the chunk texts (and article titles), built from the stored
// chunks at Open and kept in step by Ingest. It replaced an SQLite FTS5
// table: FTS5's bm25() looks up each matching row's length in a B-tree,
// about 1.3 µs per match in modernc's pure-Go SQLite, so a six-word
// question took 4.5 ms at 10k chunks (half of chromem's whole vector scan)
// and grows with the corpus; this index takes 0.04 ms at 10k and 0.23 ms
// at 100k chunks (BenchmarkLexicalSearch), and building it at Open overlaps
// with reading the vectors. Being derived at every Open, it never needs a
// migration when Tokenize changes. Questions are tokenized like the texts,
// so there is no query syntax that could fail.

// BM25 parameters: the usual Okapi values (k1 0.9, b 0.4-0.6 measured
// within noise of these on the SQuAD dev set).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// titleWeight is how much one title word counts against one body word.
// Every chunk of an article carries the title, so a title match says
// "right article" but not "right passage"; it weighs less than the text
// (measured on the SQuAD dev set: 0 → 0.823, 0.5 → 0.837 top-1 for plain
// BM25, more does not help).
const titleWeight = 0.5

// maxQueryTerms bounds the terms taken from a question, so that a pasted
// page of text costs no more than a long question.
const maxQueryTerms = 64

// lexTerms returns the indexable terms of a text: Tokenize's stemmed words
// without prose.SearchStops (function words; question words such as
// "what" and "which" too, since passages rarely use them as questions do).
func lexTerms(text string) []string {
	return prose.ContentWords(text, prose.SearchStops)
}

// queryTerms returns a question's distinct terms, at most maxQueryTerms.
func queryTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range lexTerms(text) {
		if seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// posting is one term's occurrence in one chunk: its slot and weighted
// term frequency (body count + titleWeight x title count).
type posting struct {
	slot int32
	tf   float32
}

// lexDoc is one chunk in the lexical index.
type lexDoc struct {
	entry  *chunkEntry // nil once removed
	length float32     // weighted length in terms
	terms  []uint32    // distinct term IDs, to undo df on removal
	seq    []uint32    // the text's term IDs in order, for proximity
}

// lexicalIndex is an in-memory BM25 index. It is not safe for concurrent
// mutation: Index.mu guards it (queries read under the read lock).
type lexicalIndex struct {
	ids      map[string]uint32
	postings [][]posting // by term ID
	df       []int32     // live chunks containing each term
	docs     []lexDoc    // by slot
	live     int
	totalLen float64
	dead     int // postings that point at removed slots
	total    int // all postings
}

func newLexicalIndex() *lexicalIndex {
	return &lexicalIndex{ids: map[string]uint32{}}
}

// chunkTerms are a chunk's weighted term frequencies and length.
type chunkTerms struct {
	counts map[string]float32
	length float32
	seq    []string // the text's terms in order
}

// termCounts counts weighted term frequencies of a chunk and its title.
func termCounts(title, text string) chunkTerms {
	t := chunkTerms{counts: map[string]float32{}}
	t.seq = lexTerms(text)
	for _, w := range t.seq {
		t.counts[w]++
		t.length++
	}
	for _, w := range lexTerms(title) {
		t.counts[w] += titleWeight
		t.length += titleWeight
	}
	return t
}

// add indexes a chunk from its term counts and records its slot in the
// entry.
func (x *lexicalIndex) add(e *chunkEntry, t chunkTerms) {
	slot := int32(len(x.docs))
	d := lexDoc{entry: e, length: t.length, terms: make([]uint32, 0, len(t.counts))}
	for w, tf := range t.counts {
		id, ok := x.ids[w]
		if !ok {
			id = uint32(len(x.postings))
			x.ids[w] = id
			x.postings = append(x.postings, nil)
			x.df = append(x.df, 0)
		}
		x.postings[id] = append(x.postings[id], posting{slot: slot, tf: tf})
		x.df[id]++
		d.terms = append(d.terms, id)
	}
	d.seq = make([]uint32, len(t.seq))
	for i, w := range t.seq {
		d.seq[i] = x.ids[w]
	}
	x.total += len(d.terms)
	x.docs = append(x.docs, d)
	x.live++
	x.totalLen += float64(t.length)
	e.slot = slot
}

// remove drops a chunk. Its postings stay until enough are dead, then the
// index is compacted.
func (x *lexicalIndex) remove(e *chunkEntry) {
	d := &x.docs[e.slot]
	if d.entry != e {
		return
	}
	for _, id := range d.terms {
		x.df[id]--
	}
	x.dead += len(d.terms)
	x.live--
	x.totalLen -= float64(d.length)
	*d = lexDoc{}
	if x.dead > 1024 && x.dead > x.total/2 {
		x.compact()
	}
}

// compact rewrites the postings without removed chunks and renumbers the
// slots.
func (x *lexicalIndex) compact() {
	remap := make([]int32, len(x.docs))
	docs := make([]lexDoc, 0, x.live)
	for i, d := range x.docs {
		if d.entry == nil {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(docs))
		d.entry.slot = int32(len(docs))
		docs = append(docs, d)
	}
	for id, ps := range x.postings {
		out := ps[:0]
		for _, p := range ps {
			if s := remap[p.slot]; s >= 0 {
				out = append(out, posting{slot: s, tf: p.tf})
			}
		}
		x.postings[id] = slices.Clip(out)
	}
	x.docs = docs
	x.total -= x.dead
	x.dead = 0
}

// lexHit is one lexical result: the BM25 score and the score it is ranked
// by (BM25 mixed with proximity, see rescore).
type lexHit struct {
	e     *chunkEntry
	bm25  float64
	score float64
}

// scratchPool recycles the per-query score accumulators.
var scratchPool = sync.Pool{New: func() any { return new(lexScratch) }}

type lexScratch struct {
	scores  []float32
	touched []int32
}

// search returns up to n chunks ranked by BM25 for the question text,
// optionally only chunks of one article. Ties go to the earlier slot.
func (x *lexicalIndex) search(text string, n int, keep func(*chunkEntry) bool) []lexHit {
	if n <= 0 || x.live == 0 {
		return nil
	}
	sc := scratchPool.Get().(*lexScratch)
	defer scratchPool.Put(sc)
	if cap(sc.scores) < len(x.docs) {
		sc.scores = make([]float32, len(x.docs))
	}
	scores := sc.scores[:len(x.docs)]
	touched := sc.touched[:0]
	N := float64(x.live)
	avg := float32(x.totalLen / N)
	for _, w := range queryTerms(text) {
		id, ok := x.ids[w]
		if !ok || x.df[id] == 0 {
			continue
		}
		df := float64(x.df[id])
		idf := float32(math.Log(1 + (N-df+0.5)/(df+0.5)))
		for _, p := range x.postings[id] {
			d := &x.docs[p.slot]
			if d.entry == nil {
				continue
			}
			norm := bm25K1 * (1 - bm25B + bm25B*d.length/avg)
			if scores[p.slot] == 0 {
				touched = append(touched, p.slot)
			}
			scores[p.slot] += idf * p.tf * (bm25K1 + 1) / (p.tf + norm)
		}
	}
	h := make(hitHeap, 0, n+1)
	for _, s := range touched {
		score := scores[s]
		scores[s] = 0
		e := x.docs[s].entry
		if keep != nil && !keep(e) {
			continue
		}
		hit := lexHit{e: e, bm25: float64(score), score: float64(score)}
		if len(h) < n {
			heap.Push(&h, hit)
		} else if hitLess(h[0], hit) {
			h[0] = hit
			heap.Fix(&h, 0)
		}
	}
	sc.touched = touched
	out := make([]lexHit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(lexHit)
	}
	return out
}

// hitLess orders hits worst first: lower score, then later slot.
func hitLess(a, b lexHit) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.e.slot > b.e.slot
}

// hitHeap is a min-heap of the best hits so far (worst at the root).
type hitHeap []lexHit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return hitLess(h[i], h[j]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(lexHit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Proximity rescoring. BM25 scores a chunk as a bag of words; the answer
// to a question usually sits in one sentence that holds several of the
// question's words together. So the best lexical candidates are rescored:
// score = BM25/max BM25 + proxBoost x prox/max prox, where prox is the
// largest sum of IDF over distinct question terms found within any window
// of proxWindow consecutive terms (stopwords removed, so about one
// sentence). On the SQuAD dev set this lifts top-1 by 1.5-2.5 points at
// every chunk size tried (windows 8-16 and boosts 0.5-1 do about equally
// well; window 32 or boost 2 start to hurt top-5).
const (
	proxWindow = 12
	proxBoost  = 0.5
)

// proximity returns the best sum of idf over the distinct query terms that
// occur within one window of proxWindow consecutive terms of seq. counts is
// scratch space.
func proximity(seq []uint32, qidf map[uint32]float32, counts map[uint32]int) float32 {
	clear(counts)
	var cur, best float32
	for i, id := range seq {
		if w, ok := qidf[id]; ok {
			if counts[id] == 0 {
				cur += w
			}
			counts[id]++
		}
		if i >= proxWindow {
			old := seq[i-proxWindow]
			if w, ok := qidf[old]; ok {
				counts[old]--
				if counts[old] == 0 {
					cur -= w
				}
			}
		}
		best = max(best, cur)
	}
	return best
}

// rescore mixes each hit's BM25 score with its proximity score and re-sorts
// the hits by the result (ties keep the BM25 order).
func (x *lexicalIndex) rescore(text string, hits []lexHit) {
	if len(hits) == 0 {
		return
	}
	N := float64(x.live)
	qidf := map[uint32]float32{}
	for _, w := range queryTerms(text) {
		if id, ok := x.ids[w]; ok && x.df[id] > 0 {
			df := float64(x.df[id])
			qidf[id] = float32(math.Log(1 + (N-df+0.5)/(df+0.5)))
		}
	}
	counts := map[uint32]int{}
	prox := make([]float32, len(hits))
	var maxP float32
	maxB := 0.0
	for i, h := range hits {
		prox[i] = proximity(x.docs[h.e.slot].seq, qidf, counts)
		maxP = max(maxP, prox[i])
		maxB = max(maxB, h.bm25)
	}
	if maxP == 0 || maxB == 0 {
		return
	}
	for i := range hits {
		hits[i].score = hits[i].bm25/maxB + proxBoost*float64(prox[i]/maxP)
	}
	slices.SortStableFunc(hits, func(a, b lexHit) int { return cmp.Compare(b.score, a.score) })
}

// rarity returns ln(1 + (N+1)/(df+1)) for each term, N being the live
// chunks and df those holding the term (in text or title). A term the
// index has never seen gets the highest value.
func (x *lexicalIndex) rarity(terms []string) map[string]float64 {
	out := make(map[string]float64, len(terms))
	n := float64(x.live)
	for _, t := range terms {
		df := 0.0
		if id, ok := x.ids[t]; ok {
			df = float64(x.df[id])
		}
		out[t] = math.Log(1 + (n+1)/(df+1))
	}
	return out
}
