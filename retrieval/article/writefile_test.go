package article

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestWriteArticleFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "articles") // created on demand
	articles := []retrieval.Article{
		{ID: "plain", Title: "Plain Title", Body: "One.\n\nTwo."},
		{ID: "full", Title: "U.S. Defense Secretary: Talks", Source: "https://example.com/a?b=c#d", Publisher: "Latin Post",
			Author: "Mary Webber", Published: "2022-05-13", License: "CC BY-SA 4.0", Body: "# Heading\n\nBody with \"quotes\".\n\n---\n\nAfter a rule."},
		{ID: "tricky", Title: `"Quoted" title with # and 'single' and \ backslash`, Author: "- dash first", Publisher: "[bracket]",
			Source: "ends with colon:", Body: "Body."},
		{ID: "newline", Title: "Two\nlines", Author: "tab\there", Body: "---\ntitle: not front matter\n---"},
		{ID: "unicode", Title: "Café – “curly” 日本", Body: "Ünïcödé body. 東京。"},
	}
	for _, a := range articles {
		path, err := WriteArticleFile(dir, a)
		if err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		if path != filepath.Join(dir, a.ID+".md") {
			t.Errorf("path %q", path)
		}
		got, err := LoadFile(path, LoadOptions{})
		if err != nil {
			t.Fatalf("%s: reading back: %v", a.ID, err)
		}
		want := a
		want.Path = path
		want.Hash = retrieval.HashArticle(want)
		if got != want {
			t.Errorf("round trip:\ngot  %#v\nwant %#v", got, want)
		}
	}
	// Overwriting replaces the file; no temporary files are left behind.
	a := articles[0]
	a.Body = "Changed."
	if _, err := WriteArticleFile(dir, a); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(filepath.Join(dir, "plain.md"), LoadOptions{})
	if err != nil || got.Body != "Changed." {
		t.Errorf("after overwrite: %q, %v", got.Body, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(articles) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files in dir: %v", names)
	}
	list, err := LoadDir(dir, LoadOptions{}, func(p string, err error) { t.Errorf("warn %s: %v", p, err) })
	if err != nil || len(list) != len(articles) {
		t.Errorf("LoadDir: %d articles, %v", len(list), err)
	}
}

// TestWriteArticleFileRandomRoundTrip writes random metadata (including
// quotes, colons, line breaks and leading YAML indicators) and checks that
// ParseArticle gives the same article back.
func TestWriteArticleFileRandomRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"a", "Word", " ", ":", ": ", "\"", "'", "#", "-", "[", "\\", "\n", "\t", "é", "日本", "---", "...", "key: v", "'x'", "\"y\""}
	field := func() string {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return strings.TrimSpace(b.String())
	}
	for i := range 150 {
		a := retrieval.Article{ID: "r", Title: field(), Source: field(), Publisher: field(), Author: field(), Published: field(), License: field(),
			Body: strings.TrimSpace(field() + "\n\n" + field() + " body")}
		path, err := WriteArticleFile(dir, a)
		if err != nil {
			t.Fatalf("#%d %#v: %v", i, a, err)
		}
		data, _ := os.ReadFile(path)
		got, err := ParseArticle("r", data, LoadOptions{})
		if err != nil {
			t.Fatalf("#%d %#v: %v\n%s", i, a, err, data)
		}
		if a.Title == "" {
			a.Title = "r" // written as the title
		}
		a.Hash = retrieval.HashArticle(a)
		if got != a {
			t.Fatalf("#%d round trip:\ngot  %#v\nwant %#v\nfile:\n%s", i, got, a, data)
		}
	}
}

func TestWriteArticleFileRejects(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"", ".hidden", "a/b", `a\b`, "../x", "README", "nul\x00"} {
		if _, err := WriteArticleFile(dir, retrieval.Article{ID: id, Title: "T", Body: "B."}); err == nil {
			t.Errorf("ID %q: no error", id)
		}
	}
	if _, err := WriteArticleFile(dir, retrieval.Article{ID: "x", Title: "T", Body: " \n "}); !errors.Is(err, ErrEmptyArticle) {
		t.Errorf("empty body: %v", err)
	}
	// A directory that cannot be created.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := WriteArticleFile(filepath.Join(file, "sub"), retrieval.Article{ID: "x", Title: "T", Body: "B."}); err == nil {
		t.Error("dir under a file: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %d entries", len(entries))
	}
}
