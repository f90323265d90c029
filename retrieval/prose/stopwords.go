package prose

import (
	"strings"
	"sync"
)

// StopSet names a subset of the one stop-word list. Each user drops the words
// that carry no evidence for its job, and the subsets were measured for those
// jobs: BM25 wants only function words gone (dropping "not" or "many" from
// questions cost ranking quality), the local embedder also drops negations
// and vague quantities (they are in nearly every chunk), and the claim
// checker drops a long list of generic words so that only a sentence's
// content decides whether a passage supports it.
type StopSet uint8

const (
	// SearchStops are the words BM25 neither indexes nor queries.
	SearchStops StopSet = 1 << iota
	// EmbeddingStops are the words the local embedder skips.
	EmbeddingStops
	// ClaimStops are the words that say nothing about a claim's content.
	ClaimStops
)

// stopTable is the one stop-word list. Every word is written once, with the
// subsets it belongs to. Words go through Tokenize when the table is built,
// so they match whatever stems the tokenizer makes ("was" becomes "wa").
var stopTable = []struct {
	sets  StopSet
	words string
}{
	{SearchStops | EmbeddingStops | ClaimStops, `a an and are as at be been but by can
		could did do does for from had has have he her his how i if in into is it its
		me my of on or our she so than that the their them then there these they this
		those to was we were what when where which while who whom whose why will with
		would you your`},
	// "us" stays a content word for claims: "US" is a country there.
	{SearchStops | EmbeddingStops, `us`},
	// The possessive "s" and the "t" of "don't": BM25 keeps other single
	// letters ("vitamin C"); the other subsets drop them all (see IsStop).
	{SearchStops, `s t`},
	{EmbeddingStops | ClaimStops, `also many much no not`},
	{ClaimStops, `about above after again against all am among amongst any anything
		aren't because before being below between both can't cannot couldn't didn't
		doesn't doing don't down during each etc example few further hadn't hasn't
		haven't having he'd he'll he's here here's hers herself him himself how's
		however i'd i'll i'm i've isn't it's itself kind let's may might more most must
		mustn't myself name named nor off once one ones only onto other ought ours
		ourselves out over own per please same shall shan't she'd she'll she's should
		shouldn't some someone something sort such tell that's theirs themselves
		there's they'd they'll they're they've thing things through too type under
		until up upon very via wasn't we'd we'll we're we've weren't what's whatever
		when's where's whichever who's whoever why's within without won't wouldn't yes
		you'd you'll you're you've yours yourself yourselves`},
}

// stopIndex maps each stemmed stop word to the subsets it is in.
var stopIndex = sync.OnceValue(func() map[string]StopSet {
	m := make(map[string]StopSet)
	for _, row := range stopTable {
		for _, w := range strings.Fields(row.words) {
			for _, t := range Tokenize(w) {
				m[t] |= row.sets
			}
		}
	}
	return m
})

// singleLetterStops are the subsets in which every single letter other than
// a digit is a stop word: in vectors and claims a lone letter is an initial
// or a possessive, never evidence, while a digit is a number that matters.
const singleLetterStops = EmbeddingStops | ClaimStops

// IsStop reports whether the stemmed term (as Tokenize returns it) is a stop
// word in set.
func IsStop(term string, set StopSet) bool {
	if set&singleLetterStops != 0 && len(term) == 1 && !('0' <= term[0] && term[0] <= '9') {
		return true
	}
	return stopIndex()[term]&set != 0
}

// StopWords returns the stemmed stop words of set, for callers that build
// their own fast lookup (the embedder hashes them). IsStop's single-letter
// rule is not expanded here: such callers apply it themselves.
func StopWords(set StopSet) []string {
	var out []string
	for t, sets := range stopIndex() {
		if sets&set != 0 {
			out = append(out, t)
		}
	}
	return out
}

// ContentWords returns the stemmed words of s that are not stop words in
// set, in order, with repeats.
func ContentWords(s string, set StopSet) []string {
	toks := Tokenize(s)
	out := toks[:0]
	for _, t := range toks {
		if !IsStop(t, set) {
			out = append(out, t)
		}
	}
	return out
}
