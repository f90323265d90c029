package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Defaults of OpenAIEmbedderConfig.
const (
	DefaultEmbedBaseURL     = "https://api.openai.com/v1"
	DefaultEmbedModel       = "text-embedding-3-small"
	DefaultEmbedBatchSize   = 64
	DefaultEmbedConcurrency = 4
	DefaultEmbedTimeout     = 60 * time.Second
)

// OpenAIEmbedderConfig configures an embedder for any OpenAI-compatible
// /v1/embeddings endpoint (OpenAI, Ollama's /v1, vLLM, llama.cpp server,
// LocalAI). Zero values mean the defaults.
type OpenAIEmbedderConfig struct {
	// BaseURL is the API base including "/v1" (default OpenAI's).
	BaseURL string
	// APIKey is sent as a bearer token; local servers usually need none.
	// It never appears in errors or logs.
	APIKey string
	// Model is the embedding model (default DefaultEmbedModel).
	Model string
	// BatchSize is the number of texts per request (default 64).
	BatchSize int
	// Concurrency is the number of requests in flight (default 4).
	Concurrency int
	// MaxRetries is the number of retries after a failed attempt on 429,
	// 5xx, timeouts and connection errors (0 = 5, negative = none).
	MaxRetries int
	// RequestTimeout bounds each HTTP attempt (default 60s).
	RequestTimeout time.Duration
	// QueryPrefix and DocumentPrefix are prepended to queries and to
	// documents, for models trained with them (nomic-embed-text wants
	// "search_query: " and "search_document: ").
	QueryPrefix, DocumentPrefix string
	// HTTPClient is used if set (its transport is wrapped, not changed);
	// by default a client over a clone of http.DefaultTransport.
	HTTPClient *http.Client
	// Logger receives retry warnings (nil = silent).
	Logger *slog.Logger
}

// OpenAIEmbedder embeds through an OpenAI-compatible embeddings API with
// go-openai's CreateEmbeddings: texts go in batches (one request per batch,
// not per text as chromem's own embedding functions do), several batches in
// flight, results matched by their Index, transient failures retried with
// backoff. Vectors are L2-normalized, as chromem's cosine search expects.
type OpenAIEmbedder struct {
	client  *openai.Client
	host    string
	apiKey  string
	model   string
	batch   int
	conc    int
	retries int
	timeout time.Duration
	qPrefix string
	dPrefix string
	log     *slog.Logger
	backoff backoff
	// sleep waits between attempts; tests replace it to record the waits
	// instead of sitting them out.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewOpenAIEmbedder checks cfg and returns an embedder. It makes no
// network call.
func NewOpenAIEmbedder(cfg OpenAIEmbedderConfig) (*OpenAIEmbedder, error) {
	base := strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultEmbedBaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("embedding base URL %q: want http(s)://host[:port]/v1", base)
	}
	if cfg.BatchSize < 0 || cfg.Concurrency < 0 || cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("embedding config: batch size, concurrency and timeout must not be negative")
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = embedHTTPClient(cfg.HTTPClient)
	e := &OpenAIEmbedder{
		client:  openai.NewClientWithConfig(oc),
		host:    u.Host,
		apiKey:  cfg.APIKey,
		model:   cmp.Or(cfg.Model, DefaultEmbedModel),
		batch:   cmp.Or(cfg.BatchSize, DefaultEmbedBatchSize),
		conc:    cmp.Or(cfg.Concurrency, DefaultEmbedConcurrency),
		retries: cmp.Or(cfg.MaxRetries, defaultMaxRetries),
		timeout: cmp.Or(cfg.RequestTimeout, DefaultEmbedTimeout),
		qPrefix: cfg.QueryPrefix,
		dPrefix: cfg.DocumentPrefix,
		log:     cfg.Logger,
		backoff: backoff{min: defaultMinBackoff, max: defaultMaxBackoff},
		sleep:   sleepCtx,
	}
	if e.retries < 0 {
		e.retries = 0
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e, nil
}

// Name implements Embedder.
func (e *OpenAIEmbedder) Name() string { return "openai" }

// Model implements Embedder: the model name, followed by the prefixes when
// set, so that changing a prefix (which changes every vector) re-embeds.
func (e *OpenAIEmbedder) Model() string {
	if e.qPrefix == "" && e.dPrefix == "" {
		return e.model
	}
	return fmt.Sprintf("%s (query prefix %q, document prefix %q)", e.model, e.qPrefix, e.dPrefix)
}

// String names the model and server for messages; never the key.
func (e *OpenAIEmbedder) String() string { return fmt.Sprintf("%s at %s", e.model, e.host) }

// EmbedQuery implements Embedder.
func (e *OpenAIEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vs, err := e.embedBatch(ctx, []string{e.qPrefix + text})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// EmbedDocuments implements Embedder: ceil(len/BatchSize) requests, at most
// Concurrency at a time. The first failure cancels the rest.
func (e *OpenAIEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
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
			return nil, e.errorf(nil, "embedding %d has %d dimensions, embedding 0 has %d", i, len(v), dim)
		}
	}
	return out, nil
}

// embedBatch sends one batch, retrying transient failures, and returns the
// vectors in input order.
func (e *OpenAIEmbedder) embedBatch(ctx context.Context, inputs []string) ([][]float32, error) {
	req := openai.EmbeddingRequestStrings{Input: inputs, Model: openai.EmbeddingModel(e.model)}
	if slices.Contains(inputs, "") {
		// OpenAI rejects empty inputs; a space embeds as "nothing".
		req.Input = slices.Clone(inputs)
		for i, s := range req.Input {
			if s == "" {
				req.Input[i] = " "
			}
		}
	}
	for attempt := 1; ; attempt++ {
		var info attemptInfo
		actx, cancel := context.WithTimeout(withAttempt(ctx, &info), e.timeout)
		resp, err := e.client.CreateEmbeddings(actx, req)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			return e.collect(resp, len(inputs))
		}
		if ctx.Err() != nil {
			// Our caller gave up: say so plainly, not as a server error.
			return nil, fmt.Errorf("embedding with %s: %w", e, context.Cause(ctx))
		}
		status, retry := e.classify(err, &info, timedOut)
		if !retry || attempt > e.retries {
			return nil, e.failure(err, &info, status, timedOut, attempt)
		}
		wait := e.backoff.delay(attempt, info.retryAfter)
		e.log.Warn("embedding request failed, retrying",
			"server", e.host, "model", e.model, "status", status, "attempt", attempt, "wait", wait)
		if err := e.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("embedding with %s: %w", e, context.Cause(ctx))
		}
	}
}

// classify decides whether a failed attempt is worth retrying. go-openai
// reports a body it cannot read as an OpenAI error (Ollama's
// {"error":"..."}, an HTML page from a proxy) as *openai.RequestError, so
// that is checked first; an *openai.APIError is the OpenAI shape. Any other
// error is the transport's (refused, reset, timed out) and is retried.
func (e *OpenAIEmbedder) classify(err error, info *attemptInfo, timedOut bool) (status int, retry bool) {
	var reqErr *openai.RequestError
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0:
		return reqErr.HTTPStatusCode, retryableStatus(reqErr.HTTPStatusCode)
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		// An exhausted quota is a 429 that waiting does not fix.
		if apiErr.Code == "insufficient_quota" || apiErr.Type == "insufficient_quota" {
			return apiErr.HTTPStatusCode, false
		}
		return apiErr.HTTPStatusCode, retryableStatus(apiErr.HTTPStatusCode)
	case info.status >= 400:
		return info.status, retryableStatus(info.status)
	case info.status >= 200 && info.status < 300 && !timedOut:
		// The server answered 200 but the body did not decode.
		return info.status, false
	default:
		return 0, true
	}
}

// failure builds the final error of a batch: which server and model, what
// happened, and the response body (truncated), with the API key removed.
func (e *OpenAIEmbedder) failure(err error, info *attemptInfo, status int, timedOut bool, attempts int) error {
	var what string
	switch {
	case timedOut && status < 300:
		what = fmt.Sprintf("no response within %s", e.timeout)
	case status >= 200 && status < 300:
		what = fmt.Sprintf("unreadable response (HTTP %d): %v", status, err)
	case status != 0:
		what = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	default:
		what = "request failed: " + err.Error()
	}
	if attempts > 1 {
		what += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	if len(info.body) > 0 {
		what += ": " + truncateBody(info.body)
	} else if status >= 300 {
		what += ": " + err.Error()
	}
	return e.errorf(err, "%s", what)
}

// collect checks a response and orders its vectors by Index.
func (e *OpenAIEmbedder) collect(resp openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, e.errorf(nil, "sent %d inputs, got %d embeddings", n, len(resp.Data))
	}
	out := make([][]float32, n)
	dim := -1
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n {
			return nil, e.errorf(nil, "embedding index %d out of range [0,%d)", d.Index, n)
		}
		if out[d.Index] != nil {
			return nil, e.errorf(nil, "embedding index %d appears twice", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, e.errorf(nil, "embedding %d is empty", d.Index)
		}
		if dim >= 0 && len(d.Embedding) != dim {
			return nil, e.errorf(nil, "embeddings of different dimensions in one response (%d and %d)", dim, len(d.Embedding))
		}
		dim = len(d.Embedding)
		v := d.Embedding
		if !normalizeUnit(v) {
			return nil, e.errorf(nil, "embedding %d is zero or not finite", d.Index)
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

// embedError is an embedding failure. Its text is fixed at creation, with
// the API key scrubbed, so nothing the server echoes can leak the key.
type embedError struct {
	msg string
	err error
}

func (e *embedError) Error() string { return e.msg }
func (e *embedError) Unwrap() error { return e.err }

// errorf returns an error naming the server and model, wrapping err.
func (e *OpenAIEmbedder) errorf(err error, format string, args ...any) error {
	msg := fmt.Sprintf("embedding server %s, model %q: %s", e.host, e.model, fmt.Sprintf(format, args...))
	if e.apiKey != "" {
		msg = strings.ReplaceAll(msg, e.apiKey, "[redacted]")
	}
	return &embedError{msg: msg, err: err}
}

// truncateBody shortens an error body for a message: one line, at most
// 512 bytes.
func truncateBody(b []byte) string {
	const limit = 512
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
