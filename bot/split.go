package bot

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Discord's limits, in UTF-16 code units (what Discord counts).
const (
	maxContent          = 2000
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFields           = 25
	maxEmbedTotal       = 6000
	maxFooter           = 2048
	maxChoiceName       = 100
	maxChoiceValue      = 100
	maxChoices          = 25
	maxThreadName       = 100
)

// textLen is the length Discord measures: UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// runeUnits is how many UTF-16 code units r takes: two above the BMP.
func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// prefixFit is the largest byte index i on a rune boundary with
// textLen(s[:i]) <= limit.
func prefixFit(s string, limit int) int {
	n := 0
	for i, r := range s {
		w := runeUnits(r)
		if n+w > limit {
			return i
		}
		n += w
	}
	return len(s)
}

// truncate shortens s to at most limit units, ending in "…" when cut.
func truncate(s string, limit int) string {
	if textLen(s) <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	return strings.TrimRight(s[:prefixFit(s, limit-1)], " \n") + "…"
}

// Spans that must never be cut: code fences, inline code, Markdown links,
// URLs, Discord tokens such as <@id>, and citation markers [n] / [n, m].
var (
	fenceRE      = regexp.MustCompile("(?s)```.*?(?:```|$)")
	inlineCodeRE = regexp.MustCompile("`[^`\n]+`")
	linkRE       = regexp.MustCompile(`\[[^\[\]\n]*\]\(<?[^()\s]*(?:\([^()\s]*\)[^()\s]*)*>?\)`)
	angleURLRE   = regexp.MustCompile(`<https?://[^>\s]+>`)
	urlRE        = regexp.MustCompile(`https?://[^\s<>\[\]]+`)
	tokenRE      = regexp.MustCompile(`<(?:[@#][!&]?|a?:\w+:|t:)\d+(?::\w)?>`)
	citeRE       = regexp.MustCompile(`\[\d+(?:\s*[,;]\s*\d+)*\]`)
	citeStartRE  = regexp.MustCompile(`^\[\d+(?:\s*[,;]\s*\d+)*\]`)
	sentenceRE   = regexp.MustCompile(`[.!?…]["'”’)\]*_]*\s+`)
	paragraphRE  = regexp.MustCompile(`\n[ \t]*\n\s*`)
	lineRE       = regexp.MustCompile(`\n\s*`)
	spaceRE      = regexp.MustCompile(`\s+`)
	fenceLangRE  = regexp.MustCompile("^```([A-Za-z0-9_+#.-]*)\n")
)

type span struct {
	start, end int
	fence      bool
}

// atomSpans lists the atomic spans of text, sorted by start; they may
// overlap.
func atomSpans(text string) []span {
	var out []span
	// Fences first; the other atoms are looked for outside them only, so
	// a backtick of a fence never starts an inline code span.
	masked := []byte(text)
	for _, m := range fenceRE.FindAllStringIndex(text, -1) {
		out = append(out, span{m[0], m[1], true})
		for i := m[0]; i < m[1]; i++ {
			if masked[i] < 0x80 {
				masked[i] = ' '
			}
		}
	}
	for _, re := range []*regexp.Regexp{inlineCodeRE, linkRE, angleURLRE, urlRE, tokenRE, citeRE} {
		for _, m := range re.FindAllIndex(masked, -1) {
			out = append(out, span{m[0], m[1], false})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// mergeSpans merges overlapping spans.
func mergeSpans(out []span) []span {
	// Merge overlaps (a URL running past the link it sits in, code inside
	// a fence) so a cut never lands inside either.
	var merged []span
	for _, sp := range out {
		if n := len(merged); n > 0 && sp.start < merged[n-1].end {
			if sp.end > merged[n-1].end {
				merged[n-1].end = sp.end
			}
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// within returns the span strictly containing position p, if any.
func within(spans []span, p int) (span, bool) {
	for _, s := range spans {
		if s.start >= p {
			break
		}
		if p < s.end {
			return s, true
		}
	}
	return span{}, false
}

// cut is a split: the part ends at partEnd, the rest starts at restStart.
type cut struct{ partEnd, restStart int }

// splitText splits text into parts of at most limit units each, cutting at
// a paragraph break if one falls in the second half of the window, else a
// line break, a sentence end, a space — never inside a code fence, a link,
// a URL or a citation, and never between a claim and its [n]. Only a single
// atom longer than limit is cut hard; a code fence cut that way is closed
// and reopened so both parts still render as code.
func splitText(text string, limit int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for textLen(text) > limit {
		part, rest := splitOnce(text, limit)
		if part == "" || len(rest) >= len(text) {
			// Cannot happen with sane limits; never loop forever.
			i := prefixFit(text, limit)
			if i == 0 {
				i = len(text)
			}
			part, rest = text[:i], text[i:]
		}
		parts = append(parts, part)
		text = strings.TrimLeft(rest, " \t\n")
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

func splitOnce(text string, limit int) (part, rest string) {
	maxByte := prefixFit(text, limit)
	// Only the window the part can come from matters (plus a little look
	// ahead); the text always starts outside any atom, so spans found in
	// the window agree with the whole text's up to its end.
	win := text[:min(len(text), maxByte+256)]
	raw := atomSpans(win)
	spans := mergeSpans(raw)
	valid := func(c cut) bool {
		if c.partEnd <= 0 || c.partEnd > maxByte {
			return false
		}
		if _, in := within(spans, c.partEnd); in {
			return false
		}
		if _, in := within(spans, c.restStart); in {
			return false
		}
		return !citeStartRE.MatchString(win[c.restStart:])
	}
	levels := []func() []cut{
		func() []cut { return cutsAt(win, paragraphRE, false) },
		func() []cut { return cutsAt(win, lineRE, false) },
		func() []cut { return cutsAt(win, sentenceRE, true) },
		func() []cut { return cutsAt(win, spaceRE, false) },
	}
	cands := make([][]cut, len(levels))
	for i, f := range levels {
		cands[i] = f()
	}
	for _, minEnd := range []int{maxByte / 2, 1} {
		for _, cs := range cands {
			for i := len(cs) - 1; i >= 0; i-- {
				c := cs[i]
				if c.partEnd < minEnd {
					break
				}
				if valid(c) {
					return strings.TrimRight(text[:c.partEnd], " \t\n"), text[c.restStart:]
				}
			}
		}
	}
	// No boundary fits: one atom is longer than the window.
	if s, in := within(spans, maxByte); in {
		if s.fence {
			return splitFence(text, s, limit)
		}
		if s.start > 0 {
			return strings.TrimRight(text[:s.start], " \t\n"), text[s.start:]
		}
	}
	// Hard cut inside an atom longer than the window: at least keep the
	// smaller atoms in it (citations, links) whole.
	for p := maxByte; p > maxByte/2; p-- {
		if !utf8.RuneStart(text[p]) {
			continue
		}
		if _, in := within(raw, p); !in && !citeStartRE.MatchString(text[p:]) {
			return text[:p], text[p:]
		}
	}
	return text[:maxByte], text[maxByte:]
}

// cutsAt lists cuts at each match of re. keepPunct keeps the matched
// punctuation in the part (sentence ends); otherwise the match is dropped.
func cutsAt(text string, re *regexp.Regexp, keepPunct bool) []cut {
	var out []cut
	for _, m := range re.FindAllStringIndex(text, -1) {
		end := m[0]
		if keepPunct {
			end = m[0] + len(strings.TrimRight(text[m[0]:m[1]], " \t\n\r"))
		}
		if m[1] >= len(text) {
			continue
		}
		out = append(out, cut{partEnd: end, restStart: m[1]})
	}
	return out
}

// splitFence cuts inside a code fence that is longer than the window,
// closing it in the first part and reopening it (same language) in the
// rest.
func splitFence(text string, s span, limit int) (string, string) {
	// The opening line is "```" plus an optional language tag; anything
	// else after the backticks is already code.
	open, bodyStart := "```", s.start+3
	if m := fenceLangRE.FindStringSubmatch(text[s.start:]); m != nil {
		open, bodyStart = "```"+m[1], s.start+len(m[0])
	}
	maxByte := prefixFit(text, limit-4) // room for "\n```"
	// Inside code: a line break, else a space, else any character, each
	// outside the smaller atoms (inline code, citation-like brackets).
	raw := atomSpans(text[bodyStart:min(len(text), maxByte+256)])
	inAtom := func(p int) bool { _, in := within(raw, p-bodyStart); return in }
	// Never cut at or after the closing backticks: the rest would start
	// with an empty reopened fence.
	closeStart := s.end
	if s.end-s.start >= 6 && strings.HasSuffix(text[:s.end], "```") {
		closeStart = s.end - 3
	}
	if maxByte > closeStart {
		maxByte = closeStart
	}
	lastText := strings.LastIndexFunc(text[:closeStart], func(r rune) bool { return !unicode.IsSpace(r) })
	at := maxByte
	found := false
	for _, ok := range []func(p int) bool{
		func(p int) bool { return text[p] == '\n' },
		func(p int) bool { return text[p] == ' ' && !inAtom(p) },
		func(p int) bool { return utf8.RuneStart(text[p]) && !inAtom(p) },
	} {
		for p := maxByte; p > bodyStart && !found; p-- {
			if p < len(text) && p <= lastText && ok(p) {
				at, found = p, true
			}
		}
		if found {
			break
		}
	}
	if at <= bodyStart {
		return text[:maxByte], text[maxByte:]
	}
	return strings.TrimRight(text[:at], "\n") + "\n```", open + "\n" + strings.TrimPrefix(text[at:], "\n")
}
