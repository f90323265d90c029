package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// The scale benchmarks of issue 14, on stores of N synthetic chunks
// (100k by default, CITEBOT_BENCH_CHUNKS=N for another N) at 384 and 1536
// dimensions:
//
//   - BenchmarkOpenScale: Open until Search is ready, taking articles from
//     the segments (ns/op), against the same store opened as before
//     segments existed, reading every chunk and vector from SQLite and
//     tokenizing every text (rebuild-ns/op; x-faster = rebuild / ours).
//     It also reports what the open index costs per chunk: Go heap after a
//     GC (heap-B/chunk), the segment files it maps (mapped-B/chunk) and the
//     raw data (raw-B/chunk: the float32 vector plus the chunk's text).
//   - BenchmarkSearchScale: hybrid Search K=5 p50 with segments (p50-ms)
//     against the index read as before segments (x-before = ours / before),
//     and against an exhaustive all-core float32 scan of the same vectors
//     laid out contiguously (scan-p50-ms, x-scan) and the memory-bandwidth
//     floor of reading them once (floor-ms, x-floor), both measured in the
//     same run (see BenchmarkScanFloor for the scans themselves).
//
//	go test -run '^$' -bench 'Scale$' -benchtime 5x ./retrieval/index

// openBeforeSegments opens the store in dir the way Open worked before
// segments: a Store passed in has no segment directory, so every chunk is
// read from SQLite and tokenized.
func openBeforeSegments(b *testing.B, dir string, emb retrieval.Embedder) *Index {
	b.Helper()
	st, err := sqlite.Open(context.Background(), dir, discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	ix, err := Open(context.Background(), Config{Store: st, Embedder: emb, Chunking: benchChunking, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ix.ownsStore = true // Close closes st
	return ix
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func dirBytes(dir string) int64 {
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

func BenchmarkOpenScale(b *testing.B) {
	ctx := context.Background()
	n := benchSizes(b, 100_000)[0]
	for _, dim := range []int{384, 1536} {
		dir := b.TempDir()
		buildBenchStore(b, dir, n, dim)
		emb := benchEmbedder{dim}
		b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
			var rebuild time.Duration
			var heap uint64
			var textBytes int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				start := time.Now()
				old := openBeforeSegments(b, dir, emb)
				rebuild += time.Since(start)
				old.Close()
				base := heapInUse()
				b.StartTimer()
				ix, err := Open(ctx, Config{DataDir: dir, Embedder: emb, Chunking: benchChunking, Logger: discardLogger()})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if saved, mem := fromSegments(ix); mem != 0 || saved == 0 {
					b.Fatalf("%d articles from segments, %d from the store", saved, mem)
				}
				heap = heapInUse() - base
				textBytes = 0
				for _, e := range ix.allEntries() {
					textBytes += len(e.chunk.Text)
				}
				ix.Close()
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(rebuild.Nanoseconds())/float64(b.N), "rebuild-ns/op")
			b.ReportMetric(float64(rebuild)/float64(b.Elapsed()), "x-faster")
			b.ReportMetric(float64(heap)/float64(n), "heap-B/chunk")
			b.ReportMetric(float64(dirBytes(filepath.Join(dir, segDirName)))/float64(n), "mapped-B/chunk")
			b.ReportMetric(float64(dim*4)+float64(textBytes)/float64(n), "raw-B/chunk")
		})
		runtime.GC()
	}
}

func BenchmarkSearchScale(b *testing.B) {
	ctx := context.Background()
	n := benchSizes(b, 100_000)[0]
	for _, dim := range []int{384, 1536} {
		dir := b.TempDir()
		queries := buildBenchStore(b, dir, n, dim)
		qv := map[string][]float32{}
		for _, q := range queries {
			qv[q] = randomUnitVector(q, dim)
		}
		emb := fixedQueryEmbedder{benchEmbedder{dim}, qv}
		b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
			ours, err := Open(ctx, Config{DataDir: dir, Embedder: emb, Chunking: benchChunking, Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			defer ours.Close()
			before := openBeforeSegments(b, dir, emb)
			defer before.Close()
			fx := &floorFixture{n: n, dim: dim, slab: make([]float32, 0, n*dim)}
			for _, e := range ours.allEntries() {
				fx.slab = append(fx.slab, e.vec...)
			}
			var tOurs, tBefore, tScan, tFloor []time.Duration
			for i := 0; i < b.N; i++ {
				q := queries[i%len(queries)]
				for _, step := range []struct {
					into *[]time.Duration
					run  func()
				}{
					{&tOurs, func() { mustSearch(b, ours, q) }},
					{&tBefore, func() { mustSearch(b, before, q) }},
					{&tScan, func() { fx.scanParallel(qv[q], floorK, runtime.NumCPU()) }},
					{&tFloor, func() { fx.sumParallel(runtime.NumCPU()) }},
				} {
					start := time.Now()
					step.run()
					*step.into = append(*step.into, time.Since(start))
				}
			}
			p50 := func(ds []time.Duration) float64 {
				s := slices.Clone(ds)
				slices.Sort(s)
				return float64(s[len(s)/2].Microseconds()) / 1000
			}
			b.ReportMetric(p50(tOurs), "p50-ms")
			b.ReportMetric(p50(tOurs)/p50(tBefore), "x-before")
			b.ReportMetric(p50(tScan), "scan-p50-ms")
			b.ReportMetric(p50(tOurs)/p50(tScan), "x-scan")
			b.ReportMetric(p50(tFloor), "floor-ms")
			b.ReportMetric(p50(tOurs)/p50(tFloor), "x-floor")
		})
		runtime.GC()
	}
}

func mustSearch(b *testing.B, ix *Index, q string) {
	if ps, err := ix.Search(context.Background(), q, retrieval.SearchOptions{K: 5}); err != nil || len(ps) != 5 {
		b.Fatalf("search %q: %d passages, %v", q, len(ps), err)
	}
}
