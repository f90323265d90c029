package article

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"github.com/citebot/citebot/retrieval"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// ParseHTML is ParseHTMLContext without a caller's context: the work is
// still bounded by LoadOptions.ParseTimeout and the structure limits.
func ParseHTML(id string, data []byte, pageURL string, opts LoadOptions) (retrieval.Article, error) {
	return ParseHTMLContext(context.Background(), id, data, pageURL, opts)
}

// ParseHTMLContext extracts the readable article from an HTML page with
// go-readability (a port of Firefox's Reader View): the main text without
// navigation, ads and scripts, plus title, byline, site name and
// publication date when the page states them. pageURL (may be "") becomes
// Source and resolves relative links; without it, the page's canonical URL
// (<link rel="canonical"> or og:url), if any, is the Source. The body is
// plain text, one paragraph per block element, paragraphs separated by
// blank lines.
//
// Valid UTF-8 is parsed as UTF-8; anything else is decoded by its BOM or
// <meta charset> (pages in Latin-1 or Shift JIS are common), else as
// Windows-1252.
//
// The page may come from a stranger, so the work is bounded (see
// htmllimits.go): a page nested deeper than MaxHTMLDepth or with more than
// MaxHTMLElements elements is refused (ErrHTMLTooDeep,
// ErrHTMLTooManyElements) before it is parsed, one whose text is too large
// for its depth (ErrHTMLTooComplex) before readability runs, extraction
// that outlasts LoadOptions.ParseTimeout fails with ErrHTMLTooSlow, and
// when ctx is done it returns ctx.Err() promptly.
func ParseHTMLContext(ctx context.Context, id string, data []byte, pageURL string, opts LoadOptions) (retrieval.Article, error) {
	if limit := opts.maxBytes(); int64(len(data)) > limit {
		return retrieval.Article{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrArticleTooLarge, len(data), limit)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return retrieval.Article{}, fmt.Errorf("%w: NUL byte at offset %d", ErrBinaryArticle, i)
	}
	var base *url.URL
	if pageURL != "" {
		u, err := url.Parse(pageURL)
		if err != nil {
			return retrieval.Article{}, fmt.Errorf("page URL: %w", err)
		}
		base = u
	}
	timeout := opts.parseTimeout()
	pctx, cancel := context.WithTimeoutCause(ctx, timeout, errParseTimeout)
	defer cancel()
	a, err := parseHTML(pctx, id, data, pageURL, base)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(pctx), errParseTimeout) {
		return retrieval.Article{}, fmt.Errorf("%w (more than %s)", ErrHTMLTooSlow, timeout)
	}
	return a, err
}

// errParseTimeout is the cause of ParseHTMLContext's own deadline.
var errParseTimeout = errors.New("parse timeout")

// parseHTML does ParseHTMLContext's work under its deadline.
func parseHTML(ctx context.Context, id string, data []byte, pageURL string, base *url.URL) (retrieval.Article, error) {
	if !utf8.Valid(data) {
		data = decodeHTML(data)
	}
	data = neutralizeFormatting(data)
	if err := scanHTML(ctx, data); err != nil {
		return retrieval.Article{}, err
	}
	doc, err := parseBounded(ctx, data)
	if err != nil {
		return retrieval.Article{}, err
	}
	if pageURL == "" {
		// A saved page often names its own address.
		pageURL = canonicalURL(doc)
	}
	// readability cannot be interrupted: run it aside and stop waiting
	// when ctx is done. The limits above keep its worst case small, and it
	// owns doc, so nothing is shared once we stop waiting.
	done := make(chan extraction, 1)
	go func() { done <- extract(ctx, doc, data, base) }()
	var x extraction
	select {
	case <-ctx.Done():
		return retrieval.Article{}, ctx.Err()
	case x = <-done:
	}
	if x.err != nil {
		return retrieval.Article{}, x.err
	}
	x.meta.ID, x.meta.Source = id, pageURL
	return completeArticle(x.meta, htmlParagraphs(strings.ToValidUTF8(x.text, "\uFFFD"), x.meta.Title))
}

// extraction is what extract found: the article's metadata and its text.
type extraction struct {
	meta retrieval.Article
	text string
	err  error
}

// extract runs readability on doc (which it mutates) and renders the
// article's text; when readability finds no article (a very short page),
// it falls back to all visible text of the body, parsing data again.
func extract(ctx context.Context, doc *html.Node, data []byte, base *url.URL) extraction {
	var x extraction
	parser := readability.NewParser()
	ra, err := parser.ParseAndMutate(doc, base)
	if err == nil && ra.Node != nil {
		markHeadings(ra.Node)
		x.text = render.InnerText(ra.Node)
		x.meta.Title = oneLine(ra.Title())
		x.meta.Author = oneLine(strings.TrimPrefix(strings.TrimPrefix(oneLine(ra.Byline()), "By "), "by "))
		x.meta.Publisher = oneLine(ra.SiteName())
		if t, terr := ra.PublishedTime(); terr == nil {
			x.meta.Published = t.Format("2006-01-02")
		}
	}
	if strings.TrimSpace(x.text) != "" {
		return x
	}
	fresh, err := parseBounded(ctx, data)
	if err != nil {
		x.err = err
		return x
	}
	if body := findElement(fresh, "body"); body != nil {
		x.text = render.InnerText(body)
	}
	if x.meta.Title == "" {
		if t := findElement(fresh, "title"); t != nil {
			x.meta.Title = oneLine(render.InnerText(t))
		}
	}
	return x
}

// decodeHTML converts a page that is not UTF-8 to UTF-8, by its BOM or
// <meta charset>, else as Windows-1252 (which decodes any bytes).
func decodeHTML(data []byte) []byte {
	enc, _, _ := charset.DetermineEncoding(data, "")
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return data
	}
	return out
}

// markHeadings prefixes the text of h1-h6 elements with Markdown "#"
// marks, so headings stay recognisable in the plain-text body (the splitter
// starts a chunk at a heading, and a saved article file reads as Markdown).
func markHeadings(n *html.Node) {
	if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
		level := int(n.Data[1] - '0')
		n.InsertBefore(&html.Node{Type: html.TextNode, Data: strings.Repeat("#", level) + " "}, n.FirstChild)
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		markHeadings(c)
	}
}

// htmlParagraphs turns rendered text into paragraphs: each non-empty line,
// white space collapsed, separated by blank lines. A first paragraph that
// repeats the title is dropped.
func htmlParagraphs(text, title string) string {
	var paras []string
	for line := range strings.SplitSeq(text, "\n") {
		if p := oneLine(line); strings.Trim(p, "# ") != "" { // an empty heading leaves only "#"
			paras = append(paras, p)
		}
	}
	if len(paras) > 0 && title != "" && strings.TrimSpace(strings.TrimLeft(paras[0], "#")) == title {
		paras = paras[1:]
	}
	return strings.Join(paras, "\n\n")
}

// oneLine collapses all white space (including NBSP) to single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func findElement(n *html.Node, tag string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, tag); f != nil {
			return f
		}
	}
	return nil
}

// canonicalURL returns the page's own http(s) address from
// <link rel="canonical"> or <meta property="og:url">, or "".
func canonicalURL(doc *html.Node) string {
	var found string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode && (n.Data == "link" || n.Data == "meta") {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[strings.ToLower(a.Key)] = strings.TrimSpace(a.Val)
			}
			var v string
			switch {
			case n.Data == "link" && strings.EqualFold(attrs["rel"], "canonical"):
				v = attrs["href"]
			case n.Data == "meta" && strings.EqualFold(attrs["property"], "og:url"):
				v = attrs["content"]
			}
			if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				found = u.String()
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}
