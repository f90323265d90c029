package article

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// DefaultFetchTimeout bounds one fetch, body included, when
// FetchOptions.Timeout is 0: long enough for a slow news site, short enough
// that a dead one does not hang an ingest.
const DefaultFetchTimeout = 20 * time.Second

// defaultFetchRedirects is how many redirects are followed when
// FetchOptions.MaxRedirects is 0.
const defaultFetchRedirects = 5

// FetchOptions configures FetchURL. The zero value is ready to use.
type FetchOptions struct {
	// Client sends the request; nil means a client on a clone of
	// http.DefaultTransport (so HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE
	// are honoured). Its CheckRedirect is wrapped to enforce MaxRedirects.
	Client *http.Client
	// Timeout bounds the whole fetch, body included; 0 means
	// DefaultFetchTimeout.
	Timeout time.Duration
	// MaxBytes caps the body; 0 means DefaultMaxArticleBytes.
	MaxBytes int64
	// MaxRedirects is how many redirects are followed; 0 means 5, a
	// negative value means none.
	MaxRedirects int
}

// FetchURL downloads an article from an http or https URL and parses it by
// Content-Type: HTML through ParseHTML (readable text extracted), Markdown
// and plain text through ParseArticle. The ID is URLSlug(rawURL), so
// fetching the same URL again updates the same article; Source is the URL
// after redirects. Only http and https are accepted (no file:, ftp:, data:);
// the size cap is enforced while reading, not just from Content-Length.
// Every error starts with "fetch URL:" (the URL after redirects once there
// is a response), so callers need not name the URL again.
func FetchURL(ctx context.Context, rawURL string, opts FetchOptions) (retrieval.Article, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("fetch: bad URL: %w", err) // the parse error quotes the URL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return retrieval.Article{}, fmt.Errorf("fetch %s: unsupported URL scheme %q: only http and https URLs can be fetched", u.Redacted(), u.Scheme)
	}
	if u.Host == "" {
		return retrieval.Article{}, fmt.Errorf("fetch %s: the URL has no host", u.Redacted())
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxArticleBytes
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", "citebot (+https://github.com/citebot/citebot)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,*/*;q=0.1")
	resp, err := fetchClient(opts).Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return retrieval.Article{}, fmt.Errorf("fetch %s: no complete response within %s", u.Redacted(), timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the method and URL
		}
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retrieval.Article{}, fmt.Errorf("fetch %s: server answered %s", final.Redacted(), resp.Status)
	}
	if resp.ContentLength > limit {
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w: %d bytes, the limit is %d", final.Redacted(), ErrArticleTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("fetch %s: reading body: %w", final.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w: more than %d bytes", final.Redacted(), ErrArticleTooLarge, limit)
	}

	id := retrieval.URLSlug(rawURL)
	lopts := LoadOptions{MaxBytes: limit}
	var a retrieval.Article
	switch kind := contentKind(resp.Header.Get("Content-Type"), data, final.Path); kind {
	case "html":
		a, err = ParseHTML(id, data, final.String(), lopts)
	case "text":
		a, err = ParseArticle(id, data, lopts)
	default:
		return retrieval.Article{}, fmt.Errorf("fetch %s: content type %q is not an article (want HTML, Markdown or plain text)", final.Redacted(), kind)
	}
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w", final.Redacted(), err)
	}
	a.Source = final.String()
	a.Hash = retrieval.HashArticle(a)
	return a, nil
}

// fetchClient returns a copy of the configured client (or a fresh one) whose
// redirect policy enforces the limit and keeps to http/https.
func fetchClient(opts FetchOptions) *http.Client {
	var c http.Client
	if opts.Client != nil {
		c = *opts.Client
	} else {
		c.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	maxRedirects := opts.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = defaultFetchRedirects
	}
	inner := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", max(maxRedirects, 0))
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return &c
}

// contentKind classifies a response as "html", "text" or, for anything
// else, its media type. Without a usable Content-Type the body is sniffed,
// and a .md/.txt path counts as text.
func contentKind(contentType string, data []byte, urlPath string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" || mt == "application/octet-stream" {
		switch strings.ToLower(path.Ext(urlPath)) {
		case ".md", ".markdown", ".txt":
			return "text"
		}
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return "html"
	case "text/plain", "text/markdown", "text/x-markdown":
		return "text"
	}
	return mt
}
