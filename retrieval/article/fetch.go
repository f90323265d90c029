package article

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
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

// MaxFetchRedirects is the most redirects a fetch follows, whatever
// FetchOptions.MaxRedirects says: each one is another URL a stranger
// chooses, and a real article needs one or two.
const MaxFetchRedirects = 5

// FetchOptions configures FetchURL. The zero value is ready to use and is
// the safe policy for URLs from strangers: public web servers only, on
// ports 80 and 443, within the size, time and redirect caps.
type FetchOptions struct {
	// Client sends the requests; nil means a client on a clone of
	// http.DefaultTransport (so HTTPS_PROXY, HTTP_PROXY, NO_PROXY and
	// SSL_CERT_FILE are honoured). If its Transport is an *http.Transport
	// (or nil), FetchURL uses a clone whose every direct connection is
	// checked when it is dialled, while a proxy from its Proxy func is
	// dialled as the operator configured it; custom TLS dial functions are
	// dropped. Any other RoundTripper is the caller's own network path and
	// gets only the URL checks (as if behind a proxy). The client itself
	// is not modified.
	Client *http.Client
	// Timeout bounds the whole fetch: connecting, redirects, reading the
	// body and extracting the article; 0 means DefaultFetchTimeout.
	Timeout time.Duration
	// MaxBytes caps the body; 0 means DefaultMaxArticleBytes.
	MaxBytes int64
	// MaxRedirects is how many redirects are followed; 0 means (and more
	// than MaxFetchRedirects is lowered to) MaxFetchRedirects, a negative
	// value means none.
	MaxRedirects int
	// AllowHosts are the operator's exceptions (CITEBOT_FETCH_ALLOW_HOSTS,
	// see ParseAllowHosts): "host" may resolve to a private or loopback
	// address, and "host:port" may also use that port.
	AllowHosts []string
	// AllowPrivate lifts the address and port checks entirely (`ingest
	// --allow-private`, for an operator fetching from their own network).
	// Scheme, redirect, size, time and type caps still apply.
	AllowPrivate bool
	// Resolver looks up host names; nil means net.DefaultResolver. The
	// address dialled is checked whatever it answers.
	Resolver Resolver

	// connect replaces the system connect for tests; see guard.connect.
	connect func(ctx context.Context, network, address string) (net.Conn, error)
}

func (o FetchOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultFetchTimeout
	}
	return o.Timeout
}

func (o FetchOptions) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxArticleBytes
	}
	return o.MaxBytes
}

func (o FetchOptions) maxRedirects() int {
	switch {
	case o.MaxRedirects < 0:
		return 0
	case o.MaxRedirects == 0 || o.MaxRedirects > MaxFetchRedirects:
		return MaxFetchRedirects
	}
	return o.MaxRedirects
}

// errFetchTimeout is the cause of a fetch's own deadline, to tell it from
// the caller's.
var errFetchTimeout = errors.New("fetch timeout")

// FetchURL downloads an article from an http or https URL and parses it by
// Content-Type: HTML through ParseHTMLContext (readable text extracted),
// Markdown and plain text through ParseArticle, PDF through ParsePDF. The ID is URLSlug(rawURL),
// so fetching the same URL again updates the same article; Source is the
// URL after redirects.
//
// The URL may come from a stranger, so the fetch is guarded (see
// FetchOptions): anything it will not fetch or keep is a *FetchRefused
// whose Reason is one sentence for that person; network failures and HTTP
// error statuses are ordinary errors. Every error starts with "fetch URL:"
// (the URL after redirects once there is a response), so callers need not
// name the URL again.
func FetchURL(ctx context.Context, rawURL string, opts FetchOptions) (retrieval.Article, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("fetch: bad URL: %w", err) // the parse error quotes the URL
	}
	a, where, err := fetch(ctx, u, retrieval.URLSlug(rawURL), opts)
	if err != nil {
		if r, ok := asRefusal(err); ok && r.URL == "" {
			r.URL = where.Redacted()
		}
		return retrieval.Article{}, fmt.Errorf("fetch %s: %w", where.Redacted(), err)
	}
	return a, nil
}

// fetch does FetchURL's work and returns, with any error, the URL the
// error is about: u until there is a response, then the final URL.
func fetch(ctx context.Context, u *url.URL, id string, opts FetchOptions) (retrieval.Article, *url.URL, error) {
	g := newGuard(opts)
	if r := g.checkURL(u); r != nil {
		return retrieval.Article{}, u, r
	}
	timeout, limit := opts.timeout(), opts.maxBytes()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errFetchTimeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return retrieval.Article{}, u, err
	}
	req.Header.Set("User-Agent", "citebot (+https://github.com/citebot/citebot)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1")
	client := g.client(opts.Client, opts.maxRedirects())
	defer client.CloseIdleConnections() // the transport is this fetch's own
	resp, err := client.Do(req)
	if err != nil {
		return retrieval.Article{}, u, explainFetchError(ctx, err, timeout)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retrieval.Article{}, final, fmt.Errorf("server answered %s", resp.Status)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt != "application/octet-stream" && articleKind(mt) == "" {
		return retrieval.Article{}, final, wrongType(mt) // refused before reading the body
	}
	if resp.ContentLength > limit {
		return retrieval.Article{}, final, tooLarge(limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if err := explainFetchError(ctx, err, timeout); isRefusal(err) {
			return retrieval.Article{}, final, err
		}
		return retrieval.Article{}, final, fmt.Errorf("reading body: %w", err)
	}
	if int64(len(data)) > limit {
		return retrieval.Article{}, final, tooLarge(limit)
	}

	lopts := LoadOptions{MaxBytes: limit}
	var a retrieval.Article
	switch kind := contentKind(resp.Header.Get("Content-Type"), data, final.Path); kind {
	case "html":
		a, err = ParseHTMLContext(ctx, id, data, final.String(), lopts)
	case "text":
		a, err = ParseArticle(id, data, lopts)
	case "pdf":
		a, err = ParsePDF(id, data, lopts)
	default:
		return retrieval.Article{}, final, wrongType(kind)
	}
	if err != nil {
		return retrieval.Article{}, final, explainParseError(ctx, err, timeout)
	}
	a.Source = WithoutUserinfo(final.String())
	a.Hash = retrieval.HashArticle(a)
	return a, final, nil
}

// explainFetchError turns a client or body-read error into the refusal
// inside it, a timeout refusal when the fetch's own deadline passed, or
// the underlying error without the *url.Error wrapper (whose message
// repeats the method and URL).
func explainFetchError(ctx context.Context, err error, timeout time.Duration) error {
	if r, ok := asRefusal(err); ok {
		var ue *url.Error
		if r.URL == "" && errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				r.URL = u.Redacted()
			}
		}
		return r
	}
	if errors.Is(context.Cause(ctx), errFetchTimeout) {
		return tooSlow(timeout, context.DeadlineExceeded)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// explainParseError makes the article parsers' complexity limits and the
// fetch deadline refusals; other parse errors pass unchanged.
func explainParseError(ctx context.Context, err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) && errors.Is(context.Cause(ctx), errFetchTimeout):
		return &FetchRefused{Reason: "the page took longer than " + timeout.String() + " to fetch and read", Err: context.DeadlineExceeded}
	case errors.Is(err, ErrHTMLTooDeep), errors.Is(err, ErrHTMLTooManyElements), errors.Is(err, ErrHTMLTooComplex), errors.Is(err, ErrHTMLTooSlow):
		return &FetchRefused{Reason: err.Error(), Err: err}
	}
	return err
}

// articleKind is "html", "text" or "pdf" for the media types FetchURL
// keeps, "" for any other.
func articleKind(mediaType string) string {
	switch mediaType {
	case "text/html", "application/xhtml+xml":
		return "html"
	case "text/plain", "text/markdown", "text/x-markdown":
		return "text"
	case "application/pdf":
		return "pdf"
	}
	return ""
}

// contentKind classifies a response as "html", "text", "pdf" or, for anything
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
	if kind := articleKind(mt); kind != "" {
		return kind
	}
	return mt
}

// WithoutUserinfo returns raw without the user:password@ part of its
// authority, so that credentials in a URL someone ingested are never
// stored in an article's source, saved to its file or shown under Sources.
func WithoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
