package article

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAddrRefusal(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want string // "" = public, allowed
	}{
		// Public unicast.
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},  // just outside 172.16/12
		{"100.128.0.1", ""}, // just outside 100.64/10
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},       // mapped public
		{"64:ff9b::808:808", ""},     // NAT64 to a public address
		{"2002:808:808::1", ""},      // 6to4 of a public address
		{"2001:4860:4860::8888", ""}, // a public address in 2001::/16 but not Teredo

		// Loopback.
		{"127.0.0.1", reasonLoopback},
		{"127.1.2.3", reasonLoopback},
		{"::1", reasonLoopback},
		{"::ffff:127.0.0.1", reasonLoopback},
		{"::127.0.0.1", reasonLoopback},                          // IPv4-compatible
		{"::ffff:0:127.0.0.1", reasonLoopback},                   // SIIT
		{"64:ff9b::7f00:1", reasonLoopback},                      // NAT64
		{"2002:7f00:1::1", reasonLoopback},                       // 6to4
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", reasonLoopback}, // Teredo, client 127.0.0.1

		// Private networks.
		{"10.0.0.1", reasonPrivate},
		{"10.255.255.255", reasonPrivate},
		{"172.16.0.1", reasonPrivate},
		{"172.31.255.254", reasonPrivate},
		{"192.168.1.1", reasonPrivate},
		{"::ffff:10.1.2.3", reasonPrivate},
		{"::ffff:192.168.0.1", reasonPrivate},
		{"fc00::1", reasonPrivate},
		{"fd12:3456::1", reasonPrivate},
		{"fd00:ec2::254", reasonPrivate}, // AWS metadata over IPv6
		{"2002:c0a8:101::1", reasonPrivate},
		{"2001:0:c0a8:101::1", reasonPrivate}, // Teredo server 192.168.1.1

		// Link-local and metadata.
		{"169.254.169.254", reasonMetadata},
		{"::ffff:169.254.169.254", reasonMetadata},
		{"::ffff:a9fe:a9fe", reasonMetadata},
		{"64:ff9b::a9fe:a9fe", reasonMetadata},
		{"169.254.1.1", reasonLinkLocal},
		{"fe80::1", reasonLinkLocal},
		{"fe80::1%eth0", reasonLinkLocal},
		{"febf::1", reasonLinkLocal},

		// CGNAT, multicast, unspecified, broadcast.
		{"100.64.0.1", reasonCGNAT},
		{"100.127.255.254", reasonCGNAT},
		{"::ffff:100.64.0.1", reasonCGNAT},
		{"224.0.0.1", reasonMulticast},
		{"239.255.255.250", reasonMulticast},
		{"ff02::1", reasonMulticast},
		{"ff05::2", reasonMulticast},
		{"::ffff:224.0.0.1", reasonMulticast},
		{"0.0.0.0", reasonUnspecified},
		{"0.1.2.3", reasonUnspecified},
		{"::", reasonUnspecified},
		{"::ffff:0.0.0.0", reasonUnspecified},
		{"255.255.255.255", reasonBroadcast},
		{"::ffff:255.255.255.255", reasonBroadcast},

		// Documentation, benchmarking and other reserved ranges.
		{"192.0.2.1", reasonDocs},
		{"198.51.100.7", reasonDocs},
		{"203.0.113.9", reasonDocs},
		{"198.18.0.1", reasonDocs},
		{"2001:db8::1", reasonDocs},
		{"240.0.0.1", reasonReserved},
		{"192.0.0.8", reasonReserved},
		{"100::1", reasonReserved},
		{"4000::1", reasonReserved}, // outside 2000::/3
		{"::2", reasonReserved},
	} {
		ip, err := netip.ParseAddr(tt.addr)
		if err != nil {
			t.Fatalf("%s: %v", tt.addr, err)
		}
		if got := addrRefusal(ip); got != tt.want {
			t.Errorf("addrRefusal(%s) = %q, want %q", tt.addr, got, tt.want)
		}
		// The dial-time check refuses exactly the same addresses.
		err = controlAddr("tcp", netip.AddrPortFrom(ip, 80).String(), nil)
		if (err == nil) != (tt.want == "") || (err != nil && err.Error() != tt.want) {
			t.Errorf("controlAddr(%s) = %v, want %q", tt.addr, err, tt.want)
		}
	}
}

func TestHostRefusal(t *testing.T) {
	for _, tt := range []struct{ host, want string }{
		{"example.com", ""},
		{"news.example.org.", ""},
		{"localhost.example.com", ""},
		{"1.2.3.4.nip.io", ""},
		{"localhost", reasonLoopback},
		{"LOCALHOST.", reasonLoopback},
		{"app.localhost", reasonLoopback},
		{"ｌｏｃａｌｈｏｓｔ", reasonLoopback}, // fullwidth, mapped by IDNA
		{"１２７.0.0.1", reasonLoopback},
		{"bücher.example", ""},
		{"127.0.0.1", reasonLoopback},
		{"::1", reasonLoopback},
		{"::ffff:127.0.0.1", reasonLoopback},
		{"2130706433", reasonLoopback}, // decimal
		{"0x7f000001", reasonLoopback}, // hex
		{"0177.0.0.1", reasonLoopback}, // octal
		{"127.1", reasonLoopback},      // short form
		{"0x7f.0.0.1", reasonLoopback}, // mixed
		{"10.1", reasonPrivate},        // 10.0.0.1
		{"3232235777", reasonPrivate},  // 192.168.1.1
		{"0xa9fea9fe", reasonMetadata}, // 169.254.169.254
		{"0", reasonUnspecified},       // 0.0.0.0
	} {
		if got := hostRefusal(tt.host); got != tt.want {
			t.Errorf("hostRefusal(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestParseLooseIPv4(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // "" = not an address
	}{
		{"1.2.3.4", "1.2.3.4"},
		{"16909060", "1.2.3.4"},
		{"1.2.772", "1.2.3.4"},
		{"1.131844", "1.2.3.4"},
		{"0x1.0x2.0x3.0x4", "1.2.3.4"},
		{"01.02.03.04", "1.2.3.4"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"1.2.3.256", ""},
		{"256.1.1.1", ""},
		{"1.2.3.4.5", ""},
		{"1..2", ""},
		{"", ""},
		{"08.1.1.1", ""}, // not octal
		{"1_0.1.1.1", ""},
		{"example.com", ""},
		{"-1.2.3.4", ""},
	} {
		ip, ok := parseLooseIPv4(tt.in)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tt.want {
			t.Errorf("parseLooseIPv4(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseAllowHosts(t *testing.T) {
	got := ParseAllowHosts(" Wiki.Internal , 10.0.0.5:8080,,http://intranet.corp:8443/, [::1]:9000 ,")
	want := []string{"wiki.internal", "10.0.0.5:8080", "intranet.corp:8443", "[::1]:9000"}
	if !slices.Equal(got, want) {
		t.Errorf("ParseAllowHosts = %q, want %q", got, want)
	}
	if got := ParseAllowHosts(""); len(got) != 0 {
		t.Errorf("empty: %q", got)
	}
	l := allowList(want)
	for _, tt := range []struct {
		host           string
		port           int
		hostOK, portOK bool
	}{
		{"wiki.internal", 80, true, true},
		{"WIKI.internal.", 443, true, true},
		{"wiki.internal", 8080, true, false}, // a bare host keeps 80 and 443
		{"10.0.0.5", 8080, true, true},
		{"10.0.0.5", 80, true, true},
		{"10.0.0.5", 9090, true, false},
		{"[::1]", 9000, true, true},
		{"::1", 9000, true, true},
		{"other.internal", 80, false, false}, // not listed: checkURL's own rules apply
		{"other.internal", 8080, false, false},
	} {
		hostOK, portOK := l.match(tt.host, tt.port)
		if hostOK != tt.hostOK || portOK != tt.portOK {
			t.Errorf("match(%s, %d) = %v, %v; want %v, %v", tt.host, tt.port, hostOK, portOK, tt.hostOK, tt.portOK)
		}
	}
}

func TestCheckURL(t *testing.T) {
	strict := newGuard(FetchOptions{})
	allowed := newGuard(FetchOptions{AllowHosts: []string{"wiki.internal:8080", "127.0.0.1"}})
	private := newGuard(FetchOptions{AllowPrivate: true})
	for _, tt := range []struct {
		g    *guard
		url  string
		want string // "" = passes
	}{
		{strict, "http://example.com/a", ""},
		{strict, "https://example.com/a", ""},
		{strict, "http://example.com:80/a", ""},
		{strict, "https://example.com:443/a", ""},
		{strict, "http://example.com:443/a", ""},
		{strict, "http://example.com:080/a", ""},
		{strict, "http://example.com:8080/a", "only ports 80 and 443 may be fetched (the URL names port 8080)"},
		{strict, "http://example.com:22/", "only ports 80 and 443 may be fetched"},
		{strict, "http://example.com:0/", "only ports 80 and 443 may be fetched"},
		{strict, "gopher://example.com/", `unsupported URL scheme "gopher"`},
		{strict, "javascript:alert(1)", `unsupported URL scheme "javascript"`},
		{strict, "http:///a", "the URL has no host"},
		{strict, "http://127.0.0.1/", reasonLoopback},
		{strict, "http://[::1]/", reasonLoopback},
		{strict, "http://[::ffff:127.0.0.1]/", reasonLoopback},
		{strict, "http://[::ffff:7f00:1]/", reasonLoopback},
		{strict, "http://2130706433/", reasonLoopback},
		{strict, "http://localhost/", reasonLoopback},
		{strict, "http://api.localhost/", reasonLoopback},
		{strict, "http://169.254.169.254/latest/meta-data/", reasonMetadata},
		{strict, "http://[fe80::1%25eth0]/", reasonLinkLocal},
		{strict, "http://10.0.0.1/", reasonPrivate},
		{strict, "http://[fd00::1]/", reasonPrivate},
		{strict, "http://0.0.0.0/", reasonUnspecified},
		{strict, "http://user:pass@10.0.0.1/", reasonPrivate},
		{allowed, "http://wiki.internal:8080/page", ""},
		{allowed, "http://wiki.internal/page", ""},
		{allowed, "http://wiki.internal:9090/page", "only ports 80 and 443 may be fetched"},
		{allowed, "http://127.0.0.1/", ""},
		{allowed, "http://127.0.0.1:8080/", "only ports 80 and 443 may be fetched"},
		{allowed, "http://127.0.0.2/", reasonLoopback},
		{private, "http://10.0.0.1:8080/", ""},
		{private, "http://localhost:3000/", ""},
		{private, "ftp://10.0.0.1/", `unsupported URL scheme "ftp"`},
	} {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		r := tt.g.checkURL(u)
		switch {
		case tt.want == "" && r != nil:
			t.Errorf("%s: refused: %s", tt.url, r.Reason)
		case tt.want != "" && (r == nil || !strings.Contains(r.Reason, tt.want)):
			t.Errorf("%s: %v, want %q", tt.url, r, tt.want)
		}
	}
}

func TestDescribeMediaTypeAndSize(t *testing.T) {
	if got := wrongType("application/zip").Reason; got != "that is an archive (application/zip), not an HTML, text, Markdown or PDF document" {
		t.Errorf("zip: %q", got)
	}
	for mt, want := range map[string]string{"image/webp": "an image", "video/mp4": "a video", "application/json": "JSON data",
		"application/rss+xml": "a news feed", "application/zip": "an archive", "application/x-foo": "a file of another kind"} {
		if got := describeMediaType(mt); got != want {
			t.Errorf("describeMediaType(%s) = %q, want %q", mt, got, want)
		}
	}
	for n, want := range map[int64]string{5 << 20: "5 MB", 1536 << 10: "1.5 MB", 512 << 10: "512 KB", 500: "500 bytes"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
