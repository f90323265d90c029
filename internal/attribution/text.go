package attribution

import (
	"regexp"
	"strings"

	"github.com/citebot/citebot/retrieval/prose"
)

// Terms are the content words of a text as the check compares them:
// stemmed (prose.ContentWords with prose.ClaimStops), month abbreviations
// spelled out, and numbers left out (they are compared by value).
func Terms(text string) []string {
	ws := prose.ContentWords(text, prose.ClaimStops)
	out := ws[:0]
	for _, t := range ws {
		if full, ok := monthStems[t]; ok {
			t = full
		}
		if !isNumeric(t) {
			out = append(out, t)
		}
	}
	return out
}

// HasContent reports whether text says anything the check can look for: a
// content word or a number.
func HasContent(text string) bool {
	return len(Terms(text)) > 0 || len(numbers(text, false)) > 0
}

// negation matches the words that turn a statement around.
var negation = regexp.MustCompile(`\b(not|no|never|cannot|without|neither|nor|none|nothing|nobody|unable|fails?|failed|lacks?)\b|n['’]t\b`)

func negated(text string) bool { return negation.MatchString(strings.ToLower(text)) }

// Claim is a statement prepared for checking against passages.
type Claim struct {
	Text string
	// Terms are its distinct content words in order; Novel those of them
	// the question does not hold: the claim's news, which its evidence
	// must hold (any passage retrieved for the question holds the rest).
	Terms, Novel []string
	// bigrams are the adjacent pairs of its content words.
	bigrams [][2]string
	numbers []string
	names   [][]string
	// trigrams are its runs of three words, stop words included.
	trigrams [][3]string
	negated  bool
}

// NewClaim prepares text, one sentence or clause without citation markers,
// written to answer a question with content words question (Terms of the
// question; none for a claim that answers no question).
func NewClaim(text string, question []string) Claim {
	terms := Terms(text)
	c := Claim{Text: text, Terms: Unique(terms), numbers: Unique(numbers(text, false)), names: names(text), negated: negated(text)}
	toks := prose.Tokenize(text)
	for i := 2; i < len(toks); i++ {
		c.trigrams = append(c.trigrams, [3]string{toks[i-2], toks[i-1], toks[i]})
	}
	asked := make(map[string]bool, len(question))
	for _, t := range question {
		asked[t] = true
	}
	for _, t := range c.Terms {
		if !asked[t] {
			c.Novel = append(c.Novel, t)
		}
	}
	for i := 1; i < len(terms); i++ {
		c.bigrams = append(c.bigrams, [2]string{terms[i-1], terms[i]})
	}
	return c
}

// Passage is evidence prepared for checking claims against it.
type Passage struct {
	Text  string
	sents []sentence
	// terms are all its content words; words are all its stems, stop
	// words included (names may hold "of"); numbers its values.
	terms, words, numbers map[string]bool
	bigrams               map[[2]string]bool
	// trigrams are the runs of three words, stop words included.
	trigrams map[[3]string]bool
	// verbatim is the text with white space collapsed, for exact quotes.
	verbatim string
}

type sentence struct {
	span  prose.Span
	terms map[string]bool
	// stems are the terms cut to stemPrefix bytes: "produc" meets
	// "produce", "product" and "production".
	stems   map[string]bool
	negated bool
}

// NewPassage prepares a passage's text.
func NewPassage(text string) *Passage {
	p := &Passage{Text: text, terms: map[string]bool{}, words: map[string]bool{}, numbers: map[string]bool{},
		bigrams: map[[2]string]bool{}, verbatim: collapse(text)}
	for _, sp := range passageSpans(text) {
		st := text[sp.Start:sp.End]
		ts := Terms(st)
		s := sentence{span: sp, terms: make(map[string]bool, len(ts)), stems: make(map[string]bool, len(ts)), negated: negated(st)}
		for i, t := range ts {
			s.terms[t] = true
			s.stems[stemOf(t)] = true
			p.terms[t] = true
			if i > 0 {
				p.bigrams[[2]string{ts[i-1], t}] = true
			}
		}
		p.sents = append(p.sents, s)
	}
	toks := prose.Tokenize(text)
	p.trigrams = make(map[[3]string]bool, len(toks))
	for i, w := range toks {
		p.words[w] = true
		if i >= 2 {
			p.trigrams[[3]string{toks[i-2], toks[i-1], w}] = true
		}
	}
	for _, n := range numbers(text, true) {
		p.numbers[n] = true
	}
	return p
}

// passageSpans returns the sentence spans of a passage; text that is not
// blank has at least one.
func passageSpans(text string) []prose.Span {
	spans := prose.Sentences(text)
	if len(spans) == 0 && strings.TrimSpace(text) != "" {
		spans = []prose.Span{{Start: 0, End: len(text)}}
	}
	return spans
}

// Quotes reports whether the passage holds the claim word for word (white
// space aside): a verbatim quote is supported whatever its words.
func (p *Passage) Quotes(c Claim) (prose.Span, bool) {
	q := strings.TrimRight(collapse(c.Text), " .!?;:,")
	if len(q) < 2 || !strings.Contains(p.verbatim, q) {
		return prose.Span{}, false
	}
	for _, s := range p.sents {
		if strings.Contains(collapse(p.Text[s.span.Start:s.span.End]), q) {
			return s.span, true
		}
	}
	return prose.Span{Start: 0, End: len(p.Text)}, true
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// Unique returns the distinct terms of ts in first-seen order.
func Unique(ts []string) []string {
	seen := make(map[string]bool, len(ts))
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// stemPrefix is how many bytes of two words must agree for the fuzzy
// match.
const stemPrefix = 5

func stemOf(t string) string {
	if len(t) > stemPrefix {
		return t[:stemPrefix]
	}
	return t
}
