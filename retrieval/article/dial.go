package article

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Resolver looks up a host's addresses. *net.Resolver implements it;
// FetchOptions.Resolver takes another (a test's fixed answers, an
// operator's own DNS). Whatever it answers, the address dialled is checked.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// guard holds one fetch's policy and builds the client that enforces it.
type guard struct {
	allow        allowList
	allowPrivate bool
	resolver     Resolver
	// connect replaces the system's connect for tests (a fake network with
	// "public" addresses that lead to a loopback test server). It is
	// called only for an address that passed the same check the
	// production dialer's Control runs.
	connect func(ctx context.Context, network, address string) (net.Conn, error)

	mu      sync.Mutex
	proxies map[string]bool // host:port of proxies this fetch's requests went through
}

func newGuard(opts FetchOptions) *guard {
	g := &guard{
		allow:        allowList(opts.AllowHosts),
		allowPrivate: opts.AllowPrivate,
		resolver:     opts.Resolver,
		connect:      opts.connect,
		proxies:      map[string]bool{},
	}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	return g
}

// client returns a copy of base (or a default client) whose transport is
// guarded: if the transport is an *http.Transport (the default one
// included), a clone whose every dial is checked; any other RoundTripper is
// the caller's own network path, trusted like a proxy, and gets the URL
// checks only. Every request, redirects included, passes checkURL, and
// redirects are capped at maxRedirects.
func (g *guard) client(base *http.Client, maxRedirects int) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	rt := &guardedRoundTripper{next: c.Transport, guard: g}
	switch t := c.Transport.(type) {
	case nil:
		rt.next, rt.proxy = g.transport(http.DefaultTransport.(*http.Transport))
		rt.owned = true
	case *http.Transport:
		rt.next, rt.proxy = g.transport(t)
		rt.owned = true
	}
	c.Transport = rt
	inner := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return refuse("too many redirects (more than %d)", maxRedirects)
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return &c
}

// transport clones t with the guarded dialer. Custom TLS dialers are
// dropped, since they would bypass the check.
func (g *guard) transport(t *http.Transport) (*http.Transport, func(*http.Request) (*url.URL, error)) {
	t = t.Clone()
	t.DialContext = g.dial
	t.Dial = nil // deprecated, but it would bypass the guard
	t.DialTLS = nil
	t.DialTLSContext = nil
	return t, t.Proxy
}

// guardedRoundTripper checks each request's URL before it is sent and
// notes which proxy, if any, it goes through, so the dialer lets the
// operator's proxy through (possibly on loopback) while checking every
// direct connection.
type guardedRoundTripper struct {
	next  http.RoundTripper
	guard *guard
	proxy func(*http.Request) (*url.URL, error) // the transport's Proxy; nil when unknown or none
	owned bool                                  // next is this fetch's own clone
}

// CloseIdleConnections closes the idle connections of this fetch's own
// transport (http.Client.CloseIdleConnections calls it), never those of a
// caller's RoundTripper.
func (rt *guardedRoundTripper) CloseIdleConnections() {
	if t, ok := rt.next.(*http.Transport); ok && rt.owned {
		t.CloseIdleConnections()
	}
}

func (rt *guardedRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if r := rt.guard.checkURL(req.URL); r != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		r.URL = req.URL.Redacted()
		return nil, r
	}
	if rt.proxy != nil {
		p, err := rt.proxy(req)
		if err != nil {
			return nil, fmt.Errorf("choose proxy: %w", err)
		}
		if p != nil {
			rt.guard.noteProxy(p)
		}
	}
	return rt.next.RoundTrip(req)
}

// noteProxy records the address the transport will dial for proxy p.
func (g *guard) noteProxy(p *url.URL) {
	port := p.Port()
	if port == "" {
		switch p.Scheme {
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		default:
			port = "80"
		}
	}
	g.mu.Lock()
	g.proxies[net.JoinHostPort(normalHost(p.Hostname()), port)] = true
	g.mu.Unlock()
}

func (g *guard) isProxy(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.proxies[net.JoinHostPort(normalHost(host), port)]
}

// dial is the transport's DialContext. A dial to the operator's proxy goes
// through unchecked; any other host is resolved and each of its addresses
// is dialled with the address check in net.Dialer.Control, which sees the
// address the socket is about to connect to, so a resolver that changes
// its answer between lookups (DNS rebinding) gains nothing. AllowHosts
// names and AllowPrivate skip the address check.
func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.isProxy(addr) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port in %q", addr)
	}
	hostOK, _ := g.allow.match(host, int(port))
	check := !g.allowPrivate && !hostOK
	ips, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	var first error
	for _, ip := range ips {
		conn, err := g.dialAddr(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String(), check)
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// lookup returns host's addresses: itself if it is an IP literal.
func (g *guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	answers, err := g.resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	for _, a := range answers {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			ips = append(ips, ip.Unmap())
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("no address found for %s", host)
	}
	return ips, nil
}

// dialAddr connects to one IP:port. With check, the address is vetted in
// the dialer's Control hook, after the socket exists and before it
// connects.
func (g *guard) dialAddr(ctx context.Context, network, address string, check bool) (net.Conn, error) {
	var control func(network, address string, c syscall.RawConn) error
	if check {
		control = controlAddr
	}
	if g.connect != nil {
		if control != nil {
			if err := control(network, address, nil); err != nil {
				return nil, err
			}
		}
		return g.connect(ctx, network, address)
	}
	d := net.Dialer{KeepAlive: 30 * time.Second, Control: control}
	return d.DialContext(ctx, network, address)
}

// controlAddr is the dial-time check: it refuses a connection to any
// address that is not public unicast. It is a net.Dialer.Control hook, so
// address is the literal IP:port being connected to.
func controlAddr(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &FetchRefused{Reason: reasonReserved, Err: fmt.Errorf("unparsable dial address %q", address)}
	}
	if r := addrRefusal(ap.Addr()); r != "" {
		return &FetchRefused{Reason: r}
	}
	return nil
}

// isRefusal reports whether err is or wraps a *FetchRefused.
func isRefusal(err error) bool {
	_, ok := asRefusal(err)
	return ok
}

// asRefusal finds a FetchRefused anywhere in err's chain.
func asRefusal(err error) (*FetchRefused, bool) {
	var r *FetchRefused
	ok := errors.As(err, &r)
	return r, ok
}
