package openai

// One policy for both callers: each test below runs the same failure
// through the embedder, the chat stream and the chat completion, over the
// fake server and the real go-openai client paths, and checks that they
// agree. Waits are recorded by an injected sleep, never timed.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// caller is one way of using the package: it builds a client for baseURL
// and returns the call to make.
type caller struct {
	name string
	make func(t *testing.T, cfg callerConfig) func(context.Context) error
}

type callerConfig struct {
	baseURL, key string
	policy       *Policy
	httpClient   *http.Client
	logger       *slog.Logger
}

var callers = []caller{
	{"embedder", func(t *testing.T, cfg callerConfig) func(context.Context) error {
		e, err := NewEmbedder(EmbedderConfig{BaseURL: cfg.baseURL, APIKey: cfg.key, Model: testModel,
			Policy: cfg.policy, HTTPClient: cfg.httpClient, Logger: cfg.logger})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context) error {
			_, err := e.EmbedDocuments(ctx, []string{"one", "two"})
			return err
		}
	}},
	{"chat stream", func(t *testing.T, cfg callerConfig) func(context.Context) error {
		c := newCallerChat(t, cfg)
		return func(ctx context.Context) error {
			_, _, err := c.Stream(ctx, testMsgs, nil)
			return err
		}
	}},
	{"chat complete", func(t *testing.T, cfg callerConfig) func(context.Context) error {
		c := newCallerChat(t, cfg)
		return func(ctx context.Context) error {
			_, _, err := c.Complete(ctx, testMsgs)
			return err
		}
	}},
}

func newCallerChat(t *testing.T, cfg callerConfig) *Chat {
	t.Helper()
	c, err := NewChat(ChatConfig{BaseURL: cfg.baseURL, APIKey: cfg.key, Model: testModel,
		Policy: cfg.policy, HTTPClient: cfg.httpClient, Logger: cfg.logger})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eachCaller runs f once per caller, each with a fresh fake server and a
// policy of maxRetries retries whose waits are recorded.
func eachCaller(t *testing.T, maxRetries int, f func(t *testing.T, srv *openaitest.Server, call func() error, w *waits)) {
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			srv := newFake(t)
			p, w := recorded(Policy{MaxRetries: maxRetries, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxRetryAfter: DefaultMaxRetryAfter})
			call := c.make(t, callerConfig{baseURL: srv.URL(), key: testKey, policy: p})
			f(t, srv, func() error { return call(context.Background()) }, w)
		})
	}
}

func TestPolicyQuotaNotRetried(t *testing.T) {
	for _, body := range []string{
		openaitest.OpenAIError("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"),
		openaitest.OpenAIError("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", nil),
		openaitest.OpenAIError("You exceeded your current quota, please check your plan and billing details.", "requests", "insufficient_quota"),
	} {
		eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
			srv.FailNext(5, http.StatusTooManyRequests, body, "1")
			err := call()
			e := asError(t, err)
			if e.Status != 429 || e.Attempts != 1 || !strings.Contains(err.Error(), "HTTP 429") || !strings.Contains(err.Error(), "exceeded your current quota") {
				t.Errorf("error %q (status %d, attempts %d)", err, e.Status, e.Attempts)
			}
			if srv.RequestCount() != 1 || len(w.get()) != 0 {
				t.Errorf("%d requests, waits %v: an exhausted quota must not be retried", srv.RequestCount(), w.get())
			}
		})
	}
}

func TestPolicyUnknownHostNotRetried(t *testing.T) {
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			p, w := recorded(retries(EmbedPolicy(), 5))
			call := c.make(t, callerConfig{baseURL: "http://api.citebot.invalid/v1", key: testKey, policy: p, httpClient: fakeDNSClient(dnsNXDomain)})
			err := call(context.Background())
			e := asError(t, err)
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				t.Fatalf("error %v does not wrap a not-found *net.DNSError", err)
			}
			if e.Attempts != 1 || len(w.get()) != 0 {
				t.Errorf("attempts %d, waits %v: an unknown host must not be retried", e.Attempts, w.get())
			}
			msg := err.Error()
			if !strings.Contains(msg, "cannot reach test-model at api.citebot.invalid: ") || !strings.Contains(msg, "no such host") || strings.Contains(msg, "/v1") {
				t.Errorf("error %q", msg)
			}
		})
	}
}

func TestPolicyResolverFailureRetried(t *testing.T) {
	// A resolver that is down (SERVFAIL) may come back: that is retried.
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			p, w := recorded(retries(EmbedPolicy(), 2))
			call := c.make(t, callerConfig{baseURL: "http://api.citebot.invalid/v1", policy: p, httpClient: fakeDNSClient(dnsServFail)})
			e := asError(t, call(context.Background()))
			if e.Attempts != 3 || len(w.get()) != 2 {
				t.Errorf("attempts %d, waits %v; want 3 and 2", e.Attempts, w.get())
			}
		})
	}
}

func TestPolicyRetryAfterHonoured(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"Retry-After seconds", http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{"Retry-After-Ms", http.Header{"Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{"Retry-After-Ms wins", http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"7"}}, 1500 * time.Millisecond},
		{"at the cap", http.Header{"Retry-After": {"60"}}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
				srv.FailNextHeader(1, http.StatusTooManyRequests, openaitest.OpenAIError("Rate limit reached", "requests", "rate_limit_exceeded"), tc.header)
				if err := call(); err != nil {
					t.Fatal(err)
				}
				if got := w.get(); len(got) != 1 || got[0] != tc.want {
					t.Errorf("waits %v, want [%v]", got, tc.want)
				}
				if srv.RequestCount() != 2 {
					t.Errorf("%d requests, want 2", srv.RequestCount())
				}
			})
		})
	}
}

func TestPolicyRetryAfterCapped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"Retry-After seconds", http.Header{"Retry-After": {"3600"}}, time.Hour},
		{"Retry-After-Ms", http.Header{"Retry-After-Ms": {"90000"}}, 90 * time.Second},
		{"HTTP date", http.Header{"Retry-After": {time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)}}, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
				srv.FailNextHeader(1, http.StatusTooManyRequests, "", tc.header)
				err := call()
				e := asError(t, err)
				// The date loses a second or so on the way.
				if e.RetryAfter < tc.want-5*time.Second || e.RetryAfter > tc.want || !strings.Contains(err.Error(), "the server asks to retry after") {
					t.Errorf("error %q, RetryAfter %v, want about %v", err, e.RetryAfter, tc.want)
				}
				if srv.RequestCount() != 1 || len(w.get()) != 0 {
					t.Errorf("%d requests, waits %v: a wait beyond the cap must not be made", srv.RequestCount(), w.get())
				}
			})
		})
	}
}

func TestPolicyTransientRetriedUpToMax(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"500", http.StatusInternalServerError, openaitest.OpenAIError("The server had an error while processing your request.", "server_error", nil)},
		{"429 rate limit", http.StatusTooManyRequests, openaitest.OpenAIError("Rate limit reached for requests", "requests", "rate_limit_exceeded")},
		{"503 Ollama", http.StatusServiceUnavailable, openaitest.OllamaError("server busy, please try again.  maximum pending requests exceeded")},
		{"408", http.StatusRequestTimeout, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
				srv.FailNext(100, tc.status, tc.body, "")
				err := call()
				e := asError(t, err)
				if e.Status != tc.status || e.Attempts != 4 || !strings.Contains(err.Error(), "gave up after 4 attempts") {
					t.Errorf("error %q (status %d, attempts %d)", err, e.Status, e.Attempts)
				}
				if srv.RequestCount() != 4 || len(w.get()) != 3 {
					t.Errorf("%d requests, %d waits; want 4 and 3", srv.RequestCount(), len(w.get()))
				}
			})
			// Fewer failures than retries: the call succeeds.
			eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
				srv.FailNext(3, tc.status, tc.body, "")
				if err := call(); err != nil {
					t.Fatal(err)
				}
				if srv.RequestCount() != 4 || len(w.get()) != 3 {
					t.Errorf("%d requests, %d waits; want 4 and 3", srv.RequestCount(), len(w.get()))
				}
			})
		})
	}
}

func TestPolicyClientErrorsNotRetried(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound} {
		eachCaller(t, 3, func(t *testing.T, srv *openaitest.Server, call func() error, w *waits) {
			srv.FailNext(5, status, "", "")
			if e := asError(t, call()); e.Status != status || e.Attempts != 1 || srv.RequestCount() != 1 || len(w.get()) != 0 {
				t.Errorf("HTTP %d: status %d, attempts %d, %d requests", status, e.Status, e.Attempts, srv.RequestCount())
			}
		})
	}
}

func TestPolicyShortKeyDoesNotMangle(t *testing.T) {
	const msg = `lookup of model "k-model" failed: pull it with ollama pull k-model`
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			srv := newFake(t)
			srv.FailNext(1, http.StatusNotFound, openaitest.OllamaError(msg), "")
			call := c.make(t, callerConfig{baseURL: srv.URL(), key: "k", policy: &Policy{}})
			err := call(context.Background())
			if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q, want the server's message intact", err)
			}
		})
	}
	// Keys from MinSecretLen bytes on are secrets.
	if got := redact("key=abcdefgh", "abcdefgh"); got != "key=[redacted]" {
		t.Errorf("redact = %q", got)
	}
	if got := redact("key=abcdefg", "abcdefg"); got != "key=abcdefg" {
		t.Errorf("redact of a %d-byte key = %q", len("abcdefg"), got)
	}
}

func TestPolicyKeyAtTheCutIsRedacted(t *testing.T) {
	// A long key echoed where the message is cut: truncating first would
	// keep its first 60 bytes, which a redaction of the whole key then
	// misses.
	key := "sk-proj-" + strings.Repeat("Zq7Xw3Vb9Lm2", 6) // 80 bytes
	body := strings.Repeat("-", 240) + key
	if cut := clip(body, MaxMessageBytes); !strings.Contains(cut, key[:40]) {
		t.Fatalf("the scenario does not put the key across the cut: %q", cut)
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			srv := newFake(t)
			var logs bytes.Buffer
			srv.FailNext(1, http.StatusInternalServerError, body, "")
			srv.FailNext(1, http.StatusUnauthorized, body, "")
			call := c.make(t, callerConfig{baseURL: srv.URL(), key: key, policy: ptr(retries(Policy{}, 3)),
				logger: slog.New(slog.NewTextHandler(&logs, nil))})
			err := call(context.Background())
			e := asError(t, err)
			if e.Status != 401 || !strings.Contains(err.Error(), "[redacted]") {
				t.Fatalf("error %q", err)
			}
			for _, out := range []string{err.Error(), e.Message, logs.String()} {
				for i := 0; i+MinSecretLen <= len(key); i++ {
					if strings.Contains(out, key[i:i+MinSecretLen]) {
						t.Fatalf("%q shows part of the key (%q)", out, key[i:i+MinSecretLen])
					}
				}
			}
			if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+key {
				t.Errorf("Authorization %q", got)
			}
		})
	}
}

func TestPolicyChatNotRetriedAfterFirstToken(t *testing.T) {
	c, srv, w := testChat(t, ChatConfig{Policy: ptr(retries(ChatPolicy(), 3))})
	srv.DropStreamAfter(3)
	var got strings.Builder
	text, _, err := c.Stream(context.Background(), testMsgs, func(d string) { got.WriteString(d) })
	e := asError(t, err)
	if !e.CutOff || e.Received != len(text) || text == "" || got.String() != text {
		t.Errorf("CutOff %v Received %d text %q delivered %q", e.CutOff, e.Received, text, got.String())
	}
	if srv.RequestCount() != 1 || len(w.get()) != 0 {
		t.Errorf("%d requests, waits %v: a stream cut after its first token must not be retried", srv.RequestCount(), w.get())
	}
	// Before the first token the same drop is retried.
	srv.DropStreamAfter(0)
	got.Reset()
	text, _, err = c.Stream(context.Background(), testMsgs, func(d string) { got.WriteString(d) })
	if err != nil || text != testReply || got.String() != testReply {
		t.Fatalf("text %q delivered %q err %v", text, got.String(), err)
	}
	if srv.RequestCount() != 3 || len(w.get()) != 1 {
		t.Errorf("%d requests, waits %v; want 3 and 1", srv.RequestCount(), w.get())
	}
}

func TestPolicyBackoff(t *testing.T) {
	p := Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, MaxRetryAfter: time.Minute}
	for range 50 {
		for retry, b := range [][2]time.Duration{{50, 100}, {100, 200}, {150, 300}, {150, 300}} {
			d, ok := p.wait(retry+1, 0)
			if !ok || d < b[0]*time.Millisecond || d > b[1]*time.Millisecond {
				t.Fatalf("retry %d waits %v, want %v..%vms", retry+1, d, b[0], b[1])
			}
		}
	}
	// Retry-After is a floor over the backoff, up to the cap.
	if d, ok := p.wait(1, 30*time.Second); !ok || d != 30*time.Second {
		t.Errorf("wait %v %v", d, ok)
	}
	if _, ok := p.wait(1, time.Minute+time.Millisecond); ok {
		t.Error("a wait beyond MaxRetryAfter was accepted")
	}
	// MaxRetryAfter 0 ignores the header.
	p.MaxRetryAfter = 0
	if d, ok := p.wait(1, time.Hour); !ok || d > 100*time.Millisecond {
		t.Errorf("wait %v %v", d, ok)
	}
	if d := (Policy{}).backoff(3); d != 0 {
		t.Errorf("zero policy backoff %v", d)
	}
	// Doubling from MinBackoff up to MaxBackoff, jittered in the upper half.
	p = Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	for retry := 1; retry <= 8; retry++ {
		ceil := min(100*time.Millisecond<<(retry-1), time.Second)
		for range 50 {
			if d := p.backoff(retry); d < ceil/2 || d > ceil {
				t.Fatalf("retry %d: backoff %v outside [%v, %v]", retry, d, ceil/2, ceil)
			}
		}
	}
}

func TestPolicySleep(t *testing.T) {
	if err := (Policy{}).sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Policy{}).sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if err := (Policy{}).sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestTransientStatus(t *testing.T) {
	for code, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 408: true, 429: true, 500: true, 502: true, 503: true} {
		if got := transientStatus(code); got != want {
			t.Errorf("transientStatus(%d) = %v", code, got)
		}
	}
}
