package main

import (
	"io"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// controlFilter drops terminal control characters (prose.IsControl) from
// everything written through it, so that text from an article (a title,
// a passage, an answer quoting it) cannot clear the screen, retitle the
// window or move the cursor. Newlines and tabs pass; a rune split across
// two writes is held until it is whole.
type controlFilter struct {
	w       io.Writer
	pending []byte
}

func (f *controlFilter) Write(p []byte) (int, error) {
	data := append(f.pending, p...)
	// Keep an incomplete rune at the end for the next write.
	cut := len(data)
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				cut = i
			}
			break
		}
	}
	out := make([]byte, 0, cut)
	for i := 0; i < cut; {
		r, size := utf8.DecodeRune(data[i:cut])
		if !prose.IsControl(r) && !(r == utf8.RuneError && size == 1) { // a stray byte may be C1 to an 8-bit terminal
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	f.pending = append(f.pending[:0:0], data[cut:]...)
	if _, err := f.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
