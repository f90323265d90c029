package prose

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a half-open byte range [Start, End) of a text.
type Span struct{ Start, End int }

// Sentences splits text into sentence spans (byte offsets into text, trimmed
// of surrounding white space; every non-space byte of text lies in exactly
// one span). It is a rule-based splitter tuned for news and encyclopedic
// English, good enough to cut chunks and check citations, not a linguist:
//
//   - A blank line always ends a sentence (it ends a paragraph).
//   - ".", "!", "?" and "…" (with any closing quotes or brackets after
//     them, as in `."`) end a sentence when white space follows and the next
//     word does not start with a lowercase letter ("3.5" and "example.com"
//     have no space, "e.g. the" continues).
//   - A period after a known abbreviation ("Mr.", "Lt. Gen.", "No."), an
//     initial ("John F. Kennedy") or a dotted acronym ("U.S.", "e.g.",
//     "Ph.D.") does not end a sentence. Missing a boundary there is the
//     cheaper mistake: it only makes one span longer.
//   - A line break ends a sentence after a Markdown heading, before a list
//     item or heading, and after a line that stands alone as a title (title
//     case, no closing punctuation: "Russia-Ukraine War"), so headings never
//     glue onto the next sentence. Other single line breaks (hard-wrapped
//     prose, "O\n2" in chemical formulas) do not.
//   - "。", "！" and "？" end a sentence without a following space.
func Sentences(text string) []Span {
	var out []Span
	for _, p := range Paragraphs(text) {
		out = AppendSentences(out, text, p)
	}
	return out
}

// Paragraphs returns the blank-line separated blocks of text, trimmed. A
// line holding only white space counts as blank; single newlines stay
// inside a paragraph. Chunking and paragraph-cited summaries share it, so
// both agree on what a paragraph is.
func Paragraphs(text string) []Span {
	var out []Span
	start, end := -1, 0
	for pos := 0; ; {
		i := strings.IndexByte(text[pos:], '\n')
		lineEnd := len(text)
		if i >= 0 {
			lineEnd = pos + i
		}
		if isBlank(text[pos:lineEnd]) {
			if start >= 0 {
				out = AppendTrimmed(out, text, start, end)
				start = -1
			}
		} else {
			if start < 0 {
				start = pos
			}
			end = lineEnd
		}
		if i < 0 {
			break
		}
		pos = lineEnd + 1
	}
	if start >= 0 {
		out = AppendTrimmed(out, text, start, end)
	}
	return out
}

func isBlank(s string) bool {
	return strings.TrimFunc(s, unicode.IsSpace) == ""
}

// AppendTrimmed appends text[start:end] without its surrounding white space,
// unless nothing is left.
func AppendTrimmed(out []Span, text string, start, end int) []Span {
	for start < end {
		r, size := utf8.DecodeRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += size
	}
	for end > start {
		r, size := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= size
	}
	if start < end {
		out = append(out, Span{start, end})
	}
	return out
}

// AppendSentences appends the sentences of paragraph p of text.
func AppendSentences(out []Span, text string, p Span) []Span {
	s := p.Start         // start of the current sentence
	lineStart := p.Start // start of the current line
	for i := p.Start; i < p.End; {
		r, size := utf8.DecodeRuneInString(text[i:p.End])
		switch {
		case r == '\n':
			if lineEndsSentence(text, p, s, lineStart, i) {
				out = AppendTrimmed(out, text, s, i)
				s = i + 1
			}
			lineStart = i + 1
			i++
		case isTerminal(r):
			j := i
			cjk := false
			for j < p.End {
				r2, n := utf8.DecodeRuneInString(text[j:p.End])
				if !isTerminal(r2) {
					break
				}
				cjk = cjk || isCJKTerminal(r2)
				j += n
			}
			punct := text[i:j]
			for j < p.End {
				r2, n := utf8.DecodeRuneInString(text[j:p.End])
				if !isCloser(r2) {
					break
				}
				j += n
			}
			if j < p.End && (cjk || endsSentence(text, p, i, punct, j)) {
				out = AppendTrimmed(out, text, s, j)
				s = j
			}
			i = j
		default:
			i += size
		}
	}
	return AppendTrimmed(out, text, s, p.End)
}

func isTerminal(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？':
		return true
	}
	return false
}

func isCJKTerminal(r rune) bool { return r == '。' || r == '！' || r == '？' }

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', ')', ']', '»', '」', '』', '*', '_':
		return true
	}
	return false
}

func isOpener(r rune) bool {
	switch r {
	case '"', '\'', '“', '‘', '(', '[', '«', '*', '_':
		return true
	}
	return false
}

// endsSentence decides a boundary after the terminal punctuation text[i:]
// == punct (closers run up to j, j < p.End).
func endsSentence(text string, p Span, i int, punct string, j int) bool {
	r, _ := utf8.DecodeRuneInString(text[j:p.End])
	if !unicode.IsSpace(r) {
		return false // "3.5", "U.S", "example.com", "?!x"
	}
	k := j
	for k < p.End {
		r2, n := utf8.DecodeRuneInString(text[k:p.End])
		if !unicode.IsSpace(r2) {
			r = r2
			break
		}
		k += n
	}
	if unicode.IsLower(r) {
		return false // "e.g. the", `"Stop!" she said`
	}
	if punct != "." {
		return true
	}
	return !isAbbreviation(wordBefore(text, p.Start, i))
}

// wordBefore returns the word that ends at i (the period), without opening
// quotes or brackets.
func wordBefore(text string, floor, i int) string {
	k := i
	for k > floor {
		r, n := utf8.DecodeLastRuneInString(text[floor:k])
		if unicode.IsSpace(r) {
			break
		}
		k -= n
	}
	w := text[k:i]
	for w != "" {
		r, n := utf8.DecodeRuneInString(w)
		if !isOpener(r) {
			break
		}
		w = w[n:]
	}
	return w
}

// abbreviations are words that are followed by a period without ending a
// sentence (titles before names, reference words before numbers, months).
// Words that often do end sentences ("etc.", "Inc.", "Co.") are not listed:
// before a capital they are more likely to end one.
var abbreviations = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`
		Mr Mrs Ms Mx Dr Prof Sr Jr St Lt Gen Col Capt Cpt Cmdr Cdr Adm Sgt Maj Cpl Pvt Brig
		Gov Sen Rep Pres Rev Hon Fr Msgr Supt Det Insp Messrs Mme Mlle Esq Rt Gov
		Mt Ft Ave Blvd Rd Dept Univ Assn Bros
		No Nos Vol vol Vols vols pp Fig fig Figs figs Eq eq Ch ch Sec sec Art art Op op Ed ed Eds eds
		vs cf viz approx ca al ibid
		Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec`) {
		m[w] = true
	}
	return m
}()

// isAbbreviation: a listed abbreviation, a single letter (an initial: "F."
// in "John F. Kennedy") or a dotted acronym whose parts are at most three
// letters ("U.S", "e.g", "Ph.D", "a.m").
func isAbbreviation(w string) bool {
	if abbreviations[w] {
		return true
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsLetter(r)
	}
	if !strings.Contains(w, ".") {
		return false
	}
	for _, part := range strings.Split(w, ".") {
		n := utf8.RuneCountInString(part)
		if n == 0 || n > 3 || strings.ContainsFunc(part, func(r rune) bool { return !unicode.IsLetter(r) }) {
			return false
		}
	}
	return true
}

// lineEndsSentence decides whether the line break at nl ends the sentence
// that started at s; the current line started at lineStart.
func lineEndsSentence(text string, p Span, s, lineStart, nl int) bool {
	line := text[lineStart:nl]
	next := text[nl+1 : p.End]
	if i := strings.IndexByte(next, '\n'); i >= 0 {
		next = next[:i]
	}
	if isMarkdownHeading(line) || isMarkdownHeading(next) || isBulletItem(next) {
		return true
	}
	// A numbered item only after a list item or an introducing colon: in
	// running text "O\n2. Simultaneously" is a formula, not a list.
	if isNumberedItem(next) && (isListItem(line) || strings.HasSuffix(strings.TrimSpace(line), ":")) {
		return true
	}
	// A title line: the sentence started on this line (the previous line
	// ended one) and the line reads as a title.
	if s > lineStart || !isBlank(text[s:lineStart]) || !IsTitleLine(line) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(next))
	return unicode.IsUpper(r) || unicode.IsDigit(r) || isOpener(r)
}

// isMarkdownHeading: "#" to "######" then a space (or nothing).
func isMarkdownHeading(line string) bool {
	line = strings.TrimLeft(line, " ")
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (n == len(line) || line[n] == ' ' || line[n] == '\t')
}

// isListItem: "- x", "* x", "+ x", "1. x", "1) x".
func isListItem(line string) bool { return isBulletItem(line) || isNumberedItem(line) }

func isBulletItem(line string) bool {
	line = strings.TrimLeft(line, " \t")
	return len(line) >= 2 && strings.ContainsRune("-*+", rune(line[0])) && (line[1] == ' ' || line[1] == '\t')
}

func isNumberedItem(line string) bool {
	line = strings.TrimLeft(line, " \t")
	n := 0
	for n < len(line) && n < 4 && line[n] >= '0' && line[n] <= '9' {
		n++
	}
	return n > 0 && n+1 < len(line) && (line[n] == '.' || line[n] == ')') && line[n+1] == ' '
}

// smallWords stay lowercase in title case.
var smallWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "but": true, "by": true, "for": true,
	"from": true, "in": true, "into": true, "nor": true, "of": true, "on": true, "or": true,
	"the": true, "to": true, "vs": true, "via": true, "with": true,
}

// IsTitleLine reports whether a line reads as a heading: a Markdown heading,
// or a short title-case line that does not end like a sentence
// ("U.S. Defense Secretary Lloyd Austin Discussions With Russia").
func IsTitleLine(line string) bool {
	line = strings.TrimSpace(line)
	if isMarkdownHeading(line) {
		return true
	}
	if !LooksLikeTitle(line) || len(line) > 120 {
		return false
	}
	words, capital := 0, 0
	for _, w := range strings.Fields(line) {
		w = strings.TrimLeftFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w == "" || smallWords[w] {
			continue
		}
		words++
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) || unicode.IsDigit(r) {
			capital++
		}
	}
	return words > 0 && capital*4 >= words*3
}

// LooksLikeTitle reports whether a line could be a title: a short line that does not end like a sentence.
func LooksLikeTitle(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || len(line) > 200 || len(strings.Fields(line)) > 30 ||
		strings.HasPrefix(line, "#") || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") ||
		!strings.ContainsFunc(line, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(line)
	return !strings.ContainsRune(".!?,;:…。", r)
}
