package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// BenchmarkWarmCLI is the scale issue's side-by-side measurement as a Go
// benchmark: the same run as `go run ./scripts/scalebench` (two builds,
// the synthetic corpus, the fake embeddings server, warm `ask` and
// `search` alternating), reported with b.ReportMetric. It builds two
// binaries and ingests the corpus twice, so it is slow and never part of
// the default test run; one iteration is the whole measurement.
//
//	CITEBOT_BENCH_CHUNKS=100000 CITEBOT_BENCH_DIM=384 go test -run '^$' -bench WarmCLI -benchtime 1x -timeout 60m ./scripts/scalebench
//
// CITEBOT_BENCH_BASELINE names the baseline revision (d4f0b6c, the commit
// before segments), CITEBOT_BENCH_RUNS the measured rounds (5).
// Metrics: ask-p50-s and search-p50-s of the new build, x-baseline-ask
// (new / baseline), rss-MB, rss-B/chunk and rss-over-raw (max RSS of a warm ask or
// search over the raw vectors and texts), and the baseline's.
func BenchmarkWarmCLI(b *testing.B) {
	o := options{chunks: envInt(b, "CITEBOT_BENCH_CHUNKS", 20_000), dim: envInt(b, "CITEBOT_BENCH_DIM", 384),
		runs: envInt(b, "CITEBOT_BENCH_RUNS", 5), baseline: "d4f0b6c", work: b.TempDir()}
	if v := os.Getenv("CITEBOT_BENCH_BASELINE"); v != "" {
		o.baseline = v
	}
	b.Run(fmt.Sprintf("%dx%d", o.chunks, o.dim), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			res, err := run(context.Background(), o)
			if err != nil {
				b.Fatal(err)
			}
			_, newRSS := summarize(append(res.nw.ask, res.nw.search...))
			_, baseRSS := summarize(append(res.base.ask, res.base.search...))
			ask, _ := summarize(res.nw.ask)
			search, _ := summarize(res.nw.search)
			bAsk, _ := summarize(res.base.ask)
			b.ReportMetric(ask.p50.Seconds(), "ask-p50-s")
			b.ReportMetric(search.p50.Seconds(), "search-p50-s")
			b.ReportMetric(bAsk.p50.Seconds(), "baseline-ask-p50-s")
			b.ReportMetric(ask.p50.Seconds()/bAsk.p50.Seconds(), "x-baseline-ask")
			b.ReportMetric(mb(newRSS), "rss-MB")
			b.ReportMetric(float64(newRSS)/float64(res.raw), "rss-over-raw")
			b.ReportMetric(float64(newRSS)/float64(o.chunks), "rss-B/chunk")
			b.ReportMetric(float64(baseRSS)/float64(res.raw), "baseline-rss-over-raw")
		}
	})
}

func envInt(b *testing.B, key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", key, v)
	}
	return n
}
