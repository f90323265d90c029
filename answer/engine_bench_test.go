package answer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/prose"
)

// BenchmarkEngineAsk measures what the engine adds to a question apart
// from the LLM: retrieval through the real index (local embedder, hybrid
// search) plus the engine's own work (evidence, extractive answer or
// citation checking). Two modes: offline (extractive) and with a fake LLM
// that answers at once over loopback HTTP (so the numbers include the
// client's request and SSE parsing, not model time). Sizes: 2k chunks and
// 100k chunks; CITEBOT_BENCH_CHUNKS (comma-separated) replaces the list,
// e.g. CITEBOT_BENCH_CHUNKS=2000,20000 on a small machine.
//
// Reported: p50-ms and p95-ms of a whole Ask, and engine-p50-ms, the
// median of Ask minus retrieval and LLM time. Target: p50-ms < 50 at 2k
// chunks. Each size's store is built once per run in a temp dir and shared
// by its two modes (building 100k chunks takes about a minute); set
// CITEBOT_BENCH_DIR to keep the stores in DIR/citebot-bench-<chunks> and
// reuse them in later runs (ingest skips unchanged articles).
func BenchmarkEngineAsk(b *testing.B) {
	sizes := []int{2000, 100000}
	if s := os.Getenv("CITEBOT_BENCH_CHUNKS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("CITEBOT_BENCH_CHUNKS: bad size %q", f)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			ix, questions := benchIndex(b, n)
			b.Run("offline", func(b *testing.B) {
				e, err := NewEngine(Config{Retriever: ix})
				if err != nil {
					b.Fatal(err)
				}
				runAskBench(b, e, questions)
			})
			b.Run("fake-llm", func(b *testing.B) {
				srv := openaitest.NewServer()
				defer srv.Close()
				srv.ChatFunc = func(openaitest.ChatRequest) string {
					return "The first passage says so [1]. The second one agrees [2]."
				}
				llm := chatLLM(b, srv.URL())
				renderer, err := prompts.New("")
				if err != nil {
					b.Fatal(err)
				}
				e, err := NewEngine(Config{Retriever: ix, LLM: llm, Prompts: renderer})
				if err != nil {
					b.Fatal(err)
				}
				runAskBench(b, e, questions)
			})
		})
	}
}

func runAskBench(b *testing.B, e *Engine, questions []string) {
	ctx := context.Background()
	var total, engine []time.Duration
	refused := 0
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		ans, err := e.Ask(ctx, questions[i%len(questions)], nil, nil)
		d := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if ans.Refused {
			refused++
		}
		total = append(total, d)
		engine = append(engine, d-ans.Timings.Retrieval-ans.Timings.LLM)
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(total, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(total, 0.95)), "p95-ms")
	b.ReportMetric(ms(percentile(engine, 0.5)), "engine-p50-ms")
	b.ReportMetric(float64(refused)/float64(len(total)), "refused/op")
}

// benchIndex opens (building on first use) a store of synthetic articles
// with about n chunks, and returns questions drawn from their sentences.
func benchIndex(b *testing.B, n int) (*index.Index, []string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	if keep := os.Getenv("CITEBOT_BENCH_DIR"); keep != "" {
		dir = filepath.Join(keep, fmt.Sprintf("citebot-bench-%d", n))
	}
	arts := syntheticArticles(n)
	ix, err := index.Open(ctx, index.Config{DataDir: dir, Embedder: retrieval.NewLocalEmbedder()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	start := time.Now()
	rep, err := ix.Ingest(ctx, arts, index.IngestOptions{Prune: true})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Added+rep.Updated > 0 {
		b.Logf("built %d chunks from %d articles in %v (store %s)", ix.Count(), len(arts), time.Since(start).Round(time.Millisecond), dir)
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	var questions []string
	for range 200 {
		a := arts[rng.IntN(len(arts))]
		sents := prose.Sentences(a.Body)
		s := sents[rng.IntN(len(sents))]
		words := strings.Fields(a.Body[s.Start:s.End])
		k := min(len(words), 3+rng.IntN(4))
		at := rng.IntN(len(words) - k + 1)
		questions = append(questions, "What about "+strings.Join(words[at:at+k], " ")+"?")
	}
	return ix, questions
}

// syntheticArticles returns deterministic articles of made-up prose,
// about ten default-size chunks each, n chunks in all.
func syntheticArticles(n int) []retrieval.Article {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 20000)
	for i := range vocab {
		var w strings.Builder
		for range 3 + rng.IntN(7) {
			w.WriteByte(byte('a' + rng.IntN(26)))
		}
		vocab[i] = w.String()
	}
	word := func() string {
		// Zipf-like: small indexes are common words.
		return vocab[int(float64(len(vocab))*rng.Float64()*rng.Float64()*rng.Float64())]
	}
	const chunksPerArticle = 10
	count := max(1, n/chunksPerArticle)
	arts := make([]retrieval.Article, count)
	for i := range arts {
		var body strings.Builder
		for p := range chunksPerArticle {
			if p > 0 {
				body.WriteString("\n\n")
			}
			// About 1,100 bytes a paragraph: one chunk each.
			for size := 0; size < 1000; {
				k := 8 + rng.IntN(14)
				sent := make([]string, k)
				for j := range sent {
					sent[j] = word()
				}
				s := strings.ToUpper(sent[0][:1]) + sent[0][1:] + " " + strings.Join(sent[1:], " ") + ". "
				body.WriteString(s)
				size += len(s)
			}
		}
		arts[i] = retrieval.Article{
			ID:    fmt.Sprintf("synthetic-%06d", i),
			Title: fmt.Sprintf("Synthetic %s %s %d", word(), word(), i),
			Body:  strings.TrimSpace(body.String()),
		}
		arts[i].Hash = retrieval.HashArticle(arts[i])
	}
	return arts
}
