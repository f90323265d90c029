package main

import (
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// Bold on and off (SGR 1 and 22).
const (
	sgrBold   = "\x1b[1m"
	sgrNormal = "\x1b[22m"
)

// highlighter bolds a query's words in the text it writes. Its terms are
// the query's content words, stemmed as search stems them, so "sacks"
// in a question lights up "sack" and "sacked" in a passage.
//
// The text always goes through the control filter, so an article still
// cannot smuggle escape sequences to the terminal; only the two SGR
// sequences above, which citebot writes itself, go straight to the
// terminal underneath. Writes are synchronous and each piece is whole
// UTF-8, so the filter holds nothing back and the order is kept.
type highlighter struct {
	terms map[string]bool
	raw   io.Writer // the terminal under the control filter; nil: no bold
}

// newHighlighter returns a highlighter for query on w: bold only when w is
// the control filter over a terminal and neither NO_COLOR is set nor TERM
// is "dumb".
func newHighlighter(w io.Writer, query string, getenv func(string) string) *highlighter {
	h := &highlighter{}
	cf, ok := w.(*controlFilter)
	if !ok || !isTerminal(w) || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return h
	}
	h.raw = cf.w
	h.terms = make(map[string]bool)
	for _, t := range prose.ContentWords(query, prose.SearchStops) {
		h.terms[t] = true
	}
	return h
}

// write writes text to w (the control filter), the query's words in bold.
func (h *highlighter) write(w io.Writer, text string) error {
	if h.raw == nil || len(h.terms) == 0 {
		_, err := io.WriteString(w, text)
		return err
	}
	plain := 0 // start of the text not yet written
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += size
		}
		if toks := prose.Tokenize(text[i:j]); len(toks) == 1 && h.terms[toks[0]] {
			if _, err := io.WriteString(w, text[plain:i]); err != nil {
				return err
			}
			if _, err := io.WriteString(h.raw, sgrBold); err != nil {
				return err
			}
			if _, err := io.WriteString(w, text[i:j]); err != nil {
				return err
			}
			if _, err := io.WriteString(h.raw, sgrNormal); err != nil {
				return err
			}
			plain = j
		}
		i = j
	}
	_, err := io.WriteString(w, text[plain:])
	return err
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
