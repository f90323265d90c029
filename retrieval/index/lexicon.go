package index

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"sync"
)

// lexPart is one part of the BM25 index: a loaded segment (immutable
// postings in a memory map, with a liveness mask) or the in-memory index
// of the chunks no segment holds. Slots and term IDs are local to a part;
// the lexicon adds the parts up so that scores equal those of one index
// over every live chunk.
type lexPart interface {
	size() int // slots, live or not
	liveDocs() int
	lengthSum() float64
	lookup(term string) (uint32, bool)
	liveDF(id uint32) int32
	postings(id uint32) (slots []uint32, tfs []float32)
	doc(slot uint32) (e *chunkEntry, length float32) // e nil when not live
	sequence(slot uint32) []uint32
}

// lexicon is the whole lexical index: the loaded segments and the
// in-memory part. Index.mu guards it.
type lexicon struct {
	segs []*segment
	mem  *lexicalIndex
}

func newLexicon() *lexicon { return &lexicon{mem: newLexicalIndex()} }

// parts lists the segments then the in-memory part.
func (l *lexicon) parts() []lexPart {
	out := make([]lexPart, 0, len(l.segs)+1)
	for _, s := range l.segs {
		out = append(out, s)
	}
	return append(out, l.mem)
}

// add indexes a chunk in memory.
func (l *lexicon) add(e *chunkEntry, t chunkTerms) { l.mem.add(e, t) }

// remove drops a chunk from whichever part holds it.
func (l *lexicon) remove(e *chunkEntry) {
	if e.seg != nil {
		e.seg.kill(e)
		return
	}
	l.mem.remove(e)
}

// stats are the collection statistics BM25 needs, summed over parts.
func (l *lexicon) stats(parts []lexPart) (live int, totalLen float64, slots int) {
	for _, p := range parts {
		live += p.liveDocs()
		totalLen += p.lengthSum()
		slots += p.size()
	}
	return
}

// df is a term's live document frequency over all parts, with its ID in
// each (ok false where a part lacks it).
func termDF(parts []lexPart, term string, ids []uint32, ok []bool) int {
	df := 0
	for i, p := range parts {
		ids[i], ok[i] = p.lookup(term)
		if ok[i] {
			df += int(p.liveDF(ids[i]))
		}
	}
	return df
}

func bm25IDF(n, df float64) float32 { return float32(math.Log(1 + (n-df+0.5)/(df+0.5))) }

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
// only those keep accepts (nil: all). Ties go to the earlier slot.
func (l *lexicon) search(text string, n int, keep func(*chunkEntry) bool) []lexHit {
	parts := l.parts()
	live, totalLen, slots := l.stats(parts)
	if n <= 0 || live == 0 {
		return nil
	}
	sc := scratchPool.Get().(*lexScratch)
	defer scratchPool.Put(sc)
	if cap(sc.scores) < slots {
		sc.scores = make([]float32, slots)
	}
	scores := sc.scores[:slots]
	touched := sc.touched[:0]
	N := float64(live)
	avg := float32(totalLen / N)
	ids, ok := make([]uint32, len(parts)), make([]bool, len(parts))
	for _, w := range queryTerms(text) {
		df := termDF(parts, w, ids, ok)
		if df == 0 {
			continue
		}
		idf := bm25IDF(N, float64(df))
		base := int32(0)
		for i, p := range parts {
			if ok[i] {
				ps, tfs := p.postings(ids[i])
				for j, s := range ps {
					e, length := p.doc(s)
					if e == nil {
						continue
					}
					at := base + int32(s)
					if scores[at] == 0 {
						touched = append(touched, at)
					}
					tf := tfs[j]
					scores[at] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*length/avg))
				}
			}
			base += int32(p.size())
		}
	}
	h := make(hitHeap, 0, n+1)
	for _, at := range touched {
		score := scores[at]
		scores[at] = 0
		e := l.entryAt(parts, at)
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

// entryAt finds the live chunk at a slot across parts.
func (l *lexicon) entryAt(parts []lexPart, at int32) *chunkEntry {
	for _, p := range parts {
		if int(at) < p.size() {
			e, _ := p.doc(uint32(at))
			return e
		}
		at -= int32(p.size())
	}
	return nil
}

// hitLess orders hits worst first: lower score, then later article ID
// and chunk, so that ties rank alike however the chunks are laid out in
// segments and memory.
func hitLess(a, b lexHit) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	if a.e.chunk.ArticleID != b.e.chunk.ArticleID {
		return a.e.chunk.ArticleID > b.e.chunk.ArticleID
	}
	return a.e.chunk.Ordinal > b.e.chunk.Ordinal
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

// partOf is the part holding a live entry.
func (l *lexicon) partOf(e *chunkEntry) lexPart {
	if e.seg != nil {
		return e.seg
	}
	return l.mem
}

// rescore mixes each hit's BM25 score with its proximity score and re-sorts
// the hits by the result (ties keep the BM25 order).
func (l *lexicon) rescore(text string, hits []lexHit) {
	if len(hits) == 0 {
		return
	}
	parts := l.parts()
	live, _, _ := l.stats(parts)
	N := float64(live)
	terms := queryTerms(text)
	// Each part numbers terms its own way: the question's IDF by local
	// ID, per part, worked out once.
	qidf := map[lexPart]map[uint32]float32{}
	ids, ok := make([]uint32, len(parts)), make([]bool, len(parts))
	for _, p := range parts {
		qidf[p] = map[uint32]float32{}
	}
	for _, w := range terms {
		df := termDF(parts, w, ids, ok)
		if df == 0 {
			continue
		}
		idf := bm25IDF(N, float64(df))
		for i, p := range parts {
			if ok[i] {
				qidf[p][ids[i]] = idf
			}
		}
	}
	counts := map[uint32]int{}
	prox := make([]float32, len(hits))
	var maxP float32
	maxB := 0.0
	for i, h := range hits {
		p := l.partOf(h.e)
		prox[i] = proximity(p.sequence(uint32(h.e.slot)), qidf[p], counts)
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
func (l *lexicon) rarity(terms []string) map[string]float64 {
	parts := l.parts()
	live, _, _ := l.stats(parts)
	n := float64(live)
	ids, ok := make([]uint32, len(parts)), make([]bool, len(parts))
	out := make(map[string]float64, len(terms))
	for _, t := range terms {
		df := float64(termDF(parts, t, ids, ok))
		out[t] = math.Log(1 + (n+1)/(df+1))
	}
	return out
}
