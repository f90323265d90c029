package article

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

func newFetchServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/news/austin.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, newsPage)
	})
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/news/austin.html", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/notes.md", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		fmt.Fprint(w, "---\ntitle: Notes\nauthor: Ann\nsource: https://elsewhere.example/notes\n---\n\nThe notes say hello.\n")
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "# Plain\n\nPlain text body.")
	})
	mux.HandleFunc("/untyped.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no sniffing by net/http
		fmt.Fprint(w, "# Untyped\n\nBody.")
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "1000")
		fmt.Fprint(w, strings.Repeat("a", 1000))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for range 10 {
			fmt.Fprint(w, strings.Repeat("b", 100))
			w.(http.Flusher).Flush() // no Content-Length: the cap applies while reading
		}
	})
	mux.HandleFunc("/image.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; the client's timeout ends it
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// allowServer is FetchOptions that let the fetch reach srv, a loopback
// test server on a random port, the way an operator's
// CITEBOT_FETCH_ALLOW_HOSTS would.
func allowServer(srv *httptest.Server) FetchOptions {
	return FetchOptions{AllowHosts: []string{srv.Listener.Addr().String()}}
}

func TestFetchURL(t *testing.T) {
	srv := newFetchServer(t)
	ctx := context.Background()

	a, err := FetchURL(ctx, srv.URL+"/old", allowServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != retrieval.URLSlug(srv.URL+"/old") || a.Source != srv.URL+"/news/austin.html" {
		t.Errorf("ID %q source %q: want the slug of the requested URL and the final URL", a.ID, a.Source)
	}
	if a.Title != "Austin Speaks With Shoigu" || !strings.Contains(a.Body, "lasted about an hour") || a.Hash != retrieval.HashArticle(a) {
		t.Errorf("title %q, hash ok %v, body %.60q", a.Title, a.Hash == retrieval.HashArticle(a), a.Body)
	}

	a, err = FetchURL(ctx, srv.URL+"/notes.md", allowServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Notes" || a.Author != "Ann" || a.Body != "The notes say hello." || a.Source != srv.URL+"/notes.md" {
		t.Errorf("markdown: %+v", a)
	}
	for _, p := range []string{"/plain", "/untyped.txt"} {
		a, err = FetchURL(ctx, srv.URL+p, allowServer(srv))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if a.Body == "" || strings.HasPrefix(a.Body, "#") {
			t.Errorf("%s: body %q", p, a.Body)
		}
	}
}

func TestFetchURLErrors(t *testing.T) {
	srv := newFetchServer(t)
	ctx := context.Background()
	allow := allowServer(srv)
	with := func(f func(*FetchOptions)) FetchOptions {
		o := allowServer(srv)
		f(&o)
		return o
	}
	for _, tt := range []struct {
		name    string
		url     string
		opts    FetchOptions
		want    error
		msg     string
		refused bool
	}{
		{"file scheme", "file:///etc/passwd", allow, nil, `unsupported URL scheme "file": only http and https URLs may be fetched`, true},
		{"ftp scheme", "ftp://example.com/a", allow, nil, `unsupported URL scheme "ftp"`, true},
		{"no scheme", "example.com/a", allow, nil, `unsupported URL scheme ""`, true},
		{"no host", "http:///a", allow, nil, "the URL has no host", true},
		{"not allowed", srv.URL + "/plain", FetchOptions{}, nil, "only ports 80 and 443 may be fetched", true},
		{"404", srv.URL + "/missing", allow, nil, "server answered 404 Not Found", false},
		{"redirect loop", srv.URL + "/loop", allow, nil, "too many redirects (more than 5)", true},
		{"redirect cap", srv.URL + "/loop", with(func(o *FetchOptions) { o.MaxRedirects = 50 }), nil, "too many redirects (more than 5)", true},
		{"redirect limit", srv.URL + "/old", with(func(o *FetchOptions) { o.MaxRedirects = -1 }), nil, "too many redirects (more than 0)", true},
		{"redirect to file", srv.URL + "/to-file", allow, nil, `unsupported URL scheme "file"`, true},
		{"too big", srv.URL + "/big", with(func(o *FetchOptions) { o.MaxBytes = 500 }), ErrArticleTooLarge, "the page is larger than 500 bytes", true},
		{"too big chunked", srv.URL + "/big-chunked", with(func(o *FetchOptions) { o.MaxBytes = 500 }), ErrArticleTooLarge, "the page is larger than 500 bytes", true},
		{"image", srv.URL + "/image.png", allow, nil, "that is an image (image/png), not an HTML, text, Markdown or PDF document", true},
		{"timeout", srv.URL + "/slow", with(func(o *FetchOptions) { o.Timeout = 50 * time.Millisecond }), context.DeadlineExceeded, "the server took longer than 50ms", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FetchURL(ctx, tt.url, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.msg)
			}
			var refused *FetchRefused
			if errors.As(err, &refused) != tt.refused {
				t.Errorf("err = %q: refusal %v, want %v", err, !tt.refused, tt.refused)
			}
			if !strings.HasPrefix(err.Error(), "fetch ") || strings.Count(err.Error(), "fetch ") != 1 || strings.Count(err.Error(), "://") > 1 {
				t.Errorf("err = %q, want one \"fetch URL:\" prefix and the URL once", err)
			}
		})
	}
}

func TestFetchURLCanceled(t *testing.T) {
	srv := newFetchServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FetchURL(ctx, srv.URL+"/plain", allowServer(srv)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFetchURLKeepsCallerClient(t *testing.T) {
	srv := newFetchServer(t)
	var seen []string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Path)
		return http.DefaultTransport.RoundTrip(r)
	})}
	opts := allowServer(srv)
	opts.Client = client
	if _, err := FetchURL(context.Background(), srv.URL+"/old", opts); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "/old,/news/austin.html" {
		t.Errorf("requests through the caller's transport: %v", seen)
	}
	if client.CheckRedirect != nil {
		t.Error("FetchURL modified the caller's client")
	}
	// The caller's RoundTripper dials as it likes, so the URL checks still
	// apply to every request: a literal loopback address is refused.
	seen = nil
	_, err := FetchURL(context.Background(), "http://127.0.0.1/old", FetchOptions{Client: client})
	if err == nil || !strings.Contains(err.Error(), reasonLoopback) || len(seen) != 0 {
		t.Errorf("loopback through the caller's transport: err %v, requests %v", err, seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
