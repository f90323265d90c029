package retrieval

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// Test helpers shared with retrieval/prose's sentence tests (kept apart so
// that neither package's tests import the other's).

// checkSpans verifies the Sentences contract on text: spans in order,
// non-overlapping, inside text, trimmed, and covering every non-space byte.
func checkSpans(t *testing.T, text string, spans []prose.Span) {
	t.Helper()
	covered := make([]bool, len(text))
	prev := 0
	for _, s := range spans {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("bad span %v after %d in text of %d bytes", s, prev, len(text))
		}
		r, _ := utf8.DecodeRuneInString(text[s.Start:])
		l, _ := utf8.DecodeLastRuneInString(text[:s.End])
		if unicode.IsSpace(r) || unicode.IsSpace(l) {
			t.Fatalf("span %v %q not trimmed", s, text[s.Start:s.End])
		}
		for i := s.Start; i < s.End; i++ {
			covered[i] = true
		}
		prev = s.End
	}
	for i, r := range text {
		if !covered[i] && !unicode.IsSpace(r) {
			t.Fatalf("byte %d (%q) of %q is in no span", i, r, prose.Shorten(text, 60))
		}
	}
}

// randomText builds text from pieces that exercise the splitters: words,
// abbreviations, punctuation, quotes, headings, list items, line breaks,
// blank lines, multi-byte runes and long words.
func randomText(rng *rand.Rand, n int) string {
	pieces := []string{
		"word", "Word", "the", "U.S.", "Mr.", "Lt. Gen.", "3.5", "e.g.", "A.", "x", " ", " ", " ", ". ", "! ", "? ", "...", ".\" ",
		"”", "(", ")", "\n", "\n\n", "\n \n", "## Heading\n", "# H", "- item\n", "1. one\n", "\t", "\r\n", "é", "日本語", "。",
		"\u00a0", "\u2028", strings.Repeat("long", 30), strings.Repeat("é", 50), "Title Case Line\n", "\xff",
	}
	var b strings.Builder
	for range n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}
