package library

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func withStamp(cfg *Config) {
	cfg.StampFile = filepath.Join(filepath.Dir(cfg.ArticlesDir), "library.stamp")
}

func (tl *testLibrary) readOnlySync(t *testing.T) Report {
	t.Helper()
	rep, err := tl.Sync(context.Background(), SyncOptions{KeepBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// bodyOf is the indexed text of an article's chunks.
func (tl *testLibrary) bodyOf(t *testing.T, id string) string {
	t.Helper()
	cs, err := tl.ix.Chunks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, c := range cs {
		sb.WriteString(c.Text)
	}
	return sb.String()
}

// TestStampSkipsReadingUnchangedFiles: after a stamped sync, a read-only
// sync reads no file while the files and the store stay as they were. The
// proof is a file rewritten behind the stamp's back with its size and
// modification time put back: the fast path does not see it (the
// documented limit), and an edit that moves the time is seen.
func TestStampSkipsReadingUnchangedFiles(t *testing.T) {
	tl := newTestLibrary(t, withStamp)
	path := filepath.Join(tl.seeds, "one.md")
	writeFile(t, path, "# One\n\nThe first article talks about apples and orchards.\n")
	writeFile(t, filepath.Join(tl.articles, "two.md"), "# Two\n\nThe second article talks about boats and harbours.\n")
	tl.sync(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Same size, same time, other words.
	writeFile(t, path, "# One\n\nThe first article talks about cherry and orchards.\n")
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if rep := tl.readOnlySync(t); rep.Unchanged != 2 || rep.Added+rep.Updated+rep.Removed != 0 {
		t.Errorf("fast path report %+v, want 2 unchanged", rep.IngestReport)
	}
	if body := tl.bodyOf(t, "one"); !strings.Contains(body, "apples") {
		t.Fatalf("the fast path read the file: %q", body)
	}
	// A real edit moves the modification time.
	later := info.ModTime().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if rep := tl.readOnlySync(t); rep.Updated != 1 {
		t.Errorf("after an edit: %+v, want 1 updated", rep.IngestReport)
	}
	if body := tl.bodyOf(t, "one"); !strings.Contains(body, "cherry") {
		t.Errorf("edit not indexed: %q", body)
	}
}

// TestStampSeesNewFilesAndStoreChanges: a new file, a removed file, and a
// change another process made to the store each make the next read-only
// sync a full one.
func TestStampSeesNewFilesAndStoreChanges(t *testing.T) {
	tl := newTestLibrary(t, withStamp)
	writeFile(t, filepath.Join(tl.seeds, "one.md"), "# One\n\nThe first article talks about apples and orchards.\n")
	tl.sync(t)
	writeFile(t, filepath.Join(tl.articles, "two.md"), "# Two\n\nThe second article talks about boats and harbours.\n")
	if rep := tl.readOnlySync(t); rep.Added != 1 {
		t.Errorf("new file: %+v, want 1 added", rep.IngestReport)
	}
	// The store loses an article behind the library's back (as a crashed
	// or older process could leave it): the sequence number moved.
	if _, err := tl.ix.Remove(context.Background(), []string{"two"}); err != nil {
		t.Fatal(err)
	}
	if rep := tl.readOnlySync(t); rep.Added != 1 {
		t.Errorf("store changed: %+v, want the article added back", rep.IngestReport)
	}
	if err := os.Remove(filepath.Join(tl.seeds, "one.md")); err != nil {
		t.Fatal(err)
	}
	if rep := tl.readOnlySync(t); rep.Removed != 1 {
		t.Errorf("removed file: %+v, want 1 removed", rep.IngestReport)
	}
	if ids := tl.ids(t); !slices.Equal(ids, []string{"two"}) {
		t.Errorf("indexed %v, want [two]", ids)
	}
	// Unchanged now: the fast path answers with the stamped count.
	if rep := tl.readOnlySync(t); rep.Unchanged != 1 || rep.Added+rep.Removed+rep.Updated != 0 {
		t.Errorf("unchanged: %+v", rep.IngestReport)
	}
}
