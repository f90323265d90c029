package prose

import (
	"slices"
	"testing"
)

func TestStopSets(t *testing.T) {
	tests := []struct {
		word                   string
		search, embed, claimed bool
	}{
		{"the", true, true, true},
		{"what", true, true, true},
		{"us", true, true, false},   // "US" is a country in a claim
		{"not", false, true, true},  // BM25 keeps negations
		{"many", false, true, true}, // and vague quantities
		{"example", false, false, true},
		{"ceasefire", false, false, false},
		{"x", false, true, true},   // BM25 keeps a letter ("vitamin C")
		{"s", true, true, true},    // a possessive's leftover
		{"7", false, false, false}, // a digit is content
	}
	for _, tt := range tests {
		stem := Tokenize(tt.word)[0]
		for _, c := range []struct {
			set  StopSet
			want bool
		}{{SearchStops, tt.search}, {EmbeddingStops, tt.embed}, {ClaimStops, tt.claimed}} {
			if got := IsStop(stem, c.set); got != c.want {
				t.Errorf("IsStop(%q, %b) = %v, want %v", tt.word, c.set, got, c.want)
			}
		}
	}
}

func TestStopWordsListsTheSetStemmed(t *testing.T) {
	words := StopWords(SearchStops)
	if stem := Tokenize("these")[0]; !slices.Contains(words, stem) { // stemmed as Tokenize does
		t.Errorf("StopWords(SearchStops) lacks %q (the stem of %q): %v", stem, "these", words)
	}
	if slices.Contains(words, "not") {
		t.Error("StopWords(SearchStops) lists a word of another subset")
	}
	for _, w := range words {
		if !IsStop(w, SearchStops) {
			t.Errorf("%q listed but IsStop is false", w)
		}
	}
}

func TestContentWords(t *testing.T) {
	got := ContentWords("What did the Secretary urge during the call?", ClaimStops)
	want := Tokenize("secretary urge call")
	if !slices.Equal(got, want) {
		t.Errorf("ContentWords = %q, want %q", got, want)
	}
}
