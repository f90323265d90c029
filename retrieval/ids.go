package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// URLSlug turns a URL into an article ID that is safe as a file name:
// lowercase host (without "www.") and path, runs of other characters as
// "-", a file extension like ".html" dropped, e.g.
// "https://www.example.com/news/2022/austin-call.html" →
// "example-com-news-2022-austin-call". When the URL has a query or
// non-ASCII characters, or the slug had to be shortened to 80 bytes, 8 hex
// digits of the URL's SHA-256 are appended so different pages keep
// different IDs.
func URLSlug(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	suffix := hex.EncodeToString(sum[:4])
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "url-" + suffix
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	p := u.Path
	if ext := path.Ext(p); ext != "" && len(ext) <= 6 && !strings.Contains(ext, "/") {
		p = strings.TrimSuffix(p, ext)
	}
	var b strings.Builder
	dash := false
	needSuffix := u.RawQuery != ""
	for _, r := range strings.ToLower(host + "/" + p) {
		if r >= utf8.RuneSelf {
			needSuffix = true // non-ASCII is dropped: keep pages apart
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	slug := b.String()
	const maxLen = 80
	if len(slug) > maxLen {
		slug = strings.TrimRight(slug[:maxLen], "-")
		needSuffix = true
	}
	if slug == "" {
		return "url-" + suffix
	}
	if needSuffix {
		slug += "-" + suffix
	}
	return slug
}

// ValidateID rejects IDs that are not a plain file name the loaders would
// find again: empty, hidden, or containing a path separator.
func ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("article has no ID")
	case strings.HasPrefix(id, "."):
		return fmt.Errorf("article ID %q starts with a dot", id)
	case strings.ContainsAny(id, `/\`+"\x00"):
		return fmt.Errorf("article ID %q contains a path separator", id)
	case strings.EqualFold(id, "README"):
		return fmt.Errorf("article ID %q is reserved", id)
	}
	return nil
}
