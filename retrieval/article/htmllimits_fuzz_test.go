package article

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval"
	"golang.org/x/net/html"
)

// FuzzParseHTML feeds arbitrary pages (deep nesting, unclosed tags, huge
// attributes, foreign content) to ParseHTMLContext: it must not panic or
// hang; every error is one of the sentinels; an accepted article is clean;
// and no formatting element survives neutralizeFormatting, whatever the
// tokenizer makes of the page. Seed corpus: testdata/fuzz/FuzzParseHTML.
func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(newsPage))
	f.Add([]byte("<html><body>" + strings.Repeat("<div>", 600)))
	f.Add([]byte(strings.Repeat("<p><b>", 300)))
	f.Add([]byte(`<p title="` + strings.Repeat("a", 10000) + `">x</p>`))
	f.Add([]byte("<svg><title><b id=1><b id=2></svg><div>x</div>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		neutral := neutralizeFormatting(data)
		z := html.NewTokenizer(bytes.NewReader(neutral))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if name, _ := z.TagName(); (tt == html.StartTagToken || tt == html.EndTagToken) && formattingTags[string(name)] {
				t.Fatalf("formatting tag %q survived in %q", name, neutral)
			}
		}

		a, err := ParseHTMLContext(ctx, "fuzz", data, "", LoadOptions{MaxBytes: 1 << 20})
		if err != nil {
			for _, s := range []error{ErrEmptyArticle, ErrBinaryArticle, ErrArticleTooLarge, ErrHTMLTooDeep, ErrHTMLTooManyElements, ErrHTMLTooComplex, ErrHTMLTooSlow} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("unexpected error: %v", err)
		}
		if a.ID != "fuzz" || a.Body == "" || a.Body != strings.TrimSpace(a.Body) || !utf8.ValidString(a.Body) || !utf8.ValidString(a.Title) {
			t.Fatalf("unclean article: %+v", a)
		}
		if a.Hash != retrieval.HashArticle(a) {
			t.Fatal("hash not set")
		}
	})
}
