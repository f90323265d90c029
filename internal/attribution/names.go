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
// Leading stop words ("The") are dropped, and a lone capitalized word that
// opens the sentence is not a name: every sentence opens so.
func names(sentence string) [][]string {
	var out [][]string
	var run []string
	runAtStart := false
	flush := func() {
		for len(run) > 0 && prose.IsStop(run[0], prose.ClaimStops) {
			run = run[1:]
		}
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
			run = append(run, prose.Tokenize(core)...)
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
