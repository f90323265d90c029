package openaitest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func newServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

func TestRetryAfterHeader(t *testing.T) {
	s := newServer(t)
	s.FailNext(1, 429, "", "7")
	resp, err := http.Post(s.URL()+"/embeddings", "application/json", strings.NewReader(`{"input":"x","model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestRetryAfterMsHeader(t *testing.T) {
	s := newServer(t)
	s.FailNextHeader(1, 429, "", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}})
	resp, err := http.Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After-Ms") != "250" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
}

func TestSplitDeltas(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 2, nil},
		{"a", 2, []string{"a"}},
		{"a b c", 2, []string{"a b ", "c"}},
		{"  a b c ", 1, []string{"  a ", "b ", "c "}},
	} {
		if got := splitDeltas(tc.in, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("splitDeltas(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
