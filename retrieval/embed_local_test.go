package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestLocalEmbedderBasics(t *testing.T) {
	e := NewLocalEmbedder()
	if e.Name() != "local" || e.Model() != "hash-v2-2048" || e.Dim() != 2048 {
		t.Fatalf("name %q model %q dim %d", e.Name(), e.Model(), e.Dim())
	}
	if m := NewLocalEmbedderDim(512).Model(); m != "hash-v2-512" {
		t.Fatalf("model %q", m)
	}
	var _ Embedder = e
}

func TestLocalEmbedderDeterministicAndNormalized(t *testing.T) {
	ctx := context.Background()
	texts := []string{
		"The call between Austin and Shoigu lasted about an hour.",
		"",
		"... !!! ???",
		"the and of", // stop words only
		strings.Repeat("ceasefire ", 500),
		"Ünïcödé Москва 東京",
	}
	e := NewLocalEmbedder()
	a, err := e.EmbedDocuments(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewLocalEmbedder().EmbedDocuments(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if len(a[i]) != 2048 {
			t.Fatalf("len %d", len(a[i]))
		}
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("text %d: two embedders disagree", i)
		}
		q, _ := e.EmbedQuery(ctx, texts[i])
		if !slices.Equal(a[i], q) {
			t.Errorf("text %d: query and document vectors differ", i)
		}
		if n := math.Sqrt(dot(a[i], a[i])); math.Abs(n-1) > 1e-5 {
			t.Errorf("text %d: norm %v", i, n)
		}
		for _, x := range a[i] {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("text %d: bad component %v", i, x)
			}
		}
	}
	if dot(a[1], a[2]) < 0.999 {
		t.Error("texts without words should share one vector")
	}
}

// TestLocalEmbedderParallelMatchesSerial checks that a large batch (spread
// over cores) gives the same vectors as one text at a time.
func TestLocalEmbedderParallelMatchesSerial(t *testing.T) {
	ctx := context.Background()
	e := NewLocalEmbedderDim(256)
	texts := make([]string, 3*parallelMin)
	for i := range texts {
		texts[i] = fmt.Sprintf("chunk %d talks about topic %d and item %d", i, i%7, i%13)
	}
	all, err := e.EmbedDocuments(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		one, _ := e.EmbedQuery(ctx, text)
		if !slices.Equal(all[i], one) {
			t.Fatalf("text %d differs", i)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.EmbedDocuments(cctx, texts); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestLocalEmbedderSimilarity(t *testing.T) {
	ctx := context.Background()
	e := NewLocalEmbedder()
	cases := []struct{ query, near, far string }{
		{
			"How long did the call between Austin and Shoigu last?",
			"U.S. Defense Secretary Lloyd Austin spoke with Russian Defense Minister Sergei Shoigu; the call lasted about an hour.",
			"The recipe calls for two cups of flour, sugar and a pinch of salt baked for forty minutes.",
		},
		{
			"negotiating a ceasefire",
			"Austin urged an immediate ceasefire while negotiations continued.",
			"The football team negotiated a new stadium lease for next season.",
		},
		{
			// Inflected forms meet through the stemmer and character grams.
			"studies of migrating birds",
			"A study of bird migration patterns.",
			"Quarterly earnings of technology stocks.",
		},
	}
	for _, tc := range cases {
		vs, err := e.EmbedDocuments(ctx, []string{tc.near, tc.far})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := e.EmbedQuery(ctx, tc.query)
		near, far := dot(q, vs[0]), dot(q, vs[1])
		if near <= far {
			t.Errorf("%q: near %.3f ≤ far %.3f", tc.query, near, far)
		}
	}
	// Word order matters a little (bigrams), but the same words stay close.
	vs, _ := e.EmbedDocuments(ctx, []string{"prime minister visits Paris", "minister visits Paris prime", "prime minister"})
	if s := dot(vs[0], vs[1]); s < 0.6 || s > 0.999 {
		t.Errorf("reordered similarity %.3f", s)
	}
	if dot(vs[0], vs[2]) <= dot(vs[1], vs[2]) {
		t.Error("the bigram 'prime minister' should favour the text that has it in order")
	}
}

func TestLocalEmbedderEmptyBatch(t *testing.T) {
	v, err := NewLocalEmbedder().EmbedDocuments(context.Background(), nil)
	if err != nil || len(v) != 0 {
		t.Fatalf("%v %v", v, err)
	}
}
