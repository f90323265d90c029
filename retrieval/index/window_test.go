package index

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// Since and Until filter inside both retrievers: many old articles that
// match the query better never crowd the one new article out, and
// undated articles never match a bounded window.
func TestSearchWindowFiltersInsideRetrieval(t *testing.T) {
	ctx := context.Background()
	ix := openStore(t, t.TempDir(), newWordEmbedder(32), retrieval.ChunkOptions{})
	arts := []retrieval.Article{
		{ID: "new", Title: "Harbour news", Published: "2026-11-20", Body: "A harbour crane was delivered this week."},
		{ID: "undated", Title: "Harbour undated", Body: "Harbour crane harbour crane, date unknown."},
		{ID: "mid", Title: "Harbour autumn", Published: "2026-10-05T09:00:00Z", Body: "The harbour crane was inspected."},
	}
	for i := range 80 {
		arts = append(arts, retrieval.Article{ID: fmt.Sprint("old-", i), Title: "Harbour crane", Published: "2022-05-13",
			Body: "Harbour crane harbour crane harbour crane containers ships."})
	}
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		for _, tc := range []struct {
			since, until time.Time
			want         []string
		}{
			{since: day("2026-11-01"), want: []string{"new"}},
			{since: day("2026-10-01"), want: []string{"new", "mid"}},
			{since: day("2026-10-01"), until: day("2026-11-01"), want: []string{"mid"}},
			{until: day("2022-05-13"), want: nil}, // Until is exclusive
			{since: day("2027-01-01"), want: nil},
		} {
			ps, err := ix.Search(ctx, "harbour crane", retrieval.SearchOptions{K: 3, Mode: mode, Since: tc.since, Until: tc.until})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, p := range ps {
				got[p.Article.ID] = true
			}
			if len(got) != len(tc.want) {
				t.Errorf("%s %v..%v: got %v, want %v", mode, tc.since, tc.until, got, tc.want)
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("%s %v..%v: missing %s (got %v)", mode, tc.since, tc.until, id, got)
				}
			}
		}
	}
	// Without a window the old articles win, and the undated one is found.
	ps, err := ix.Search(ctx, "harbour crane date unknown", retrieval.SearchOptions{K: 5})
	if err != nil || len(ps) != 5 {
		t.Fatalf("unwindowed: %d passages, %v", len(ps), err)
	}
	// An ArticleID search inside a window it misses finds nothing.
	if ps, _ := ix.Search(ctx, "harbour crane", retrieval.SearchOptions{ArticleID: "old-1", Since: day("2026-01-01")}); len(ps) != 0 {
		t.Errorf("old-1 since 2026: %d passages", len(ps))
	}
}
