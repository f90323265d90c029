package answer

import (
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestIsRefusal(t *testing.T) {
	for text, want := range map[string]bool{
		"The passages do not contain information about the 2018 World Cup.":                    true,
		"The provided articles don't mention a recipe.":                                        true,
		"I couldn't find that in the articles.":                                                true,
		"I could not find any information about Apple's stock price.":                          true,
		"There is no information about this in the passages.":                                  true,
		"This is not mentioned in the sources.":                                                true,
		"":                                                                                     true,
		"Austin urged an immediate ceasefire [1].":                                             false,
		"Austin urged an immediate ceasefire [1]. The call lasted about an hour [2].":          false,
		"Austin urged a ceasefire [1]. He spoke for an hour [1]. Details of the reply are not": false,
		// A long answer that only says in passing that a detail is missing.
		"Austin urged an immediate ceasefire [1]. The call lasted about an hour [1]. " +
			"It was the first since February [1]. The passages do not say who called first.": false,
	} {
		if got := isRefusal(text); got != want {
			t.Errorf("isRefusal(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestEvidence(t *testing.T) {
	ps := testPassages()
	for _, tt := range []struct {
		q        string
		min, max float64
	}{
		{"What about Austin and an immediate ceasefire in Ukraine?", 0.99, 1}, // all in passage 1
		{"How long did the call between Austin and Shoigu last?", 0.5, 1},     // most of them
		{"Who won the 2018 FIFA World Cup final?", 0, 0.2},
		{"What is it?", 0, 0}, // no content words
	} {
		if got := Evidence(tt.q, ps); got < tt.min || got > tt.max {
			t.Errorf("Evidence(%q) = %.2f, want in [%.2f, %.2f]", tt.q, got, tt.min, tt.max)
		}
	}
	if got := Evidence("What about Austin and an immediate ceasefire?", nil); got != 0 {
		t.Errorf("Evidence without passages = %v", got)
	}
}

func TestSuggestions(t *testing.T) {
	ps := testPassages()
	got := suggestions(ps)
	want := []string{"Austin speaks with Shoigu", "Baking bread", "Tides"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("suggestions = %q, want %q (distinct, best first, at most 3)", got, want)
	}
	if got := suggestions([]retrieval.Passage{{Article: retrieval.Article{ID: "x"}}}); len(got) != 1 || got[0] != "x" {
		t.Errorf("untitled article suggestion = %q", got)
	}
}
