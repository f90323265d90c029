package article

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval"
)

// FuzzParseArticle feeds arbitrary bytes to ParseArticle: it must not
// panic; every error wraps one of the sentinels; an accepted article is
// clean (valid UTF-8, LF line endings, trimmed non-empty body, a title, the
// right hash), survives WriteArticleFile's format unchanged, and splits
// into chunks that match their offsets. Seed corpus: testdata/fuzz/FuzzParseArticle.
func FuzzParseArticle(f *testing.F) {
	f.Add([]byte("# Super Bowl 50\nSource: https://en.wikipedia.org/wiki/Super_Bowl_50\nLicense: CC BY-SA 4.0\n\nSuper Bowl 50 was a game."))
	f.Add([]byte("---\ntitle: \"Quoted: title\"\nauthor: Mary Webber\npublisher: 'Latin Post'\n---\n\nBody."))
	f.Add([]byte("---\ntitle: T\nno colon here\n---\nBody."))
	f.Add([]byte("---\ntitle: never closed\n\nBody."))
	f.Add([]byte("\uFEFFPlain Title\r\nBody line.\r\n"))
	f.Add([]byte("---\ntitle: T\ndescription: >\n  folded\nauthors:\n  - A\n  - B\ndate: 2016-03-10 21:01:56 -0500\ntags: [x]\n---\nBody."))
	f.Add([]byte("+++\ntitle = \"T\"\ndate = 2023-04-01\nauthors = [\"A\"]\n+++\nBody."))
	f.Add([]byte("\x00\x01binary"))
	f.Add([]byte("caf\xe9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArticle("fuzz", data, LoadOptions{MaxBytes: 1 << 16})
		if err != nil {
			for _, s := range []error{ErrEmptyArticle, ErrBinaryArticle, ErrInvalidUTF8, ErrArticleTooLarge, ErrFrontMatter} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if a.ID != "fuzz" || a.Title == "" || a.Body == "" || a.Body != strings.TrimSpace(a.Body) {
			t.Fatalf("bad article %#v", a)
		}
		for _, s := range []string{a.Title, a.Source, a.Publisher, a.Author, a.Published, a.License, a.Body} {
			if !utf8.ValidString(s) || strings.Contains(s, "\r") {
				t.Fatalf("field %q is not clean UTF-8 with LF line endings", s)
			}
		}
		if a.Hash != retrieval.HashArticle(a) {
			t.Fatal("Hash not set")
		}
		b, err := ParseArticle("fuzz", formatArticleFile(a), LoadOptions{MaxBytes: 1 << 20})
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%s", err, formatArticleFile(a))
		}
		if b != a {
			t.Fatalf("round trip changed the article:\n got %#v\nwant %#v", b, a)
		}
		for _, c := range retrieval.Split(a, retrieval.ChunkOptions{Target: 64, Overlap: 16, Max: 96}) {
			if a.Body[c.Start:c.End] != c.Text {
				t.Fatalf("chunk %d text is not Body[%d:%d]", c.Ordinal, c.Start, c.End)
			}
		}
	})
}
