package article

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestParseArticleLayouts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want retrieval.Article // Hash and ID are checked separately
	}{
		{
			name: "corpus header lines",
			in:   "# Super Bowl 50\nSource: https://en.wikipedia.org/wiki/Super_Bowl_50\nLicense: CC BY-SA 4.0\n\nSuper Bowl 50 was a game.\n\nThe Panthers lost.\n",
			want: retrieval.Article{Title: "Super Bowl 50", Source: "https://en.wikipedia.org/wiki/Super_Bowl_50", License: "CC BY-SA 4.0",
				Body: "Super Bowl 50 was a game.\n\nThe Panthers lost."},
		},
		{
			name: "header lines stop at the first non-header line",
			in:   "# T\nAuthor: Ann\nNote: not a header key\n\nBody.",
			want: retrieval.Article{Title: "T", Author: "Ann", Body: "Note: not a header key\n\nBody."},
		},
		{
			name: "front matter",
			in: "---\ntitle: A Title: With Colon\nurl: https://example.com/a\nauthor: \"Mary \\\"M\\\" Webber\"\npublisher: 'Latin Post''s'\n" +
				"date: 2022-05-13\nlicence: CC BY 4.0\ntags: [a, b]\n# a comment\n\n---\n\nBody text.\n",
			want: retrieval.Article{Title: "A Title: With Colon", Source: "https://example.com/a", Author: `Mary "M" Webber`,
				Publisher: "Latin Post's", Published: "2022-05-13", License: "CC BY 4.0", Body: "Body text."},
		},
		{
			name: "front matter list value and source beats url",
			in:   "---\nauthors:\n  - Ann\n  - Bob\nsource: https://a.example/\nurl: https://b.example/\n---\nBody.",
			want: retrieval.Article{Title: "x", Author: "Ann, Bob", Source: "https://a.example/", Body: "Body."},
		},
		{
			name: "front matter without title takes a # line",
			in:   "---\nauthor: Ann\n---\n\n# Heading Title\n\nBody.",
			want: retrieval.Article{Title: "Heading Title", Author: "Ann", Body: "Body."},
		},
		{
			name: "front matter with title keeps the # line",
			in:   "---\ntitle: T\n---\n# T\n\nBody.",
			want: retrieval.Article{Title: "T", Body: "# T\n\nBody."},
		},
		{
			name: "plain text with a title line",
			in:   "U.S. Defense Secretary Speaks With Russia\nThe call lasted about an hour.\n",
			want: retrieval.Article{Title: "U.S. Defense Secretary Speaks With Russia", Body: "The call lasted about an hour."},
		},
		{
			name: "plain text starting with a sentence",
			in:   "The call lasted about an hour.\nIt was professional.",
			want: retrieval.Article{Title: "x", Body: "The call lasted about an hour.\nIt was professional."},
		},
		{
			name: "single line is body, not title",
			in:   "Just one line without a period",
			want: retrieval.Article{Title: "x", Body: "Just one line without a period"},
		},
		{
			name: "CRLF line endings",
			in:   "# T\r\nSource: s\r\n\r\nOne.\r\n\r\nTwo.\r\n",
			want: retrieval.Article{Title: "T", Source: "s", Body: "One.\n\nTwo."},
		},
		{
			name: "CR line endings",
			in:   "# T\rSource: s\r\rOne.\r\rTwo.",
			want: retrieval.Article{Title: "T", Source: "s", Body: "One.\n\nTwo."},
		},
		{
			name: "byte order mark before front matter",
			in:   "\uFEFF---\ntitle: T\n---\nBody.",
			want: retrieval.Article{Title: "T", Body: "Body."},
		},
		{
			name: "CRLF front matter",
			in:   "---\r\ntitle: T\r\n---\r\n\r\nBody.\r\n",
			want: retrieval.Article{Title: "T", Body: "Body."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArticle("x", []byte(tt.in), LoadOptions{})
			if err != nil {
				t.Fatalf("ParseArticle: %v", err)
			}
			want := tt.want
			want.ID = "x"
			want.Hash = retrieval.HashArticle(want)
			if got != want {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestParseArticleRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		max     int64
		want    error
		message string // part of the error text
	}{
		{"empty", nil, 0, ErrEmptyArticle, ""},
		{"white space", []byte(" \n\t\r\n "), 0, ErrEmptyArticle, ""},
		{"header only", []byte("# Title\nSource: x\n\n"), 0, ErrEmptyArticle, ""},
		{"front matter only", []byte("---\ntitle: T\n---\n"), 0, ErrEmptyArticle, ""},
		{"NUL byte", []byte("# T\n\nab\x00cd"), 0, ErrBinaryArticle, "offset 7"},
		{"PNG header", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0, ErrBinaryArticle, ""},
		{"control characters", bytes.Repeat([]byte("ab\x01\x02"), 20), 0, ErrBinaryArticle, "control"},
		{"Latin-1", []byte("# Caf\xe9\n\nna\xefve text."), 0, ErrInvalidUTF8, "0xE9 at offset 5"},
		{"UTF-16", []byte("\xff\xfe#\x00 \x00T\x00"), 0, ErrInvalidUTF8, "UTF-16"},
		{"too large", bytes.Repeat([]byte("a"), 101), 100, ErrArticleTooLarge, "101 bytes"},
		{"unclosed front matter", []byte("---\ntitle: T\n\nBody."), 0, ErrFrontMatter, "never closed"},
		{"not key value", []byte("---\ntitle: T\nthis is prose\n---\nBody."), 0, ErrFrontMatter, "line 3"},
		{"bad key", []byte("---\nti tle: T\n---\nBody."), 0, ErrFrontMatter, "line 2"},
		{"unterminated quote", []byte("---\ntitle: \"T\n---\nBody."), 0, ErrFrontMatter, "unterminated"},
		{"stray indented line", []byte("---\n  - item\n---\nBody."), 0, ErrFrontMatter, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArticle("x", tt.in, LoadOptions{MaxBytes: tt.max})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %q, want it to mention %q", err, tt.message)
			}
		})
	}
}

func TestParseArticleHuge(t *testing.T) {
	// Just under the default cap: parses, and fast enough not to matter.
	para := strings.Repeat("word ", 200) + "end.\n\n"
	var b strings.Builder
	b.WriteString("# Huge\n\n")
	for b.Len()+len(para) < DefaultMaxArticleBytes {
		b.WriteString(para)
	}
	a, err := ParseArticle("huge", []byte(b.String()), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Huge" || len(a.Body) < DefaultMaxArticleBytes-2*len(para) {
		t.Errorf("title %q, body %d bytes", a.Title, len(a.Body))
	}
	for _, c := range retrieval.Split(a, retrieval.DefaultChunkOptions()) {
		if a.Body[c.Start:c.End] != c.Text {
			t.Fatalf("chunk %d text is not Body[%d:%d]", c.Ordinal, c.Start, c.End)
		}
	}

	b.WriteString(para)
	if _, err := ParseArticle("huge", []byte(b.String()), LoadOptions{}); !errors.Is(err, ErrArticleTooLarge) {
		t.Errorf("over the cap: err = %v, want ErrArticleTooLarge", err)
	}
}

func TestHashArticle(t *testing.T) {
	a := retrieval.Article{ID: "a", Title: "T", Body: "Body."}
	h := retrieval.HashArticle(a)
	if len(h) != 64 || h != retrieval.HashArticle(a) {
		t.Fatalf("hash %q not a stable hex SHA-256", h)
	}
	// Every field that reaches the index changes the hash; moving text
	// between fields does too.
	for _, b := range []retrieval.Article{
		{ID: "b", Title: "T", Body: "Body."},
		{ID: "a", Title: "T2", Body: "Body."},
		{ID: "a", Title: "T", Source: "s", Body: "Body."},
		{ID: "a", Title: "T", Publisher: "p", Body: "Body."},
		{ID: "a", Title: "T", Author: "au", Body: "Body."},
		{ID: "a", Title: "T", Published: "2020", Body: "Body."},
		{ID: "a", Title: "T", License: "l", Body: "Body."},
		{ID: "a", Title: "T", Body: "Body!"},
		{ID: "a", Title: "TB", Body: "ody."},
	} {
		if retrieval.HashArticle(b) == h {
			t.Errorf("%+v hashes like %+v", b, a)
		}
	}
	// Path and Hash do not.
	c := a
	c.Path, c.Hash = "/x/a.md", "zz"
	if retrieval.HashArticle(c) != h {
		t.Error("Path or Hash changed the hash")
	}
}
