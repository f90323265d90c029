package article

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadFileCorpus(t *testing.T) {
	a, err := LoadFile(filepath.Join("..", "testdata", "corpus", "013-oxygen.md"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "013-oxygen" || a.Title != "Oxygen" || a.Source != "https://en.wikipedia.org/wiki/Oxygen" || a.License != "CC BY-SA 4.0" {
		t.Errorf("metadata: %+v", a)
	}
	if !strings.HasPrefix(a.Body, "Oxygen is a chemical element") || a.Path != filepath.Join("..", "testdata", "corpus", "013-oxygen.md") {
		t.Errorf("body starts %.40q, path %q", a.Body, a.Path)
	}
	if a.Hash != retrieval.HashArticle(a) {
		t.Error("Hash not set")
	}
	// Paragraphs are split on blank lines only: "O\n2" stays inside one.
	for _, p := range prose.Paragraphs(a.Body) {
		if text := a.Body[p.Start:p.End]; strings.HasPrefix(text, "2") {
			t.Errorf("a paragraph starts with the subscript of a formula: %.50q", text)
		}
	}
}

func TestLoadFileRejects(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"notes.docx": "PK", "broken.pdf": "%PDF", "empty.md": "", "bin.txt": "a\x00b"})
	// A sparse file over the cap: LoadFile must refuse it from its size,
	// without reading 6 MB.
	big := filepath.Join(dir, "big.md")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(DefaultMaxArticleBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, tt := range []struct {
		name string
		want error
		msg  string
	}{
		{"big.md", ErrArticleTooLarge, "5242881 bytes"},
		{"empty.md", ErrEmptyArticle, "empty.md"},
		{"bin.txt", ErrBinaryArticle, "bin.txt"},
		{"missing.md", os.ErrNotExist, "missing.md"},
		{"notes.docx", nil, "unsupported file type \".docx\""},
		{"broken.pdf", ErrPDF, "broken.pdf"},
	} {
		_, err := LoadFile(filepath.Join(dir, tt.name), LoadOptions{})
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err = %v, want %v mentioning %q", tt.name, err, tt.want, tt.msg)
			continue
		}
		if n := strings.Count(err.Error(), tt.name); n != 1 {
			t.Errorf("%s: err = %q names the file %d times, want once", tt.name, err, n)
		}
	}
	// A smaller configured cap applies too.
	writeFiles(t, dir, map[string]string{"ok.md": "# T\n\n" + strings.Repeat("x", 100)})
	if _, err := LoadFile(filepath.Join(dir, "ok.md"), LoadOptions{MaxBytes: 50}); !errors.Is(err, ErrArticleTooLarge) {
		t.Errorf("MaxBytes 50: err = %v", err)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.md":               "# Bee\n\nBody b.",
		"a.txt":              "Plain Title\nBody a.",
		"c.html":             "<html><head><title>Sea</title></head><body><article><h1>Sea</h1><p>The sea is large and deep and full of water.</p></article></body></html>",
		"sub/d.markdown":     "---\ntitle: Dee\n---\nBody d.",
		"sub/b.txt":          "Duplicate of b.",
		"README.md":          "# About this directory\n\nNot an article.",
		"readme.txt":         "Not an article either.",
		".hidden.md":         "# Hidden\n\nSkipped.",
		".git/x.md":          "# Git\n\nSkipped.",
		"notes.json":         "{}",
		"broken.md":          "---\ntitle: x\n",
		"empty.md":           "\n\n",
		"latin1.txt":         "caf\xe9 au lait.",
		"sub/deeper/e.htm":   "<p>Eee is a short page.</p>",
		"sub/.tmp.f.md.tmp":  "temp",
		"z/.a.md.123.tmp":    "temp",
		"sub/deeper/.keep":   "",
		"sub/deeper/f.MD":    "# Eff\n\nUpper-case extension.",
		"sub/deeper/g.htmlx": "not loaded",
	})
	warned := map[string]error{}
	list, err := LoadDir(dir, LoadOptions{}, func(path string, err error) { warned[path] = err })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
		if a.Path == "" || !strings.HasPrefix(a.Path, dir) {
			t.Errorf("%s: path %q", a.ID, a.Path)
		}
	}
	if want := []string{"a", "b", "c", "d", "e", "f"}; !slices.Equal(ids, want) {
		t.Errorf("IDs %v, want %v", ids, want)
	}
	for name, want := range map[string]error{
		"broken.md": ErrFrontMatter, "empty.md": ErrEmptyArticle, "latin1.txt": ErrInvalidUTF8, "sub/b.txt": nil,
	} {
		err, ok := warned[filepath.Join(dir, filepath.FromSlash(name))]
		if !ok || (want != nil && !errors.Is(err, want)) {
			t.Errorf("warning for %s: %v, want %v", name, err, want)
		}
	}
	if len(warned) != 4 {
		t.Errorf("%d warnings, want 4: %v", len(warned), warned)
	}
	if dup := warned[filepath.Join(dir, "sub", "b.txt")]; dup == nil || !strings.Contains(dup.Error(), "duplicate article ID \"b\"") {
		t.Errorf("duplicate warning: %v", dup)
	}
	if list[1].Title != "Bee" || list[0].Title != "Plain Title" || list[2].Title != "Sea" {
		t.Errorf("titles: %q %q %q", list[0].Title, list[1].Title, list[2].Title)
	}

	// nil warn is allowed; a missing directory is an error.
	if _, err := LoadDir(dir, LoadOptions{}, nil); err != nil {
		t.Errorf("nil warn: %v", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "nope"), LoadOptions{}, nil); err == nil || !errors.Is(err, os.ErrNotExist) || strings.Count(err.Error(), "nope") != 1 {
		t.Errorf("missing dir: err = %v, want a not-exist error naming the dir once", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "b.md"), LoadOptions{}, nil); err == nil {
		t.Error("file as dir: no error")
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"one.md":      {Data: []byte("# One\n\nFirst.")},
		"two.txt":     {Data: []byte("Two\nSecond.")},
		"README.md":   {Data: []byte("# Readme\n\nSkip.")},
		"bad.md":      {Data: []byte("\x00")},
		"big.md":      {Data: []byte("# Big\n\n" + strings.Repeat("y", 200))},
		"dir/one.txt": {Data: []byte("Duplicate.")},
	}
	var warnings []string
	list, err := LoadFS(fsys, LoadOptions{MaxBytes: 100}, func(path string, err error) {
		warnings = append(warnings, path)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "one" || list[1].ID != "two" || list[0].Path != "" {
		t.Fatalf("list %+v", list)
	}
	// The first in path order wins: "dir/one.txt" sorts before "one.md".
	if list[0].Body != "Duplicate." {
		t.Errorf("kept %q", list[0].Body)
	}
	if want := []string{"bad.md", "big.md", "one.md"}; !slices.Equal(warnings, want) {
		t.Errorf("warnings %v, want %v", warnings, want)
	}
}

// A symlink inside a folder that points outside it is skipped with a
// warning; one that stays inside is loaded.
func TestLoadDirSkipsSymlinksOutOfTheFolder(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.md")
	if err := os.WriteFile(outside, []byte("# Secret\n\nNot part of this folder.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "real.md"), []byte("# Real\n\nA real article.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "passwd.md")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "real.md"), filepath.Join(dir, "alias.md")); err != nil {
		t.Fatal(err)
	}
	var warned []string
	list, err := LoadDir(dir, LoadOptions{}, func(p string, err error) {
		if errors.Is(err, ErrOutsideFolder) {
			warned = append(warned, filepath.Base(p))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "alias,real" || strings.Join(warned, ",") != "passwd.md" {
		t.Errorf("loaded %v, warned about %v; want alias,real and passwd.md", ids, warned)
	}
}
