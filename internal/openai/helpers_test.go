package openai

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
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

func newFake(t *testing.T) *openaitest.Server {
	t.Helper()
	s := openaitest.NewServer()
	t.Cleanup(s.Close)
	return s
}

// waits records the backoff waits of a client instead of sleeping them.
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

// recorded returns p with its sleep replaced by a recorder.
func recorded(p Policy) (*Policy, *waits) {
	w := &waits{}
	p.Sleep = w.sleep
	return &p, w
}

func ptr[T any](v T) *T { return &v }

// retries returns p with MaxRetries n.
func retries(p Policy, n int) Policy {
	p.MaxRetries = n
	return p
}

// testEmbedder builds an embedder against baseURL whose waits between
// retries are recorded instead of slept. cfg.Policy defaults to
// EmbedPolicy().
func testEmbedder(t *testing.T, baseURL string, cfg EmbedderConfig) (*Embedder, *waits) {
	t.Helper()
	cfg.BaseURL = baseURL
	if cfg.Model == "" {
		cfg.Model = "test-embed"
	}
	p := EmbedPolicy()
	if cfg.Policy != nil {
		p = *cfg.Policy
	}
	var w *waits
	cfg.Policy, w = recorded(p)
	e, err := NewEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, w
}

// testChat starts a fake server answering testReply and a chat client for
// it (unless cfg names another base URL) whose waits are recorded.
// cfg.Policy defaults to ChatPolicy().
func testChat(t *testing.T, cfg ChatConfig) (*Chat, *openaitest.Server, *waits) {
	t.Helper()
	srv := newFake(t)
	srv.ChatFunc = func(openaitest.ChatRequest) string { return testReply }
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL()
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	cfg.Model = testModel
	p := ChatPolicy()
	if cfg.Policy != nil {
		p = *cfg.Policy
	}
	var w *waits
	cfg.Policy, w = recorded(p)
	c, err := NewChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, w
}

func host(rawURL string) string {
	u, _ := url.Parse(rawURL)
	return u.Host
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// DNS answer codes for fakeDNSClient.
const (
	dnsServFail = 2 // a resolver that is down: temporary
	dnsNXDomain = 3 // the name does not exist: "no such host"
)

// fakeDNSClient returns an HTTP client whose dialer resolves every name
// through Go's own resolver talking to an in-process DNS server that
// answers rcode, so that tests of unresolvable hosts (under .invalid,
// which never resolves) send no packet anywhere.
func fakeDNSClient(rcode byte) *http.Client {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		go answerDNS(server, rcode)
		return client, nil
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy from the environment must not take the request
	tr.DialContext = (&net.Dialer{Resolver: r}).DialContext
	return &http.Client{Transport: tr}
}

// answerDNS answers every query on c (DNS over a stream: a 2-byte length,
// then the message) with an empty reply carrying rcode.
func answerDNS(c net.Conn, rcode byte) {
	defer c.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		// The reply is the header and the question of the query.
		end := 12
		for end < len(q) && q[end] != 0 {
			end += int(q[end]) + 1
		}
		end = min(end+5, len(q)) // the root label, type and class
		r := append([]byte(nil), q[:end]...)
		r[2] = 0x80 | q[2]&0x79 // response; the query's opcode and RD
		r[3] = 0x80 | rcode     // recursion available
		clear(r[6:12])          // no answer, authority or additional records
		binary.BigEndian.PutUint16(n[:], uint16(len(r)))
		if _, err := c.Write(append(n[:], r...)); err != nil {
			return
		}
	}
}
