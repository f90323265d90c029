package prose

import (
	"strings"
	"unicode/utf8"
)

// IsControl reports whether r is a C0 or C1 control character other than
// newline and tab: the characters a terminal acts on (ESC starts escape
// sequences that clear the screen or retitle the window; U+009B is CSI),
// which text from a stranger's article must never carry to one.
func IsControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f)
}

// StripControls returns s without control characters (see IsControl) and
// with invalid UTF-8 replaced by U+FFFD.
func StripControls(s string) string {
	if !strings.ContainsFunc(s, IsControl) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if !IsControl(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
