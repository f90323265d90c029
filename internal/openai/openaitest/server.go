// Package openaitest is a fake OpenAI-compatible API server for tests. It
// speaks the real wire protocol (JSON bodies, SSE streaming, error bodies in
// the OpenAI and Ollama shapes, 429 with Retry-After), so the code under test
// talks to it through the same client it uses in production (internal/openai
// over go-openai) and nothing reaches the network. It decodes the wire JSON
// into small types of its own and imports no client library.
//
// Configure the exported fields after NewServer and before the first request
// that depends on them; scripted failures (FailNext, DropStreamAfter) may be
// added at any time and are safe for concurrent use.
package openaitest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DefaultDim is the embedding dimension when Server.Dim is 0.
const DefaultDim = 64

// Server is a fake OpenAI-compatible API on a loopback httptest server. It
// serves POST /v1/embeddings and POST /v1/chat/completions.
type Server struct {
	// Dim is the dimension of the embedding vectors (0 = DefaultDim).
	Dim int
	// EmbedFunc, when set, computes the vector for one input instead of the
	// built-in hash; tests use it to return vectors of a wrong size.
	EmbedFunc func(model, text string) []float32
	// Delay is added to every embeddings request before it is answered,
	// as a stand-in for a model's latency. Cancelled requests stop waiting.
	Delay time.Duration
	// ShuffleIndex returns the embedding data in a shuffled order; each
	// item's Index still names its input, as the API promises.
	ShuffleIndex bool

	// ChatFunc decides the reply text of a chat completion. Nil echoes the
	// last user message as "echo: <text>".
	ChatFunc func(req ChatRequest) string
	// WordsPerDelta is how many words each streamed delta carries
	// (0 = 2), so that a reply arrives in several SSE events.
	WordsPerDelta int
	// ChatDelay is slept before a chat completion is answered (before the
	// first byte, in both modes), for request-timeout tests.
	ChatDelay time.Duration
	// DeltaDelay is slept before each streamed delta, for tests that need
	// streaming to take time (cancellation, throttled edits).
	DeltaDelay time.Duration

	srv *httptest.Server

	mu        sync.Mutex
	failures  []failure
	dropAfter []int
	requests  []Request
	embedReqs []EmbeddingRequest
	chatReqs  []ChatRequest
	shuffles  uint64
}

// Request is one HTTP request as the server received it.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// NewServer starts a fake server on a loopback address. Close it when done
// (t.Cleanup(s.Close)).
func NewServer() *Server {
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", s.handleEmbeddings)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	s.srv = httptest.NewServer(s.record(mux))
	return s
}

// URL is the base URL of the API, ending in "/v1", as OpenAI clients
// expect it.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down, closing open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// RequestCount is the number of HTTP requests received so far, including
// ones answered with a scripted failure.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Requests returns a copy of every HTTP request received so far, including
// failed ones, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// EmbeddingRequests returns the embeddings requests that were served (not
// the ones answered with a scripted failure), in arrival order. Token-array
// inputs are recorded as their decimal token lists ("1 2 3").
func (s *Server) EmbeddingRequests() []EmbeddingRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]EmbeddingRequest(nil), s.embedReqs...)
}

// ChatRequests returns the chat completion requests that were served (not
// the ones answered with a scripted failure), in arrival order.
func (s *Server) ChatRequests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.chatReqs...)
}

func (s *Server) dim() int {
	if s.Dim > 0 {
		return s.Dim
	}
	return DefaultDim
}

func (s *Server) wordsPerDelta() int {
	if s.WordsPerDelta > 0 {
		return s.WordsPerDelta
	}
	return 2
}
