package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// wordEmbedder is a tiny deterministic embedder for store tests: a hashed
// bag of words, L2-normalised. It counts calls and texts and can fail or
// cancel on a chosen call.
type wordEmbedder struct {
	name, model string
	dim         int

	mu       sync.Mutex
	calls    int // EmbedDocuments calls
	texts    int // texts embedded by EmbedDocuments
	queries  int
	seen     []string
	failOn   int                // EmbedDocuments call number (1-based) that fails; 0 = never
	onCall   func(n int)        // runs at the start of each EmbedDocuments call
	dimOf    func(call int) int // overrides dim per call, if set
	failWith error
}

func newWordEmbedder(dim int) *wordEmbedder {
	return &wordEmbedder{name: "words", model: "bag-v1", dim: dim}
}

func (e *wordEmbedder) Name() string  { return e.name }
func (e *wordEmbedder) Model() string { return e.model }

func (e *wordEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls++
	n := e.calls
	onCall, failOn, dim := e.onCall, e.failOn, e.dim
	if e.dimOf != nil {
		dim = e.dimOf(n)
	}
	e.mu.Unlock()
	if onCall != nil {
		onCall(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if failOn != 0 && n >= failOn {
		if e.failWith != nil {
			return nil, e.failWith
		}
		return nil, fmt.Errorf("injected failure on call %d", n)
	}
	e.mu.Lock()
	e.texts += len(texts)
	e.seen = append(e.seen, texts...)
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = bagOfWords(t, dim)
	}
	return out, nil
}

func (e *wordEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	e.mu.Lock()
	e.queries++
	dim := e.dim
	e.mu.Unlock()
	return bagOfWords(text, dim), nil
}

func (e *wordEmbedder) counts() (calls, texts int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls, e.texts
}

func (e *wordEmbedder) resetCounts() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls, e.texts, e.seen = 0, 0, nil
}

func bagOfWords(text string, dim int) []float32 {
	v := make([]float32, dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%uint32(dim)]++
	}
	var n float64
	for _, f := range v {
		n += float64(f) * float64(f)
	}
	if n == 0 {
		return v // all zero: "nothing to search with"
	}
	s := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= s
	}
	return v
}

// testLog collects log output so tests can assert on warnings.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *testLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// smallChunks makes the corpus below split into several chunks per article.
var smallChunks = retrieval.ChunkOptions{Target: 120, Overlap: 0, Max: 200}

func openStore(t testing.TB, dir string, emb retrieval.Embedder, chunking retrieval.ChunkOptions) *Index {
	t.Helper()
	ix, err := Open(context.Background(), Config{DataDir: dir, Embedder: emb, Chunking: chunking, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// storeArticles is a small fixed library about distinct topics.
func storeArticles() []retrieval.Article {
	return []retrieval.Article{
		{ID: "volcano", Title: "Volcanoes", Author: "A. Geologist", Source: "https://example.org/volcano", Body: "A volcano is a rupture in the crust of a planet. Lava, ash and gases escape from a magma chamber below the surface.\n\n" +
			"Mount Etna in Sicily is one of the most active volcanoes in the world. Its eruptions have been recorded for over two thousand years.\n\n" +
			"Volcanic ash can ground aircraft because it melts inside jet engines."},
		{ID: "bees", Title: "Honey bees", Body: "Honey bees live in colonies with a single queen. Worker bees gather nectar and pollen from flowers.\n\n" +
			"A bee colony can hold fifty thousand workers in summer. The waggle dance tells other workers where flowers are.\n\n" +
			"Beekeepers harvest honey from wooden frames in the hive."},
		{ID: "rail", Title: "High-speed rail", Body: "High-speed trains run faster than 250 kilometres per hour on dedicated track.\n\n" +
			"The Shinkansen opened in Japan in 1964 between Tokyo and Osaka. It has carried billions of passengers without a fatal derailment.\n\n" +
			"Maglev trains float above the track on magnets."},
	}
}

// versioned returns a with every paragraph tagged by version, so tests can
// tell an article's old chunks from its new ones.
func versioned(a retrieval.Article, v string) retrieval.Article {
	paras := strings.Split(a.Body, "\n\n")
	for i := range paras {
		paras[i] = paras[i] + " Revision " + v + "."
	}
	a.Body = strings.Join(paras, "\n\n")
	return a
}

// manyArticles returns n articles of a few paragraphs each.
func manyArticles(n int) []retrieval.Article {
	out := make([]retrieval.Article, n)
	for i := range out {
		out[i] = retrieval.Article{
			ID:    fmt.Sprintf("art-%02d", i),
			Title: fmt.Sprintf("Article %d", i),
			Body: fmt.Sprintf("Topic%d alpha beta gamma. Paragraph one of article %d talks about river%d.\n\n"+
				"Paragraph two of article %d mentions mountain%d and valley%d.\n\n"+
				"Paragraph three closes article %d with forest%d.", i, i, i, i, i, i, i, i),
		}
	}
	return out
}

// chunkVersions returns the set of "Revision X" tags found in an article's
// stored chunks.
func chunkVersions(t testing.TB, ix *Index, id string) map[string]bool {
	t.Helper()
	cs, err := ix.Chunks(context.Background(), id)
	if err != nil {
		t.Fatalf("Chunks(%s): %v", id, err)
	}
	vs := map[string]bool{}
	for _, c := range cs {
		for _, f := range strings.Fields(c.Text) {
			f = strings.TrimSuffix(f, ".")
			if strings.HasPrefix(f, "v") && len(f) <= 3 {
				vs[f] = true
			}
		}
	}
	return vs
}

// copyStoreFiles copies the store file and its WAL and shared-memory
// files: what a crash at this moment would leave on disk.
func copyStoreFiles(t testing.TB, fromDir, toDir string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(filepath.Join(fromDir, sqlite.FileName+suffix))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(toDir, sqlite.FileName+suffix), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// allEntries lists every indexed chunk.
func (ix *Index) allEntries() []*chunkEntry {
	var out []*chunkEntry
	for _, ae := range ix.articles {
		out = append(out, ae.chunks...)
	}
	return out
}
