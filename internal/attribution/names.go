package attribution

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// A name in a claim (a run of capitalized words: "Sergei Shoigu", "Hot
// R&B Singles") must be in the evidence: a passage about the right topic
// that names someone else does not support the claim.

// names returns the capitalized word runs of sentence, each as its stems.
// Stop words ("The", the "s" of "Moon's") are dropped, and a lone
// capitalized word that opens the sentence is not a name: every sentence
// opens so.
func names(sentence string) [][]string {
	var out [][]string
	var run []string
	runAtStart := false
	flush := func() {
		if len(run) > 1 || len(run) == 1 && !runAtStart {
			out = append(out, run)
		}
		run = nil
	}
	first := true
	for _, w := range strings.Fields(sentence) {
		core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		r, _ := utf8.DecodeRuneInString(core)
		if core != "" && unicode.IsUpper(r) {
			if len(run) == 0 {
				runAtStart = first
			}
			for _, t := range prose.Tokenize(core) {
				// "Moon's" is "moon": the possessive and initials
				// are no evidence.
				if !prose.IsStop(t, prose.ClaimStops) {
					run = append(run, t)
				}
			}
		} else {
			flush()
		}
		// A word ending in punctuation ends the run: "Paris, France".
		if core != "" && core != w && strings.ContainsAny(w[len(w)-1:], ",;:.!?)\"'") {
			flush()
		}
		if core != "" {
			first = false
		}
	}
	flush()
	return out
}
