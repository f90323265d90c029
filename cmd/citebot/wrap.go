package main

import (
	"io"
	"strings"
	"unicode"

	"github.com/mattn/go-runewidth"
	"github.com/muesli/reflow/wordwrap"
	"golang.org/x/term"
)

// maxWrapWidth keeps lines readable on very wide terminals.
const maxWrapWidth = 100

// termWidth is the width to wrap text to on w: the terminal's width (at
// most maxWrapWidth) when w is a terminal, 0 (do not wrap) otherwise, so
// piped output is unchanged.
func termWidth(w io.Writer) int {
	f, ok := terminalFile(w)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return min(cols-1, maxWrapWidth) // the last column makes some terminals wrap early
}

// wrapText word-wraps text to width columns, each line after the first of
// a paragraph starting with indent (which counts toward the width). Width 0
// returns text unchanged.
func wrapText(text string, width int, indent string) string {
	if width <= 0 {
		return text
	}
	avail := width - runewidth.StringWidth(indent)
	if avail < 20 {
		avail = 20
	}
	// Break at spaces only: reflow miscounts a line that has a word with
	// a hyphen in it (its default breakpoint) and lets it run long.
	ww := wordwrap.NewWriter(avail)
	ww.Breakpoints = nil
	ww.Write([]byte(text))
	ww.Close()
	wrapped := ww.String()
	lines := strings.Split(wrapped, "\n")
	for i := range lines {
		lines[i] = strings.TrimRightFunc(lines[i], unicode.IsSpace)
	}
	return strings.Join(lines, "\n"+indent)
}

// wrapStream word-wraps text written to it in pieces (a streamed answer):
// it holds the current word until a space or newline ends it, and starts a
// new line before a word that would pass the width.
type wrapStream struct {
	w     io.Writer
	width int
	col   int
	word  strings.Builder
	space bool // a space is owed before the next word
}

func (s *wrapStream) WriteString(text string) {
	var out strings.Builder
	for _, r := range text {
		switch {
		case r == '\n':
			s.flushWord(&out)
			out.WriteByte('\n')
			s.col, s.space = 0, false
		case r == ' ' || r == '\t':
			s.flushWord(&out)
			if s.col > 0 {
				s.space = true
			}
		default:
			s.word.WriteRune(r)
		}
	}
	io.WriteString(s.w, out.String())
}

// Flush writes the word held back.
func (s *wrapStream) Flush() {
	var out strings.Builder
	s.flushWord(&out)
	io.WriteString(s.w, out.String())
}

func (s *wrapStream) flushWord(out *strings.Builder) {
	if s.word.Len() == 0 {
		return
	}
	word := s.word.String()
	s.word.Reset()
	n := runewidth.StringWidth(word)
	if s.col > 0 && s.col+1+n > s.width {
		out.WriteByte('\n')
		s.col, s.space = 0, false
	}
	if s.space {
		out.WriteByte(' ')
		s.col++
		s.space = false
	}
	out.WriteString(word)
	s.col += n
}
