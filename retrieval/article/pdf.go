package article

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/ledongthuc/pdf"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// ErrPDF: a PDF whose text cannot be read (damaged, encrypted, scanned
// images without a text layer, or beyond what the PDF reader handles).
var ErrPDF = errors.New("cannot read the PDF's text")

// ParsePDF extracts an article from a PDF's text layer through
// github.com/ledongthuc/pdf (pure Go). Words are rebuilt from the positions
// of the drawn text (many PDFs, TeX's among them, draw no space
// characters), lines from the vertical positions, paragraphs from larger
// gaps. The title, author and date come from the document information
// (Title, Author, CreationDate), the title otherwise from the first line
// when it looks like one. The size cap applies; LoadOptions.ParseTimeout
// bounds the extraction, also on files whose structure loops (see
// pdfSource). A panic in the PDF reader (it has some on damaged files)
// becomes an error wrapping ErrPDF.
func ParsePDF(id string, data []byte, opts LoadOptions) (a retrieval.Article, err error) {
	if limit := opts.maxBytes(); int64(len(data)) > limit {
		return retrieval.Article{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrArticleTooLarge, len(data), limit)
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\x00"), []byte("%PDF-")) {
		return retrieval.Article{}, fmt.Errorf("%w: the file does not start with %%PDF-", ErrPDF)
	}
	src := &pdfSource{data: data, deadline: time.Now().Add(opts.parseTimeout())}
	tooSlow := fmt.Errorf("%w: reading its text took longer than %v (or its structure loops)", ErrPDF, opts.parseTimeout())
	defer func() {
		if r := recover(); r != nil {
			a, err = retrieval.Article{}, fmt.Errorf("%w: the PDF reader failed on this file (%v)", ErrPDF, prose.Shorten(fmt.Sprint(r), 120))
			if _, ok := r.(pdfTimeout); ok || src.tripped {
				err = tooSlow
			}
		}
	}()
	r, err := pdf.NewReader(src, int64(len(data)))
	if src.tripped {
		return retrieval.Article{}, tooSlow
	}
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("%w: %v", ErrPDF, err)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if src.tripped {
			return retrieval.Article{}, tooSlow
		}
		if p.V.IsNull() {
			continue
		}
		runs := p.Content().Text
		if src.tripped {
			return retrieval.Article{}, tooSlow
		}
		writePageText(&b, runs)
		b.WriteString("\n\n")
		if int64(b.Len()) > opts.maxBytes() {
			return retrieval.Article{}, fmt.Errorf("%w: its text is over %d bytes", ErrArticleTooLarge, opts.maxBytes())
		}
	}
	body := tidyPDFText(b.String())
	if body == "" {
		return retrieval.Article{}, fmt.Errorf("%w: it has no text layer (a scan?)", ErrEmptyArticle)
	}
	info := r.Trailer().Key("Info")
	a = retrieval.Article{
		ID:        id,
		Title:     strings.TrimSpace(info.Key("Title").Text()),
		Author:    strings.TrimSpace(info.Key("Author").Text()),
		Published: pdfDate(info.Key("CreationDate").Text()),
	}
	if a.Title == "" {
		if first, rest, _ := nextLine(body); prose.LooksLikeTitle(first) && strings.TrimSpace(rest) != "" {
			a.Title, body = strings.TrimSpace(first), strings.TrimSpace(rest)
		}
	}
	return completeArticle(a, body)
}

// pdfSource is the PDF's bytes for the reader, with a deadline: the
// reader re-reads the file for every object it follows and has loops that
// a damaged or hostile file makes endless (a page tree whose Kids or
// Parent point back, a /Prev chain of cross-reference sections that
// cycles). Once the deadline has passed every read panics, so those loops
// end; ParsePDF turns that into an error.
type pdfSource struct {
	data     []byte
	deadline time.Time
	tripped  bool
}

// pdfTimeout is the panic value. It is a runtime.Error so that the
// reader's own recover for malformed operands passes it on instead of
// reading on.
type pdfTimeout struct{}

func (pdfTimeout) Error() string { return "PDF reading time is up" }
func (pdfTimeout) RuntimeError() {}

func (s *pdfSource) ReadAt(p []byte, off int64) (int, error) {
	if s.tripped || time.Now().After(s.deadline) {
		s.tripped = true
		panic(pdfTimeout{})
	}
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(s.data)) {
		return 0, io.EOF
	}
	n := copy(p, s.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// writePageText appends one page's text runs: a space where a gap between
// two runs on a line is wider than a sixth of the font size, a line break
// where the baseline moves, a blank line (a new paragraph) where it moves
// clearly more than the page's usual line spacing.
func writePageText(b *strings.Builder, runs []pdf.Text) {
	type line struct {
		text string
		dy   float64 // the baseline's move from the line before
	}
	var lines []line
	var cur strings.Builder
	var prev *pdf.Text
	dy := 0.0
	for i := range runs {
		t := &runs[i]
		if strings.TrimSpace(t.S) == "" {
			// Drawn spaces only separate words: lines and gaps are
			// measured between runs with text.
			if cur.Len() > 0 && !strings.HasSuffix(cur.String(), " ") {
				cur.WriteString(" ")
			}
			continue
		}
		if prev != nil {
			fs := math.Max(math.Max(prev.FontSize, t.FontSize), 1)
			if d := math.Abs(t.Y - prev.Y); d > fs*0.5 {
				lines = append(lines, line{cur.String(), dy})
				cur.Reset()
				dy = d
			} else if t.X-(prev.X+prev.W) > fs/6 && !strings.HasSuffix(cur.String(), " ") && !strings.HasPrefix(t.S, " ") {
				cur.WriteString(" ")
			}
		}
		cur.WriteString(t.S)
		prev = t
	}
	lines = append(lines, line{cur.String(), dy})
	// The usual line spacing: the median move between lines.
	var moves []float64
	for _, l := range lines[1:] {
		moves = append(moves, l.dy)
	}
	sort.Float64s(moves)
	usual := 0.0
	if len(moves) > 0 {
		usual = moves[len(moves)/2]
	}
	for i, l := range lines {
		if i > 0 {
			if usual > 0 && l.dy > usual*1.25 {
				b.WriteString("\n\n")
			} else {
				b.WriteString("\n")
			}
		}
		b.WriteString(l.text)
	}
}

// tidyPDFText drops control characters and trailing spaces, keeps at most
// one blank line in a row and trims the text.
func tidyPDFText(s string) string {
	s = prose.StripControls(strings.ToValidUTF8(normalizeNewlines(s), "\uFFFD"))
	lines := strings.Split(s, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if strings.TrimSpace(l) == "" {
			blank = true
			continue
		}
		if blank && len(out) > 0 {
			out = append(out, "")
		}
		blank = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// pdfDate turns a PDF date ("D:20220513104500+02'00'", "D:20220513")
// into YYYY-MM-DD, or "" when it is not one.
func pdfDate(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 8 {
		return ""
	}
	t, err := time.Parse("20060102", s[:8])
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02")
}
