package library

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval/article"
)

const bridgePage = `<html><head><title>Bridge closes for repairs</title></head><body><article>
<h1>Bridge closes for repairs</h1>
<p>The old river bridge will close for six weeks from March while engineers replace its corroded cables.</p>
<p>Ferries will run every twenty minutes during the closure, the city transport office said on Tuesday.</p>
</article></body></html>`

func TestAddFileAndURLAreSavedAndIndexed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, bridgePage)
	}))
	defer srv.Close()
	// The test server is on loopback: the operator's allow-list lets it through.
	tl := newTestLibrary(t, func(c *Config) { c.Fetch.AllowHosts = []string{strings.TrimPrefix(srv.URL, "http://")} })
	ctx := context.Background()
	outside := filepath.Join(t.TempDir(), "festival.md")
	writeFile(t, outside, "# Lantern festival returns\nAuthor: K. Reporter\n\nThousands of lanterns lit the canal on Saturday.\n")

	for _, ref := range []string{outside, srv.URL + "/news/bridge-closes"} {
		added, err := tl.Add(ctx, ref, AddOptions{})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if len(added.Saved) != 1 || filepath.Dir(added.Saved[0]) != tl.articles || added.Report.Added != 1 {
			t.Errorf("%s: added %+v, want one file saved in %s and indexed", ref, added, tl.articles)
		}
	}
	ids := strings.Join(tl.ids(t), ",")
	if !strings.Contains(ids, "festival") || !strings.Contains(ids, "bridge") {
		t.Fatalf("indexed %s; want the file and the URL article", ids)
	}
	// The saved files are what the next sync reads: nothing changes.
	if report := tl.sync(t); report.Unchanged != 2 || report.Added+report.Updated+report.Removed != 0 {
		t.Errorf("sync after add: %+v, want 2 unchanged", report)
	}
	// Adding the same file again updates it in place.
	writeFile(t, outside, "# Lantern festival returns\n\nThe canal was lit by ten thousand lanterns.\n")
	added, err := tl.Add(ctx, outside, AddOptions{})
	if err != nil || added.Report.Updated != 1 {
		t.Fatalf("re-add: %+v, %v; want 1 updated", added, err)
	}
}

func TestAddDirectoryRegistersItAndSkipsBadFiles(t *testing.T) {
	tl := newTestLibrary(t, nil)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), "# A\n\nApples and orchards.\n")
	writeFile(t, filepath.Join(dir, "b.txt"), "B\n\nBoats and harbours.\n")
	writeFile(t, filepath.Join(dir, "empty.md"), "")
	var last [2]int
	added, err := tl.Add(context.Background(), dir, AddOptions{Progress: func(done, total int) { last = [2]int{done, total} }})
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Saved) != 0 || added.Registered != dir || added.Report.Added != 2 || last != [2]int{2, 2} || len(added.Articles) != 2 {
		t.Errorf("added %+v, progress %v; want the folder registered and 2 articles indexed where they are", added, last)
	}
	if len(added.Skipped) != 1 || !strings.Contains(added.Skipped[0].Path, "empty.md") {
		t.Errorf("skipped = %+v, want empty.md", added.Skipped)
	}
	srcs, err := tl.Sources(context.Background())
	if err != nil || len(srcs) != 1 || srcs[0].Location != dir {
		t.Fatalf("sources = %+v, %v", srcs, err)
	}
	// The folder is followed: an edit and a removal show at the next sync.
	writeFile(t, filepath.Join(dir, "a.md"), "# A\n\nApples, pears and orchards.\n")
	os.Remove(filepath.Join(dir, "b.txt"))
	rep := tl.sync(t)
	if !slices.Equal(rep.IDs.Updated, []string{"a"}) || !slices.Equal(rep.IDs.Removed, []string{"b"}) {
		t.Errorf("sync after edits: %+v", rep.IDs)
	}
}

func TestAddInsideSeedsIsIndexedWhereItIs(t *testing.T) {
	tl := newTestLibrary(t, nil)
	seed := filepath.Join(tl.seeds, "local.md")
	writeFile(t, seed, "# Local\n\nA seed on disk.\n")
	added, err := tl.Add(context.Background(), seed, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Saved) != 0 || added.Report.Added != 1 {
		t.Errorf("added %+v, want nothing saved and the seed indexed", added)
	}
	if _, err := os.Stat(tl.articles); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("articles dir created for a seed file (stat: %v)", err)
	}
}

func TestAddKeepsTheSeedWithTheSameID(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "harbour.md"), "# Harbour reopens\n\nThe harbour reopened on Monday.\n")
	writeFile(t, filepath.Join(tl.seeds, "empty.md"), "")
	tl.sync(t)
	outside := filepath.Join(t.TempDir(), "harbour.md")
	writeFile(t, outside, "# Another harbour\n\nA different text under the same ID.\n")
	added, err := tl.Add(context.Background(), outside, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Saved) != 1 || added.Report.Added != 1 || len(added.Renamed) != 1 || added.Articles[0].ID == "harbour" {
		t.Fatalf("added %+v, want the file saved and indexed under an ID of its own", added)
	}
	if a, err := tl.ix.Article(context.Background(), "harbour"); err != nil || a.Title != "Harbour reopens" {
		t.Errorf("harbour = %q (%v), want the seed article", a.Title, err)
	}
	if a, err := tl.ix.Article(context.Background(), added.Articles[0].ID); err != nil || a.Title != "Another harbour" {
		t.Errorf("%s = %q (%v), want the added article", added.Articles[0].ID, a.Title, err)
	}
	// Its own ID is stable: the next sync changes nothing.
	if rep := tl.sync(t); rep.Added+rep.Updated+rep.Removed != 0 {
		t.Errorf("sync after add: %+v", rep.IngestReport)
	}
}

// Two different files with the same name never overwrite each other; the
// same file added again is an update.
func TestAddSameNameFromTwoFolders(t *testing.T) {
	tl := newTestLibrary(t, nil)
	ctx := context.Background()
	one := filepath.Join(t.TempDir(), "notes.md")
	two := filepath.Join(t.TempDir(), "notes.md")
	writeFile(t, one, "# First notes\n\nAbout rivers.\n")
	writeFile(t, two, "# Second notes\n\nAbout mountains.\n")
	a1, err := tl.Add(ctx, one, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := tl.Add(ctx, two, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id1, id2 := a1.Articles[0].ID, a2.Articles[0].ID
	if id1 != "notes" || id2 == id1 || len(a2.Renamed) != 1 || a2.Saved[0] == a1.Saved[0] {
		t.Fatalf("IDs %q and %q, saved %v and %v", id1, id2, a1.Saved, a2.Saved)
	}
	writeFile(t, two, "# Second notes\n\nAbout mountains and lakes.\n")
	again, err := tl.Add(ctx, two, AddOptions{})
	if err != nil || again.Articles[0].ID != id2 || again.Report.Updated != 1 {
		t.Fatalf("re-add of the second file: %+v, %v", again, err)
	}
	if got := tl.ids(t); !slices.Equal(got, []string{id1, id2}) && !slices.Equal(got, []string{id2, id1}) {
		t.Errorf("library = %v", got)
	}
}

func TestAddErrorsNameTheReferenceOnce(t *testing.T) {
	tl := newTestLibrary(t, nil)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.md")
	docx := filepath.Join(dir, "notes.docx")
	writeFile(t, docx, "PK\x03\x04")
	pdf := filepath.Join(dir, "broken.pdf")
	writeFile(t, pdf, "%PDF-1.4")
	for _, tt := range []struct {
		ref, msg string
		want     error
	}{
		{missing, "no such file or directory", nil},
		{docx, "unsupported file type", nil},
		{pdf, "cannot read the PDF's text", article.ErrPDF},
		{"ftp:///a.txt", "not an http or https URL", ErrNotURL},
		{"ftp://example.com/a.txt", "unsupported URL scheme", nil},
	} {
		_, err := tl.Add(context.Background(), tt.ref, AddOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.ref, err, tt.msg)
			continue
		}
		if n := strings.Count(err.Error(), tt.ref); n != 1 {
			t.Errorf("%s: err = %q names it %d times, want once", tt.ref, err, n)
		}
	}
	if ids := tl.ids(t); !slices.Equal(ids, nil) {
		t.Errorf("indexed %v after failed adds", ids)
	}
}
