package article

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// bigOpts lets the hostile pages below through the size cap, so the
// structure limits are what stops them.
var bigOpts = LoadOptions{MaxBytes: 8 << 20}

func TestParseHTMLRefusesHostileStructure(t *testing.T) {
	distinctBold := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "<b id=b%d>", i)
		}
		return b.String()
	}
	for _, tt := range []struct {
		name string
		page string
		want error
		msg  string
	}{
		{"16,000 nested divs", strings.Repeat("<div>", 16000), ErrHTMLTooDeep, "the page is nested too deeply to read (more than 512 levels)"},
		{"100,000 nested divs", strings.Repeat("<div>", 100000) + "x" + strings.Repeat("</div>", 100000), ErrHTMLTooDeep, "(more than 512 levels)"},
		{"200,000 unclosed spans", strings.Repeat("<span>", 200000), ErrHTMLTooDeep, ""},
		{"200,000 unclosed b", strings.Repeat("<b>", 200000), ErrHTMLTooDeep, ""},
		{"200,000 unclosed mixed", strings.Repeat("<em><table><font><ul>", 50000), ErrHTMLTooDeep, ""},
		{"200,000 paragraphs", strings.Repeat("<p>x", 200000), ErrHTMLTooManyElements, "the page has too many elements to read (more than 100000)"},
		{"200,000 images", strings.Repeat("<img src=a>", 200000), ErrHTMLTooManyElements, ""},
		{"nesting inside svg", "<svg><title>" + strings.Repeat("<div>", 20000), ErrHTMLTooDeep, ""},
		{"nesting inside select", "<select><xmp>" + strings.Repeat("<div>", 20000), ErrHTMLTooDeep, ""},
		{"nesting through tables", strings.Repeat("<table><tr><td>", 2000), ErrHTMLTooDeep, ""},
		{"deep text", strings.Repeat(strings.Repeat("<div><p>Some words of an article that go on for a while, with commas.</p>", 500)+strings.Repeat("</div>", 500), 40), ErrHTMLTooComplex, "the page is too complex to read"},
		{"formatting re-created after every block", "<div>" + distinctBold(400) + "</div>" + strings.Repeat("<p>x</p>", 150000), ErrHTMLTooManyElements, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHTMLContext(context.Background(), "x", []byte("<html><body>"+tt.page), "", bigOpts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want %q", err, tt.msg)
			}
		})
	}
}

// TestFormattingCannotMultiply: the parser re-creates every open
// formatting element after each block that closed them, so 400 distinct
// <b>s and a run of <div>x</div> made 35 million nodes from 1 MB. Renamed
// to <span>, they are created once.
func TestFormattingCannotMultiply(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body><div>")
	for i := range 150 {
		fmt.Fprintf(&b, "<b id=b%d><FONT color=c%d><i class=i%d>", i, i, i)
	}
	b.WriteString("</div>")
	b.WriteString(strings.Repeat("<div>x</div>", 30000))
	data := neutralizeFormatting([]byte(b.String()))
	if err := scanHTML(context.Background(), data); err != nil {
		t.Fatalf("scan: %v", err)
	}
	doc, err := parseBounded(context.Background(), data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if n := countElements(doc); n > 31000 {
		t.Errorf("%d elements from 30,450 tags", n)
	}
}

func countElements(n *html.Node) int {
	c := 0
	if n.Type == html.ElementNode {
		c++
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += countElements(ch)
	}
	return c
}

func TestNeutralizeFormatting(t *testing.T) {
	for in, want := range map[string]string{
		`<p>Some <b>bold</b>, <I>italic</I> and <strong class="x">strong</strong> words.</p>`: `<p>Some <span>bold</span>, <span>italic</span> and <span class="x">strong</span> words.</p>`,
		`<a href="/b">b</a> <br> <body> <button> <bdi> <blockquote>`:                          `<a href="/b">b</a> <br> <body> <button> <bdi> <blockquote>`,
		"<font\tface=x>a</font\n><u/><tt>":                                                    "<span\tface=x>a</span\n><span/><span>",
		"<s>x</s><small>y</small><nobr>z<code>c</code><b":                                     "<span>x</span><span>y</span><span>z<span>c</span><span",
		"a < b and <3": "a < b and <3",
	} {
		if got := string(neutralizeFormatting([]byte(in))); got != want {
			t.Errorf("neutralizeFormatting(%q) =\n %q, want\n %q", in, got, want)
		}
	}
}

// TestScanAcceptsSloppyPages: markup that leaves elements to be closed
// implicitly, as old and hand-written pages do, is not mistaken for deep
// nesting.
func TestScanAcceptsSloppyPages(t *testing.T) {
	for name, page := range map[string]string{
		"unclosed p":        strings.Repeat("<p>A paragraph", 2000),
		"unclosed li":       "<ul>" + strings.Repeat("<li>An item", 2000) + "</ul>",
		"unclosed dd dt":    "<dl>" + strings.Repeat("<dt>Term<dd>Definition", 1000) + "</dl>",
		"unclosed cells":    "<table>" + strings.Repeat("<tr><td>a<td>b<th>c", 2000) + "</table>",
		"tbody sections":    "<table>" + strings.Repeat("<tbody><tr><td>a", 1000) + "</table>",
		"unclosed options":  "<select>" + strings.Repeat("<option>o", 2000) + "<optgroup><option>p</select>",
		"unclosed links":    strings.Repeat("<a href=x>link ", 2000),
		"unclosed fonts":    strings.Repeat("<p><font face=arial>text", 2000),
		"headings":          strings.Repeat("<h2>Heading<h3>Sub", 1000),
		"blocks close p":    strings.Repeat("<p>text<div>block</div>", 2000),
		"void and self":     strings.Repeat("<br><img src=a><input><hr><meta><div/>", 50) + strings.Repeat("</div>", 50),
		"svg self-closing":  "<svg>" + strings.Repeat(`<path d="M0"/>`, 2000) + "</svg>",
		"p and button":      strings.Repeat("<p><button>", 2000),
		"scripts with tags": strings.Repeat("<script>document.write('<div><div><div>')</script>", 2000),
	} {
		if err := scanHTML(context.Background(), []byte("<html><body>"+page)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckTree(t *testing.T) {
	doc := &html.Node{Type: html.DocumentNode}
	n := doc
	for range MaxHTMLDepth {
		c := &html.Node{Type: html.ElementNode, Data: "div"}
		n.AppendChild(c)
		n = c
	}
	if err := checkTree(doc); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	n.AppendChild(&html.Node{Type: html.ElementNode, Data: "div"})
	if err := checkTree(doc); !errors.Is(err, ErrHTMLTooDeep) {
		t.Errorf("one past the limit: %v", err)
	}
}

func TestParseHTMLKeepsFormattedText(t *testing.T) {
	page := `<html><head><title>Formatted</title></head><body><article><h1>Formatted</h1>
<p>The <b>bridge</b> will <i>close</i> for <strong>six weeks</strong> from <font color=red>March</font>, and <code>ferries</code> will run.</p></article></body></html>`
	a, err := ParseHTML("f", []byte(page), "", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Body, "The bridge will close for six weeks from March, and ferries will run.") {
		t.Errorf("body %q", a.Body)
	}
}

// heavyPage is within every structure limit but takes readability about a
// second: enough to be cancelled part way.
func heavyPage() []byte {
	para := "<div><p>Some words of an article that go on for a while, with commas, and more, and more.</p>"
	return []byte("<html><body>" + strings.Repeat(strings.Repeat(para, 250)+strings.Repeat("</div>", 250), 10))
}

func TestParseHTMLContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ParseHTMLContext(ctx, "x", []byte(newsPage), "", LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := ParseHTMLContext(ctx, "x", heavyPage(), "", LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during: err = %v, want context.Canceled", err)
	}

	_, err := ParseHTMLContext(context.Background(), "x", heavyPage(), "", LoadOptions{ParseTimeout: time.Millisecond})
	if !errors.Is(err, ErrHTMLTooSlow) || err.Error() != "the page took too long to read (more than 1ms)" {
		t.Errorf("timeout: err = %v, want ErrHTMLTooSlow", err)
	}
}

func TestCtxReaderStopsParser(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := parseBounded(ctx, bytes.Repeat([]byte("<p>x"), 1000)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
