package openai

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// benchChunkCount is the number of chunks benchmark (b) ingests: 10k by
// default, CITEBOT_BENCH_CHUNKS for quick runs (chromem's per-text path
// takes about chunks × 20 ms / 4).
func benchChunkCount(b *testing.B) int {
	if v := os.Getenv("CITEBOT_BENCH_CHUNKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CITEBOT_BENCH_CHUNKS=%q: want a positive number", v)
		}
		return n
	}
	return 10_000
}

// BenchmarkIngestBatchedVsChromem is benchmark (b) of the retrieval issue:
// ingesting N chunks (~500 bytes each) into a chromem collection through an
// OpenAI-compatible server that takes 20 ms per request. Ours embeds with
// Embedder (batches of 128, 4 in flight) and adds the documents with
// their vectors; chromem's way is AddDocuments with its own
// NewEmbeddingFuncOpenAICompat, which sends one request per text, at the
// same concurrency. Target: ≥ 20× faster. Run with -benchtime=1x.
func BenchmarkIngestBatchedVsChromem(b *testing.B) {
	const (
		latency     = 20 * time.Millisecond
		concurrency = 4
		batchSize   = 128
	)
	n := benchChunkCount(b)
	chunks := benchChunks(n, 500)
	ctx := context.Background()

	srv := openaitest.NewServer()
	defer srv.Close()
	srv.Dim = 256
	srv.Delay = latency

	docs := func(vecs [][]float32) []chromem.Document {
		out := make([]chromem.Document, len(chunks))
		for i, c := range chunks {
			out[i] = chromem.Document{ID: strconv.Itoa(i), Content: c}
			if vecs != nil {
				out[i].Embedding = vecs[i]
			}
		}
		return out
	}

	var ours, theirs time.Duration
	for b.Loop() {
		// Ours: batched embedding, then chromem with precomputed vectors.
		start := time.Now()
		e, err := NewEmbedder(EmbedderConfig{
			BaseURL: srv.URL(), APIKey: "bench", Model: "bench-embed",
			BatchSize: batchSize, Concurrency: concurrency,
		})
		if err != nil {
			b.Fatal(err)
		}
		vecs, err := e.EmbedDocuments(ctx, chunks)
		if err != nil {
			b.Fatal(err)
		}
		coll, err := chromem.NewDB().CreateCollection("ours", nil, refuseEmbeddingBench)
		if err != nil {
			b.Fatal(err)
		}
		if err := coll.AddDocuments(ctx, docs(vecs), concurrency); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)

		// chromem's own per-text embedding function.
		start = time.Now()
		fn := chromem.NewEmbeddingFuncOpenAICompat(srv.URL(), "bench", "bench-embed", nil)
		coll, err = chromem.NewDB().CreateCollection("chromem", nil, fn)
		if err != nil {
			b.Fatal(err)
		}
		if err := coll.AddDocuments(ctx, docs(nil), concurrency); err != nil {
			b.Fatal(err)
		}
		theirs += time.Since(start)
		if coll.Count() != n {
			b.Fatalf("chromem holds %d documents", coll.Count())
		}
	}
	iters := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(ours.Nanoseconds())/iters, "ours-ns")
	b.ReportMetric(float64(theirs.Nanoseconds())/iters, "chromem-ns")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "x-faster")
	b.ReportMetric(float64(n), "chunks")
}

// refuseEmbeddingBench is the collection's embedding function on our side:
// every document arrives with its vector, so it must never be called (and a
// nil function would silently fall back to OpenAI's).
func refuseEmbeddingBench(context.Context, string) ([]float32, error) {
	panic("benchmark: chromem asked to embed a document that has a vector")
}

// benchChunks builds n distinct chunks of about size bytes each; the fake
// server's vectors depend only on the text, so any distinct texts do.
func benchChunks(n, size int) []string {
	words := strings.Fields("the defense secretary spoke with his counterpart about the war and urged an immediate ceasefire")
	out := make([]string, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		fmt.Fprintf(&b, "chunk %d:", i)
		for j := 0; b.Len() < size; j++ {
			b.WriteString(" " + words[(i+j)%len(words)])
		}
		out[i] = b.String()
	}
	return out
}
