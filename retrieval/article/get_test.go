package article

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientGet(t *testing.T) {
	srv := newFetchServer(t)
	ctx := context.Background()
	c := NewClient(allowServer(srv))
	defer c.CloseIdleConnections()

	resp, err := c.Get(ctx, srv.URL+"/old", http.Header{"If-None-Match": {`"v1"`}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || !resp.Moved || resp.URL.Path != "/news/austin.html" || !strings.Contains(string(resp.Body), "Shoigu") {
		t.Fatalf("301 then 200: status %d moved %v url %s body %d bytes", resp.Status, resp.Moved, resp.URL, len(resp.Body))
	}
	resp, err = c.Get(ctx, srv.URL+"/news/austin.html", nil)
	if err != nil || resp.Moved {
		t.Fatalf("no redirect: moved %v, %v", resp.Moved, err)
	}
	resp, err = c.Get(ctx, srv.URL+"/missing", nil)
	if err != nil || resp.Status != 404 || resp.Body != nil {
		t.Fatalf("404 is a response, not an error: %+v, %v", resp, err)
	}

	small := allowServer(srv)
	small.MaxBytes = 500
	for _, p := range []string{"/big", "/big-chunked"} {
		_, err := Get(ctx, srv.URL+p, small, nil)
		var r *FetchRefused
		if !errors.As(err, &r) || !errors.Is(err, ErrArticleTooLarge) || !strings.Contains(err.Error(), "response is larger than 500 bytes") {
			t.Errorf("%s over the cap: %v", p, err)
		}
	}
	if _, err := Get(ctx, srv.URL+"/news/austin.html", FetchOptions{}, nil); !isRefusal(err) {
		t.Errorf("loopback without AllowHosts: %v, want a refusal", err)
	}
	if _, err := Get(ctx, srv.URL+"/loop", allowServer(srv), nil); !isRefusal(err) || !strings.Contains(err.Error(), "too many redirects") {
		t.Errorf("redirect loop: %v", err)
	}
}

func TestClientGetSendsHeadersAndTemporaryRedirectIsNotMoved(t *testing.T) {
	mux := http.NewServeMux()
	var sent http.Header
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed", http.StatusFound)
	})
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Clone()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("<rss/>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(allowServer(srv))
	defer c.CloseIdleConnections()
	resp, err := c.Get(context.Background(), srv.URL+"/temp", http.Header{"User-Agent": {"citebot-test"}})
	if err != nil || resp.Status != 200 || resp.Moved || resp.Header.Get("ETag") != `"v1"` || sent.Get("User-Agent") != "citebot-test" {
		t.Fatalf("302 then 200: %+v, %v (sent %v)", resp, err, sent)
	}
	resp, err = c.Get(context.Background(), srv.URL+"/feed", http.Header{"If-None-Match": {`"v1"`}})
	if err != nil || resp.Status != http.StatusNotModified || resp.Body != nil {
		t.Fatalf("conditional request: %+v, %v", resp, err)
	}
}
