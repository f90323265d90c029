package retrieval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/citebot/citebot/retrieval/prose"
)

// DefaultLocalDim is the dimension of the local embedder's vectors. 2048
// buckets keep hash collisions rare for chunk-sized texts (a few hundred
// features each) while a vector stays 8 KB.
const DefaultLocalDim = 2048

// localVersion changes whenever the feature extraction changes, so that
// stores embedded by an older version are re-embedded (it is part of Model).
// v2: character grams weigh as much as words; grams hashed as packed bytes.
const localVersion = "hash-v2"

// Feature group weights. Each group is normalized on its own and then
// mixed, so the cosine of two vectors is roughly a weighted mean of the
// word, bigram and character-gram cosines. Words carry the meaning;
// bigrams reward phrases ("prime minister"); character 4-grams match
// inflections and compounds the stemmer misses and survive typos.
// Measured vector-only on ../shared/corpus/qa/dev.jsonl (answer in top-1 /
// top-5, default chunking): words+bigrams 0.687/0.883, words+grams
// 0.720/0.903, weights 1/0.5/0.5 0.747/0.907, 1/0.5/1 0.767/0.910,
// 1/0.5/1.3 0.753/0.893 (differences below 0.01 are one or two questions).
const (
	wordWeight     = 1.0
	bigramWeight   = 0.5
	chargramWeight = 1.0
)

// LocalEmbedder is the built-in embedder: feature hashing of stemmed words,
// word bigrams and character 4-grams, with sublinear term frequency and L2
// normalization. It is deterministic, needs no network and nothing to
// download, and is the default when no embedding API is configured. It is
// a lexical model: it finds passages that share words (and word forms)
// with the question, not paraphrases.
type LocalEmbedder struct {
	dim  int
	pool sync.Pool // *localScratch
}

// NewLocalEmbedder returns a local embedder with DefaultLocalDim dimensions.
func NewLocalEmbedder() *LocalEmbedder { return NewLocalEmbedderDim(DefaultLocalDim) }

// NewLocalEmbedderDim returns a local embedder with dim dimensions
// (values below 16 become 16). The dimension is part of Model, so a change
// re-embeds the store.
func NewLocalEmbedderDim(dim int) *LocalEmbedder {
	dim = max(dim, 16)
	e := &LocalEmbedder{dim: dim}
	e.pool.New = func() any { return newLocalScratch(dim) }
	return e
}

// Name implements Embedder.
func (e *LocalEmbedder) Name() string { return "local" }

// Model implements Embedder: the feature version and the dimension, e.g.
// "hash-v2-2048".
func (e *LocalEmbedder) Model() string { return fmt.Sprintf("%s-%d", localVersion, e.dim) }

// Dim is the vector dimension.
func (e *LocalEmbedder) Dim() int { return e.dim }

// EmbedQuery implements Embedder. Queries and documents share one feature
// space; there is no prefix.
func (e *LocalEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := make([]float32, e.dim)
	e.embedInto(v, text)
	return v, nil
}

// parallelMin is the batch size from which EmbedDocuments spreads the work
// over all cores; smaller batches are not worth the goroutines.
const parallelMin = 128

// EmbedDocuments implements Embedder. Large batches are embedded on all
// cores; the result does not depend on how the work was split.
func (e *LocalEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	backing := make([]float32, len(texts)*e.dim)
	for i := range out {
		out[i] = backing[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	workers := min(runtime.GOMAXPROCS(0), len(texts)/(parallelMin/2))
	if len(texts) < parallelMin || workers < 2 {
		for i, t := range texts {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			e.embedInto(out[i], t)
		}
		return out, nil
	}
	var wg sync.WaitGroup
	next := make(chan int, len(texts))
	for i := range texts {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					return
				}
				e.embedInto(out[i], texts[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Feature groups: each is normalized on its own before mixing.
const (
	groupWords = iota
	groupBigrams
	groupGrams
	numGroups
)

var groupWeights = [numGroups]float64{wordWeight, bigramWeight, chargramWeight}

// localScratch is the sparse working state of one text. Each bucket of
// each group is one uint32: a 16-bit generation stamp and a 16-bit signed
// count. A bucket whose stamp is not the current generation counts as
// zero, so nothing is cleared between texts; the touched buckets are
// listed, so the cost per text follows its length, not the dimension, and
// the packed table (24 KB at 2048 dimensions) stays in the L1 cache.
type localScratch struct {
	gen     uint32
	cells   [numGroups][]uint32
	touched [numGroups][]uint32
	weights []float32 // sublinear weight of each touched bucket, reused per group
	vstamp  []uint32
	vlist   []uint32
	words   prose.Scanner
}

func newLocalScratch(dim int) *localScratch {
	sc := &localScratch{vstamp: make([]uint32, dim)}
	for g := range numGroups {
		sc.cells[g] = make([]uint32, dim)
	}
	return sc
}

// reset starts a new text.
func (sc *localScratch) reset() {
	sc.gen++
	if sc.gen == 1<<16 { // wrapped: old stamps could look current
		for g := range numGroups {
			clear(sc.cells[g])
		}
		clear(sc.vstamp)
		sc.gen = 1
	}
	for g := range numGroups {
		sc.touched[g] = sc.touched[g][:0]
	}
	sc.vlist = sc.vlist[:0]
}

// add hashes feature h of group g into a bucket with a sign (the sign
// halves the bias that collisions add to dot products).
func (sc *localScratch) add(g int, h uint64, dim uint64) {
	h = mix64(h)
	i := uint32(((h & 0xffffffff) * dim) >> 32) // fast range reduction
	cells := sc.cells[g]
	cell := cells[i]
	count := int16(cell)
	if cell>>16 != sc.gen {
		count = 0
		sc.touched[g] = append(sc.touched[g], i)
	}
	if h>>63 == 0 {
		if count < math.MaxInt16 {
			count++
		}
	} else if count > -math.MaxInt16 {
		count--
	}
	cells[i] = sc.gen<<16 | uint32(uint16(count))
}

// Salts keep the three feature groups apart in hash space.
const (
	saltBigram = 0x9e3779b97f4a7c15
	saltGram   = 0xc2b2ae3d27d4eb4f
	saltEmpty  = 0x165667b19e3779f9
)

// embedInto writes the normalized vector of text into v (len e.dim).
func (e *LocalEmbedder) embedInto(v []float32, text string) {
	sc := e.pool.Get().(*localScratch)
	defer e.pool.Put(sc)
	sc.reset()

	dim := uint64(e.dim)
	stop := localStopwords()
	words := &sc.words
	words.Reset(text)
	var prev uint64
	havePrev := false
	features := 0
	for {
		w, ok := words.Next()
		if !ok {
			break
		}
		if len(w) == 1 && !('0' <= w[0] && w[0] <= '9') {
			continue // stray letters: possessive s, initials
		}
		h := fnv1a(w)
		if stop.has(h) {
			continue
		}
		features++
		sc.add(groupWords, h, dim)
		if havePrev {
			sc.add(groupBigrams, prev*0x100000001b3^h^saltBigram, dim)
		}
		prev, havePrev = h, true

		// Character 4-grams of "_word_": the markers let prefixes and
		// suffixes count as their own grams.
		if len(w)+2 < 4 {
			continue
		}
		// A gram is its four bytes packed into one word (add mixes it).
		gram := uint64('_')<<16 | uint64(w[0])<<8 | uint64(w[1])
		for i := 2; i <= len(w); i++ {
			c := byte('_')
			if i < len(w) {
				c = w[i]
			}
			gram = (gram<<8 | uint64(c)) & 0xffffffff
			sc.add(groupGrams, gram^saltGram, dim)
		}
	}
	if features == 0 {
		// No words at all (empty, punctuation only, all stop words): a
		// fixed unit vector, so the result is still normalized and all
		// such texts agree with each other and little else.
		sc.add(groupWords, saltEmpty, dim)
	}
	clear(v)
	for g := range numGroups {
		sc.mixGroup(v, g)
	}
	// Normalize over the touched components only.
	var sum float64
	for _, i := range sc.vlist {
		sum += float64(v[i]) * float64(v[i])
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for _, i := range sc.vlist {
		v[i] *= inv
	}
}

// mixGroup adds weight × (group g's sublinear counts, normalized) to v.
func (sc *localScratch) mixGroup(v []float32, g int) {
	cells, touched := sc.cells[g], sc.touched[g]
	ws := sc.weights[:0]
	var sum float64
	for _, i := range touched {
		x := sublinear(int16(cells[i]))
		ws = append(ws, x)
		sum += float64(x) * float64(x)
	}
	sc.weights = ws
	if sum == 0 {
		return
	}
	scale := float32(groupWeights[g] / math.Sqrt(sum))
	for k, i := range touched {
		if ws[k] == 0 {
			continue
		}
		v[i] += scale * ws[k]
		if sc.vstamp[i] != sc.gen {
			sc.vstamp[i] = sc.gen
			sc.vlist = append(sc.vlist, i)
		}
	}
}

// sublinearTable holds 1+ln(n) for small counts, so the hot path needs no
// math.Log.
var sublinearTable = func() (t [64]float32) {
	for n := 1; n < len(t); n++ {
		t[n] = float32(1 + math.Log(float64(n)))
	}
	return t
}()

// sublinear is sign(c)·(1+ln|c|), and 0 for 0. Small counts (nearly all
// of them) come from the table without a call.
func sublinear(c int16) float32 {
	if c >= 0 && int(c) < len(sublinearTable) {
		return sublinearTable[c]
	}
	if c < 0 && int(-c) < len(sublinearTable) {
		return -sublinearTable[-c]
	}
	return sublinearLarge(c)
}

func sublinearLarge(c int16) float32 {
	x := float32(1 + math.Log(math.Abs(float64(c))))
	if c < 0 {
		return -x
	}
	return x
}

// fnv1a is the 64-bit FNV-1a hash of b: cheap, and inlined by the compiler.
func fnv1a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// mix64 is a finalizer (from MurmurHash3/SplitMix) that spreads FNV's
// weak low bits over the whole word before bucketing.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashSet is a tiny open-addressing set of 64-bit word hashes, faster
// than a map on the hot path (the word hash is computed anyway; a false
// match needs a 64-bit collision).
type hashSet struct{ slots [256]uint64 }

func (s *hashSet) insert(h uint64) {
	for i := h; ; i++ {
		switch s.slots[i&255] {
		case 0:
			s.slots[i&255] = h
			return
		case h:
			return
		}
	}
}

func (s *hashSet) has(h uint64) bool {
	for i := h; ; i++ {
		switch s.slots[i&255] {
		case 0:
			return false
		case h:
			return true
		}
	}
}

// localStopwords is prose.EmbeddingStops as a set of word hashes: words
// too common to carry meaning in a vector. The subset is small on purpose,
// since a word dropped here is invisible to vector search.
var localStopwords = sync.OnceValue(func() *hashSet {
	s := new(hashSet)
	for _, w := range prose.StopWords(prose.EmbeddingStops) {
		s.insert(fnv1a([]byte(w)))
	}
	return s
})
