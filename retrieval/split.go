package retrieval

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// Chunking defaults, in bytes. They are to be chosen by measuring retrieval
// on the SQuAD dev set (../shared/corpus/qa/dev.jsonl: answer in the top-1 /
// top-5 passages) over a grid of targets and overlaps; the measured numbers
// and the reason for the pick go here. Until then: Target 1200 is about one
// and a half SQuAD paragraphs (their mean is about 780 bytes), so most
// paragraphs stay whole; Overlap 200 is one or two sentences, so an answer
// that straddles a cut is still found whole; Max 2000 bounds what an
// over-long sentence can do to the embedding and the prompt.
const (
	defaultChunkTarget  = 1200
	defaultChunkOverlap = 200
	defaultChunkMax     = 2000
	// chunkerVersion names the splitting algorithm in ChunkOptions.String.
	// Bump it whenever Split would cut the same text differently, so that
	// stores built with the old cuts are re-chunked.
	chunkerVersion = "v1"
	// minChunkTarget keeps pathological options from cutting inside runes
	// (a UTF-8 rune is up to 4 bytes) or producing one chunk per word.
	minChunkTarget = 16
)

// ChunkOptions sets chunk sizes in bytes; see Split for how they are used.
// The zero ChunkOptions means DefaultChunkOptions. Otherwise a Target or Max
// of 0 means its default and an Overlap of 0 means no overlap.
type ChunkOptions struct {
	// Target is the size Split packs sentences up to.
	Target int
	// Overlap is how much of the previous chunk (whole trailing sentences of
	// the same paragraph) a chunk repeats at its start.
	Overlap int
	// Max is the hard limit: no chunk is longer. A sentence longer than
	// this is cut at word boundaries.
	Max int
}

// DefaultChunkOptions returns the measured defaults (see the constants
// above).
func DefaultChunkOptions() ChunkOptions {
	return ChunkOptions{Target: defaultChunkTarget, Overlap: defaultChunkOverlap, Max: defaultChunkMax}
}

// normalized fills in defaults and repairs inconsistent settings: Target at
// least minChunkTarget, Max at least Target, Overlap between 0 and Target/2
// (more would make every chunk mostly a repeat of the last).
func (o ChunkOptions) normalized() ChunkOptions {
	d := DefaultChunkOptions()
	if o == (ChunkOptions{}) {
		return d
	}
	if o.Target <= 0 {
		o.Target = d.Target
	}
	if o.Target < minChunkTarget {
		o.Target = minChunkTarget
	}
	if o.Max <= 0 {
		o.Max = max(d.Max, o.Target)
	}
	if o.Max < o.Target {
		o.Max = o.Target
	}
	if o.Overlap < 0 {
		o.Overlap = 0
	}
	if o.Overlap > o.Target/2 {
		o.Overlap = o.Target / 2
	}
	return o
}

// String describes the effective settings and the algorithm version, e.g.
// "target=1200,overlap=200,max=2000,v1". The store records it in its
// manifest: a different string means the chunks must be rebuilt.
func (o ChunkOptions) String() string {
	n := o.normalized()
	return fmt.Sprintf("target=%d,overlap=%d,max=%d,%s", n.Target, n.Overlap, n.Max, chunkerVersion)
}

// unit is the smallest piece Split packs: a sentence, or a word-boundary
// piece of a sentence longer than Max.
type unit struct {
	prose.Span
	para    int  // paragraph index
	heading bool // the paragraph is a heading line
}

// Split cuts an article body into chunks for retrieval. Each chunk's Text is
// exactly a.Body[Start:End], so a citation can quote and point into the body.
//
//   - Sentences (see prose.Sentences) are packed greedily up to Target bytes.
//   - A chunk stays inside one paragraph, with one exception: whole short
//     paragraphs are packed together while the result fits in Target (so a
//     run of one-line paragraphs, as in news copy, does not become a run of
//     tiny chunks). A chunk that starts mid-paragraph never crosses a
//     paragraph break.
//   - A heading (a one-line paragraph that is a Markdown heading or a
//     title-case line) always starts a new chunk and takes the start of the
//     following paragraph with it, so it never trails the previous section
//     and never stands alone when the next paragraph fits.
//   - A chunk that starts mid-paragraph repeats up to Overlap bytes of
//     whole trailing sentences of the previous chunk (never all of it).
//   - No chunk exceeds Max: a sentence longer than Max is cut into pieces of
//     at most Target bytes at word boundaries (inside a word longer than
//     that, at a rune boundary).
//
// The output is deterministic and, together, the chunks cover every
// non-space byte of the body.
func Split(a Article, opts ChunkOptions) []Chunk {
	o := opts.normalized()
	units := splitUnits(a.Body, o)
	var chunks []Chunk
	emit := func(start, end int) {
		s, e := units[start].Start, units[end-1].End
		chunks = append(chunks, Chunk{ArticleID: a.ID, Ordinal: len(chunks), Start: s, End: e, Text: a.Body[s:e]})
	}
	n := len(units)
	prevFirst := -1 // first unit of the previous chunk
	for i := 0; i < n; {
		start := i
		if o.Overlap > 0 && prevFirst >= 0 && i > 0 && units[i-1].para == units[i].para {
			for k := i - 1; k > prevFirst && units[k].para == units[i].para; k-- {
				if units[i-1].End-units[k].Start > o.Overlap {
					break
				}
				start = k
			}
			for start < i && units[i].End-units[start].Start > o.Target {
				start++
			}
		}
		paraStart := start == 0 || units[start-1].para != units[start].para
		end := i + 1
		for end < n {
			next := units[end]
			size := next.End - units[start].Start
			if next.para == units[end-1].para {
				// Same paragraph: pack while within Target. A heading
				// paragraph made of several sentences stays whole.
				if size <= o.Target || (next.heading && size <= o.Max) {
					end++
					continue
				}
				break
			}
			onlyHeadings := true
			for k := start; k < end; k++ {
				onlyHeadings = onlyHeadings && units[k].heading
			}
			switch {
			case onlyHeadings && paraStart:
				// A heading takes the next paragraph (or as much of it as
				// fits Target) with it; the same-paragraph rule above
				// goes on from there.
				if size <= o.Max {
					end++
					continue
				}
			case next.heading:
				// A heading starts a new chunk.
			case paraStart:
				// Pack the whole next paragraph if it fits.
				pEnd := end
				for pEnd < n && units[pEnd].para == next.para {
					pEnd++
				}
				if units[pEnd-1].End-units[start].Start <= o.Target {
					end = pEnd
					continue
				}
			}
			break
		}
		emit(start, end)
		prevFirst = start
		i = end
	}
	return chunks
}

// splitUnits returns the sentences of body in order, tagged with their
// paragraph, with every sentence longer than o.Max cut into pieces.
func splitUnits(body string, o ChunkOptions) []unit {
	var units []unit
	for pi, p := range prose.Paragraphs(body) {
		text := body[p.Start:p.End]
		heading := !strings.Contains(text, "\n") && prose.IsTitleLine(text)
		for _, s := range prose.AppendSentences(nil, body, p) {
			if s.End-s.Start <= o.Max {
				units = append(units, unit{s, pi, heading})
				continue
			}
			for _, piece := range cutWords(body, s, o.Target) {
				units = append(units, unit{piece, pi, heading})
			}
		}
	}
	return units
}

// cutWords cuts span s of text into pieces of at most limit bytes, at white
// space where possible and otherwise at a rune boundary. Pieces are trimmed;
// together they hold every non-space byte of s.
func cutWords(text string, s prose.Span, limit int) []prose.Span {
	var out []prose.Span
	start := s.Start
	for start < s.End {
		// Skip white space between pieces.
		r, size := utf8.DecodeRuneInString(text[start:s.End])
		if unicode.IsSpace(r) {
			start += size
			continue
		}
		if s.End-start <= limit {
			out = prose.AppendTrimmed(out, text, start, s.End)
			break
		}
		// The last white space within limit ends the piece.
		cut := -1
		for k := start; k < s.End; {
			r, size := utf8.DecodeRuneInString(text[k:s.End])
			if k+size > start+limit {
				break
			}
			if unicode.IsSpace(r) {
				cut = k
			}
			k += size
		}
		if cut <= start {
			// One word longer than limit: cut at the last rune boundary.
			cut = start + limit
			for cut > start && !utf8.RuneStart(text[cut]) {
				cut--
			}
			if cut == start { // cannot happen with limit >= utf8.UTFMax
				_, size := utf8.DecodeRuneInString(text[start:])
				cut = start + size
			}
		}
		out = prose.AppendTrimmed(out, text, start, cut)
		start = cut
	}
	return out
}
