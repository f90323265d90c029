package index

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
)

// Retrieval quality on the SQuAD dev sample in ../shared/corpus: the share
// of questions whose top-1 passage, and whose top-5 passages, contain a
// reference answer (case-insensitive). Okapi BM25 over whole paragraphs
// scores 0.820 / 0.950; the offline default (local embedder + hybrid) must
// beat both.
//
//	CITEBOT_CORPUS_DIR=../../shared/corpus go test -run TestCorpusRetrievalQuality -v ./retrieval
//
// CITEBOT_EVAL_GRID=1 also prints a table over chunk sizes and fusion
// weights (the numbers behind DefaultChunkOptions and DefaultFusionOptions).
const (
	bm25Top1 = 0.820
	bm25Top5 = 0.950
)

type corpusQuestion struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Article  string   `json:"article"`
}

func readCorpusQuestions(t testing.TB, path string) []corpusQuestion {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var qs []corpusQuestion
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q corpusQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// hitAt scores one result list: answer in the first passage, in any.
func hitAt(ps []retrieval.Passage, answers []string) (top1, topK bool) {
	for i, p := range ps {
		text := strings.ToLower(p.Chunk.Text)
		for _, a := range answers {
			if strings.Contains(text, strings.ToLower(a)) {
				if i == 0 {
					top1 = true
				}
				topK = true
			}
		}
	}
	return top1, topK
}

type qualityScore struct{ top1, top5 float64 }

func (s qualityScore) String() string { return fmt.Sprintf("%.3f / %.3f", s.top1, s.top5) }

func scoreSearch(t testing.TB, ix *Index, qs []corpusQuestion, opts retrieval.SearchOptions) qualityScore {
	t.Helper()
	var n1, n5 int
	for _, q := range qs {
		ps, err := ix.Search(context.Background(), q.Question, opts)
		if err != nil {
			t.Fatalf("search %q: %v", q.Question, err)
		}
		h1, h5 := hitAt(ps, q.Answers)
		if h1 {
			n1++
		}
		if h5 {
			n5++
		}
	}
	return qualityScore{float64(n1) / float64(len(qs)), float64(n5) / float64(len(qs))}
}

func TestCorpusRetrievalQuality(t *testing.T) {
	dir := os.Getenv("CITEBOT_CORPUS_DIR")
	if dir == "" {
		t.Skip("set CITEBOT_CORPUS_DIR (e.g. ../../shared/corpus) to measure retrieval quality")
	}
	ctx := context.Background()
	arts, err := article.LoadDir(filepath.Join(dir, "articles"), article.LoadOptions{}, func(path string, err error) {
		t.Errorf("load %s: %v", path, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	qs := readCorpusQuestions(t, filepath.Join(dir, "qa", "dev.jsonl"))

	build := func(chunking retrieval.ChunkOptions, fusion FusionOptions) *Index {
		ix, err := Open(ctx, Config{DataDir: t.TempDir(), Embedder: retrieval.NewLocalEmbedder(), Chunking: chunking, Fusion: fusion, Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		return ix
	}

	ix := build(retrieval.ChunkOptions{}, FusionOptions{})
	lex := scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5, Mode: retrieval.SearchLexical})
	vec := scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5, Mode: retrieval.SearchVector})
	hyb := scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5})
	t.Logf("%d questions, %d articles, %d chunks (%s), fusion %+v", len(qs), len(arts), ix.Count(),
		retrieval.DefaultChunkOptions(), DefaultFusionOptions())
	t.Logf("answer in top-1 / top-5:  BM25 %s   vector %s   hybrid %s   (bar: %.3f / %.3f)",
		lex, vec, hyb, bm25Top1, bm25Top5)
	if hyb.top1 <= bm25Top1 || hyb.top5 <= bm25Top5 {
		t.Errorf("hybrid %s does not beat the BM25 bar %.3f / %.3f", hyb, bm25Top1, bm25Top5)
	}

	if os.Getenv("CITEBOT_EVAL_GRID") == "" {
		return
	}
	t.Logf("%-34s %7s %-13s %-13s %-13s", "chunking", "chunks", "BM25", "vector", "hybrid")
	for _, co := range []retrieval.ChunkOptions{
		{Target: 400, Overlap: 0, Max: 800},
		{Target: 600, Overlap: 0, Max: 1200},
		{Target: 600, Overlap: 150, Max: 1200},
		{Target: 800, Overlap: 0, Max: 1600},
		{Target: 1000, Overlap: 0, Max: 2000},
		{Target: 1000, Overlap: 200, Max: 2000},
		{Target: 1200, Overlap: 0, Max: 2000},
		{Target: 1200, Overlap: 200, Max: 2000},
		{Target: 1500, Overlap: 0, Max: 3000},
		{Target: 1500, Overlap: 250, Max: 3000},
		{Target: 2000, Overlap: 0, Max: 4000},
		{Target: 100000, Overlap: 0, Max: 100000}, // whole paragraphs
	} {
		ix := build(co, FusionOptions{})
		t.Logf("%-34s %7d %-13s %-13s %-13s", co, ix.Count(),
			scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5, Mode: retrieval.SearchLexical}),
			scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5, Mode: retrieval.SearchVector}),
			scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5}))
	}
	t.Logf("fusion weights with default chunking:")
	for _, fo := range []FusionOptions{
		{VectorWeight: 1, LexicalWeight: 1, RRFK: 60},
		{VectorWeight: 0.5, LexicalWeight: 1, RRFK: 60},
		{VectorWeight: 0.5, LexicalWeight: 1, RRFK: 10},
		{VectorWeight: 0.3, LexicalWeight: 1, RRFK: 10},
		{VectorWeight: 0.2, LexicalWeight: 1, RRFK: 10},
		{VectorWeight: 0.1, LexicalWeight: 1, RRFK: 10},
		{VectorWeight: 0.3, LexicalWeight: 1, RRFK: 5},
		{VectorWeight: 0.2, LexicalWeight: 1, RRFK: 5},
		{VectorWeight: 0.1, LexicalWeight: 1, RRFK: 5},
		{VectorWeight: 0.2, LexicalWeight: 1, RRFK: 3},
		{VectorWeight: 0.5, LexicalWeight: 1, RRFK: 1},
		{VectorWeight: 1, LexicalWeight: 1, RRFK: 1},
	} {
		ix.cfg.Fusion = fo
		t.Logf("  %+v  hybrid %s", fo, scoreSearch(t, ix, qs, retrieval.SearchOptions{K: 5}))
	}
}
