package library

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestServerArticlesStayInTheirScope(t *testing.T) {
	tl := newTestLibrary(t, nil)
	ctx := context.Background()
	added, err := tl.AddData(ctx, "Club rules.md", []byte("# Club rules\n\nMembers meet on Thursdays.\n"), AddOptions{Scope: "123"})
	if err != nil {
		t.Fatal(err)
	}
	a := added.Articles[0]
	if a.Scope != "123" || a.ID != "club-rules" || !strings.Contains(added.Saved[0], filepath.Join("servers", "123", "articles")) {
		t.Fatalf("added %+v", added)
	}
	// The folder, not the file, decides the scope: a sync keeps it.
	tl.sync(t)
	stored, err := tl.ix.Articles(ctx)
	if err != nil || len(stored) != 1 || stored[0].Scope != "123" {
		t.Fatalf("after sync: %+v, %v", stored, err)
	}
	// The same upload again is the same source: unchanged, not a copy.
	again, err := tl.AddData(ctx, "Club rules.md", []byte("# Club rules\n\nMembers meet on Thursdays.\n"), AddOptions{Scope: "123"})
	if err != nil || again.Report.Unchanged != 1 || again.Articles[0].ID != "club-rules" {
		t.Errorf("re-upload: %+v, %v", again, err)
	}
	// A scope that is not a server ID never becomes a path.
	if _, err := tl.AddData(ctx, "x.md", []byte("# X\n\nText.\n"), AddOptions{Scope: "../../etc"}); err == nil {
		t.Error("a path-like scope was accepted")
	}
}

func TestForget(t *testing.T) {
	tl := newTestLibrary(t, nil)
	ctx := context.Background()
	writeFile(t, filepath.Join(tl.seeds, "seed.md"), "# Seed\n\nA seed article.\n")
	tl.sync(t)
	mine, err := tl.AddData(ctx, "mine.md", []byte("# Mine\n\nOur own article.\n"), AddOptions{Scope: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tl.Forget(ctx, "mine", "8"); !errors.Is(err, ErrUnknownArticle) {
		t.Errorf("another server forgot it: %v", err)
	}
	if _, err := tl.Forget(ctx, "seed", retrieval.Shared); err == nil || !strings.Contains(err.Error(), "comes from") {
		t.Errorf("forgetting a seed: %v", err)
	}
	got, err := tl.Forget(ctx, "mine", "7")
	if err != nil || len(got.Articles) != 1 || got.Articles[0].Title != "Mine" {
		t.Fatalf("Forget = %+v, %v", got, err)
	}
	if _, err := os.Stat(mine.Saved[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the saved file is still there (%v)", err)
	}
	if ids := tl.ids(t); len(ids) != 1 || ids[0] != "seed" {
		t.Errorf("library after forget: %v", ids)
	}

	// Forgetting a folder unregisters it; its files stay.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f.md"), "# F\n\nFolder article.\n")
	if _, err := tl.Add(ctx, dir, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err = tl.Forget(ctx, dir, retrieval.Shared)
	if err != nil || got.Source != dir || len(got.Articles) != 1 || got.Articles[0].ID != "f" {
		t.Fatalf("forget folder = %+v, %v", got, err)
	}
	if srcs, _ := tl.Sources(ctx); len(srcs) != 0 {
		t.Errorf("sources after forget: %+v", srcs)
	}
	if _, err := os.Stat(filepath.Join(dir, "f.md")); err != nil {
		t.Errorf("the folder's file was touched: %v", err)
	}
}
