package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Call is one recorded REST request and the status the fake answered.
type Call struct {
	Method string
	// Path is the URL path, e.g. /api/v9/interactions/1/tok/callback.
	Path  string
	Query string
	// Body is the decoded JSON body (nil when there was none or it was not
	// a JSON object); Raw the bytes as sent.
	Body map[string]any
	Raw  []byte
	// Time is when the request arrived.
	Time   time.Time
	Status int
}

// String is a short description for test failure messages.
func (c Call) String() string { return fmt.Sprintf("%s %s → %d", c.Method, c.Path, c.Status) }

// Calls returns every REST call so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsMatching returns the calls for which match is true.
func (s *Server) CallsMatching(match func(Call) bool) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits for a recorded call (past or future) for which match is
// true and returns the first such call.
func (s *Server) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	var found Call
	err := s.wait(ctx, "a matching REST call", func() bool {
		for _, c := range s.calls {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// failure is a scripted error answer for matching requests.
type failure struct {
	method, pathContains string
	remaining            int
	retryAfter           time.Duration
	// delay > 0 makes a slow answer instead of a 429.
	delay time.Duration
}

// FailNext answers the next n requests whose method matches (""= any) and
// whose path contains pathContains with 429 Too Many Requests, a
// Retry-After header and a JSON body with retry_after in seconds, as
// Discord does.
func (s *Server) FailNext(method, pathContains string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method: method, pathContains: pathContains, remaining: n, retryAfter: retryAfter})
}

// SlowNext holds the next n matching requests for delay before answering
// them normally (or until the client gives up), to test client deadlines.
func (s *Server) SlowNext(method, pathContains string, n int, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method: method, pathContains: pathContains, remaining: n, delay: delay})
}

// takeFailure returns a scripted failure for the request, if one is due.
func (s *Server) takeFailure(method, path string) *failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.failures {
		if f.remaining > 0 && (f.method == "" || f.method == method) && strings.Contains(path, f.pathContains) {
			f.remaining--
			return f
		}
	}
	return nil
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// record wraps the REST routes: it reads and keeps the body, applies
// scripted failures, and records the call with its status.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ws") {
			next.ServeHTTP(w, r)
			return
		}
		at := time.Now()
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		r.Body = io.NopCloser(bytes.NewReader(raw))
		call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Raw: raw, Time: at}
		if len(raw) > 0 {
			var m map[string]any
			if json.Unmarshal(raw, &m) == nil {
				call.Body = m
			}
		}
		sw := &statusWriter{ResponseWriter: w}
		f := s.takeFailure(r.Method, r.URL.Path)
		if f != nil && f.delay > 0 {
			t := time.NewTimer(f.delay)
			select {
			case <-t.C:
				f = nil // then answer normally
			case <-r.Context().Done():
				t.Stop()
				call.Status = 499 // client closed the request
				s.mu.Lock()
				s.calls = append(s.calls, call)
				s.notifyLocked()
				s.mu.Unlock()
				return
			}
		}
		if f != nil {
			secs := f.retryAfter.Seconds()
			sw.Header().Set("Retry-After", fmt.Sprintf("%.3f", secs))
			sw.Header().Set("X-RateLimit-Limit", "5")
			sw.Header().Set("X-RateLimit-Remaining", "0")
			sw.Header().Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secs))
			sw.Header().Set("X-RateLimit-Scope", "user")
			writeJSON(sw, http.StatusTooManyRequests, map[string]any{
				"message": "You are being rate limited.", "retry_after": secs, "global": false,
			})
		} else {
			next.ServeHTTP(sw, r)
		}
		call.Status = sw.status
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.notifyLocked()
		s.mu.Unlock()
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// apiError writes a Discord-shaped error body.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}
