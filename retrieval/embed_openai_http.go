package retrieval

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// maxErrorBody bounds how much of an error response is kept for messages.
const maxErrorBody = 64 << 10

// attemptInfo is what the transport saw of one HTTP attempt. go-openai's
// errors keep the status but drop the headers (and, for OpenAI-shaped
// errors, the raw body), so the transport records them for the retry loop:
// Retry-After decides the wait, the body goes into the error message.
type attemptInfo struct {
	status     int
	retryAfter time.Duration
	hasRetry   bool
	body       []byte
}

type attemptKey struct{}

// withAttempt returns a context that makes captureTransport fill info.
func withAttempt(ctx context.Context, info *attemptInfo) context.Context {
	return context.WithValue(ctx, attemptKey{}, info)
}

// captureTransport wraps a RoundTripper and, for requests whose context
// carries an *attemptInfo, records the status, the Retry-After header and
// the body of error responses.
type captureTransport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	info, _ := req.Context().Value(attemptKey{}).(*attemptInfo)
	if err != nil || info == nil {
		return resp, err
	}
	info.status = resp.StatusCode
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
		info.retryAfter, info.hasRetry = d, true
	}
	if resp.StatusCode >= 400 {
		// Read the error body once and hand go-openai a copy.
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		info.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if readErr != nil {
			return nil, readErr
		}
	}
	return resp, nil
}

// embedHTTPClient returns the client for embedding requests: the caller's
// (shallow-copied, never modified) or one over a clone of
// http.DefaultTransport (so HTTPS_PROXY, NO_PROXY and the system
// certificates apply), with captureTransport in front.
func embedHTTPClient(c *http.Client) *http.Client {
	var out http.Client
	base := http.RoundTripper(nil)
	if c != nil {
		out = *c
		base = c.Transport
	}
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Concurrent batches reuse connections instead of opening new ones.
		tr.MaxIdleConnsPerHost = 16
		base = tr
	}
	out.Transport = &captureTransport{base: base, now: time.Now}
	return &out
}
