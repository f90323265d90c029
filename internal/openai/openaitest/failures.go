package openaitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// failure is one scripted error response.
type failure struct {
	status int
	body   string
	header http.Header
}

// FailNext makes the next n requests, on any endpoint, fail with status and
// body (an empty body becomes an OpenAI-shaped error naming the status). A
// non-empty retryAfter is sent as the Retry-After header ("1", or an HTTP
// date). Failures queue in the order they were scripted, so
// FailNext(1, 429, ...) followed by FailNext(2, 500, ...) answers 429, 500,
// 500 and then serves normally. A failed request is counted by
// RequestCount but not recorded by EmbeddingRequests or ChatRequests.
func (s *Server) FailNext(n, status int, body, retryAfter string) {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	s.FailNextHeader(n, status, body, h)
}

// FailNextHeader is FailNext with any response headers, such as OpenAI's
// Retry-After-Ms.
func (s *Server) FailNextHeader(n, status int, body string, header http.Header) {
	if body == "" {
		body = OpenAIError(http.StatusText(status), "server_error", nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status: status, body: body, header: header.Clone()})
	}
}

// ClearFailures drops every scripted failure not yet used.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
	s.dropAfter = nil
}

// DropStreamAfter makes the next streamed chat completion close its
// connection abruptly after n content deltas, without a finish chunk or
// "data: [DONE]", as a crashed or restarted server would. Calls queue: each
// one applies to one further streamed request.
func (s *Server) DropStreamAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter = append(s.dropAfter, n)
}

// OpenAIError is an error body in the OpenAI shape:
// {"error":{"message":...,"type":...,"code":...}}. code may be nil, a
// string or a number.
func OpenAIError(message, typ string, code any) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": code,
	}})
	return string(b)
}

// OllamaError is an error body in the shape Ollama (and some other
// OpenAI-compatible servers) use: {"error":"..."}. go-openai reports it as a
// *RequestError, not an *APIError.
func OllamaError(message string) string {
	b, _ := json.Marshal(map[string]string{"error": message})
	return string(b)
}

// nextFailure pops the next scripted failure, if any.
func (s *Server) nextFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return failure{}, false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	return f, true
}

// nextDrop pops the next scripted stream drop; -1 means none.
func (s *Server) nextDrop() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.dropAfter) == 0 {
		return -1
	}
	n := s.dropAfter[0]
	s.dropAfter = s.dropAfter[1:]
	return n
}

// record is the middleware that logs every request and answers scripted
// failures before the endpoint sees the request.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()

		if f, ok := s.nextFailure(); ok {
			for k, vs := range f.header {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			_, _ = io.WriteString(w, f.body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSON answers v as a JSON body with status 200.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// badRequest answers an OpenAI-shaped 400.
func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, OpenAIError(msg, "invalid_request_error", nil))
}
