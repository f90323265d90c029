package index

import (
	"slices"

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

// lexDoc is one chunk in the in-memory lexical index.
type lexDoc struct {
	entry  *chunkEntry // nil once removed
	length float32     // weighted length in terms
	terms  []uint32    // distinct term IDs, to undo df on removal
	seq    []uint32    // the text's term IDs in order, for proximity
}

// lexicalIndex is the in-memory part of the BM25 index: the chunks that
// no loaded segment holds (ingested or synced since Open, or read from the
// store because no segment had them). It is not safe for concurrent
// mutation: Index.mu guards it (queries read under the read lock).
type lexicalIndex struct {
	ids       map[string]uint32
	postSlots [][]uint32  // by term ID
	postTF    [][]float32 // parallel to postSlots
	df        []int32     // live chunks containing each term
	docs      []lexDoc    // by slot
	live      int
	totalLen  float64
	dead      int // postings that point at removed slots
	total     int // all postings
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
			id = uint32(len(x.postSlots))
			x.ids[w] = id
			x.postSlots = append(x.postSlots, nil)
			x.postTF = append(x.postTF, nil)
			x.df = append(x.df, 0)
		}
		x.postSlots[id] = append(x.postSlots[id], uint32(slot))
		x.postTF[id] = append(x.postTF[id], tf)
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
	e.seg, e.slot = nil, slot
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
	for id, slots := range x.postSlots {
		tfs := x.postTF[id]
		outS, outT := slots[:0], tfs[:0]
		for j, s := range slots {
			if r := remap[s]; r >= 0 {
				outS = append(outS, uint32(r))
				outT = append(outT, tfs[j])
			}
		}
		x.postSlots[id], x.postTF[id] = slices.Clip(outS), slices.Clip(outT)
	}
	x.docs = docs
	x.total -= x.dead
	x.dead = 0
}

// The lexPart methods of the in-memory index.

func (x *lexicalIndex) size() int              { return len(x.docs) }
func (x *lexicalIndex) liveDocs() int          { return x.live }
func (x *lexicalIndex) lengthSum() float64     { return x.totalLen }
func (x *lexicalIndex) liveDF(id uint32) int32 { return x.df[id] }
func (x *lexicalIndex) lookup(term string) (uint32, bool) {
	id, ok := x.ids[term]
	return id, ok
}
func (x *lexicalIndex) postings(id uint32) ([]uint32, []float32) {
	return x.postSlots[id], x.postTF[id]
}
func (x *lexicalIndex) doc(slot uint32) (*chunkEntry, float32) {
	d := &x.docs[slot]
	return d.entry, d.length
}
func (x *lexicalIndex) sequence(slot uint32) []uint32 { return x.docs[slot].seq }

// rescore rescores hits of this part alone (tests).
func (x *lexicalIndex) rescore(text string, hits []lexHit) { (&lexicon{mem: x}).rescore(text, hits) }

// search ranks this part alone (tests).
func (x *lexicalIndex) search(text string, n int, keep func(*chunkEntry) bool) []lexHit {
	return (&lexicon{mem: x}).search(text, n, keep)
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
