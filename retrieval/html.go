package retrieval

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
)

// ParseHTML extracts the readable article from an HTML page with
// go-readability (a port of Firefox's Reader View): the main text without
// navigation, ads and scripts, plus title, byline, site name and
// publication date when the page states them. pageURL (may be "") becomes
// Source and resolves relative links. The body is plain text, one paragraph
// per block element, paragraphs separated by blank lines.
//
// Valid UTF-8 is parsed as UTF-8; anything else goes through the library's
// charset detection (pages in Latin-1 or Shift JIS are common).
func ParseHTML(id string, data []byte, pageURL string, opts LoadOptions) (Article, error) {
	if limit := opts.maxBytes(); int64(len(data)) > limit {
		return Article{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrArticleTooLarge, len(data), limit)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return Article{}, fmt.Errorf("%w: NUL byte at offset %d", ErrBinaryArticle, i)
	}
	var base *url.URL
	if pageURL != "" {
		u, err := url.Parse(pageURL)
		if err != nil {
			return Article{}, fmt.Errorf("page URL: %w", err)
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
			return Article{}, fmt.Errorf("parse HTML: %w", perr)
		}
		ra, err = parser.ParseAndMutate(doc, base)
	} else {
		ra, err = parser.Parse(bytes.NewReader(data), base)
	}
	a := Article{ID: id, Source: pageURL}
	var text string
	if err == nil && ra.Node != nil {
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
			return Article{}, fmt.Errorf("parse HTML: %w", perr)
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
	a.Body = htmlParagraphs(strings.ToValidUTF8(text, "\uFFFD"), a.Title)
	if a.Body == "" {
		return Article{}, ErrEmptyArticle
	}
	if a.Title == "" {
		a.Title = id
	}
	a.Hash = HashArticle(a)
	return a, nil
}

// htmlParagraphs turns rendered text into paragraphs: each non-empty line,
// white space collapsed, separated by blank lines. A first paragraph that
// repeats the title is dropped.
func htmlParagraphs(text, title string) string {
	var paras []string
	for line := range strings.SplitSeq(text, "\n") {
		if p := oneLine(line); p != "" {
			paras = append(paras, p)
		}
	}
	if len(paras) > 0 && title != "" && paras[0] == title {
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
