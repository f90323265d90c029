package article

import (
	"net/netip"
	"net/url"
	"testing"
)

// FuzzCheckURL feeds arbitrary URLs to the fetch guard's URL check: it
// must not panic, and a URL it passes is http or https, on port 80 or 443,
// with a host that is not a refused address in any spelling. Every IPv4
// address is judged the same in its IPv4-mapped IPv6 form.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com/a", "https://example.com:443/", "http://127.0.0.1/", "http://[::ffff:127.0.0.1]/",
		"http://2130706433/", "http://0x7f.1/", "http://localhost./", "http://a.localhost:80/",
		"http://[fe80::1%25eth0]/", "http://169.254.169.254/", "http://example.com:8080/", "ftp://x/",
		"http://user:pw@10.0.0.1:80/", "http://[64:ff9b::7f00:1]/", "http://%31%32%37.0.0.1/",
	} {
		f.Add(s)
	}
	strict := newGuard(FetchOptions{})
	private := newGuard(FetchOptions{AllowPrivate: true})
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		private.checkURL(u) // must not panic
		host := u.Hostname()
		if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
			if a, b := addrRefusal(ip), addrRefusal(netip.AddrFrom16(ip.As16())); a != b {
				t.Fatalf("%s: %q, mapped %q", ip, a, b)
			}
		}
		if strict.checkURL(u) != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("%q passed with scheme %q", raw, u.Scheme)
		}
		if port, err := urlPort(u); err != nil || !allowedPorts[port] {
			t.Fatalf("%q passed with port %q", raw, u.Port())
		}
		if host == "" || hostRefusal(host) != "" {
			t.Fatalf("%q passed with host %q", raw, host)
		}
		if ip, err := netip.ParseAddr(host); err == nil && addrRefusal(ip) != "" {
			t.Fatalf("%q passed with address %s", raw, ip)
		}
	})
}
