package retrieval

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// benchChunks builds n synthetic English-like chunks of about size bytes
// each, varied so that the hash tables see many distinct words.
func benchChunks(n, size int) []string {
	words := strings.Fields(`the defense secretary spoke with his russian counterpart about
		the war in ukraine and urged an immediate ceasefire while officials said the call lasted
		about an hour negotiations between governments continued as troops advanced along the
		front line analysts expected further talks sanctions energy prices markets reacted
		quickly reporters asked whether the agreement would hold through the winter months`)
	out := make([]string, n)
	var b strings.Builder
	x := uint64(1)
	for i := range out {
		b.Reset()
		for b.Len() < size {
			x = x*6364136223846793005 + 1442695040888963407
			w := words[(x>>33)%uint64(len(words))]
			if (x>>20)%17 == 0 {
				fmt.Fprintf(&b, "%s%d ", w, (x>>40)%1000)
			} else {
				b.WriteString(w)
				b.WriteByte(' ')
			}
			if (x>>12)%13 == 0 {
				b.WriteString(". ")
			}
		}
		out[i] = b.String()
	}
	return out
}

// BenchmarkLocalEmbedder measures the built-in embedder on one core over
// ~1 KB chunks (benchmark (d) of the retrieval issue). It embeds one text
// at a time, as EmbedDocuments does for batches below parallelMin.
func BenchmarkLocalEmbedder(b *testing.B) {
	chunks := benchChunks(256, 1024)
	e := NewLocalEmbedder()
	v := make([]float32, e.Dim())
	var bytes int64
	for _, c := range chunks {
		bytes += int64(len(c))
	}
	b.SetBytes(bytes / int64(len(chunks)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.embedInto(v, chunks[i%len(chunks)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkLocalEmbedderBatch measures EmbedDocuments on a batch of 1024
// chunks using every core, as ingest calls it.
func BenchmarkLocalEmbedderBatch(b *testing.B) {
	chunks := benchChunks(1024, 1024)
	e := NewLocalEmbedder()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EmbedDocuments(ctx, chunks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(chunks))/b.Elapsed().Seconds(), "chunks/s")
}
