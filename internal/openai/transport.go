package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error response is kept for messages.
const maxErrorBody = 64 << 10

// exchange is what the transport saw of the last HTTP response of one
// attempt. go-openai's errors keep the status but drop the headers (and,
// for OpenAI-shaped errors, the raw body), so the transport records them
// for the retry loop: Retry-After decides the wait, the body goes into the
// error message.
type exchange struct {
	status     int
	retryAfter time.Duration
	body       []byte
}

type exchangeKey struct{}

// withExchange returns a context that makes the transport fill x.
func withExchange(ctx context.Context, x *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

type zeroTemperatureKey struct{}

// withZeroTemperatureRequest returns a context whose chat requests the
// transport sends with "temperature":0 whatever the client's setting, for
// a request that wants the same reply every time (CompleteJSON). The
// request itself must leave Temperature at 0, so that go-openai drops it.
func withZeroTemperatureRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, zeroTemperatureKey{}, true)
}

// transport wraps the HTTP transport of a client for what go-openai does
// not do:
//
//   - It records the status, Retry-After / Retry-After-Ms and error body of
//     every response into the exchange its request's context carries.
//   - With zeroTemperature (or a context from withZeroTemperatureRequest)
//     it puts "temperature":0 back into chat requests.
//     go-openai v1.43.0 declares ChatCompletionRequest.Temperature as
//     `float32 json:"temperature,omitempty"`, so an explicit 0 is dropped
//     and the server applies its own default (1.0 at OpenAI, 0.8 in
//     Ollama): the opposite of what was asked. A near-zero stand-in such as
//     math.SmallestNonzeroFloat32 is not safe either: llama.cpp divides the
//     logits by the temperature unless it is <= 0, and a denormal makes them
//     infinite. Sending exactly 0 selects greedy decoding everywhere.
type transport struct {
	base            http.RoundTripper
	zeroTemperature bool
	now             func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	zero := t.zeroTemperature || req.Context().Value(zeroTemperatureKey{}) != nil
	if zero && req.Method == http.MethodPost && req.Body != nil &&
		strings.HasSuffix(req.URL.Path, "/chat/completions") {
		r2, err := withZeroTemperature(req)
		if err != nil {
			return nil, err
		}
		req = r2
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	x, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if x == nil {
		return resp, nil
	}
	x.status = resp.StatusCode
	x.retryAfter = parseRetryAfter(resp.Header, t.now())
	x.body = nil
	if resp.StatusCode >= 400 {
		// Read the error body once and hand go-openai a copy.
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		x.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if readErr != nil {
			return nil, fmt.Errorf("read error response: %w", readErr)
		}
	}
	return resp, nil
}

// newHTTPClient returns the client go-openai is given: the caller's
// (shallow-copied, never modified) or one over a clone of
// http.DefaultTransport, so HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE apply,
// with transport in front.
func newHTTPClient(c *http.Client, zeroTemperature bool) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	base := out.Transport
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Concurrent embedding batches reuse connections instead of
		// opening new ones.
		tr.MaxIdleConnsPerHost = 16
		base = tr
	}
	out.Transport = &transport{base: base, zeroTemperature: zeroTemperature, now: time.Now}
	return &out
}

// withZeroTemperature returns a copy of req whose JSON body carries
// "temperature":0 (unless it names a temperature already). It consumes and
// closes req.Body, as a RoundTripper must.
func withZeroTemperature(req *http.Request) (*http.Request, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read chat request body: %w", err)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if _, ok := top["temperature"]; !ok {
			rest := bytes.TrimSpace(bytes.TrimSpace(body)[1:]) // after "{"
			patched := []byte(`{"temperature":0`)
			if len(rest) > 0 && rest[0] != '}' {
				patched = append(patched, ',')
			}
			body = append(patched, rest...)
		}
	}
	r2 := req.Clone(req.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return r2, nil
}

// maxHeaderWait clamps absurd Retry-After values before they overflow a
// time.Duration; any policy refuses to wait that long anyway.
const maxHeaderWait = 24 * time.Hour

// parseRetryAfter reads how long a server asks the client to wait:
// OpenAI's Retry-After-Ms (milliseconds), else Retry-After in seconds or as
// an HTTP date. 0 means no usable header, or a date in the past.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(min(ms, maxHeaderWait.Seconds()*1000) * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, maxHeaderWait.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
