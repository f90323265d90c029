package article

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These tests never leave the machine: every connection goes to a test
// server on 127.0.0.1, either directly (the production dialer) or through
// fakeNet, which plays a public address by routing it to that server.

// publicIP stands for a public web server in the fake network.
const publicIP = "93.184.215.14"

// fakeResolver answers from a table: each host's answers in turn, the last
// one repeating, and counts the questions.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	asked   map[string]int
}

func newFakeResolver(answers map[string][]string) *fakeResolver {
	return &fakeResolver{answers: answers, asked: map[string]int{}}
}

func (r *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := min(r.asked[host], len(seq)-1)
	r.asked[host]++
	return []net.IPAddr{{IP: net.ParseIP(seq[i])}}, nil
}

func (r *fakeResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked[host]
}

// fakeNet routes "public" IP:port addresses to loopback test servers and
// records every address it was asked to connect to.
type fakeNet struct {
	routes map[string]string
	mu     sync.Mutex
	seen   []string
}

func (n *fakeNet) connect(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	n.seen = append(n.seen, address)
	n.mu.Unlock()
	to, ok := n.routes[address]
	if !ok {
		return nil, fmt.Errorf("fake network: no route to %s", address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

func (n *fakeNet) dialled() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.seen...)
}

// articleServer serves a small article at /page and counts requests to
// /secret (which must never be reached) and new connections.
type articleServer struct {
	*httptest.Server
	secrets atomic.Int32
	conns   atomic.Int32
}

func newArticleServer(t *testing.T, extra func(mux *http.ServeMux)) *articleServer {
	t.Helper()
	s := &articleServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, newsPage)
	})
	mux.HandleFunc("/secret", func(w http.ResponseWriter, r *http.Request) {
		s.secrets.Add(1)
		fmt.Fprint(w, "# Secret\n\nThe metadata credentials.")
	})
	if extra != nil {
		extra(mux)
	}
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *articleServer) port() string {
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	return port
}

// wantRefused checks that err is a *FetchRefused with the reason.
func wantRefused(t *testing.T, err error, reason string) *FetchRefused {
	t.Helper()
	var r *FetchRefused
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a refusal %q", err, reason)
	}
	if !strings.Contains(r.Reason, reason) {
		t.Errorf("reason %q, want %q", r.Reason, reason)
	}
	if !strings.HasSuffix(err.Error(), ": "+r.Reason) {
		t.Errorf("err = %q, want it to end with the reason", err)
	}
	return r
}

// TestDialCheckBeforeConnect runs the production dialer (net.Dialer with
// the Control check) against a live loopback server: the resolver's answer
// is refused after the socket is made and before it connects, so the
// server never sees a connection.
func TestDialCheckBeforeConnect(t *testing.T) {
	srv := newArticleServer(t, nil)
	res := newFakeResolver(map[string][]string{"evil.test": {"127.0.0.1"}, "evil6.test": {"::ffff:127.0.0.1"}})
	g := newGuard(FetchOptions{Resolver: res})
	for _, host := range []string{"evil.test", "evil6.test", "127.0.0.1"} {
		conn, err := g.dial(context.Background(), "tcp", net.JoinHostPort(host, srv.port()))
		if err == nil {
			conn.Close()
			t.Fatalf("%s: dialled", host)
		}
		wantRefused(t, err, reasonLoopback)
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("the server saw %d connections, want none", n)
	}
	// The same dialer connects to an allowed host.
	g = newGuard(FetchOptions{Resolver: res, AllowHosts: []string{"evil.test"}})
	conn, err := g.dial(context.Background(), "tcp", net.JoinHostPort("evil.test", srv.port()))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()

	// End to end: a name that resolves to loopback passes the URL checks
	// and is refused when dialled.
	_, err = FetchURL(context.Background(), "http://evil.test/page", FetchOptions{Resolver: newFakeResolver(map[string][]string{"evil.test": {"127.0.0.1"}})})
	wantRefused(t, err, reasonLoopback)
}

func TestFetchAllowHostsAndRedirects(t *testing.T) {
	var srv *articleServer
	srv = newArticleServer(t, func(mux *http.ServeMux) {
		for path, to := range map[string]func() string{
			"/to-literal":  func() string { return "http://127.0.0.1/secret" },
			"/to-port":     func() string { return "http://127.0.0.1:" + srv.port() + "/secret" },
			"/to-mapped":   func() string { return "http://[::ffff:127.0.0.1]/secret" },
			"/to-name":     func() string { return "http://sneaky.test/secret" },
			"/to-metadata": func() string { return "http://169.254.169.254/latest/meta-data/" },
			"/to-private":  func() string { return "http://10.1.2.3/secret" },
			"/to-page":     func() string { return "/page" },
		} {
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to(), http.StatusFound) })
		}
	})
	res := newFakeResolver(map[string][]string{"allowed.test": {"127.0.0.1"}, "sneaky.test": {"127.0.0.1"}})
	opts := FetchOptions{Resolver: res, AllowHosts: ParseAllowHosts("allowed.test:" + srv.port())}
	base := "http://allowed.test:" + srv.port()

	// The operator's listed host reaches loopback on its port, redirects
	// within it included.
	a, err := FetchURL(context.Background(), base+"/to-page", opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Austin Speaks With Shoigu" || a.Source != base+"/page" {
		t.Errorf("title %q source %q", a.Title, a.Source)
	}
	// Unlisted, the same server is refused.
	_, err = FetchURL(context.Background(), base+"/page", FetchOptions{Resolver: res})
	wantRefused(t, err, "only ports 80 and 443 may be fetched")

	for _, tt := range []struct{ path, reason, refusedURL string }{
		{"/to-literal", reasonLoopback, "http://127.0.0.1/secret"},
		{"/to-port", "only ports 80 and 443 may be fetched", ""},
		{"/to-mapped", reasonLoopback, ""},
		{"/to-name", reasonLoopback, "http://sneaky.test/secret"}, // refused when dialled
		{"/to-metadata", reasonMetadata, ""},
		{"/to-private", reasonPrivate, ""},
	} {
		_, err := FetchURL(context.Background(), base+tt.path, opts)
		r := wantRefused(t, err, tt.reason)
		if tt.refusedURL != "" && r.URL != tt.refusedURL {
			t.Errorf("%s: refused URL %q, want %q", tt.path, r.URL, tt.refusedURL)
		}
		if !strings.HasPrefix(err.Error(), "fetch "+base+tt.path+": ") {
			t.Errorf("%s: err = %q, want it to name the requested URL", tt.path, err)
		}
	}
	if n := srv.secrets.Load(); n != 0 {
		t.Errorf("/secret was served %d times", n)
	}
	if n := res.count("sneaky.test"); n != 1 {
		t.Errorf("sneaky.test looked up %d times, want once (at dial time)", n)
	}
}

// TestFetchDNSRebinding: a resolver answers a public address first and
// loopback the second time. The check runs on each connection's dialled
// address, so the second fetch is refused and never connects.
func TestFetchDNSRebinding(t *testing.T) {
	srv := newArticleServer(t, nil)
	res := newFakeResolver(map[string][]string{"rebind.test": {publicIP, "127.0.0.1"}})
	fake := &fakeNet{routes: map[string]string{publicIP + ":80": srv.Listener.Addr().String()}}
	opts := FetchOptions{Resolver: res, connect: fake.connect}

	a, err := FetchURL(context.Background(), "http://rebind.test/page", opts)
	if err != nil {
		t.Fatalf("first fetch (public answer): %v", err)
	}
	if a.Title == "" {
		t.Error("first fetch: no title")
	}
	_, err = FetchURL(context.Background(), "http://rebind.test/page", opts)
	wantRefused(t, err, reasonLoopback)
	if got := fake.dialled(); len(got) != 1 || got[0] != publicIP+":80" {
		t.Errorf("connections %v, want only %s:80", got, publicIP)
	}
	if n := res.count("rebind.test"); n != 2 {
		t.Errorf("looked up %d times, want once per connection (2)", n)
	}
}

func TestFetchCaps(t *testing.T) {
	srv := newArticleServer(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusOK)
			for range 500 { // at most 5 s; the client gives up long before
				if _, err := w.Write([]byte("drip ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
		mux.HandleFunc("/doc.zip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/zip")
			w.Write([]byte("PK\x03\x04"))
		})
		mux.HandleFunc("/sniffed-zip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("PK\x03\x04" + strings.Repeat("x", 100)))
		})
		mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "10000000") // refused before the body is read
			w.WriteHeader(http.StatusOK)
		})
		mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			chunk := []byte(strings.Repeat("word ", 1000))
			for written := 0; written < 20<<20; written += len(chunk) { // no Content-Length
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		mux.HandleFunc("/deep", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, strings.Repeat("<div>", 16000))
		})
	})
	opts := func(f func(*FetchOptions)) FetchOptions {
		o := allowServer(srv.Server)
		if f != nil {
			f(&o)
		}
		return o
	}
	for _, tt := range []struct {
		path   string
		opts   FetchOptions
		reason string
		is     error
	}{
		{"/drip", opts(func(o *FetchOptions) { o.Timeout = 100 * time.Millisecond }), "the server took longer than 100ms", context.DeadlineExceeded},
		{"/doc.zip", opts(nil), "that is an archive (application/zip), not an HTML, text, Markdown or PDF document", nil},
		{"/sniffed-zip", opts(nil), "that is an archive (application/zip), not an HTML, text, Markdown or PDF document", nil},
		{"/huge", opts(nil), "the page is larger than 5 MB", ErrArticleTooLarge},
		{"/endless", opts(nil), "the page is larger than 5 MB", ErrArticleTooLarge},
		{"/endless", opts(func(o *FetchOptions) { o.MaxBytes = 64 << 10 }), "the page is larger than 64 KB", ErrArticleTooLarge},
		{"/deep", opts(nil), "the page is nested too deeply to read (more than 512 levels)", ErrHTMLTooDeep},
		// AllowPrivate lifts the address check, not the caps.
		{"/doc.zip", FetchOptions{AllowPrivate: true}, "that is an archive", nil},
		{"/endless", FetchOptions{AllowPrivate: true, MaxBytes: 1000}, "the page is larger than 1000 bytes", ErrArticleTooLarge},
	} {
		start := time.Now()
		_, err := FetchURL(context.Background(), srv.URL+tt.path, tt.opts)
		wantRefused(t, err, tt.reason)
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: err = %v, want errors.Is %v", tt.path, err, tt.is)
		}
		if tt.path == "/drip" && time.Since(start) > 3*time.Second {
			t.Errorf("the drip was read for %v", time.Since(start))
		}
	}
	// AllowPrivate reaches the loopback server on its port.
	if _, err := FetchURL(context.Background(), srv.URL+"/page", FetchOptions{AllowPrivate: true}); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
	// A port outside 80 and 443 is refused before anything is looked up.
	res := newFakeResolver(map[string][]string{"example.test": {publicIP}})
	_, err := FetchURL(context.Background(), "http://example.test:8080/page", FetchOptions{Resolver: res})
	wantRefused(t, err, "only ports 80 and 443 may be fetched (the URL names port 8080)")
	if res.count("example.test") != 0 {
		t.Error("the host was looked up")
	}
}

// TestFetchThroughProxy: behind the operator's proxy the dial goes to the
// proxy (here on loopback, which is the operator's choice), so URLs naming
// refused addresses are refused before anything is sent, while a host the
// proxy settings send direct (NO_PROXY) is checked when dialled.
func TestFetchThroughProxy(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		if r.URL.Host != "news.example" {
			http.Error(w, "unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, newsPage)
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	client := &http.Client{Transport: &http.Transport{Proxy: func(r *http.Request) (*url.URL, error) {
		if r.URL.Hostname() == "direct.test" { // as NO_PROXY=direct.test would
			return nil, nil
		}
		return proxyURL, nil
	}}}
	res := newFakeResolver(map[string][]string{"direct.test": {"127.0.0.1"}})
	opts := FetchOptions{Client: client, Resolver: res}

	a, err := FetchURL(context.Background(), "http://news.example/story", opts)
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if a.Title != "Austin Speaks With Shoigu" || proxied.Load() != 1 {
		t.Errorf("title %q, proxied %d", a.Title, proxied.Load())
	}
	if res.count("news.example") != 0 {
		t.Error("a proxied host was resolved locally")
	}
	for _, tt := range []struct{ url, reason string }{
		{"http://10.0.0.1/", reasonPrivate},
		{"http://192.168.1.1/admin", reasonPrivate},
		{"http://127.0.0.1/", reasonLoopback},
		{"http://[::1]/", reasonLoopback},
		{"http://[::ffff:10.0.0.1]/", reasonPrivate},
		{"http://localhost/", reasonLoopback},
		{"http://intranet.localhost/", reasonLoopback},
		{"http://0x7f000001/", reasonLoopback},
		{"http://169.254.169.254/latest/meta-data/", reasonMetadata},
		{"http://100.100.100.200/", reasonCGNAT},
		{"http://news.example:8080/", "only ports 80 and 443 may be fetched"},
	} {
		_, err := FetchURL(context.Background(), tt.url, opts)
		wantRefused(t, err, tt.reason)
	}
	if n := proxied.Load(); n != 1 {
		t.Errorf("the proxy saw %d requests, want only the allowed one", n)
	}
	// Sent direct, the host is resolved and its address checked when dialled.
	_, err = FetchURL(context.Background(), "http://direct.test/", opts)
	wantRefused(t, err, reasonLoopback)
	if res.count("direct.test") != 1 {
		t.Errorf("direct.test looked up %d times, want 1", res.count("direct.test"))
	}
}
