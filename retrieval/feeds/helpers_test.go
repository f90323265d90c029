package feeds

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// route is one path of the feed server: a document with validators, or
// scripted answers first.
type route struct {
	body        string
	contentType string
	// etag and modified are the validators; the server honours them.
	etag     string
	modified time.Time
	// script is answered first, one status per request (then the body).
	script     []int
	retryAfter string
	// redirect answers 301 to this path.
	redirect string
	// size streams this many bytes of padding instead of body.
	size int64
	// slow holds each request this long (concurrency measurements).
	slow time.Duration
}

// feedServer is a loopback publisher that counts what it is asked.
type feedServer struct {
	srv *httptest.Server

	mu        sync.Mutex
	routes    map[string]*route
	requests  map[string]int // by path
	full      map[string]int // 200 answers with a body, by path
	headers   map[string]http.Header
	inflight  int
	maxFlight int
}

func newFeedServer(t testing.TB) *feedServer {
	fs := &feedServer{routes: map[string]*route{}, requests: map[string]int{}, full: map[string]int{}, headers: map[string]http.Header{}}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

// set publishes a route (or replaces it: an update of the feed).
func (fs *feedServer) set(path string, r *route) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.routes[path] = r
}

func (fs *feedServer) url(path string) string { return fs.srv.URL + path }

func (fs *feedServer) count(path string) (requests, full int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[path], fs.full[path]
}

// sent is the headers of the last request for path.
func (fs *feedServer) sent(path string) http.Header {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.headers[path]
}

// peak is the most requests the server answered at once, since reset.
func (fs *feedServer) peak() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.maxFlight
}

func (fs *feedServer) resetPeak() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.maxFlight = 0
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.requests[r.URL.Path]++
	fs.headers[r.URL.Path] = r.Header.Clone()
	fs.inflight++
	fs.maxFlight = max(fs.maxFlight, fs.inflight)
	rt := fs.routes[r.URL.Path]
	var scripted int
	if rt != nil && len(rt.script) > 0 {
		scripted, rt.script = rt.script[0], rt.script[1:]
	}
	fs.mu.Unlock()
	defer func() {
		fs.mu.Lock()
		fs.inflight--
		fs.mu.Unlock()
	}()
	switch {
	case rt == nil:
		http.NotFound(w, r)
	case rt.slow > 0:
		time.Sleep(rt.slow)
		fallthrough
	default:
		fs.answer(w, r, rt, scripted)
	}
}

// answer serves one route: scripted status, redirect, 304 or the body.
func (fs *feedServer) answer(w http.ResponseWriter, r *http.Request, rt *route, scripted int) {
	switch {
	case scripted != 0:
		if rt.retryAfter != "" {
			w.Header().Set("Retry-After", rt.retryAfter)
		}
		http.Error(w, http.StatusText(scripted), scripted)
		return
	case rt.redirect != "":
		http.Redirect(w, r, rt.redirect, http.StatusMovedPermanently)
		return
	case rt.etag != "" && r.Header.Get("If-None-Match") == rt.etag,
		rt.etag == "" && !rt.modified.IsZero() && r.Header.Get("If-Modified-Since") == rt.modified.UTC().Format(http.TimeFormat):
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if rt.etag != "" {
		w.Header().Set("ETag", rt.etag)
	}
	if !rt.modified.IsZero() {
		w.Header().Set("Last-Modified", rt.modified.UTC().Format(http.TimeFormat))
	}
	w.Header().Set("Content-Type", cmpOr(rt.contentType, "application/rss+xml"))
	fs.mu.Lock()
	fs.full[r.URL.Path]++
	fs.mu.Unlock()
	if rt.size > 0 {
		pad := []byte(strings.Repeat("<!-- padding -->", 4096))
		for n := int64(0); n < rt.size; n += int64(len(pad)) {
			if _, err := w.Write(pad); err != nil {
				return // the client stopped reading: the cap worked
			}
		}
		return
	}
	io.WriteString(w, rt.body)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rig is a poller over a fresh store and data folder.
type rig struct {
	st    *sqlite.Store
	p     *Poller
	clock *clock
	root  string
}

func newRig(t testing.TB, fs *feedServer, keep time.Duration) *rig {
	t.Helper()
	root := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(root, "data"), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2022, 5, 13, 12, 0, 0, 0, time.UTC)}
	p, err := New(Config{
		Store: st,
		Dir: func(s retrieval.Scope) (string, error) {
			if s.IsShared() {
				return filepath.Join(root, "data", "articles"), nil
			}
			if strings.Trim(string(s), "0123456789") != "" {
				return "", fmt.Errorf("%q is not a server ID", string(s))
			}
			return filepath.Join(root, "data", "servers", string(s), "articles"), nil
		},
		Fetch:  article.FetchOptions{AllowHosts: []string{fs.srv.Listener.Addr().String()}},
		Keep:   keep,
		Now:    c.Now,
		Jitter: func() float64 { return 0.5 }, // exactly the interval
		Logger: quietLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return &rig{st: st, p: p, clock: c, root: root}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// add follows a feed every 15 minutes.
func (r *rig) add(t testing.TB, u string, scope retrieval.Scope) store.Feed {
	t.Helper()
	f, _, err := r.p.Add(context.Background(), u, scope, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// poll polls the named feeds (all due ones when none).
func (r *rig) poll(t testing.TB, ids ...string) Result {
	t.Helper()
	res, err := r.p.Poll(context.Background(), PollOptions{IDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// feed reads one feed's stored state.
func (r *rig) feed(t testing.TB, id string) store.Feed {
	t.Helper()
	all, err := r.st.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("feed %s not stored", id)
	return store.Feed{}
}

// articles loads the item files of a feed.
func (r *rig) articles(t testing.TB, f store.Feed) map[string]retrieval.Article {
	t.Helper()
	dir, err := r.p.folder(f)
	if err != nil {
		t.Fatal(err)
	}
	list, err := article.LoadDir(dir, article.LoadOptions{}, func(p string, err error) { t.Errorf("%s: %v", p, err) })
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]retrieval.Article{}
	for _, a := range list {
		out[a.Title] = a
	}
	return out
}

// outcome finds a feed's outcome in a result.
func outcome(t testing.TB, res Result, id string) Outcome {
	t.Helper()
	for _, o := range res.Feeds {
		if o.Feed.ID == id {
			return o
		}
	}
	t.Fatalf("feed %s was not polled: %+v", id, res)
	return Outcome{}
}

// page is a news page the feed items link to.
func page(title, text string) *route {
	return &route{contentType: "text/html; charset=utf-8", body: fmt.Sprintf(
		"<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>",
		title, title, text, strings.Repeat("More reporting on the story follows in this paragraph. ", 6))}
}
