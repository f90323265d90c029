package answer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// llmTransport wraps the HTTP transport of the chat client for two things
// go-openai does not do:
//
//   - It records the status and Retry-After of every response into the
//     respInfo its request's context carries, so the retry loop can honour
//     the wait a server asks for (go-openai's errors keep no headers).
//   - With zeroTemperature it puts "temperature":0 back into chat requests.
//     go-openai v1.43.0 declares ChatCompletionRequest.Temperature as
//     `float32 json:"temperature,omitempty"`, so an explicit 0 is dropped
//     and the server applies its own default (1.0 at OpenAI, 0.8 in
//     Ollama): the opposite of what was asked. A near-zero stand-in such as
//     math.SmallestNonzeroFloat32 is not safe either: llama.cpp divides the
//     logits by the temperature unless it is <= 0, and a denormal makes them
//     infinite. Sending exactly 0 selects greedy decoding everywhere.
type llmTransport struct {
	base            http.RoundTripper
	zeroTemperature bool
}

// respInfo is what llmTransport saw of the last response of one attempt.
type respInfo struct {
	status     int
	retryAfter time.Duration
}

type respInfoKey struct{}

func (t *llmTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.zeroTemperature && req.Method == http.MethodPost && req.Body != nil &&
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
	if info, ok := req.Context().Value(respInfoKey{}).(*respInfo); ok {
		info.status = resp.StatusCode
		info.retryAfter = parseRetryAfter(resp.Header, time.Now())
	}
	return resp, nil
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
			trimmed := bytes.TrimSpace(body)
			rest := bytes.TrimSpace(trimmed[1:]) // after "{"
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

// parseRetryAfter reads how long a server asks the client to wait:
// OpenAI's retry-after-ms, else Retry-After in seconds or as an HTTP date.
// 0 means no (usable) header.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
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
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
