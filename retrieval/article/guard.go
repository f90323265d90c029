package article

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// The fetch guard keeps a stranger's URL (a Discord user can make the bot
// fetch one) from reaching anything but public web servers: no loopback,
// private, link-local (cloud metadata), CGNAT, multicast or reserved
// addresses, in any spelling. The address actually dialled is checked at
// connection time (dial.go), so DNS rebinding cannot slip a private address
// past a check done earlier; this file holds the rules themselves.

// allowedPorts are the only ports a URL may name without AllowHosts.
var allowedPorts = map[int]bool{80: true, 443: true}

// refusedNets maps address ranges to the reason they are refused, most
// specific first. IPv4-mapped and other embedded IPv4 forms are unwrapped
// before this table is consulted (see addrRefusal).
var refusedNets = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), reasonMetadata},
	{netip.MustParsePrefix("255.255.255.255/32"), reasonBroadcast},
	{netip.MustParsePrefix("0.0.0.0/8"), reasonUnspecified},
	{netip.MustParsePrefix("10.0.0.0/8"), reasonPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), reasonCGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), reasonLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), reasonLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), reasonPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), reasonReserved}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), reasonDocs},
	{netip.MustParsePrefix("192.88.99.0/24"), reasonReserved}, // old 6to4 relay anycast
	{netip.MustParsePrefix("192.168.0.0/16"), reasonPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), reasonDocs}, // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), reasonDocs},
	{netip.MustParsePrefix("203.0.113.0/24"), reasonDocs},
	{netip.MustParsePrefix("224.0.0.0/4"), reasonMulticast},
	{netip.MustParsePrefix("240.0.0.0/4"), reasonReserved},
	{netip.MustParsePrefix("::/128"), reasonUnspecified},
	{netip.MustParsePrefix("::1/128"), reasonLoopback},
	{netip.MustParsePrefix("fc00::/7"), reasonPrivate},
	{netip.MustParsePrefix("fe80::/10"), reasonLinkLocal},
	{netip.MustParsePrefix("ff00::/8"), reasonMulticast},
	{netip.MustParsePrefix("2001:db8::/32"), reasonDocs},
	{netip.MustParsePrefix("3fff::/20"), reasonDocs},
	{netip.MustParsePrefix("2001:2::/48"), reasonDocs}, // benchmarking
	{netip.MustParsePrefix("64:ff9b:1::/48"), reasonReserved},
	{netip.MustParsePrefix("100::/64"), reasonReserved}, // discard-only
}

// globalUnicast6 is the only IPv6 range with public servers; anything
// outside it (after unwrapping embedded IPv4) is reserved.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// addrRefusal returns why ip may not be fetched from, or "" for a public
// unicast address. IPv4 embedded in IPv6 (mapped ::ffff:a.b.c.d,
// IPv4-compatible ::a.b.c.d, SIIT ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96,
// 6to4 2002::/16 and both ends of Teredo 2001::/32) is checked as the IPv4
// address it reaches.
func addrRefusal(ip netip.Addr) string {
	ip = ip.WithZone("")
	if !ip.IsValid() {
		return reasonReserved
	}
	for _, v4 := range embeddedIPv4(ip) {
		if r := addrRefusal(v4); r != "" {
			return r
		}
	}
	for _, n := range refusedNets {
		if n.prefix.Contains(ip) {
			return n.reason
		}
	}
	if ip.Is6() && !globalUnicast6.Contains(ip) && len(embeddedIPv4(ip)) == 0 {
		return reasonReserved
	}
	return ""
}

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries and
// would reach through a translator or tunnel.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	if !ip.Is6() {
		return nil
	}
	b := ip.As16()
	v4 := func(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p)) }
	zero := func(p []byte) bool {
		for _, c := range p {
			if c != 0 {
				return false
			}
		}
		return true
	}
	switch {
	case ip.Is4In6(): // ::ffff:a.b.c.d
		return []netip.Addr{ip.Unmap()}
	case zero(b[:12]) && !zero(b[12:14]): // ::a.b.c.d (not :: or ::1)
		return []netip.Addr{v4(b[12:])}
	case zero(b[:8]) && b[8] == 0xff && b[9] == 0xff && zero(b[10:12]): // ::ffff:0:a.b.c.d
		return []netip.Addr{v4(b[12:])}
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(b[4:12]): // 64:ff9b::/96
		return []netip.Addr{v4(b[12:])}
	case b[0] == 0x20 && b[1] == 0x02: // 2002:aabb:ccdd::/48
		return []netip.Addr{v4(b[2:6])}
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // Teredo: server, then client XOR 0xff
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return []netip.Addr{v4(b[4:8]), netip.AddrFrom4(client)}
	}
	return nil
}

// hostRefusal checks a URL host by its spelling alone, for when the
// address actually dialled is not ours to see (behind a proxy, or through
// a caller's own RoundTripper) and to refuse obvious cases early: literal
// IPs in any refused class, in any notation a resolver might accept
// (0x7f.1, 2130706433, 0177.0.0.1), and localhost names, also spelled in
// Unicode look-alikes.
func hostRefusal(host string) string {
	if ascii, err := idna.Lookup.ToASCII(host); err == nil {
		host = ascii // as the transport will send it: ｌｏｃａｌｈｏｓｔ is localhost
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return reasonLoopback
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return addrRefusal(ip)
	}
	if ip, ok := parseLooseIPv4(host); ok {
		return addrRefusal(ip)
	}
	return ""
}

// parseLooseIPv4 parses the IPv4 spellings inet_aton accepts, which some
// resolvers and proxies still honour: one to four parts, each decimal,
// octal (leading 0) or hex (0x), the last part filling the remaining bytes.
func parseLooseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		v, err := strconv.ParseUint(p, 0, 32) // base 0: 0x hex, 0 octal, else decimal
		if err != nil || p == "" || strings.Contains(p, "_") {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if bits := 8 * (4 - (len(vals) - 1)); last >= 1<<bits {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// urlPort is the port a URL connects to: the one it names, or the
// scheme's default.
func urlPort(u *url.URL) (int, error) {
	if p := u.Port(); p != "" {
		return strconv.Atoi(p)
	}
	if u.Scheme == "https" {
		return 443, nil
	}
	return 80, nil
}

// ParseAllowHosts splits an operator's allow list (CITEBOT_FETCH_ALLOW_HOSTS:
// "wiki.internal, 10.0.0.5:8080") into FetchOptions.AllowHosts entries,
// lower-cased, blanks dropped. An entry written as a URL
// ("http://wiki.internal:8080/") is reduced to its host and port.
func ParseAllowHosts(s string) []string {
	var hosts []string
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if strings.Contains(entry, "://") {
			if u, err := url.Parse(entry); err == nil {
				entry = u.Host
			}
		}
		if entry = strings.TrimSuffix(entry, "/"); entry != "" {
			hosts = append(hosts, entry)
		}
	}
	return hosts
}

// allowList is FetchOptions.AllowHosts, matched by host name (or IP) and,
// for entries that name one, port.
type allowList []string

// match reports whether host is listed (so it may resolve to a private or
// loopback address) and whether port is then allowed too: a "host" entry
// keeps ports 80 and 443, a "host:port" entry adds that port.
func (l allowList) match(host string, port int) (hostOK, portOK bool) {
	host = normalHost(host)
	for _, entry := range l {
		h, p := entry, ""
		if eh, ep, err := net.SplitHostPort(entry); err == nil {
			h, p = eh, ep
		}
		if normalHost(h) != host {
			continue
		}
		hostOK = true
		if n, err := strconv.Atoi(p); err == nil && n == port {
			portOK = true
		}
	}
	return hostOK, portOK || (hostOK && allowedPorts[port])
}

// normalHost lower-cases a host and drops IPv6 brackets and a trailing dot.
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// checkURL applies the rules that need no connection to every request,
// the first and each redirect: http or https, a host, port 80 or 443 (or
// an AllowHosts port, or any with AllowPrivate), and, unless the host is allowed or private
// addresses are, a host that is not a refused literal address or a
// localhost name. The address actually dialled is checked again when the
// connection is made.
func (g *guard) checkURL(u *url.URL) *FetchRefused {
	if u.Scheme != "http" && u.Scheme != "https" {
		return refuse("unsupported URL scheme %q: only http and https URLs may be fetched", u.Scheme)
	}
	if u.Hostname() == "" {
		return refuse("the URL has no host")
	}
	port, err := urlPort(u)
	if err != nil {
		return refuse("the URL's port %q is not a number", u.Port())
	}
	hostOK, portOK := g.allow.match(u.Hostname(), port)
	if !allowedPorts[port] && !portOK && !g.allowPrivate {
		return refuse("only ports 80 and 443 may be fetched (the URL names port %d)", port)
	}
	if g.allowPrivate || hostOK {
		return nil
	}
	if r := hostRefusal(u.Hostname()); r != "" {
		return refuse("%s", r)
	}
	return nil
}
