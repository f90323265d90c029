package answer

import (
	"regexp"
	"strings"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// RefusalText is what the engine answers when the articles do not hold the
// answer.
const RefusalText = "I couldn't find that in the articles."

// DefaultRefusalFloor is the evidence (see Evidence) below which Ask
// refuses without calling the LLM. Calibrated with eval_corpus_test.go on
// the SQuAD corpus in ../shared/corpus (48 articles, local embedder, K 5):
// at 0.35 it refuses 3 of the 300 answerable dev questions, all 25
// far-outside probes (sports results, recipes, prices) asked of the seed
// article alone, and 9 of 25 asked of the whole corpus, whose 48 broad
// articles share words with almost any question. The SQuAD 2.0
// "unanswerable" questions are written to look answerable from their
// paragraph and have the same evidence as answerable ones: a lexical floor
// refuses 1 of 100; the LLM prompt's "say so plainly" has to do the rest.
const DefaultRefusalFloor = 0.35

// maxSuggestions is how many article titles a refusal offers.
const maxSuggestions = 3

// Evidence measures how much of a question the best retrieved passage
// covers: the share of the question's content words (stemmed, without
// stop words and question words) that occur in the passage or its article
// title. Every content word counts the same: DefaultRefusalFloor was
// calibrated on that share. It is 0 when nothing was retrieved or the
// question has no content words, and 1 when one passage holds every
// content word.
//
// Retrieval scores alone make a poor floor: BM25 and fused scores are not
// comparable across questions or corpus sizes, and a vector search always
// returns something. Lexical coverage is what SQuAD-style questions and
// their answering passages share.
func Evidence(question string, passages []retrieval.Passage) float64 {
	return evidenceTerms(contentTerms(question), passages)
}

func evidenceTerms(terms []string, passages []retrieval.Passage) float64 {
	terms = attribution.Unique(terms)
	if len(terms) == 0 || len(passages) == 0 {
		return 0
	}
	best := 0.0
	for _, p := range passages {
		set := termSet(p.Article.Title + "\n" + p.Chunk.Text)
		if c := attribution.Coverage(terms, nil, set); c > best {
			best = c
		}
	}
	return best
}

// suggestions returns up to maxSuggestions distinct article titles of the
// passages, best first.
func suggestions(ps []retrieval.Passage) []string {
	var out []string
	seen := make(map[string]bool)
	for _, p := range ps {
		t := p.Article.Title
		if t == "" {
			t = p.Article.ID
		}
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == maxSuggestions {
			break
		}
	}
	return out
}

// refusalPattern matches the ways models say the passages lack the
// answer. It is checked on the opening of the answer only: a long answer
// that mentions in passing that one detail is missing is still an answer.
var refusalPattern = regexp.MustCompile(`(?i)\b(` +
	`(the |these |provided |given )*(passages?|articles?|sources?|context|documents?|texts?)( provided| given)? (do|does|did) not|` +
	`(the |these |provided |given )*(passages?|articles?|sources?|context|documents?|texts?)( provided| given)? (don't|doesn't|didn't)|` +
	`(i|we) (could not|couldn't|cannot|can't|can not|was unable to|am unable to|were unable to) (find|answer|determine|locate|tell)|` +
	`(i|we) (do not|don't) (know|have (enough )?information)|` +
	`(there is|there's|i have|i found) no (information|mention|answer|data|details?|evidence)|` +
	`no (information|mention) (about|of|on|regarding)|` +
	`(is|are) not (mentioned|stated|provided|specified|covered|included|given|addressed|discussed)|` +
	`not enough information|insufficient information|unable to (find|answer|determine)` +
	`)`)

// isRefusal reports whether model output declines to answer: its first
// sentence (or, for a short answer, any sentence) says the passages do not
// hold the answer.
func isRefusal(text string) bool {
	plain := strings.TrimSpace(stripMarkers(text))
	if plain == "" {
		return true
	}
	sents := prose.Sentences(plain)
	if len(sents) == 0 {
		return false
	}
	if refusalPattern.MatchString(plain[sents[0].Start:sents[0].End]) {
		return true
	}
	return len(sents) <= 2 && refusalPattern.MatchString(plain)
}
