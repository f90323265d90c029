package article

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/net/html"
)

// A stranger's page must not burn the CPU: the HTML parser spends time in
// proportion to elements times nesting depth, and readability far more
// (a page 16,000 <div>s deep took 15 s, 100,000 deep over 10 minutes), and
// neither can be interrupted. So ParseHTMLContext bounds the work before
// and during extraction:
//
//  1. formatting tags (<b>, <font>, ...) are renamed <span>, because the
//     parser re-creates every open formatting element after each block
//     that closes them, which turns a few kilobytes into millions of nodes;
//  2. a token scan (cheap, linear, cancellable) refuses pages nested more
//     than MaxHTMLDepth levels or with more than MaxHTMLElements elements,
//     before the parser sees them;
//  3. the parser reads through a reader that stops when ctx is done;
//  4. the parsed tree is measured exactly against the same limits, and its
//     text and elements weighted by depth against maxTreeWork, which is
//     what readability's time grows with;
//  5. readability runs in its own goroutine, abandoned (to finish its
//     now-bounded work) when ctx is done or the ParseTimeout passes.

// Limits on a page's structure. Real articles nest a few dozen levels and
// have a few thousand elements.
const (
	// MaxHTMLDepth is the deepest element nesting ParseHTML accepts.
	MaxHTMLDepth = 512
	// MaxHTMLElements is the most elements ParseHTML accepts.
	MaxHTMLElements = 100_000
	// DefaultParseTimeout bounds extracting one HTML article when
	// LoadOptions.ParseTimeout is 0.
	DefaultParseTimeout = 10 * time.Second
)

// Sentinel errors for pages too complex to read; ParseHTML wraps them into
// one sentence ("the page is nested too deeply to read (more than 512
// levels)").
var (
	// ErrHTMLTooDeep: elements nested more than MaxHTMLDepth levels.
	ErrHTMLTooDeep = errors.New("the page is nested too deeply to read")
	// ErrHTMLTooManyElements: more than MaxHTMLElements elements.
	ErrHTMLTooManyElements = errors.New("the page has too many elements to read")
	// ErrHTMLTooComplex: within both limits, but so much text so deep that
	// readability would take too long.
	ErrHTMLTooComplex = errors.New("the page is too complex to read")
	// ErrHTMLTooSlow: extraction outlasted LoadOptions.ParseTimeout.
	ErrHTMLTooSlow = errors.New("the page took too long to read")
)

// maxTreeWork bounds readability's work on a parsed tree, which grows with
// each text byte and element times its depth (it measures the text under
// every candidate element, several times over). A budget of 150 million
// keeps the worst case to about a second and a half on one core; a real
// 5 MB page averaging 20 levels deep uses about half of it.
const maxTreeWork = 150_000_000

// elementWork is an element's weight in maxTreeWork relative to a text
// byte at the same depth (measured: scoring an element costs about as much
// as sixteen bytes of its text).
const elementWork = 16

func errTooDeep() error { return fmt.Errorf("%w (more than %d levels)", ErrHTMLTooDeep, MaxHTMLDepth) }
func errTooMany() error {
	return fmt.Errorf("%w (more than %d)", ErrHTMLTooManyElements, MaxHTMLElements)
}

// formattingTags are the formatting elements renamed to span. <a> is kept
// (link density matters to readability), and the parser keeps at most one
// open <a> per table cell, so it cannot multiply.
var formattingTags = setOf("b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u")

// neutralizeFormatting renames every start and end tag of a formatting
// element to span, by bytes, wherever it appears: the parser decides what
// is markup and what is raw text in ways a standalone scan cannot always
// foresee (inside <svg>, inside <select>), and a rename everywhere needs no
// such guess. The text of the page is unchanged; only a "<b" written
// literally inside a script or a title would read "<span".
func neutralizeFormatting(data []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(data) + len(data)/8)
	for {
		i := bytes.IndexByte(data, '<')
		if i < 0 {
			out.Write(data)
			return out.Bytes()
		}
		out.Write(data[:i+1])
		data = data[i+1:]
		if len(data) > 0 && data[0] == '/' {
			out.WriteByte('/')
			data = data[1:]
		}
		n := bytes.IndexAny(data, "\t\n\f\r />")
		if n < 0 {
			n = len(data)
		}
		if formattingTags[string(bytes.ToLower(data[:n]))] {
			out.WriteString("span")
			data = data[n:]
		}
	}
}

// checkTree measures the parsed tree exactly, without recursion, against
// the same limits as scanHTML, so readability never sees more, and
// against maxTreeWork, which bounds readability's time.
func checkTree(doc *html.Node) error {
	type item struct {
		n     *html.Node
		depth int
	}
	var elements, work int
	stack := []item{{doc, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		depth := it.depth
		switch it.n.Type {
		case html.ElementNode:
			depth++
			if elements++; elements > MaxHTMLElements {
				return errTooMany()
			}
			if depth > MaxHTMLDepth {
				return errTooDeep()
			}
			work += elementWork * depth
		case html.TextNode:
			work += len(it.n.Data) * depth
		}
		if work > maxTreeWork {
			return fmt.Errorf("%w (too much of it is nested too deeply)", ErrHTMLTooComplex)
		}
		for c := it.n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, item{c, depth})
		}
	}
	return nil
}

// ctxReader hands the parser its input in small pieces and fails once ctx
// is done, which is the only way to stop html.Parse part way.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > 4096 {
		p = p[:4096]
	}
	return r.r.Read(p)
}

// parseBounded parses data (already scanned) into a tree, stopping when
// ctx is done, and checks the tree against the limits.
func parseBounded(ctx context.Context, data []byte) (*html.Node, error) {
	doc, err := html.Parse(ctxReader{ctx, bytes.NewReader(data)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	if err := checkTree(doc); err != nil {
		return nil, err
	}
	return doc, nil
}
