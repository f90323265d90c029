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
//  4. the parsed tree is measured exactly against the same limits;
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
	ErrHTMLTooDeep         = errors.New("the page is nested too deeply to read")
	ErrHTMLTooManyElements = errors.New("the page has too many elements to read")
	ErrHTMLTooComplex      = errors.New("the page is too complex to read")
	ErrHTMLTooSlow         = errors.New("the page took too long to read")
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

// Element categories from the HTML parsing algorithm, as the scan needs
// them.
var (
	voidTags = setOf("area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
		"input", "keygen", "link", "meta", "param", "source", "track", "wbr")
	specialTags = setOf("address", "applet", "area", "article", "aside", "base", "basefont", "bgsound",
		"blockquote", "body", "br", "button", "caption", "center", "col", "colgroup", "dd", "details", "dir",
		"div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset",
		"h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img", "input",
		"keygen", "li", "link", "listing", "main", "marquee", "menu", "meta", "nav", "noembed", "noframes",
		"noscript", "object", "ol", "p", "param", "plaintext", "pre", "script", "search", "section", "select",
		"source", "style", "summary", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
		"title", "tr", "track", "ul", "wbr", "xmp",
		"mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc")
	// closesP are the start tags that close an open <p> first.
	closesP = setOf("address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
		"dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol",
		"p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing",
		"form", "li", "dd", "dt", "plaintext", "table", "hr", "xmp")
	headings = setOf("h1", "h2", "h3", "h4", "h5", "h6")
	// rawTags are the elements the tokenizer reads as raw text; selectIgnored
	// are those the parser ignores inside <select>, reading on as markup.
	rawTags       = setOf("iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp")
	selectIgnored = setOf("iframe", "noembed", "noframes", "noscript", "plaintext", "style", "title", "xmp")

	defaultScope  = setOf("applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title")
	buttonScope   = union(defaultScope, setOf("button"))
	listItemScope = union(defaultScope, setOf("ol", "ul"))
	tableScope    = setOf("html", "table", "template")
	tableParts    = setOf("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := make(map[string]bool, len(a)+len(b))
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// openElements is the scan's model of the parser's stack of open elements.
// It pops only where the parser surely pops too (an end tag or an implied
// close with no scope boundary in between), so its depth is never much
// below the real one; where the parser closes more, the scan only
// overestimates.
type openElements struct {
	stack   []string
	open    map[string]int // how many of each tag are on the stack
	foreign int            // open <svg> and <math>
}

func (s *openElements) push(tag string) {
	s.stack = append(s.stack, tag)
	s.open[tag]++
	if tag == "svg" || tag == "math" {
		s.foreign++
	}
}

func (s *openElements) top() string {
	if len(s.stack) == 0 {
		return ""
	}
	return s.stack[len(s.stack)-1]
}

// popTo pops up to and including the topmost tag.
func (s *openElements) popTo(tag string) {
	for len(s.stack) > 0 {
		t := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		s.open[t]--
		if t == "svg" || t == "math" {
			s.foreign--
		}
		if t == tag {
			return
		}
	}
}

// closeUnless pops to the topmost tag if one is open and no element for
// which stop is true lies above it.
func (s *openElements) closeUnless(tag string, stop func(string) bool) {
	if s.open[tag] == 0 {
		return
	}
	for i := len(s.stack) - 1; i >= 0; i-- {
		switch t := s.stack[i]; {
		case t == tag:
			s.popTo(tag)
			return
		case stop(t):
			return
		}
	}
}

// closeInScope closes tag if it is open with no element of scope above it.
func (s *openElements) closeInScope(tag string, scope map[string]bool) {
	s.closeUnless(tag, func(t string) bool { return scope[t] })
}

// startTag applies the implied closes a start tag causes, then opens it.
func (s *openElements) startTag(tag string) {
	if s.foreign == 0 {
		s.impliedCloses(tag)
	}
	s.push(tag)
}

func (s *openElements) impliedCloses(tag string) {
	if tag == "li" {
		s.closeUnless("li", func(t string) bool { return specialTags[t] && t != "address" && t != "div" && t != "p" })
	}
	if tag == "dd" || tag == "dt" {
		stop := func(t string) bool { return specialTags[t] && t != "address" && t != "div" && t != "p" }
		s.closeUnless("dd", stop)
		s.closeUnless("dt", stop)
	}
	if closesP[tag] {
		s.closeInScope("p", buttonScope)
	}
	switch {
	case headings[tag] && headings[s.top()]:
		s.popTo(s.top())
	case tag == "a":
		s.closeUnless("a", func(t string) bool { return specialTags[t] })
	case tag == "button":
		s.closeInScope("button", defaultScope)
	case tag == "option" && s.top() == "option":
		s.popTo("option")
	case tag == "optgroup":
		if s.top() == "option" {
			s.popTo("option")
		}
		if s.top() == "optgroup" {
			s.popTo("optgroup")
		}
	case tag == "td" || tag == "th" || tag == "tr" || tag == "tbody" || tag == "thead" || tag == "tfoot":
		s.closeInScope("td", tableScope)
		s.closeInScope("th", tableScope)
		if tag != "td" && tag != "th" {
			s.closeInScope("tr", tableScope)
		}
		if tag == "tbody" || tag == "thead" || tag == "tfoot" {
			for _, t := range []string{"tbody", "thead", "tfoot"} {
				s.closeInScope(t, tableScope)
			}
		}
	}
}

// endTag closes tag the way the parser would, if it surely would.
func (s *openElements) endTag(tag string) {
	switch {
	case tag == "body" || tag == "html":
		// The parser only changes mode; nothing is popped.
	case tag == "p":
		s.closeInScope("p", buttonScope)
	case tag == "li":
		s.closeInScope("li", listItemScope)
	case tableParts[tag]:
		s.closeInScope(tag, tableScope)
	case specialTags[tag]:
		s.closeInScope(tag, defaultScope)
	default: // "any other end tag": stops at any special element
		s.closeUnless(tag, func(t string) bool { return specialTags[t] })
	}
}

// scanHTML walks the page's tokens and refuses it when the elements it
// opens nest deeper than MaxHTMLDepth or number more than MaxHTMLElements,
// so the parser and readability only ever see bounded trees. It is linear
// in the page size and returns ctx.Err() when ctx is done.
func scanHTML(ctx context.Context, data []byte) error {
	z := html.NewTokenizer(bytes.NewReader(data))
	s := openElements{open: map[string]int{}}
	elements := 0
	for tokens := 0; ; tokens++ {
		if tokens%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return fmt.Errorf("scan HTML: %w", err)
			}
			return nil
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if elements++; elements > MaxHTMLElements {
				return errTooMany()
			}
			if voidTags[tag] || (tt == html.SelfClosingTagToken && s.foreign > 0) {
				continue // no children: nothing is left open
			}
			s.startTag(tag)
			if len(s.stack) > MaxHTMLDepth {
				return errTooDeep()
			}
			if rawTags[tag] && (s.foreign > 0 || (s.open["select"] > 0 && selectIgnored[tag])) {
				z.NextIsNotRawText() // as the parser does: read on as markup
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == "br" || (tag == "p" && s.open["p"] == 0) {
				// </br> is read as <br>, and a stray </p> as <p></p>.
				if elements++; elements > MaxHTMLElements {
					return errTooMany()
				}
				continue
			}
			s.endTag(tag)
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
