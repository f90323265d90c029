package index

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// twoProcesses opens two indexes on one data dir, each with its own store
// connection, as two processes would.
func twoProcesses(t *testing.T) (writer, reader *Index) {
	t.Helper()
	dir := t.TempDir()
	emb := newWordEmbedder(32)
	return openStore(t, dir, emb, smallChunks), openStore(t, dir, emb, smallChunks)
}

func articleIDs(t *testing.T, ix *Index) map[string]bool {
	t.Helper()
	as, err := ix.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, a := range as {
		out[a.ID] = true
	}
	return out
}

func TestSyncAppliesAnotherProcessesChanges(t *testing.T) {
	ctx := context.Background()
	w, r := twoProcesses(t)
	arts := manyArticles(3)
	if _, err := w.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if r.Count() != 0 {
		t.Fatalf("reader saw %d chunks before syncing", r.Count())
	}
	gen := r.Generation()
	changes, err := r.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Generation() == gen {
		t.Error("Generation did not change with the synced articles")
	}
	if len(changes) != 3 || changes[0].Kind != "added" || r.Count() != w.Count() {
		t.Fatalf("first sync: %+v, reader %d chunks, writer %d", changes, r.Count(), w.Count())
	}
	ps, err := r.Search(ctx, "river1", retrieval.SearchOptions{K: 1})
	if err != nil || len(ps) != 1 || ps[0].Article.ID != "art-01" {
		t.Fatalf("reader search = %+v, %v", ps, err)
	}
	// The writer's own changes are already in its memory.
	if own, err := w.Sync(ctx); err != nil || len(own) != 0 {
		t.Errorf("writer's own sync = %+v, %v", own, err)
	}

	// An update: only that article changes, and the new text is searched.
	arts[1] = versioned(arts[1], "v2")
	if _, err := w.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	changes, err = r.Sync(ctx)
	if err != nil || len(changes) != 1 || changes[0] != (Change{ArticleID: "art-01", Kind: "updated"}) {
		t.Fatalf("update sync = %+v, %v", changes, err)
	}
	if vs := chunkVersions(t, r, "art-01"); len(vs) != 1 || !vs["v2"] {
		t.Errorf("reader holds versions %v of art-01, want v2", vs)
	}
	if r.Count() != w.Count() {
		t.Errorf("reader %d chunks, writer %d", r.Count(), w.Count())
	}

	// A removal (prune).
	if _, err := w.Ingest(ctx, arts[:2], IngestOptions{Prune: true}); err != nil {
		t.Fatal(err)
	}
	changes, err = r.Sync(ctx)
	if err != nil || len(changes) != 1 || changes[0].Kind != "removed" || articleIDs(t, r)["art-02"] {
		t.Fatalf("removal sync = %+v, %v; articles %v", changes, err, articleIDs(t, r))
	}
	if ps, _ := r.Search(ctx, "forest2", retrieval.SearchOptions{K: 3}); len(ps) > 0 && ps[0].Article.ID == "art-02" {
		t.Error("a removed article is still found")
	}
	// Nothing new: nothing to do, and the generation stays.
	gen = r.Generation()
	if changes, err := r.Sync(ctx); err != nil || len(changes) != 0 || r.Generation() != gen {
		t.Errorf("idle sync = %+v, %v", changes, err)
	}
}

// A crash between another process's commit and this process's update of
// memory leaves memory as it was; the next sync catches up from the log.
func TestSyncCatchesUpAfterAFailedApply(t *testing.T) {
	ctx := context.Background()
	w, r := twoProcesses(t)
	if _, err := w.Ingest(ctx, manyArticles(2), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("crash before apply")
	r.beforeApply = func() error { return boom }
	if _, err := r.Sync(ctx); !errors.Is(err, boom) {
		t.Fatalf("sync with an injected failure: %v", err)
	}
	if r.Count() != 0 || len(articleIDs(t, r)) != 0 {
		t.Fatalf("a failed sync changed memory: %d chunks", r.Count())
	}
	r.beforeApply = nil
	changes, err := r.Sync(ctx)
	if err != nil || len(changes) != 2 || r.Count() != w.Count() {
		t.Fatalf("catch-up sync = %+v, %v; %d chunks, want %d", changes, err, r.Count(), w.Count())
	}
}

// A re-embed by another process (other chunking) reloads everything.
func TestSyncReloadsAfterAReembed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(32)
	r := openStore(t, dir, emb, smallChunks)
	w := openStore(t, dir, emb, smallChunks)
	if _, err := w.Ingest(ctx, manyArticles(2), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	w2 := openStore(t, dir, emb, retrieval.ChunkOptions{Target: 60, Overlap: 0, Max: 100})
	if _, err := w2.Ingest(ctx, manyArticles(2), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	changes, err := r.Sync(ctx)
	if err != nil || len(changes) != 1 || changes[0].Kind != "reloaded" {
		t.Fatalf("sync after a re-embed = %+v, %v", changes, err)
	}
	if r.Count() != w2.Count() {
		t.Errorf("reader %d chunks, re-embedded store %d", r.Count(), w2.Count())
	}
}

// Searches running while another process's changes are applied never fail
// and never see half an article.
func TestSearchDuringSync(t *testing.T) {
	ctx := context.Background()
	w, r := twoProcesses(t)
	w.groupTexts = 3
	arts := manyArticles(8)
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			ps, err := r.Search(ctx, "river3 mountain3 revision", retrieval.SearchOptions{K: 5})
			if err != nil {
				errs <- err
				return
			}
			seen := map[string]map[string]bool{}
			for _, p := range ps {
				if seen[p.Article.ID] == nil {
					seen[p.Article.ID] = map[string]bool{}
				}
				for _, v := range []string{"va", "vb", "vc"} {
					if containsWord(p.Chunk.Text, v) {
						seen[p.Article.ID][v] = true
					}
				}
			}
			for id, vs := range seen {
				if len(vs) > 1 {
					errs <- errors.New("search saw two versions of " + id)
					return
				}
			}
		}
	}()
	for _, v := range []string{"va", "vb", "vc"} {
		for i := range arts {
			arts[i] = versioned(manyArticles(8)[i], v)
		}
		if _, err := w.Ingest(ctx, arts, IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if vs := chunkVersions(t, r, "art-03"); len(vs) != 1 || !vs["vc"] {
		t.Errorf("reader ends with versions %v, want vc", vs)
	}
}

func containsWord(text, w string) bool {
	for _, f := range splitWords(text) {
		if f == w {
			return true
		}
	}
	return false
}

func splitWords(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		out = append(out, strings.Trim(f, ".,"))
	}
	return out
}
