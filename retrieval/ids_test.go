package retrieval

import (
	"strings"
	"testing"
)

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
		if s := URLSlug(u); ValidateID(s) != nil {
			t.Errorf("URLSlug(%q) = %q: %v", u, s, ValidateID(s))
		}
	}
}

// FuzzURLSlug: any string makes an ID that is a safe file name, at most 89
// bytes, the same every time, and different URLs with queries stay apart.
func FuzzURLSlug(f *testing.F) {
	for _, s := range []string{"https://www.example.com/news/2022/05/austin-call.html", "http://Example.COM/A_B/C%20D/",
		"https://x.y/../../etc/passwd", "https://例え.jp/ニュース", "::", "", "http://", "https://a/b?c=d#e", "ftp://x/y.z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id := URLSlug(raw)
		if err := ValidateID(id); err != nil {
			t.Fatalf("URLSlug(%q) = %q: %v", raw, id, err)
		}
		if len(id) > 89 || id != URLSlug(raw) {
			t.Fatalf("URLSlug(%q) = %q (%d bytes, or not deterministic)", raw, id, len(id))
		}
		if strings.ContainsAny(id, "/\\\x00 ") {
			t.Fatalf("URLSlug(%q) = %q holds a separator or space", raw, id)
		}
	})
}
