package index

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// BenchmarkSearch compares our hybrid Search (vector + BM25 + fusion +
// passage assembly, K=5) with a raw chromem QueryEmbedding (k=5) on the
// same collection, at 10k and 100k chunks of 384 and 1536 dimensions.
// Query vectors are precomputed, so both sides measure search only.
// ns/op is ours; x-raw-chromem is ours / raw (target <= 1.5).
//
//	go test -run '^$' -bench BenchmarkSearch -benchtime 200x ./retrieval
//	CITEBOT_BENCH_CHUNKS=2000 go test -run '^$' -bench BenchmarkSearch ./retrieval   # quick
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes(b, 10_000, 100_000) {
		for _, dim := range []int{384, 1536} {
			dir := b.TempDir()
			queries := buildBenchStore(b, dir, n, dim)
			qv := map[string][]float32{}
			for _, q := range queries {
				qv[q] = randomUnitVector(q, dim)
			}
			ix, err := Open(ctx, Config{DataDir: dir, Embedder: fixedQueryEmbedder{benchEmbedder{dim}, qv},
				Chunking: benchChunking, Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
				// Warm both paths (page cache, FTS structures).
				for _, q := range queries[:4] {
					if ps, err := ix.Search(ctx, q, retrieval.SearchOptions{K: 5}); err != nil || len(ps) != 5 {
						b.Fatalf("search: %d passages, %v", len(ps), err)
					}
				}
				// Ours and raw chromem alternate, so that drifts in machine
				// speed hit both alike; the timer runs for ours only.
				var raw time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					q := queries[i%len(queries)]
					if _, err := ix.Search(ctx, q, retrieval.SearchOptions{K: 5}); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					start := time.Now()
					if _, err := ix.vecs.coll(retrieval.Shared).QueryEmbedding(ctx, qv[q], 5, nil, nil); err != nil {
						b.Fatal(err)
					}
					raw += time.Since(start)
					b.StartTimer()
				}
				b.StopTimer()
				ours := b.Elapsed()
				b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
				b.ReportMetric(float64(ours)/float64(raw), "x-raw-chromem")
			})
			ix.Close()
		}
	}
}

// BenchmarkLexicalSearch isolates the BM25 side of Search.
func BenchmarkLexicalSearch(b *testing.B) {
	ctx := context.Background()
	n := benchSizes(b, 100_000)[0]
	dir := b.TempDir()
	queries := buildBenchStore(b, dir, n, 8)
	ix, err := Open(ctx, Config{DataDir: dir, Embedder: benchEmbedder{8}, Chunking: benchChunking, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	b.Run(benchSizeName(n), func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ix.mu.RLock()
			hits := ix.lex.search(queries[i%len(queries)], minCandidates, nil)
			ix.mu.RUnlock()
			if len(hits) == 0 {
				b.Fatal("no hits")
			}
		}
	})
}
