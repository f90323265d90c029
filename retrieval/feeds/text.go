package feeds

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/citebot/citebot/retrieval/article"
)

// parseFeed reads any of the formats gofeed knows.
func parseFeed(data []byte) (*gofeed.Feed, error) {
	doc, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		msg := err.Error()
		if msg != "" {
			msg = strings.ToLower(msg[:1]) + msg[1:] // gofeed's "Failed to detect feed type"
		}
		return nil, fmt.Errorf("the download is %w (%s)", ErrNotFeed, msg)
	}
	return doc, nil
}

// plainText is a one-line text for a title or a name: tags removed (feeds
// put <b> and <em> in titles), entities decoded, white space collapsed.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ') // "<br>" and "</p>" separate words
		}
	}
}

// htmlText turns an item's content or summary into the plain-text
// paragraphs of an article body, through the same HTML extraction as
// fetched pages. Text without markup keeps its paragraphs.
func (p *Poller) htmlText(ctx context.Context, s, pageURL string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.ContainsAny(s, "<&") {
		return paragraphs(s)
	}
	page := "<!DOCTYPE html><html><head><title></title></head><body>" + s + "</body></html>"
	a, err := article.ParseHTMLContext(ctx, "item", []byte(page), pageURL, p.cfg.Load)
	if err != nil {
		return plainText(s)
	}
	return a.Body
}

// paragraphs keeps the blank-line paragraphs of plain text, each on one
// line.
func paragraphs(s string) string {
	var out []string
	for para := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if line := strings.Join(strings.Fields(para), " "); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n\n")
}
