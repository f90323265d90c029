package article

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Response is the outcome of a guarded GET, whatever its status: the
// caller decides what a 304, a 429 or a 500 means (a feed poller does).
type Response struct {
	// URL is the address after redirects.
	URL *url.URL
	// Status is the HTTP status code; Header the response headers.
	Status int
	Header http.Header
	// Body is the whole body of a 2xx response (at most MaxBytes), nil
	// for any other status.
	Body []byte
	// Moved reports that the request was redirected and every redirect
	// was permanent (301 or 308): the resource has a new address.
	Moved bool
}

// Client sends guarded GET requests with the policy of FetchURL (see
// FetchOptions: public addresses only, checked when dialled, redirect, size
// and time caps) but hands back the status and headers, and lets the
// caller send its own (If-None-Match, If-Modified-Since). Unlike FetchURL
// it keeps its connections between requests, so polling many feeds of one
// publisher reuses them. It is safe for concurrent use.
type Client struct {
	opts FetchOptions
	http *http.Client
}

// NewClient returns a Client enforcing opts. Call CloseIdleConnections
// when done with it.
func NewClient(opts FetchOptions) *Client {
	var base http.Client
	if opts.Client != nil {
		base = *opts.Client
	}
	inner := base.CheckRedirect
	base.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if log, ok := req.Context().Value(redirectKey{}).(*redirectLog); ok && req.Response != nil {
			log.count++
			if s := req.Response.StatusCode; s != http.StatusMovedPermanently && s != http.StatusPermanentRedirect {
				log.temporary = true
			}
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return &Client{opts: opts, http: newGuard(opts).client(&base, opts.maxRedirects())}
}

// CloseIdleConnections closes the connections the client keeps open.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// redirectKey carries a request's redirectLog in its context.
type redirectKey struct{}

// redirectLog counts one request's redirects and notes a temporary one.
type redirectLog struct {
	count     int
	temporary bool
}

// Get fetches rawURL with the extra request headers (nil for none; the
// User-Agent names citebot unless they set one). A
// refusal is a *FetchRefused, as for FetchURL, and every error starts with
// "fetch URL:". A body over MaxBytes is refused while it is read.
func (c *Client) Get(ctx context.Context, rawURL string, header http.Header) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch: bad URL: %w", err)
	}
	resp, where, err := c.get(ctx, u, header)
	if err != nil {
		if r, ok := asRefusal(err); ok && r.URL == "" {
			r.URL = where.Redacted()
		}
		return nil, fmt.Errorf("fetch %s: %w", where.Redacted(), err)
	}
	return resp, nil
}

// get does Get's work and returns, with any error, the URL it is about.
func (c *Client) get(ctx context.Context, u *url.URL, header http.Header) (*Response, *url.URL, error) {
	timeout, limit := c.opts.timeout(), c.opts.maxBytes()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errFetchTimeout)
	defer cancel()
	log := &redirectLog{}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, redirectKey{}, log), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, u, err
	}
	req.Header.Set("User-Agent", "citebot (+https://github.com/citebot/citebot)")
	for k, vs := range header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, u, explainFetchError(ctx, err, timeout)
	}
	defer resp.Body.Close()
	out := &Response{URL: resp.Request.URL, Status: resp.StatusCode, Header: resp.Header, Moved: log.count > 0 && !log.temporary}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		io.CopyN(io.Discard, resp.Body, 4<<10) // a short error page: let the connection be reused
		return out, out.URL, nil
	}
	if resp.ContentLength > limit {
		return nil, out.URL, responseTooLarge(limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if err := explainFetchError(ctx, err, timeout); isRefusal(err) {
			return nil, out.URL, err
		}
		return nil, out.URL, fmt.Errorf("reading body: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, out.URL, responseTooLarge(limit)
	}
	out.Body = data
	return out, out.URL, nil
}

// responseTooLarge is the refusal for a response body over limit bytes.
func responseTooLarge(limit int64) *FetchRefused {
	return &FetchRefused{Reason: "the response is larger than " + formatSize(limit), Err: ErrArticleTooLarge}
}

// Get is one request of a Client made for it: for a single fetch that
// needs the status or headers.
func Get(ctx context.Context, rawURL string, opts FetchOptions, header http.Header) (*Response, error) {
	c := NewClient(opts)
	defer c.CloseIdleConnections()
	return c.Get(ctx, rawURL, header)
}
