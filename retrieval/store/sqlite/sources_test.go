package sqlite

import (
	"context"
	"testing"

	"github.com/citebot/citebot/retrieval/store"
)

func TestSourcesAreKeptAndSurviveDropDerived(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	for _, loc := range []string{"/a", "/b", "/a"} {
		if err := s.AddSource(ctx, store.Source{Kind: store.Folder, Location: loc, Scope: "g1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DropDerived(ctx, errTest); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, dir)
	got, err := s.Sources(ctx)
	if err != nil || len(got) != 2 || got[0].Location != "/a" || got[0].Scope != "g1" || got[0].Added.IsZero() {
		t.Fatalf("sources = %+v, %v", got, err)
	}
	if ok, err := s.RemoveSource(ctx, store.Folder, "/a"); !ok || err != nil {
		t.Fatalf("RemoveSource = %v, %v", ok, err)
	}
	if ok, _ := s.RemoveSource(ctx, store.Folder, "/a"); ok {
		t.Error("removed a source twice")
	}
	if got, _ := s.Sources(ctx); len(got) != 1 || got[0].Location != "/b" {
		t.Errorf("after removal: %+v", got)
	}
}

var errTest = testError("test")

type testError string

func (e testError) Error() string { return string(e) }
