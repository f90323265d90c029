package library

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
)

func TestSyncSkipsBadFilesAndKeepsTheRest(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "good.md"), "---\ntitle: Good news\nauthor: A. Writer\n---\nThe harbour reopened on Monday after repairs to the sea wall.\n")
	writeFile(t, filepath.Join(tl.seeds, "empty.md"), "")
	writeFile(t, filepath.Join(tl.seeds, "binary.txt"), "\x00\x01\x02\x03binary\x00data")
	writeFile(t, filepath.Join(tl.seeds, "latin1.txt"), "Caf\xe9 au lait\n\nna\xefve text")
	writeFile(t, filepath.Join(tl.seeds, "broken.md"), "---\ntitle: never closed\nbody without closing fence\n")
	if report := tl.sync(t); report.Added != 1 {
		t.Errorf("report %+v, want 1 added", report)
	}
	for _, name := range []string{"empty.md", "binary.txt", "latin1.txt", "broken.md"} {
		if !strings.Contains(tl.log.String(), name) {
			t.Errorf("no warning naming %s in the log:\n%s", name, tl.log)
		}
	}
	if ids := tl.ids(t); !slices.Equal(ids, []string{"good"}) {
		t.Fatalf("indexed %v, want [good]", ids)
	}
}

func TestSyncRemovesArticlesWhoseFilesAreGone(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "one.md"), "# One\n\nThe first article talks about apples and orchards.\n")
	writeFile(t, filepath.Join(tl.seeds, "two.md"), "# Two\n\nThe second article talks about boats and harbours.\n")
	writeFile(t, filepath.Join(tl.articles, "three.md"), "# Three\n\nThe third article talks about trains and stations.\n")
	tl.sync(t)
	if ids := tl.ids(t); !slices.Equal(ids, []string{"one", "three", "two"}) {
		t.Fatalf("indexed %v, want [one three two]", ids)
	}
	for _, p := range []string{filepath.Join(tl.seeds, "two.md"), filepath.Join(tl.articles, "three.md")} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if report := tl.sync(t); report.Removed != 2 || report.Unchanged != 1 {
		t.Errorf("report %+v, want 2 removed, 1 unchanged", report)
	}
	if ids := tl.ids(t); !slices.Equal(ids, []string{"one"}) {
		t.Fatalf("indexed %v after removing two files, want [one]", ids)
	}
}

func TestSyncSeedKeepsItsIDAndTheOtherGetsItsOwn(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "harbour.md"), "# Harbour reopens\n\nThe harbour reopened on Monday.\n")
	clash := filepath.Join(tl.articles, "harbour.md")
	writeFile(t, clash, "# Another harbour\n\nA different text under the same ID.\n")
	writeFile(t, filepath.Join(tl.articles, "bridge.md"), "# Bridge\n\nThe bridge closes in March.\n")
	rep := tl.sync(t)
	if len(rep.Renamed) != 1 || rep.Renamed[0].Path != clash {
		t.Fatalf("renamed = %+v, want %s", rep.Renamed, clash)
	}
	own := rep.Renamed[0].ID
	if ids := tl.ids(t); !slices.Equal(ids, []string{"bridge", "harbour", own}) {
		t.Fatalf("indexed %v, want [bridge harbour %s]", ids, own)
	}
	a, err := tl.ix.Article(context.Background(), "harbour")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Harbour reopens" {
		t.Errorf("harbour is %q, want the seed article", a.Title)
	}
	if rep := tl.sync(t); rep.Renamed[0].ID != own || rep.Added+rep.Updated+rep.Removed != 0 {
		t.Errorf("second sync: %+v; the ID must be stable", rep)
	}
}

func TestSyncSeedsFSStandsInForAMissingSeedsDir(t *testing.T) {
	fsys := fstest.MapFS{"built-in.md": {Data: []byte("# Built in\n\nThis seed is compiled into the binary.\n")}}
	missing := filepath.Join(t.TempDir(), "seeds")
	tl := newTestLibrary(t, func(c *Config) { c.SeedsDir, c.SeedsFS = missing, fsys })
	tl.sync(t)
	if ids := tl.ids(t); !slices.Equal(ids, []string{"built-in"}) {
		t.Fatalf("indexed %v, want [built-in]", ids)
	}
	// Once the directory exists it takes the place of the built-in seeds.
	writeFile(t, filepath.Join(missing, "local.md"), "# Local\n\nA seed on disk.\n")
	tl.sync(t)
	if ids := tl.ids(t); !slices.Equal(ids, []string{"local"}) {
		t.Fatalf("indexed %v, want [local]", ids)
	}
}

func TestSyncMissingSeedsDirWithoutFallbackFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	tl := newTestLibrary(t, func(c *Config) { c.SeedsDir = missing })
	_, err := tl.Sync(context.Background(), SyncOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || strings.Count(err.Error(), missing) != 1 {
		t.Fatalf("err = %v, want one naming %s once", err, missing)
	}
}

func TestSyncReportsProgress(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "one.md"), "# One\n\nApples and orchards.\n")
	writeFile(t, filepath.Join(tl.seeds, "two.md"), "# Two\n\nBoats and harbours.\n")
	var last [2]int
	if _, err := tl.Sync(context.Background(), SyncOptions{Progress: func(done, total int) { last = [2]int{done, total} }}); err != nil {
		t.Fatal(err)
	}
	if last != [2]int{2, 2} {
		t.Errorf("last progress %v, want [2 2]", last)
	}
}

// A file that exists but cannot be read keeps its article as it was; only
// a file that is gone removes it.
func TestSyncKeepsAnUnreadableFilesArticle(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode; the broken-edit case below covers the rule")
	}
	tl := newTestLibrary(t, nil)
	p := filepath.Join(tl.seeds, "one.md")
	writeFile(t, p, "# One\n\nApples and orchards.\n")
	tl.sync(t)
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(p, 0o644)
	rep := tl.sync(t)
	if len(rep.IDs.Removed) != 0 || !slices.Equal(tl.ids(t), []string{"one"}) {
		t.Errorf("unreadable file: removed %v, library %v", rep.IDs.Removed, tl.ids(t))
	}
}

func TestSyncKeepsTheOldVersionOfABrokenFile(t *testing.T) {
	tl := newTestLibrary(t, nil)
	p := filepath.Join(tl.seeds, "one.md")
	writeFile(t, p, "# One\n\nApples and orchards.\n")
	tl.sync(t)
	writeFile(t, p, "\x00\x01\x02 half-written binary")
	rep := tl.sync(t)
	if len(rep.Skipped) != 1 || len(rep.IDs.Removed) != 0 || !slices.Equal(tl.ids(t), []string{"one"}) {
		t.Errorf("broken file: skipped %v, removed %v, library %v", rep.Skipped, rep.IDs.Removed, tl.ids(t))
	}
	os.Remove(p)
	if rep := tl.sync(t); !slices.Equal(rep.IDs.Removed, []string{"one"}) {
		t.Errorf("deleted file: removed %v", rep.IDs.Removed)
	}
}

// readOnlyStore fails every write, as a full disk or a read-only file
// system would.
type readOnlyStore struct{ store.Store }

func (readOnlyStore) Replace(context.Context, store.Manifest, []store.ArticleWrite) ([][]int64, error) {
	return nil, errors.New("disk I/O error")
}

func TestSyncThatCannotWriteIsAnUpdateError(t *testing.T) {
	tl := newTestLibrary(t, nil)
	writeFile(t, filepath.Join(tl.seeds, "one.md"), "# One\n\nApples and orchards.\n")
	ix, err := index.Open(context.Background(), index.Config{Store: readOnlyStore{tl.ix.Store()}, Embedder: retrieval.NewLocalEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := New(Config{Index: ix, SeedsDir: tl.seeds, ArticlesDir: tl.articles})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lib.Sync(context.Background(), SyncOptions{KeepBuild: true})
	var upd *UpdateError
	if !errors.As(err, &upd) || !strings.Contains(err.Error(), "disk I/O error") {
		t.Fatalf("Sync on a store that cannot be written: %v", err)
	}
	// A missing seeds folder is not an update error: nothing was read.
	lib2, _ := New(Config{Index: ix, SeedsDir: filepath.Join(tl.seeds, "missing"), ArticlesDir: tl.articles})
	if _, err := lib2.Sync(context.Background(), SyncOptions{}); errors.As(err, &upd) {
		t.Errorf("a missing seeds dir counts as an update error: %v", err)
	}
}
