package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// collect returns a delta function that appends to a slice, and the slice.
func collect() (func(string), *[]string) {
	var got []string
	return func(d string) { got = append(got, d) }, &got
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e
}

func TestChatStreamDeltasAndUsage(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{})
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

func TestChatComplete(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{})
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

func TestChatStreamCutOffIsNotRetried(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{})
	srv.DropStreamAfter(3)
	onDelta, deltas := collect()
	text, _, err := c.Stream(context.Background(), testMsgs, onDelta)
	if err == nil {
		t.Fatal("no error after the stream was cut")
	}
	le := asError(t, err)
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

func TestChatStreamDropBeforeFirstTokenIsRetried(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{})
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

func TestChatRateLimitThenSuccess(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{})
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

func TestChatRetryAfterTooLong(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{})
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

func TestChatServerErrorForever(t *testing.T) {
	for _, streamed := range []bool{true, false} {
		p := Policy{MaxRetries: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
		c, srv, w := testChat(t, ChatConfig{Policy: &p})
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
		le := asError(t, err)
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

func TestChatNoRetryOnClientErrors(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{})
	srv.FailNext(1, http.StatusBadRequest, openaitest.OpenAIError("'messages' must contain the word json", "invalid_request_error", nil), "")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "must contain the word json") {
		t.Errorf("error %v", err)
	}
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("error does not wrap the *goopenai.APIError")
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("a 400 was retried: %d requests", srv.RequestCount())
	}
}

func TestChatOllamaErrorBody(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{})
	srv.FailNext(1, http.StatusNotFound, openaitest.OllamaError(`model "llama9" not found, try pulling it first`), "")
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	var reqErr *goopenai.RequestError
	if !errors.As(err, &reqErr) {
		t.Errorf("error does not wrap the *goopenai.RequestError")
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

func TestChatBaseURLWithoutV1(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	c, err := NewChat(ChatConfig{BaseURL: strings.TrimSuffix(srv.URL(), "/v1"), Model: testModel})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Complete(context.Background(), testMsgs)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "usually ends in /v1") {
		t.Errorf("error %v", err)
	}
}

func TestChatCancelDuringBackoff(t *testing.T) {
	srv := newFake(t)
	sleeping := make(chan struct{})
	p := Policy{MaxRetries: 3, MinBackoff: time.Hour, MaxBackoff: time.Hour}
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		close(sleeping)
		return Policy{}.sleep(ctx, d) // the real wait: an hour unless cancelled
	}
	c, err := NewChat(ChatConfig{BaseURL: srv.URL(), Model: testModel, Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, http.StatusServiceUnavailable, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sleeping
		cancel()
	}()
	_, _, err = c.Stream(ctx, testMsgs, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if srv.RequestCount() != 1 {
		t.Errorf("%d requests after cancel", srv.RequestCount())
	}
}

// A timed-out attempt is transient like a 5xx: it is retried up to the
// policy's MaxRetries, as long as no token has arrived.
func TestChatAttemptTimeout(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{Policy: &Policy{MaxRetries: 1, AttemptTimeout: 50 * time.Millisecond}})
	srv.DeltaDelay = time.Minute // the first token never comes in time
	_, _, err := c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	le := asError(t, err)
	if le.Timeout != 50*time.Millisecond || le.CutOff || !strings.Contains(err.Error(), "did not answer within 50ms (gave up after 2 attempts)") {
		t.Errorf("error %q", err)
	}
	if srv.RequestCount() != 2 || len(w.get()) != 1 {
		t.Errorf("%d requests, waits %v; want 2 and 1", srv.RequestCount(), w.get())
	}
}

func TestChatConnectionRefused(t *testing.T) {
	srv := openaitest.NewServer()
	url := srv.URL()
	srv.Close() // nothing listens there any more
	p, w := recorded(retries(ChatPolicy(), 2))
	c, err := NewChat(ChatConfig{BaseURL: url, APIKey: testKey, Model: testModel, Policy: p, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Stream(context.Background(), testMsgs, nil)
	if err == nil {
		t.Fatal("no error")
	}
	le := asError(t, err)
	if !strings.Contains(err.Error(), "cannot reach test-model at 127.0.0.1:") || le.Attempts != 3 || len(w.get()) != 2 {
		t.Errorf("error %q attempts %d waits %v", err, le.Attempts, w.get())
	}
	if strings.Contains(err.Error(), testKey) {
		t.Error("key in error")
	}
}

func TestChatKeyNeverInErrors(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{})
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

func TestChatTemperature(t *testing.T) {
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
			c, srv, _ := testChat(t, ChatConfig{Temperature: tc.temp})
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

func TestNewChatConfig(t *testing.T) {
	hot := float32(2.5)
	for _, tc := range []struct {
		name string
		cfg  ChatConfig
		want string
	}{
		{"no model", ChatConfig{BaseURL: "http://localhost:11434/v1"}, "no chat model"},
		{"bad URL", ChatConfig{BaseURL: "localhost:11434", Model: "m"}, "not an http(s) URL"},
		{"OpenAI without key", ChatConfig{Model: "gpt-4o-mini"}, "needs an API key"},
		{"temperature", ChatConfig{BaseURL: "http://localhost:11434/v1", Model: "m", Temperature: &hot}, "outside 0..2"},
	} {
		if _, err := NewChat(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}

	c, err := NewChat(ChatConfig{APIKey: testKey, Model: "gpt-4o-mini"})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.c.policy; c.String() != "gpt-4o-mini at api.openai.com" || p.AttemptTimeout != 2*time.Minute || p.MaxRetries != 3 {
		t.Errorf("String %q policy %+v", c, p)
	}
	// The default transport is a clone of http.DefaultTransport, so proxy
	// settings from the environment apply.
	tr, ok := c.c.httpClient.Transport.(*transport)
	if !ok {
		t.Fatalf("transport %T", c.c.httpClient.Transport)
	}
	if base, ok := tr.base.(*http.Transport); !ok || base.Proxy == nil || base == http.DefaultTransport {
		t.Errorf("base transport %T is not a clone of http.DefaultTransport with a proxy function", tr.base)
	}

	never, err := NewChat(ChatConfig{BaseURL: "http://localhost:11434/v1/", Model: "llama3.2", Policy: &Policy{}})
	if err != nil {
		t.Fatal(err)
	}
	if never.c.policy.MaxRetries != 0 || never.String() != "llama3.2 at localhost:11434" {
		t.Errorf("retries %d String %q", never.c.policy.MaxRetries, never)
	}
}

func TestChatCustomHTTPClient(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	var calls int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := NewChat(ChatConfig{BaseURL: srv.URL(), Model: testModel, HTTPClient: hc})
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

func TestChatMaxTokens(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{MaxTokens: 256})
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
