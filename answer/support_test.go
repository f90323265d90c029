package answer

import (
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval/prose"
)

func TestContentTermsDropStopAndQuestionWords(t *testing.T) {
	got := contentTerms("What did the Secretary urge during his call with them?")
	for _, w := range got {
		if prose.IsStop(w, prose.ClaimStops) {
			t.Errorf("stop word %q kept in %v", w, got)
		}
	}
	if len(got) != 3 { // secretary, urge, call (stemmed)
		t.Errorf("content terms = %v, want 3 (secretary, urge, call)", got)
	}
	if len(contentTerms("What is it and who was there?")) != 0 {
		t.Errorf("a question of stop words has content terms: %v", contentTerms("What is it and who was there?"))
	}
}

func TestScoreSupport(t *testing.T) {
	passage := "Lloyd Austin met Sergei Shoigu. Austin urged an immediate ceasefire in Ukraine. The weather was fine."
	s := scoreSupport(contentTerms("Austin called for an immediate ceasefire in Ukraine"), passage, nil)
	if s.Score < 0.7 {
		t.Errorf("paraphrased claim scores %.2f, want >= 0.7", s.Score)
	}
	if q := passage[s.Sentence.Start:s.Sentence.End]; !strings.Contains(q, "ceasefire") {
		t.Errorf("best sentence %q, want the ceasefire sentence", q)
	}
	if s := scoreSupport(contentTerms("Sourdough needs wild yeast and flour"), passage, nil); s.Score > 0.1 {
		t.Errorf("unrelated claim scores %.2f", s.Score)
	}
	// Words spread over two sentences count, discounted.
	s = scoreSupport(contentTerms("Shoigu weather fine"), passage, nil)
	if s.Score <= 0.6 || s.Score >= 1 {
		t.Errorf("cross-sentence claim scores %.2f, want discounted but above 0.6", s.Score)
	}
	// A claim without content words cannot be checked; the question picks
	// the quote.
	s = scoreSupport(nil, passage, contentTerms("ceasefire"))
	if s.Score != 1 || !strings.Contains(passage[s.Sentence.Start:s.Sentence.End], "ceasefire") {
		t.Errorf("empty claim: %+v", s)
	}
	if s := scoreSupport(contentTerms("x"), "", nil); s.Score != 0 {
		t.Errorf("empty passage scores %v", s.Score)
	}
}
