package answer

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCitations(t *testing.T) {
	type m = Marker
	tests := []struct {
		in   string
		want []Marker
	}{
		{"no markers here", nil},
		{"Austin urged a ceasefire [1].", []m{{25, 28, []int{1}}}},
		{"a [1, 3] b", []m{{2, 8, []int{1, 3}}}},
		{"a [1,3] b", []m{{2, 7, []int{1, 3}}}},
		{"a [1; 3] b", []m{{2, 8, []int{1, 3}}}},
		{"a [1][3] b", []m{{2, 5, []int{1}}, {5, 8, []int{3}}}},
		{"a [1-3] b", []m{{2, 7, []int{1, 2, 3}}}},
		{"a [3-1] b", []m{{2, 7, []int{1, 2, 3}}}},
		{"a [1–2] b", []m{{2, 9, []int{1, 2}}}}, // en dash
		{"a [1, 2-4, 2] b", []m{{2, 13, []int{1, 2, 3, 4}}}},
		{"a 【2】 b", []m{{2, 9, []int{2}}}},
		{"a 【1, 2】 b", []m{{2, 12, []int{1, 2}}}},
		{"a [[4]] b", []m{{2, 7, []int{4}}}},
		{"a [^5] b", []m{{2, 6, []int{5}}}},
		{"a [Passage 2] b", []m{{2, 13, []int{2}}}},
		{"a [source #1, source 3] b", []m{{2, 23, []int{1, 3}}}},
		{"a [ 2 ] b", []m{{2, 7, []int{2}}}},
		{"a [0] b", []m{{2, 5, []int{0}}}},
		{"year [2019] stays a marker", []m{{5, 11, []int{2019}}}},
		{"a [1-1000] b", []m{{2, 10, []int{1, 1000}}}},
		// Not markers.
		{"[citation needed] [a] [] [1 [1, ] [-1] [1-] [12345] [1.5]", nil},
		{"[[1] and [2]]", []m{{1, 4, []int{1}}, {9, 12, []int{2}}}},
		{"unclosed [1", nil},
		{"【1]", nil},
	}
	for _, tt := range tests {
		got := ParseCitations(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCitations(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStripMarkers(t *testing.T) {
	for in, want := range map[string]string{
		"Austin urged a ceasefire [1].":  "Austin urged a ceasefire.",
		"One [1][2]. Two [3, 4] and end": "One. Two and end",
		"[1] Leading":                    " Leading",
		"none":                           "none",
	} {
		if got := stripMarkers(in); got != want {
			t.Errorf("stripMarkers(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseCitations(f *testing.F) {
	for _, s := range []string{
		"a [1] b", "[1, 3]", "[1][3]", "[1-2]", "【1】", "[[1]]", "[^1]", "[Passage 2]", "[1-99999]",
		"[[[1]]]", "[1,,2]", "【", "[", "[1–", "\xff[1]\xfe", "[source 1-source 3]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ms := ParseCitations(text)
		last := 0
		for _, m := range ms {
			if m.Start < last || m.End <= m.Start || m.End > len(text) {
				t.Fatalf("marker %+v out of order or bounds (last end %d, len %d)", m, last, len(text))
			}
			last = m.End
			s := text[m.Start:m.End]
			if !strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "【") {
				t.Fatalf("marker %q does not start with a bracket", s)
			}
			if !strings.HasSuffix(s, "]") && !strings.HasSuffix(s, "】") {
				t.Fatalf("marker %q does not end with a bracket", s)
			}
			if len(m.Numbers) == 0 || len(m.Numbers) > maxMarkerNumbers {
				t.Fatalf("marker %q has %d numbers", s, len(m.Numbers))
			}
			seen := make(map[int]bool)
			for _, n := range m.Numbers {
				if n < 0 || n > 9999 || seen[n] {
					t.Fatalf("marker %q: bad or repeated number %d in %v", s, n, m.Numbers)
				}
				seen[n] = true
			}
			// The marker parses alone to itself.
			again := ParseCitations(s)
			if len(again) != 1 || !reflect.DeepEqual(again[0].Numbers, m.Numbers) {
				t.Fatalf("marker %q reparses as %v, want %v", s, again, m.Numbers)
			}
		}
		// Removing the markers never grows the text.
		if len(stripMarkers(text)) > len(text) {
			t.Fatal("stripMarkers grew the text")
		}
	})
}
