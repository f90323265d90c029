package sqlite

import (
	"context"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

func TestChangeLogRecordsEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	write := func(id string) store.ArticleWrite {
		return store.ArticleWrite{Article: retrieval.Article{ID: id, Title: id, Body: "Text.", Hash: id}}
	}
	if _, err := s.Replace(ctx, store.Manifest{}, []store.ArticleWrite{write("a"), write("b")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPaths(ctx, map[string]string{"a": "/x/a.md"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(ctx, store.Manifest{Embedder: "other"}); err != nil {
		t.Fatal(err)
	}
	all, last, err := s.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id   string
		kind store.ChangeKind
	}{{"a", store.Upserted}, {"b", store.Upserted}, {"a", store.Upserted}, {"b", store.Deleted}, {"", store.ResetAll}}
	if len(all) != len(want) {
		t.Fatalf("changes = %+v", all)
	}
	for i, w := range want {
		if all[i].ArticleID != w.id || all[i].Kind != w.kind || (i > 0 && all[i].Seq <= all[i-1].Seq) || all[i].Time.IsZero() {
			t.Errorf("change %d = %+v, want %s %s", i, all[i], w.kind, w.id)
		}
	}
	if last != all[len(all)-1].Seq {
		t.Errorf("last = %d, want %d", last, all[len(all)-1].Seq)
	}
	rest, last2, err := s.Changes(ctx, all[2].Seq)
	if err != nil || len(rest) != 2 || last2 != last {
		t.Errorf("Changes after %d = %+v, %d, %v", all[2].Seq, rest, last2, err)
	}
	err = s.Read(ctx, func(snap store.Snapshot) error {
		if snap.Seq() != last {
			t.Errorf("snapshot Seq = %d, want %d", snap.Seq(), last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
