package index

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// BenchmarkDeltaSync measures how long a running index takes to apply one
// article that another process changed (Sync: read the change log, read the
// article, swap it in), against reopening the whole index from the store,
// which is what a process without deltas would have to do. ns/op is one
// Sync; x-faster-than-reopen is reopen time / Sync time (target >= 100).
//
//	go test -run '^$' -bench BenchmarkDeltaSync -benchtime 20x ./retrieval/index
func BenchmarkDeltaSync(b *testing.B) {
	ctx := context.Background()
	const dim = 384
	for _, n := range benchSizes(b, 100_000) {
		b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
			dir := b.TempDir()
			buildBenchStore(b, dir, n, dim)
			cfg := Config{DataDir: dir, Embedder: benchEmbedder{dim}, Chunking: benchChunking, Logger: discardLogger()}
			reader, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer reader.Close()
			writer, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer writer.Close()
			arts, _ := benchCorpus(n)
			one := arts[len(arts)/2]

			var syncTime time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				changed := one
				changed.Body += fmt.Sprintf("\n\nRevision %d of this document.", i)
				if _, err := writer.Ingest(ctx, []retrieval.Article{changed}, IngestOptions{}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				changes, err := reader.Sync(ctx)
				syncTime += time.Since(start)
				if err != nil || len(changes) != 1 {
					b.Fatalf("sync = %+v, %v", changes, err)
				}
			}
			b.StopTimer()
			perSync := syncTime / time.Duration(b.N)

			const reopens = 3
			var reopen time.Duration
			for range reopens {
				start := time.Now()
				ix, err := Open(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				reopen += time.Since(start)
				ix.Close()
			}
			reopen /= reopens
			b.ReportMetric(float64(reopen.Milliseconds()), "reopen-ms")
			b.ReportMetric(float64(reopen)/float64(perSync), "x-faster-than-reopen")
		})
	}
}

// BenchmarkSearchDuringIngest compares search latency while another
// process ingests continuously (and this one follows its changes every
// 50 ms) with search latency on an idle index. ns/op is a busy search;
// busy/idle-p50 is the ratio of median latencies (target <= 1.5). Two
// ingest rates: 20 articles a second, a busy news library's sustained
// flow, and flat out (one article after another with no pause), which on
// a 2-core machine takes a whole core from the searches.
//
//	go test -run '^$' -bench BenchmarkSearchDuringIngest -benchtime 200x ./retrieval/index
func BenchmarkSearchDuringIngest(b *testing.B) {
	for _, pace := range []time.Duration{50 * time.Millisecond, 0} {
		name := "flat-out"
		if pace > 0 {
			name = fmt.Sprintf("%.0f-per-s", float64(time.Second)/float64(pace))
		}
		b.Run(name, func(b *testing.B) { benchSearchDuringIngest(b, pace) })
	}
}

func benchSearchDuringIngest(b *testing.B, pace time.Duration) {
	ctx := context.Background()
	const dim = 384
	for _, n := range benchSizes(b, 20_000) {
		b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
			dir := b.TempDir()
			queries := buildBenchStore(b, dir, n, dim)
			cfg := Config{DataDir: dir, Embedder: benchEmbedder{dim}, Chunking: benchChunking, Logger: discardLogger()}
			reader, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer reader.Close()
			search := func(i int) time.Duration {
				start := time.Now()
				if _, err := reader.Search(ctx, queries[i%len(queries)], retrieval.SearchOptions{K: 5}); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			idle := make([]time.Duration, 0, 200)
			for i := range 200 {
				idle = append(idle, search(i))
			}

			writer, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer writer.Close()
			arts, _ := benchCorpus(n)
			fctx, stop := context.WithCancel(ctx)
			defer stop()
			go reader.Follow(fctx, 50*time.Millisecond, nil)
			var ingested atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; fctx.Err() == nil; i++ {
					a := arts[i%len(arts)]
					a.Body += fmt.Sprintf("\n\nRevision %d.", i)
					if _, err := writer.Ingest(fctx, []retrieval.Article{a}, IngestOptions{}); err != nil && fctx.Err() == nil {
						b.Error(err)
						return
					}
					ingested.Add(1)
					if pace > 0 {
						select {
						case <-fctx.Done():
						case <-time.After(pace):
						}
					}
				}
			}()
			busy := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				busy = append(busy, search(i))
			}
			b.StopTimer()
			stop()
			<-done
			b.ReportMetric(float64(median(busy))/float64(median(idle)), "busy/idle-p50")
			b.ReportMetric(float64(ingested.Load()), "articles-ingested")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
