package article

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"golang.org/x/net/html"
)

// The token scan runs before the HTML parser: it models the parser's stack
// of open elements just well enough to bound the depth and element count
// the parser will build, in one cheap, cancellable pass.

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
