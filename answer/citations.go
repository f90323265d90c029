package answer

import (
	"strings"
	"unicode/utf8"
)

// Marker is one citation marker found in generated text, such as "[2]",
// "[1, 3]", "[1-2]", "【4】", "[[5]]" or "[^6]".
type Marker struct {
	// Start and End are the byte span of the whole marker in the text.
	Start, End int
	// Numbers are the cited passage numbers in the order written, with
	// ranges expanded and repeats removed. They are not checked against any
	// passage list; numbers naming no passage are dropped later.
	Numbers []int
}

// Limits that keep a hostile or confused output ("[1-99999999]") from
// turning into a huge list: numbers have at most maxMarkerDigits digits, a
// range wider than maxRangeWidth keeps only its two ends, and one marker
// holds at most maxMarkerNumbers numbers.
const (
	maxMarkerDigits  = 4
	maxRangeWidth    = 20
	maxMarkerNumbers = 64
)

// markerLabels are words a model sometimes writes inside the brackets:
// "[Passage 2]", "[source 1]", "[doc 3]".
var markerLabels = []string{"passages", "passage", "sources", "source", "documents", "document",
	"docs", "doc", "references", "reference", "refs", "ref", "citations", "citation", "paragraphs", "paragraph"}

// ParseCitations finds the citation markers in text, in order. It is a
// pure function of its input: markers are bracketed lists of numbers and
// ranges ("[1]", "[1, 3]", "[1,3]", "[1; 3]", "[1-2]", "[1–3]"), also in
// full-width brackets ("【1】"), doubled brackets ("[[1]]"), footnote style
// ("[^1]") or with a label ("[Passage 1]"). "[1][3]" is two markers.
// Anything else in brackets ("[citation needed]", "[a]") is text.
func ParseCitations(text string) []Marker {
	var out []Marker
	for i := 0; i < len(text); {
		if m, ok := markerAt(text, i); ok {
			out = append(out, m)
			i = m.End
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// markerAt parses a marker starting exactly at byte i.
func markerAt(text string, i int) (Marker, bool) {
	type bracket struct{ open, close string }
	for _, b := range []bracket{{"[[", "]]"}, {"[", "]"}, {"【", "】"}} {
		if !strings.HasPrefix(text[i:], b.open) {
			continue
		}
		p := i + len(b.open)
		if strings.HasPrefix(text[p:], "^") {
			p++
		}
		nums, q, ok := markerList(text, p)
		if !ok || !strings.HasPrefix(text[q:], b.close) {
			continue
		}
		return Marker{Start: i, End: q + len(b.close), Numbers: nums}, true
	}
	return Marker{}, false
}

// markerList parses "n", "n-m" and labelled forms separated by commas or
// semicolons, starting at p. It returns the numbers and the position after
// the list (and any trailing space).
func markerList(text string, p int) ([]int, int, bool) {
	var nums []int
	seen := make(map[int]bool)
	add := func(n int) {
		if !seen[n] && len(nums) < maxMarkerNumbers {
			seen[n] = true
			nums = append(nums, n)
		}
	}
	for {
		p = skipSpace(text, p)
		p = skipLabel(text, p)
		lo, q, ok := number(text, p)
		if !ok {
			return nil, 0, false
		}
		p = skipSpace(text, q)
		hi := lo
		if d := dashAt(text, p); d > 0 {
			r := skipLabel(text, skipSpace(text, p+d))
			h, q, ok := number(text, r)
			if !ok {
				return nil, 0, false
			}
			hi = h
			p = skipSpace(text, q)
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if hi-lo > maxRangeWidth {
			add(lo)
			add(hi)
		} else {
			for n := lo; n <= hi; n++ {
				add(n)
			}
		}
		if s := sepAt(text, p); s > 0 {
			p += s
			continue
		}
		return nums, p, true
	}
}

func skipSpace(text string, p int) int {
	for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
		p++
	}
	return p
}

// skipLabel skips a label word ("Passage", "source #", "Doc:") at p, if
// one is there and is followed by a digit after optional space, "#", "."
// or ":".
func skipLabel(text string, p int) int {
	for _, l := range markerLabels {
		if len(text)-p < len(l) || !strings.EqualFold(text[p:p+len(l)], l) {
			continue
		}
		q := p + len(l)
		for q < len(text) && strings.IndexByte(" \t#.:", text[q]) >= 0 {
			q++
		}
		if q < len(text) && isDigit(text[q]) {
			return q
		}
	}
	return p
}

// number parses 1 to maxMarkerDigits ASCII digits at p.
func number(text string, p int) (int, int, bool) {
	n, q := 0, p
	for q < len(text) && isDigit(text[q]) {
		if q-p == maxMarkerDigits {
			return 0, 0, false
		}
		n = n*10 + int(text[q]-'0')
		q++
	}
	return n, q, q > p
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// dashAt returns the length of a range dash at p ("-", "–", "—"), or 0.
func dashAt(text string, p int) int {
	for _, d := range []string{"-", "–", "—"} {
		if strings.HasPrefix(text[p:], d) {
			return len(d)
		}
	}
	return 0
}

// sepAt returns the length of a list separator at p, or 0.
func sepAt(text string, p int) int {
	for _, s := range []string{",", ";", "，", "、"} {
		if strings.HasPrefix(text[p:], s) {
			return len(s)
		}
	}
	return 0
}

// stripMarkers returns text with every citation marker removed, together
// with the white space before it, so "ceasefire [1]." becomes
// "ceasefire.".
func stripMarkers(text string) string {
	ms := ParseCitations(text)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		start := m.Start
		for start > last && (text[start-1] == ' ' || text[start-1] == '\t') {
			start--
		}
		b.WriteString(text[last:start])
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}
