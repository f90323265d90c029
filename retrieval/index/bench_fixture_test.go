package index

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// Synthetic fixtures for the store benchmarks: N chunks of synthetic text
// with random unit vectors. Text comes from a 5,000-word vocabulary with a
// Zipf distribution (like real text: a few words everywhere, most words
// rare); each paragraph is one chunk under benchChunking.

const (
	benchVocab        = 5000
	benchParasPerDoc  = 20
	benchQueryWords   = 6
	benchQueries      = 64
	benchSkipCommonQ  = 50 // query words skip the 50 most common, as the stoplist does for real text
	benchParaMinBytes = 350
	benchParaMaxBytes = 550
)

// benchChunking keeps every synthetic paragraph (350-550 bytes) one chunk:
// two never fit in Target together, one never exceeds it.
var benchChunking = retrieval.ChunkOptions{Target: 600, Overlap: 0, Max: 1200}

// benchSizes returns the chunk counts to benchmark, or the single count in
// CITEBOT_BENCH_CHUNKS for a quick run.
func benchSizes(b *testing.B, sizes ...int) []int {
	if s := os.Getenv("CITEBOT_BENCH_CHUNKS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < benchParasPerDoc {
			b.Fatalf("CITEBOT_BENCH_CHUNKS=%q: want a number >= %d", s, benchParasPerDoc)
		}
		return []int{n}
	}
	return sizes
}

func benchSizeName(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// benchWords is the synthetic vocabulary.
func benchWords() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([]string, benchVocab)
	seen := map[string]bool{}
	for i := range words {
		for {
			n := 3 + rng.IntN(7)
			var sb strings.Builder
			for j := 0; j < n; j++ {
				sb.WriteByte(byte('a' + rng.IntN(26)))
			}
			w := sb.String()
			if !seen[w] && !prose.IsStop(w, prose.SearchStops) {
				seen[w] = true
				words[i] = w
				break
			}
		}
	}
	return words
}

// benchCorpus returns articles holding n paragraphs in all and the query
// texts.
func benchCorpus(n int) ([]retrieval.Article, []string) {
	words := benchWords()
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(5, 6)), 1.1, 2, benchVocab-1)
	var arts []retrieval.Article
	for made := 0; made < n; {
		var paras []string
		for p := 0; p < benchParasPerDoc && made < n; p++ {
			var sb strings.Builder
			for k := 0; ; k++ {
				w := words[zipf.Uint64()]
				if sb.Len()+len(w)+2 > benchParaMaxBytes {
					break
				}
				if sb.Len() >= benchParaMinBytes && rng.IntN(8) == 0 {
					break
				}
				if k > 0 {
					if k%12 == 0 {
						sb.WriteString(". ")
					} else {
						sb.WriteByte(' ')
					}
				}
				sb.WriteString(w)
			}
			sb.WriteByte('.')
			paras = append(paras, sb.String())
			made++
		}
		id := fmt.Sprintf("doc-%06d", len(arts))
		arts = append(arts, retrieval.Article{ID: id, Title: "Document " + strconv.Itoa(len(arts)), Body: strings.Join(paras, "\n\n")})
	}
	queries := make([]string, benchQueries)
	for i := range queries {
		q := make([]string, benchQueryWords)
		for j := range q {
			for {
				r := zipf.Uint64()
				if r >= benchSkipCommonQ {
					q[j] = words[r]
					break
				}
			}
		}
		queries[i] = strings.Join(q, " ") + "?"
	}
	return arts, queries
}

// benchEmbedder returns pseudo-random unit vectors seeded by the text, so
// the same text always gets the same vector and embedding costs little.
type benchEmbedder struct{ dim int }

func (e benchEmbedder) Name() string  { return "bench" }
func (e benchEmbedder) Model() string { return "random" }

func (e benchEmbedder) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = randomUnitVector(t, e.dim)
	}
	return out, nil
}

func (e benchEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	return randomUnitVector(text, e.dim), nil
}

func randomUnitVector(seed string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	v := make([]float32, dim)
	var n float64
	for i := range v {
		f := rng.NormFloat64()
		v[i] = float32(f)
		n += f * f
	}
	s := 1 / math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) * s)
	}
	return v
}

// fixedQueryEmbedder precomputes the query vectors, so that a search
// benchmark measures search, not embedding.
type fixedQueryEmbedder struct {
	benchEmbedder
	queries map[string][]float32
}

func (e fixedQueryEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	if v, ok := e.queries[text]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("no precomputed vector for %q", text)
}

// buildBenchStore ingests n synthetic chunks of dim dimensions into a
// store in dir and returns the query texts.
func buildBenchStore(b *testing.B, dir string, n, dim int) []string {
	b.Helper()
	arts, queries := benchCorpus(n)
	ix, err := Open(context.Background(), Config{DataDir: dir, Embedder: benchEmbedder{dim}, Chunking: benchChunking, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Ingest(context.Background(), arts, IngestOptions{}); err != nil {
		b.Fatal(err)
	}
	if ix.Count() != n {
		b.Fatalf("fixture has %d chunks, want %d", ix.Count(), n)
	}
	return queries
}
