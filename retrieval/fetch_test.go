package retrieval

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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

func TestFetchURL(t *testing.T) {
	srv := newFetchServer(t)
	ctx := context.Background()

	a, err := FetchURL(ctx, srv.URL+"/old", FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != URLSlug(srv.URL+"/old") || a.Source != srv.URL+"/news/austin.html" {
		t.Errorf("ID %q source %q: want the slug of the requested URL and the final URL", a.ID, a.Source)
	}
	if a.Title != "Austin Speaks With Shoigu" || !strings.Contains(a.Body, "lasted about an hour") || a.Hash != HashArticle(a) {
		t.Errorf("title %q, hash ok %v, body %.60q", a.Title, a.Hash == HashArticle(a), a.Body)
	}

	a, err = FetchURL(ctx, srv.URL+"/notes.md", FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Notes" || a.Author != "Ann" || a.Body != "The notes say hello." || a.Source != srv.URL+"/notes.md" {
		t.Errorf("markdown: %+v", a)
	}
	for _, p := range []string{"/plain", "/untyped.txt"} {
		a, err = FetchURL(ctx, srv.URL+p, FetchOptions{})
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
	for _, tt := range []struct {
		name string
		url  string
		opts FetchOptions
		want error
		msg  string
	}{
		{"file scheme", "file:///etc/passwd", FetchOptions{}, nil, `unsupported URL scheme "file"`},
		{"ftp scheme", "ftp://example.com/a", FetchOptions{}, nil, `unsupported URL scheme "ftp"`},
		{"no scheme", "example.com/a", FetchOptions{}, nil, `unsupported URL scheme ""`},
		{"no host", "http:///a", FetchOptions{}, nil, "has no host"},
		{"404", srv.URL + "/missing", FetchOptions{}, nil, "server answered 404 Not Found"},
		{"redirect loop", srv.URL + "/loop", FetchOptions{}, nil, "stopped after 5 redirects"},
		{"redirect limit", srv.URL + "/old", FetchOptions{MaxRedirects: -1}, nil, "stopped after 0 redirects"},
		{"redirect to file", srv.URL + "/to-file", FetchOptions{}, nil, `redirect to unsupported scheme "file"`},
		{"too big", srv.URL + "/big", FetchOptions{MaxBytes: 500}, ErrArticleTooLarge, "1000 bytes, the limit is 500"},
		{"too big chunked", srv.URL + "/big-chunked", FetchOptions{MaxBytes: 500}, ErrArticleTooLarge, "more than 500 bytes"},
		{"image", srv.URL + "/image.png", FetchOptions{}, nil, `content type "image/png" is not an article`},
		{"timeout", srv.URL + "/slow", FetchOptions{Timeout: 50 * time.Millisecond}, nil, "no complete response within 50ms"},
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
		})
	}
}

func TestFetchURLCanceled(t *testing.T) {
	srv := newFetchServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FetchURL(ctx, srv.URL+"/plain", FetchOptions{}); !errors.Is(err, context.Canceled) {
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
	if _, err := FetchURL(context.Background(), srv.URL+"/old", FetchOptions{Client: client}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "/old,/news/austin.html" {
		t.Errorf("requests through the caller's transport: %v", seen)
	}
	if client.CheckRedirect != nil {
		t.Error("FetchURL modified the caller's client")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestURLSlug(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("very-long-segment/", 10)
	for _, tt := range []struct{ in, want string }{
		{"https://www.example.com/news/2022/05/austin-call.html", "example-com-news-2022-05-austin-call"},
		{"http://Example.COM/A_B/C%20D/", "example-com-a-b-c-d"},
		{"https://example.com", "example-com"},
		{"https://example.com:8080/x.v2/page", "example-com-x-v2-page"},
		{"https://example.com/page?id=1", "example-com-page-" + URLSlug("https://example.com/page?id=1")[len("example-com-page-"):]},
	} {
		if got := URLSlug(tt.in); got != tt.want {
			t.Errorf("URLSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if a, b := URLSlug("https://example.com/page?id=1"), URLSlug("https://example.com/page?id=2"); a == b || !strings.HasPrefix(a, "example-com-page-") {
		t.Errorf("query URLs: %q, %q", a, b)
	}
	if a, b := URLSlug("https://例え.jp/ニュース"), URLSlug("https://例え.jp/別"); a == b || !strings.HasPrefix(a, "jp-") {
		t.Errorf("non-ASCII URLs: %q, %q", a, b)
	}
	if s := URLSlug(long); len(s) > 80+9 || s == URLSlug(long+"x") {
		t.Errorf("long URL slug %q (%d bytes)", s, len(s))
	}
	for _, bad := range []string{"", "::", "not a url", "http://"} {
		if s := URLSlug(bad); !strings.HasPrefix(s, "url-") || len(s) != 12 {
			t.Errorf("URLSlug(%q) = %q", bad, s)
		}
	}
	// Slugs are safe file names the loaders will find again.
	for _, u := range []string{"https://x.y/../../etc/passwd", "https://x.y/.hidden", "https://x.y/README", "https://-/"} {
		if s := URLSlug(u); checkID(s) != nil {
			t.Errorf("URLSlug(%q) = %q: %v", u, s, checkID(s))
		}
	}
}
