package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

func numberedTexts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("chunk number %d", i)
	}
	return out
}

func sameVector(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

// inflight counts concurrent requests through a transport.
type inflight struct {
	base      http.RoundTripper
	cur, peak atomic.Int32
}

func (f *inflight) RoundTrip(r *http.Request) (*http.Response, error) {
	n := f.cur.Add(1)
	defer f.cur.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return f.base.RoundTrip(r)
}

func TestEmbedderBatching(t *testing.T) {
	srv := newFake(t)
	srv.Delay = 5 * time.Millisecond // lets batches overlap
	counter := &inflight{base: http.DefaultTransport.(*http.Transport).Clone()}
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{
		BatchSize: 10, Concurrency: 2, HTTPClient: &http.Client{Transport: counter},
	})
	in := numberedTexts(95)
	vs, err := e.EmbedDocuments(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(in) {
		t.Fatalf("%d vectors", len(vs))
	}
	for i, v := range vs {
		if !sameVector(v, openaitest.Vector(in[i], openaitest.DefaultDim)) {
			t.Fatalf("vector %d is not the one for its text", i)
		}
	}
	reqs := srv.EmbeddingRequests()
	if len(reqs) != 10 {
		t.Fatalf("%d requests, want 10", len(reqs))
	}
	sent := map[string]bool{}
	for _, r := range reqs {
		if len(r.Input) > 10 || r.Model != "test-embed" {
			t.Errorf("request with %d inputs, model %q", len(r.Input), r.Model)
		}
		for _, s := range r.Input {
			sent[s] = true
		}
	}
	if len(sent) != len(in) {
		t.Errorf("%d distinct texts sent", len(sent))
	}
	if p := counter.peak.Load(); p > 2 {
		t.Errorf("peak concurrency %d > 2", p)
	}
	if vs, err := e.EmbedDocuments(context.Background(), nil); err != nil || len(vs) != 0 {
		t.Errorf("empty batch: %v %v", vs, err)
	}
	if srv.RequestCount() != 10 {
		t.Errorf("an empty batch made a request")
	}
}

func TestEmbedderShuffledIndex(t *testing.T) {
	srv := newFake(t)
	srv.ShuffleIndex = true
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{BatchSize: 16})
	in := numberedTexts(40)
	vs, err := e.EmbedDocuments(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if !sameVector(v, openaitest.Vector(in[i], openaitest.DefaultDim)) {
			t.Fatalf("vector %d is not the one for its text", i)
		}
	}
}

func TestEmbedderRetryAfter(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(1, http.StatusTooManyRequests, openaitest.OpenAIError("Rate limit reached", "requests", "rate_limit_exceeded"), "1")
	e, w := testEmbedder(t, srv.URL(), EmbedderConfig{})
	v, err := e.EmbedQuery(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	if !sameVector(v, openaitest.Vector("hello", openaitest.DefaultDim)) {
		t.Error("wrong vector")
	}
	if got := w.get(); len(got) != 1 || got[0] < time.Second {
		t.Fatalf("waits %v, want one of at least the 1s Retry-After", got)
	}
	if srv.RequestCount() != 2 {
		t.Fatalf("%d requests", srv.RequestCount())
	}
}

func TestEmbedderRetriesThenGivesUp(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(100, http.StatusInternalServerError, openaitest.OpenAIError("The server had an error processing your request", "server_error", nil), "")
	var logs bytes.Buffer
	e, w := testEmbedder(t, srv.URL(), EmbedderConfig{
		APIKey: "sk-test-secret", Policy: ptr(retries(EmbedPolicy(), 3)),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	_, err := e.EmbedDocuments(context.Background(), numberedTexts(3))
	if err == nil {
		t.Fatal("want an error")
	}
	if srv.RequestCount() != 4 || len(w.get()) != 3 {
		t.Fatalf("%d requests, %d waits; want 4 and 3", srv.RequestCount(), len(w.get()))
	}
	msg := err.Error()
	for _, want := range []string{host(srv.URL()), "test-embed at ", "HTTP 500", "gave up after 4 attempts", "The server had an error"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Errorf("error does not wrap the APIError: %#v", err)
	}
	if strings.Contains(msg, "sk-test-secret") || strings.Contains(logs.String(), "sk-test-secret") {
		t.Error("the API key leaked")
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no retry logged: %s", logs.String())
	}
}

func TestEmbedderCancelDuringBackoff(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(1, http.StatusServiceUnavailable, "", "")
	// A real, long sleep: only the cancel can end it.
	p := Policy{MaxRetries: 5, MinBackoff: time.Hour, MaxBackoff: time.Hour}
	e, err := NewEmbedder(EmbedderConfig{BaseURL: srv.URL(), Model: "m", Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.EmbedDocuments(ctx, numberedTexts(5))
		done <- err
	}()
	for srv.RequestCount() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("EmbedDocuments did not return after cancel")
	}
	if srv.RequestCount() != 1 {
		t.Errorf("%d requests after cancel", srv.RequestCount())
	}
}

func TestEmbedderOllamaErrorBody(t *testing.T) {
	srv := newFake(t)
	// A missing model is final: one request, the server's words in the error.
	srv.FailNext(1, http.StatusNotFound, openaitest.OllamaError(`model "nomic-embed-text" not found, try pulling it first`), "")
	e, w := testEmbedder(t, srv.URL(), EmbedderConfig{Model: "nomic-embed-text"})
	_, err := e.EmbedDocuments(context.Background(), numberedTexts(2))
	var reqErr *goopenai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != 404 {
		t.Fatalf("err %#v, want a RequestError 404", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "try pulling it first") || !strings.Contains(msg, "HTTP 404") || !strings.Contains(msg, "nomic-embed-text") {
		t.Errorf("message %q", msg)
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("%d requests, %v waits: a 404 must not be retried", srv.RequestCount(), w.get())
	}
	// A model still loading (503, Ollama shape) is retried.
	srv.FailNext(2, http.StatusServiceUnavailable, openaitest.OllamaError("server busy, please try again. maximum pending requests exceeded"), "")
	if _, err := e.EmbedDocuments(context.Background(), numberedTexts(2)); err != nil {
		t.Fatal(err)
	}
	if len(w.get()) != 2 {
		t.Errorf("waits %v", w.get())
	}
}

func TestEmbedderQuotaNotRetried(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(5, http.StatusTooManyRequests, openaitest.OpenAIError("You exceeded your current quota", "insufficient_quota", "insufficient_quota"), "")
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{})
	_, err := e.EmbedQuery(context.Background(), "q")
	if err == nil || !strings.Contains(err.Error(), "exceeded your current quota") || srv.RequestCount() != 1 {
		t.Fatalf("err %v after %d requests", err, srv.RequestCount())
	}
}

func TestEmbedderKeyNeverInErrors(t *testing.T) {
	const key = "sk-proj-very-secret-key-123"
	srv := newFake(t)
	srv.FailNext(1, http.StatusUnauthorized, openaitest.OpenAIError("Incorrect API key provided: "+key+".", "invalid_request_error", "invalid_api_key"), "")
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{APIKey: key})
	_, err := e.EmbedQuery(context.Background(), "q")
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %q", err)
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+key {
		t.Errorf("Authorization %q", got)
	}
	if strings.Contains(fmt.Sprint(e), key) {
		t.Error("String() shows the key")
	}
}

func TestEmbedderDimensionMismatch(t *testing.T) {
	srv := newFake(t)
	srv.EmbedFunc = func(model, text string) []float32 {
		if strings.HasSuffix(text, "7") {
			return openaitest.Vector(text, 32)
		}
		return openaitest.Vector(text, 64)
	}
	// Within one response.
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{BatchSize: 100})
	_, err := e.EmbedDocuments(context.Background(), numberedTexts(10))
	if err == nil || !strings.Contains(err.Error(), "different dimensions") || !strings.Contains(err.Error(), host(srv.URL())) {
		t.Fatalf("err %v", err)
	}
	// Across batches.
	e, _ = testEmbedder(t, srv.URL(), EmbedderConfig{BatchSize: 1})
	_, err = e.EmbedDocuments(context.Background(), numberedTexts(10))
	if err == nil || !strings.Contains(err.Error(), "dimensions") {
		t.Fatalf("err %v", err)
	}
}

// badServer answers every embeddings request with body.
func badServer(t *testing.T, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s.URL + "/v1"
}

func TestEmbedderBadResponses(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"missing item", `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0]}]}`, "sent 2 inputs, got 1"},
		{"duplicate index", `{"data":[{"index":0,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}`, "appears twice"},
		{"index out of range", `{"data":[{"index":0,"embedding":[1,0]},{"index":5,"embedding":[0,1]}]}`, "out of range"},
		{"empty vector", `{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[0,1]}]}`, "is empty"},
		{"zero vector", `{"data":[{"index":0,"embedding":[0,0]},{"index":1,"embedding":[0,1]}]}`, "zero"},
		{"not json", `<html>oops</html>`, "unreadable response (HTTP 200)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, w := testEmbedder(t, badServer(t, tc.body), EmbedderConfig{})
			_, err := e.EmbedDocuments(context.Background(), []string{"a", "b"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if len(w.get()) != 0 {
				t.Errorf("a malformed 200 was retried")
			}
		})
	}
}

func TestEmbedderNormalizes(t *testing.T) {
	u := badServer(t, `{"data":[{"index":0,"embedding":[3,4]}]}`)
	e, _ := testEmbedder(t, u, EmbedderConfig{})
	v, err := e.EmbedQuery(context.Background(), "x")
	if err != nil || !sameVector(v, []float32{0.6, 0.8}) {
		t.Fatalf("%v %v", v, err)
	}
}

func TestEmbedderTimeoutRetried(t *testing.T) {
	srv := newFake(t)
	var calls atomic.Int32
	// The first request hangs until the client gives up; later ones are
	// answered by the fake server.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Read the body first: only then does net/http notice the
			// client hanging up and cancel r.Context().
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL()+strings.TrimPrefix(r.URL.Path, "/v1"), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(front.Close)
	e, w := testEmbedder(t, front.URL+"/v1", EmbedderConfig{Policy: &Policy{MaxRetries: 5, AttemptTimeout: 300 * time.Millisecond}})
	v, err := e.EmbedQuery(context.Background(), "slow")
	if err != nil {
		t.Fatal(err)
	}
	if !sameVector(v, openaitest.Vector("slow", openaitest.DefaultDim)) || len(w.get()) != 1 || calls.Load() != 2 {
		t.Fatalf("waits %v calls %d", w.get(), calls.Load())
	}

	// When every attempt times out the error says so.
	e, _ = testEmbedder(t, front.URL+"/v1", EmbedderConfig{Policy: &Policy{AttemptTimeout: 20 * time.Millisecond}})
	calls.Store(0)
	_, err = e.EmbedQuery(context.Background(), "slow")
	if err == nil || !strings.Contains(err.Error(), "did not answer within 20ms") {
		t.Fatalf("err %v", err)
	}
}

func TestEmbedderConnectionRefused(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	u := dead.URL + "/v1"
	dead.Close()
	e, w := testEmbedder(t, u, EmbedderConfig{Policy: ptr(retries(EmbedPolicy(), 2))})
	_, err := e.EmbedQuery(context.Background(), "q")
	if err == nil || !strings.Contains(err.Error(), host(u)) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("err %v", err)
	}
	if len(w.get()) != 2 {
		t.Errorf("waits %v", w.get())
	}
}

func TestEmbedderPrefixes(t *testing.T) {
	srv := newFake(t)
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{
		Model: "nomic-embed-text", QueryPrefix: "search_query: ", DocumentPrefix: "search_document: ",
	})
	if e.Name() != "openai" || !strings.Contains(e.Model(), "nomic-embed-text") || !strings.Contains(e.Model(), "search_query: ") {
		t.Fatalf("name %q model %q", e.Name(), e.Model())
	}
	plain, _ := testEmbedder(t, srv.URL(), EmbedderConfig{Model: "nomic-embed-text"})
	if plain.Model() != "nomic-embed-text" || plain.Model() == e.Model() {
		t.Fatalf("plain model %q", plain.Model())
	}
	ctx := context.Background()
	if _, err := e.EmbedDocuments(ctx, []string{"doc", ""}); err != nil {
		t.Fatal(err)
	}
	q, err := e.EmbedQuery(ctx, "question")
	if err != nil {
		t.Fatal(err)
	}
	if !sameVector(q, openaitest.Vector("search_query: question", openaitest.DefaultDim)) {
		t.Error("query vector is not of the prefixed text")
	}
	reqs := srv.EmbeddingRequests()
	if got := reqs[0].Input; len(got) != 2 || got[0] != "search_document: doc" || got[1] != "search_document: " {
		t.Errorf("documents sent as %q", got)
	}
	if got := reqs[1].Input; len(got) != 1 || got[0] != "search_query: question" {
		t.Errorf("query sent as %q", got)
	}
	// An empty text without prefix goes out as a space (OpenAI rejects "").
	if _, err := plain.EmbedQuery(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := srv.EmbeddingRequests()[2].Input; got[0] != " " {
		t.Errorf("empty query sent as %q", got)
	}
}

func TestNewEmbedderConfig(t *testing.T) {
	for _, bad := range []EmbedderConfig{
		{BaseURL: "localhost:11434/v1"},
		{BaseURL: "ftp://example.com/v1"},
		{BatchSize: -1},
		{Concurrency: -1},
		{BaseURL: "https://api.openai.com/v1"}, // no key
	} {
		if _, err := NewEmbedder(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	e, err := NewEmbedder(EmbedderConfig{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if e.c.host != "api.openai.com" || e.c.model != DefaultEmbedModel || e.batch != 64 || e.conc != 4 ||
		e.c.policy.MaxRetries != 5 || e.c.policy.AttemptTimeout != time.Minute {
		t.Errorf("defaults %+v, policy %+v", e, e.c.policy)
	}
	// The default transport honours proxy settings from the environment.
	ct, ok := newHTTPClient(nil, false).Transport.(*transport)
	if !ok {
		t.Fatal("no recording transport")
	}
	if tr, ok := ct.base.(*http.Transport); !ok || tr.Proxy == nil {
		t.Error("default transport ignores HTTPS_PROXY")
	}
	// A caller's client is wrapped, not modified.
	mine := &http.Client{Timeout: time.Second}
	got := newHTTPClient(mine, false)
	if mine.Transport != nil || got.Timeout != time.Second {
		t.Error("caller's client changed or its timeout lost")
	}
}

func TestEmbedderDimensions(t *testing.T) {
	srv := newFake(t)
	ctx := context.Background()
	short, _ := testEmbedder(t, srv.URL(), EmbedderConfig{Model: "text-embedding-3-small", Dimensions: 256})
	full, _ := testEmbedder(t, srv.URL(), EmbedderConfig{Model: "text-embedding-3-small"})
	if full.Model() != "text-embedding-3-small" || short.Model() == full.Model() || !strings.Contains(short.Model(), "256") {
		t.Errorf("models %q and %q: a dimension change must change Model (and re-embed)", short.Model(), full.Model())
	}
	vs, err := short.EmbedDocuments(ctx, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := short.EmbedQuery(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs[0]) != 256 || len(q) != 256 {
		t.Errorf("dimensions %d, %d; want 256", len(vs[0]), len(q))
	}
	if _, err := full.EmbedQuery(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.EmbeddingRequests()
	if len(reqs) != 3 || reqs[0].Dimensions != 256 || reqs[1].Dimensions != 256 || reqs[2].Dimensions != 0 {
		t.Fatalf("requests %+v: want dimensions 256, 256, then none", reqs)
	}
	// On the wire: the key is there when set and absent at 0.
	raw := srv.Requests()
	if !strings.Contains(string(raw[0].Body), `"dimensions":256`) || strings.Contains(string(raw[2].Body), "dimensions") {
		t.Errorf("bodies %s / %s", raw[0].Body, raw[2].Body)
	}
}

func TestEmbedderDimensionsIgnoredByServer(t *testing.T) {
	srv := newFake(t)
	srv.EmbedFunc = func(_, text string) []float32 { return openaitest.Vector(text, 64) }
	e, _ := testEmbedder(t, srv.URL(), EmbedderConfig{Dimensions: 32})
	_, err := e.EmbedQuery(context.Background(), "q")
	if err == nil || !strings.Contains(err.Error(), "asked for 32 dimensions, got an embedding of 64") {
		t.Fatalf("err %v", err)
	}
	if _, err := NewEmbedder(EmbedderConfig{Dimensions: -1}); err == nil {
		t.Error("negative dimensions accepted")
	}
}
