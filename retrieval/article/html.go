package article

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"github.com/citebot/citebot/retrieval"
	"golang.org/x/net/html"
)

// ParseHTML extracts the readable article from an HTML page with
// go-readability (a port of Firefox's Reader View): the main text without
// navigation, ads and scripts, plus title, byline, site name and
// publication date when the page states them. pageURL (may be "") becomes
// Source and resolves relative links; without it, the page's canonical URL
// (<link rel="canonical"> or og:url), if any, is the Source. The body is plain text, one paragraph
// per block element, paragraphs separated by blank lines.
//
// Valid UTF-8 is parsed as UTF-8; anything else goes through the library's
// charset detection (pages in Latin-1 or Shift JIS are common).
func ParseHTML(id string, data []byte, pageURL string, opts LoadOptions) (retrieval.Article, error) {
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
	parser := readability.NewParser()
	var (
		ra  readability.Article
		err error
	)
	if utf8.Valid(data) {
		doc, perr := html.Parse(bytes.NewReader(data))
		if perr != nil {
			return retrieval.Article{}, fmt.Errorf("parse HTML: %w", perr)
		}
		if pageURL == "" {
			// A saved page often names its own address.
			pageURL = canonicalURL(doc)
		}
		ra, err = parser.ParseAndMutate(doc, base)
	} else {
		ra, err = parser.Parse(bytes.NewReader(data), base)
	}
	a := retrieval.Article{ID: id, Source: pageURL}
	var text string
	if err == nil && ra.Node != nil {
		markHeadings(ra.Node)
		text = render.InnerText(ra.Node)
		a.Title = oneLine(ra.Title())
		a.Author = oneLine(strings.TrimPrefix(strings.TrimPrefix(oneLine(ra.Byline()), "By "), "by "))
		a.Publisher = oneLine(ra.SiteName())
		if t, terr := ra.PublishedTime(); terr == nil {
			a.Published = t.Format("2006-01-02")
		}
	}
	if strings.TrimSpace(text) == "" {
		// Readability found no article (a very short page): fall back to
		// all visible text of the body.
		doc, perr := html.Parse(bytes.NewReader(data))
		if perr != nil {
			return retrieval.Article{}, fmt.Errorf("parse HTML: %w", perr)
		}
		if body := findElement(doc, "body"); body != nil {
			text = render.InnerText(body)
		}
		if a.Title == "" {
			if t := findElement(doc, "title"); t != nil {
				a.Title = oneLine(render.InnerText(t))
			}
		}
	}
	return completeArticle(a, htmlParagraphs(strings.ToValidUTF8(text, "\uFFFD"), a.Title))
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
