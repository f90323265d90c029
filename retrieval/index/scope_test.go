package index

import (
	"context"
	"fmt"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// Each view searches only what it may read, in both retrievers, and a
// large private library never crowds the shared one out of the top k.
func TestSearchIsScoped(t *testing.T) {
	ctx := context.Background()
	ix := openStore(t, t.TempDir(), newWordEmbedder(32), retrieval.ChunkOptions{})
	arts := []retrieval.Article{
		{ID: "shared-1", Title: "Harbour one", Body: "The harbour crane lifts containers onto ships."},
		{ID: "shared-2", Title: "Harbour two", Body: "A harbour crane broke down in the storm."},
		{ID: "mine", Title: "Our harbour", Scope: "g1", Body: "Our harbour crane is painted red."},
	}
	// Another server's library: many chunks that match the query better.
	for i := range 60 {
		arts = append(arts, retrieval.Article{ID: fmt.Sprint("theirs-", i), Title: "Harbour crane", Scope: "g2",
			Body: "Harbour crane harbour crane harbour crane containers ships."})
	}
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		for _, tc := range []struct {
			view retrieval.Scope
			want map[string]bool
		}{
			{retrieval.Shared, map[string]bool{"shared-1": true, "shared-2": true}},
			{"g1", map[string]bool{"shared-1": true, "shared-2": true, "mine": true}},
		} {
			ps, err := ix.Search(ctx, "harbour crane", retrieval.SearchOptions{K: 3, Scope: tc.view, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, p := range ps {
				got[p.Article.ID] = true
			}
			if len(ps) != len(tc.want) || len(got) != len(tc.want) {
				t.Errorf("%s, view %q: %d passages from %v, want exactly %v", mode, tc.view, len(ps), got, tc.want)
			}
			for id := range got {
				if !tc.want[id] {
					t.Errorf("%s, view %q: sees %s", mode, tc.view, id)
				}
			}
		}
	}
	// A view of g2 sees its own library and the shared one.
	ps, err := ix.Search(ctx, "storm", retrieval.SearchOptions{K: 1, Scope: "g2"})
	if err != nil || len(ps) != 1 || ps[0].Article.ID != "shared-2" {
		t.Errorf("g2 view of the shared library = %+v, %v", ps, err)
	}
}
