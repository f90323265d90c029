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

func TestFetchURL(t *testing.T) {
	srv := newFetchServer(t)
	ctx := context.Background()

	a, err := FetchURL(ctx, srv.URL+"/old", FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != retrieval.URLSlug(srv.URL+"/old") || a.Source != srv.URL+"/news/austin.html" {
		t.Errorf("ID %q source %q: want the slug of the requested URL and the final URL", a.ID, a.Source)
	}
	if a.Title != "Austin Speaks With Shoigu" || !strings.Contains(a.Body, "lasted about an hour") || a.Hash != retrieval.HashArticle(a) {
		t.Errorf("title %q, hash ok %v, body %.60q", a.Title, a.Hash == retrieval.HashArticle(a), a.Body)
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
