package openai

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"sync"

	goopenai "github.com/sashabaranov/go-openai"
)

// Defaults of EmbedderConfig.
const (
	DefaultEmbedModel       = "text-embedding-3-small"
	DefaultEmbedBatchSize   = 64
	DefaultEmbedConcurrency = 4
)

// EmbedderConfig configures an embedder for any OpenAI-compatible
// /v1/embeddings endpoint. Zero values mean the defaults.
type EmbedderConfig struct {
	// BaseURL is the API base including "/v1" (default DefaultBaseURL).
	BaseURL string
	// APIKey is sent as a bearer token; local servers usually need none.
	// It never appears in errors or logs.
	APIKey string
	// Model is the embedding model (default DefaultEmbedModel).
	Model string
	// Dimensions asks the server for vectors of this size, sent as
	// "dimensions" (text-embedding-3 models and servers of Matryoshka
	// models shorten their vectors on request); 0 sends nothing and gets
	// the model's own size.
	Dimensions int
	// BatchSize is the number of texts per request (default 64).
	BatchSize int
	// Concurrency is the number of requests in flight (default 4).
	Concurrency int
	// QueryPrefix and DocumentPrefix are prepended to queries and to
	// documents, for models trained with them (nomic-embed-text wants
	// "search_query: " and "search_document: ").
	QueryPrefix, DocumentPrefix string
	// Policy is how failed requests are retried (nil = EmbedPolicy()).
	Policy *Policy
	// HTTPClient is used if set (its transport is wrapped, not changed);
	// by default a client over a clone of http.DefaultTransport.
	HTTPClient *http.Client
	// Logger receives retry warnings (nil = silent).
	Logger *slog.Logger
}

// Embedder embeds through an OpenAI-compatible embeddings API with
// go-openai's CreateEmbeddings: texts go in batches (one request per batch,
// not per text as chromem's own embedding functions do), several batches in
// flight, results matched by their Index, transient failures retried by the
// policy. Vectors are L2-normalized, as chromem's cosine search expects.
// It satisfies retrieval.Embedder and is safe for concurrent use.
type Embedder struct {
	c       *client
	batch   int
	conc    int
	dims    int
	qPrefix string
	dPrefix string
}

// NewEmbedder checks cfg and returns an embedder. It makes no network
// call.
func NewEmbedder(cfg EmbedderConfig) (*Embedder, error) {
	if cfg.BatchSize < 0 || cfg.Concurrency < 0 {
		return nil, errors.New("embedding config: batch size and concurrency must not be negative")
	}
	if cfg.Dimensions < 0 {
		return nil, fmt.Errorf("embedding config: dimensions %d is negative", cfg.Dimensions)
	}
	policy := EmbedPolicy()
	if cfg.Policy != nil {
		policy = *cfg.Policy
	}
	c, err := newClient(clientConfig{
		baseURL:    cfg.BaseURL,
		apiKey:     cfg.APIKey,
		model:      cmp.Or(cfg.Model, DefaultEmbedModel),
		httpClient: cfg.HTTPClient,
		policy:     policy,
		logger:     cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embedding config: %w", err)
	}
	return &Embedder{
		c:       c,
		batch:   cmp.Or(cfg.BatchSize, DefaultEmbedBatchSize),
		conc:    cmp.Or(cfg.Concurrency, DefaultEmbedConcurrency),
		dims:    cfg.Dimensions,
		qPrefix: cfg.QueryPrefix,
		dPrefix: cfg.DocumentPrefix,
	}, nil
}

// Name is "openai", the kind of embedder recorded in the store's manifest.
func (e *Embedder) Name() string { return "openai" }

// Model is the model name, followed by the dimensions and the prefixes
// when set, so that changing either (which changes every vector)
// re-embeds the store.
func (e *Embedder) Model() string {
	m := e.c.model
	if e.dims > 0 {
		m = fmt.Sprintf("%s (%d dimensions)", m, e.dims)
	}
	if e.qPrefix == "" && e.dPrefix == "" {
		return m
	}
	return fmt.Sprintf("%s (query prefix %q, document prefix %q)", m, e.qPrefix, e.dPrefix)
}

// String names the model and server for messages; never the key.
func (e *Embedder) String() string { return e.c.String() }

// EmbedQuery embeds a search query, with the query prefix.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vs, err := e.embedBatch(ctx, []string{e.qPrefix + text})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// EmbedDocuments embeds texts, with the document prefix, in
// ceil(len/BatchSize) requests, at most Concurrency at a time. The first
// failure cancels the rest. All vectors have the same dimension.
func (e *Embedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	inputs := texts
	if e.dPrefix != "" {
		inputs = make([]string, len(texts))
		for i, t := range texts {
			inputs[i] = e.dPrefix + t
		}
	}
	out := make([][]float32, len(texts))
	nBatches := (len(inputs) + e.batch - 1) / e.batch

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range min(e.conc, nBatches) {
		wg.Go(func() {
			for b := range jobs {
				lo := b * e.batch
				hi := min(lo+e.batch, len(inputs))
				vs, err := e.embedBatch(ctx, inputs[lo:hi])
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					cancel(err)
					continue
				}
				copy(out[lo:hi], vs)
			}
		})
	}
feed:
	for b := range nBatches {
		select {
		case jobs <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	dim := len(out[0])
	for i, v := range out {
		if len(v) != dim {
			return nil, e.c.failure("embedding %d has %d dimensions, embedding 0 has %d", i, len(v), dim)
		}
	}
	return out, nil
}

// embedBatch sends one batch under the policy and returns the vectors in
// input order.
func (e *Embedder) embedBatch(ctx context.Context, inputs []string) ([][]float32, error) {
	req := goopenai.EmbeddingRequestStrings{Input: inputs, Model: goopenai.EmbeddingModel(e.c.model), Dimensions: e.dims}
	if slices.Contains(inputs, "") {
		// OpenAI rejects empty inputs; a space embeds as "nothing".
		req.Input = slices.Clone(inputs)
		for i, s := range req.Input {
			if s == "" {
				req.Input[i] = " "
			}
		}
	}
	var resp goopenai.EmbeddingResponse
	err := e.c.do(ctx, func(actx context.Context) (bool, error) {
		var err error
		resp, err = e.c.api.CreateEmbeddings(actx, req)
		return false, err
	})
	if err != nil {
		return nil, err
	}
	return e.collect(resp, len(inputs))
}

// collect checks a response and orders its vectors by Index.
func (e *Embedder) collect(resp goopenai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, e.c.failure("sent %d inputs, got %d embeddings", n, len(resp.Data))
	}
	out := make([][]float32, n)
	dim := -1
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n {
			return nil, e.c.failure("embedding index %d out of range [0,%d)", d.Index, n)
		}
		if out[d.Index] != nil {
			return nil, e.c.failure("embedding index %d appears twice", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, e.c.failure("embedding %d is empty", d.Index)
		}
		if e.dims > 0 && len(d.Embedding) != e.dims {
			return nil, e.c.failure("asked for %d dimensions, got an embedding of %d: the server or model does not shorten vectors (unset CITEBOT_EMBED_DIMENSIONS)", e.dims, len(d.Embedding))
		}
		if dim >= 0 && len(d.Embedding) != dim {
			return nil, e.c.failure("embeddings of different dimensions in one response (%d and %d)", dim, len(d.Embedding))
		}
		dim = len(d.Embedding)
		v := d.Embedding
		if !normalizeUnit(v) {
			return nil, e.c.failure("embedding %d is zero or not finite", d.Index)
		}
		out[d.Index] = v
	}
	return out, nil
}

// normalizeUnit scales v to unit length in place unless it already is
// (within float32 rounding). It reports false for a zero or non-finite
// vector, which no search can use.
func normalizeUnit(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return false
	}
	if math.Abs(sum-1) < 1e-6 {
		return true
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
	return true
}
