package prose

import "unicode/utf8"

// Shorten returns s cut to at most max bytes at a rune boundary, with "…"
// appended when anything was cut, so that logs, error messages and
// previews never end in a broken character. max <= 0 means no limit.
func Shorten(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
