package answer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval/openaitest"
)

const (
	testKey   = "sk-test-secret-key-0123456789"
	testModel = "test-model"
	testReply = "Austin urged an immediate ceasefire in Ukraine [1]. The call lasted about an hour [2]."
)

var testMsgs = []prompts.Message{
	{Role: prompts.RoleSystem, Content: "Answer from the passages."},
	{Role: prompts.RoleUser, Content: "What did Austin urge?"},
}

// waits records the backoff waits of an LLM instead of sleeping them.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) get() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// fakeLLM starts the fake server answering testReply and a client for it
// whose backoff waits are recorded, not slept.
func fakeLLM(t *testing.T, cfg LLMConfig) (*LLM, *openaitest.Server, *waits) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.ChatFunc = func(openai.ChatCompletionRequest) string { return testReply }
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL()
	}
	cfg.APIKey, cfg.Model = testKey, testModel
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := NewLLM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep
	return c, srv, w
}

// collect returns a DeltaFunc that appends to a slice, and the slice.
func collect() (DeltaFunc, *[]string) {
	var got []string
	return func(d string) { got = append(got, d) }, &got
}

func asLLMError(t *testing.T, err error) *LLMError {
	t.Helper()
	var le *LLMError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not an *LLMError", err, err)
	}
	return le
}

func TestStreamDeltasAndUsage(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{})
	onDelta, deltas := collect()
	text, usage, err := c.Stream(context.Background(), testMsgs, onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if text != testReply {
		t.Errorf("text = %q, want %q", text, testReply)
	}
	if len(*deltas) < 5 || strings.Join(*deltas, "") != testReply {
		t.Errorf("deltas %q: want several, in order, adding up to the reply", *deltas)
	}
	// The fake counts one token per word and reports usage only in the
	// final chunk (empty choices), and only when asked for it.
	want := Usage{PromptTokens: 8, CompletionTokens: len(strings.Fields(testReply))}
	want.TotalTokens = want.PromptTokens + want.CompletionTokens
	if usage != want {
		t.Errorf("usage = %+v, want %+v", usage, want)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d chat requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.Stream || r.StreamOptions == nil || !r.StreamOptions.IncludeUsage || r.Model != testModel {
		t.Errorf("request stream=%v options=%+v model=%q", r.Stream, r.StreamOptions, r.Model)
	}
	if len(r.Messages) != 2 || r.Messages[0].Role != "system" || r.Messages[1].Content != testMsgs[1].Content {
		t.Errorf("messages sent: %+v", r.Messages)
	}
	if h := srv.Requests()[0].Header.Get("Authorization"); h != "Bearer "+testKey {
		t.Errorf("Authorization = %q", h)
	}
}

func TestComplete(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{})
	text, usage, err := c.Complete(context.Background(), testMsgs)
	if err != nil {
		t.Fatal(err)
	}
	if text != testReply || usage.CompletionTokens != len(strings.Fields(testReply)) || usage.TotalTokens == 0 {
		t.Errorf("text %q usage %+v", text, usage)
	}
	if reqs := srv.ChatRequests(); len(reqs) != 1 || reqs[0].Stream {
		t.Errorf("want one request without streaming, got %+v", reqs)
	}
}

func TestStreamCutOffIsNotRetried(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{})
	srv.DropStreamAfter(3)
	onDelta, deltas := collect()
	text, _, err := c.Stream(context.Background(), testMsgs, onDelta)
	if err == nil {
		t.Fatal("no error after the stream was cut")
	}
	le := asLLMError(t, err)
	if !le.CutOff || le.Received != len(text) || len(text) == 0 {
		t.Errorf("CutOff %v Received %d, text %q", le.CutOff, le.Received, text)
	}
	if !strings.Contains(err.Error(), "the answer stream from test-model at ") || !strings.Contains(err.Error(), "was cut off") {
		t.Errorf("error %q", err)
	}
	// The text returned is exactly what was delivered, once.
	if len(*deltas) != 3 || strings.Join(*deltas, "") != text || !strings.HasPrefix(testReply, text) {
		t.Errorf("deltas %q, text %q", *deltas, text)
	}
	if n := srv.RequestCount(); n != 1 || len(w.get()) != 0 {
		t.Errorf("%d requests, waits %v: a cut-off stream must not be retried", n, w.get())
	}
}

func TestStreamDropBeforeFirstTokenIsRetried(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{})
	srv.DropStreamAfter(0)
	onDelta, deltas := collect()
	text, usage, err := c.Stream(context.Background(), testMsgs, onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if text != testReply || strings.Join(*deltas, "") != testReply || usage.TotalTokens == 0 {
		t.Errorf("text %q deltas %q usage %+v", text, *deltas, usage)
	}
	if n := srv.RequestCount(); n != 2 || len(w.get()) != 1 {
		t.Errorf("%d requests, waits %v; want 2 and 1", n, w.get())
	}
}

func TestRateLimitThenSuccess(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{})
	srv.FailNext(1, http.StatusTooManyRequests, openaitest.OpenAIError("Rate limit reached", "requests", "rate_limit_exceeded"), "2")
	onDelta, deltas := collect()
	text, _, err := c.Stream(context.Background(), testMsgs, onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if text != testReply || strings.Join(*deltas, "") != testReply {
		t.Errorf("text %q deltas %q: want the reply once", text, *deltas)
	}
	if got := w.get(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("waits %v, want the server's Retry-After [2s]", got)
	}
	if n := srv.RequestCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{})
	srv.FailNext(1, http.StatusTooManyRequests, "", "3600")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "HTTP 429") || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("error %q", err)
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("%d requests, waits %v: a wait beyond the limit must not be made", srv.RequestCount(), w.get())
	}
}

func TestServerErrorForever(t *testing.T) {
	for _, streamed := range []bool{true, false} {
		c, srv, w := fakeLLM(t, LLMConfig{MaxRetries: 3})
		c.backoffBase, c.backoffMax = 100*time.Millisecond, 300*time.Millisecond
		srv.FailNext(100, http.StatusInternalServerError, openaitest.OpenAIError("The server had an error while processing your request.", "server_error", nil), "")
		var err error
		if streamed {
			onDelta, deltas := collect()
			_, _, err = c.Stream(context.Background(), testMsgs, onDelta)
			if len(*deltas) != 0 {
				t.Errorf("deltas %q", *deltas)
			}
		} else {
			_, _, err = c.Complete(context.Background(), testMsgs)
		}
		if err == nil {
			t.Fatal("no error")
		}
		le := asLLMError(t, err)
		host := strings.TrimPrefix(strings.TrimSuffix(srv.URL(), "/v1"), "http://")
		for _, s := range []string{"test-model at " + host, "HTTP 500", "The server had an error", "gave up after 4 attempts"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q lacks %q", err, s)
			}
		}
		if le.Status != 500 || le.Attempts != 4 || srv.RequestCount() != 4 {
			t.Errorf("status %d attempts %d requests %d", le.Status, le.Attempts, srv.RequestCount())
		}
		// Exponential backoff with jitter in the upper half, capped.
		got := w.get()
		bounds := [][2]time.Duration{{50, 100}, {100, 200}, {150, 300}}
		if len(got) != 3 {
			t.Fatalf("waits %v, want 3", got)
		}
		for i, b := range bounds {
			if got[i] < b[0]*time.Millisecond || got[i] > b[1]*time.Millisecond {
				t.Errorf("wait %d = %v, want within %v..%vms", i+1, got[i], b[0], b[1])
			}
		}
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{})
	srv.FailNext(1, http.StatusBadRequest, openaitest.OpenAIError("'messages' must contain the word json", "invalid_request_error", nil), "")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "must contain the word json") {
		t.Errorf("error %v", err)
	}
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("error does not wrap the *openai.APIError")
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("a 400 was retried: %d requests", srv.RequestCount())
	}
}

func TestOllamaErrorBody(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{})
	srv.FailNext(1, http.StatusNotFound, openaitest.OllamaError(`model "llama9" not found, try pulling it first`), "")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	var reqErr *openai.RequestError
	if !errors.As(err, &reqErr) {
		t.Errorf("error does not wrap the *openai.RequestError")
	}
	want := `failed: HTTP 404 Not Found: model "llama9" not found, try pulling it first (is the model name right?)`
	if !strings.Contains(err.Error(), "test-model at 127.0.0.1:") || !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	if srv.RequestCount() != 1 {
		t.Errorf("%d requests; a 404 must not be retried", srv.RequestCount())
	}

	// An Ollama-shaped 500 is retried like any 5xx.
	srv.FailNext(1, http.StatusInternalServerError, openaitest.OllamaError("llama runner process has terminated"), "")
	text, _, err := c.Complete(context.Background(), testMsgs)
	if err != nil || text != testReply {
		t.Errorf("after an Ollama 500: %q, %v", text, err)
	}
}

func TestBaseURLWithoutV1(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	c, err := NewLLM(LLMConfig{BaseURL: strings.TrimSuffix(srv.URL(), "/v1"), Model: testModel})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Complete(context.Background(), testMsgs)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "usually ends in /v1") {
		t.Errorf("error %v", err)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{})
	c.backoffBase, c.backoffMax = time.Hour, time.Hour
	sleeping := make(chan struct{})
	c.sleep = func(ctx context.Context, d time.Duration) error {
		close(sleeping)
		return sleepCtx(ctx, d) // the real wait: an hour unless cancelled
	}
	srv.FailNext(1, http.StatusServiceUnavailable, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sleeping
		cancel()
	}()
	_, _, err := c.Stream(ctx, testMsgs, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if srv.RequestCount() != 1 {
		t.Errorf("%d requests after cancel", srv.RequestCount())
	}
}

func TestAttemptTimeout(t *testing.T) {
	c, srv, w := fakeLLM(t, LLMConfig{Timeout: 50 * time.Millisecond})
	srv.DeltaDelay = time.Minute // the first token never comes in time
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	le := asLLMError(t, err)
	if le.Timeout != 50*time.Millisecond || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Errorf("error %q", err)
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("a timed-out attempt was retried")
	}
}

func TestConnectionRefused(t *testing.T) {
	srv := openaitest.NewServer()
	url := srv.URL()
	srv.Close() // nothing listens there any more
	c, err := NewLLM(LLMConfig{BaseURL: url, APIKey: testKey, Model: testModel, MaxRetries: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep
	_, _, err = c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	le := asLLMError(t, err)
	if !strings.Contains(err.Error(), "cannot reach test-model at 127.0.0.1:") || le.Attempts != 3 || len(w.get()) != 2 {
		t.Errorf("error %q attempts %d waits %v", err, le.Attempts, w.get())
	}
	if strings.Contains(err.Error(), testKey) {
		t.Error("key in error")
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{})
	srv.FailNext(1, http.StatusUnauthorized, openaitest.OpenAIError("Incorrect API key provided: "+testKey+".", "invalid_request_error", "invalid_api_key"), "")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error shows the key: %q", err)
	}
	if !strings.Contains(err.Error(), "Incorrect API key provided: [redacted]") || !strings.Contains(err.Error(), "check the API key") {
		t.Errorf("error %q", err)
	}
	srv.FailNext(1, http.StatusUnauthorized, openaitest.OllamaError("bad key "+testKey), "")
	if _, _, err := c.Complete(context.Background(), testMsgs); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("error %v", err)
	}
	if s := c.String(); strings.Contains(s, testKey) || !strings.HasPrefix(s, "test-model at 127.0.0.1:") {
		t.Errorf("String() = %q", s)
	}
}

// sentTemperature returns the temperature field of the last request body
// as sent on the wire, and whether there was one.
func sentTemperature(t *testing.T, srv *openaitest.Server) (string, bool) {
	t.Helper()
	reqs := srv.Requests()
	var body map[string]json.RawMessage
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
		t.Fatal(err)
	}
	v, ok := body["temperature"]
	return string(v), ok
}

func TestTemperature(t *testing.T) {
	zero, warm := float32(0), float32(0.7)
	for _, tc := range []struct {
		name string
		temp *float32
		want string // "" = absent
	}{
		{"unset", nil, ""},
		{"zero", &zero, "0"},
		{"warm", &warm, "0.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := fakeLLM(t, LLMConfig{Temperature: tc.temp})
			srv.FailNext(1, http.StatusBadGateway, "", "") // the retried body keeps it too
			if _, _, err := c.Stream(context.Background(), testMsgs, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Complete(context.Background(), testMsgs); err != nil {
				t.Fatal(err)
			}
			for i, r := range srv.Requests() {
				var body map[string]json.RawMessage
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				got, ok := body["temperature"]
				if (tc.want == "") == ok || (ok && string(got) != tc.want) {
					t.Errorf("request %d: temperature %s (present %v), want %q", i, got, ok, tc.want)
				}
				if len(body["messages"]) == 0 || string(body["model"]) != `"test-model"` {
					t.Errorf("request %d: body damaged: %s", i, r.Body)
				}
			}
		})
	}
}

func TestWithZeroTemperature(t *testing.T) {
	for in, want := range map[string]string{
		`{"model":"m"}`:                   `{"temperature":0,"model":"m"}`,
		` {}`:                             `{"temperature":0}`,
		`{"temperature":0.5,"model":"m"}`: `{"temperature":0.5,"model":"m"}`,
		`not json`:                        `not json`,
	} {
		req, err := http.NewRequest(http.MethodPost, "http://x/v1/chat/completions", strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := withZeroTemperature(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r2.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want || r2.ContentLength != int64(len(want)) {
			t.Errorf("%s → %s (length %d), want %s", in, got, r2.ContentLength, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header map[string]string
		want   time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond},
		{map[string]string{}, 0},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h, now); got != tc.want {
			t.Errorf("%v → %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestNewLLMConfig(t *testing.T) {
	hot := float32(2.5)
	for _, tc := range []struct {
		name string
		cfg  LLMConfig
		want string
	}{
		{"no model", LLMConfig{BaseURL: "http://localhost:11434/v1"}, "no chat model"},
		{"bad URL", LLMConfig{BaseURL: "localhost:11434", Model: "m"}, "not an http(s) URL"},
		{"OpenAI without key", LLMConfig{Model: "gpt-4o-mini"}, "needs an API key"},
		{"temperature", LLMConfig{BaseURL: "http://localhost:11434/v1", Model: "m", Temperature: &hot}, "outside 0..2"},
	} {
		if _, err := NewLLM(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}

	c, err := NewLLM(LLMConfig{APIKey: testKey, Model: "gpt-4o-mini"})
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != "gpt-4o-mini at api.openai.com" || c.timeout != DefaultLLMTimeout || c.maxRetries != DefaultLLMMaxRetries {
		t.Errorf("String %q timeout %v retries %d", c, c.timeout, c.maxRetries)
	}
	// The default transport is a clone of http.DefaultTransport, so proxy
	// settings from the environment apply.
	tr, ok := c.httpClient.Transport.(*llmTransport)
	if !ok {
		t.Fatalf("transport %T", c.httpClient.Transport)
	}
	if base, ok := tr.base.(*http.Transport); !ok || base.Proxy == nil || base == http.DefaultTransport {
		t.Errorf("base transport %T is not a clone of http.DefaultTransport with a proxy function", tr.base)
	}

	never, err := NewLLM(LLMConfig{BaseURL: "http://localhost:11434/v1/", Model: "llama3.2", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if never.maxRetries != 0 || never.String() != "llama3.2 at localhost:11434" {
		t.Errorf("retries %d String %q", never.maxRetries, never)
	}
}

func TestCustomHTTPClient(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	var calls int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := NewLLM(LLMConfig{BaseURL: srv.URL(), Model: testModel, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Complete(context.Background(), testMsgs); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("custom transport used %d times", calls)
	}
	if _, ok := hc.Transport.(roundTripFunc); !ok {
		t.Error("the caller's client was modified")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMaxTokens(t *testing.T) {
	c, srv, _ := fakeLLM(t, LLMConfig{MaxTokens: 256})
	if _, _, err := c.Complete(context.Background(), testMsgs); err != nil {
		t.Fatal(err)
	}
	if r := srv.ChatRequests()[0]; r.MaxTokens != 256 || r.MaxCompletionTokens != 0 {
		t.Errorf("max_tokens %d max_completion_tokens %d", r.MaxTokens, r.MaxCompletionTokens)
	}
	for _, tc := range []struct {
		host, model string
		want        bool
	}{
		{"api.openai.com", "gpt-4o-mini", true},
		{"localhost", "o3-mini", true},
		{"localhost", "gpt-5-nano", true},
		{"localhost", "llama3.2", false},
	} {
		if got := usesMaxCompletionTokens(tc.host, tc.model); got != tc.want {
			t.Errorf("%s %s: %v", tc.host, tc.model, got)
		}
	}
}
