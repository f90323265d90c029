package index

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

func TestIngestStoresArticlesAndChunks(t *testing.T) {
	ctx := context.Background()
	emb := newWordEmbedder(64)
	ix := openStore(t, t.TempDir(), emb, smallChunks)
	var progress [][2]int
	rep, err := ix.Ingest(ctx, storeArticles(), IngestOptions{Progress: func(d, n int) { progress = append(progress, [2]int{d, n}) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 3 || rep.Updated != 0 || rep.Unchanged != 0 || rep.Reembedded {
		t.Errorf("report = %+v, want 3 added", rep)
	}
	if rep.Chunks != ix.Count() || ix.Count() < 6 {
		t.Errorf("report chunks %d, Count %d: want equal and several per article", rep.Chunks, ix.Count())
	}
	if last := progress[len(progress)-1]; last != [2]int{3, 3} {
		t.Errorf("last progress = %v, want [3 3]", last)
	}
	list, err := ix.Articles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != "bees" || list[1].ID != "rail" || list[2].ID != "volcano" {
		t.Fatalf("Articles = %+v, want bees, rail, volcano", list)
	}
	for _, a := range list {
		if a.Body != "" || a.Hash != "" {
			t.Errorf("Articles()[%s] carries body or hash", a.ID)
		}
	}
	full, err := ix.Article(ctx, "volcano")
	if err != nil {
		t.Fatal(err)
	}
	want := storeArticles()[0]
	if full.Body != want.Body || full.Title != want.Title || full.Author != want.Author || full.Source != want.Source {
		t.Errorf("Article(volcano) = %+v", full)
	}
	cs, err := ix.Chunks(ctx, "volcano")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if c.Ordinal != i || c.ArticleID != "volcano" || full.Body[c.Start:c.End] != c.Text {
			t.Errorf("chunk %d = %+v does not slice back into the body", i, c)
		}
	}
	// The embedder saw each chunk with its title as context.
	for _, s := range emb.seen {
		if !strings.HasPrefix(s, "Volcanoes\n\n") && !strings.HasPrefix(s, "Honey bees\n\n") && !strings.HasPrefix(s, "High-speed rail\n\n") {
			t.Errorf("embedded text without title: %q", s)
		}
	}
	if _, err := ix.Article(ctx, "nope"); !errors.Is(err, ErrArticleNotFound) {
		t.Errorf("Article(nope) error = %v, want ErrArticleNotFound", err)
	}
	if _, err := ix.Chunks(ctx, "nope"); !errors.Is(err, ErrArticleNotFound) {
		t.Errorf("Chunks(nope) error = %v, want ErrArticleNotFound", err)
	}
}

func TestIngestIncremental(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(64)
	ix := openStore(t, dir, emb, smallChunks)
	arts := storeArticles()
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	emb.resetCounts()

	rep, err := ix.Ingest(ctx, arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if calls, _ := emb.counts(); calls != 0 {
		t.Errorf("second ingest of unchanged articles made %d embedder calls, want 0", calls)
	}
	if rep.Unchanged != 3 || rep.Added+rep.Updated+rep.Chunks != 0 {
		t.Errorf("report = %+v, want 3 unchanged", rep)
	}

	// Reopen: the hashes survive, still nothing to embed.
	ix.Close()
	ix = openStore(t, dir, emb, smallChunks)
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if calls, _ := emb.counts(); calls != 0 {
		t.Errorf("ingest after reopen made %d embedder calls, want 0", calls)
	}

	// Change one article: only its chunks are embedded.
	oldChunks := len(retrieval.Split(arts[1], smallChunks))
	arts[1].Body += "\n\nQueens can live for five years."
	wantChunks := len(retrieval.Split(arts[1], smallChunks))
	before := ix.Count()
	rep, err = ix.Ingest(ctx, arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	calls, texts := emb.counts()
	if calls != 1 || texts != wantChunks {
		t.Errorf("changing one article: %d calls, %d texts; want 1 call with %d texts", calls, texts, wantChunks)
	}
	if rep.Updated != 1 || rep.Unchanged != 2 || rep.Chunks != wantChunks {
		t.Errorf("report = %+v, want 1 updated, 2 unchanged, %d chunks", rep, wantChunks)
	}
	if ix.Count() != before-oldChunks+wantChunks {
		t.Errorf("Count = %d, want %d", ix.Count(), before-oldChunks+wantChunks)
	}
	ps, err := ix.Search(ctx, "how long do queens live", retrieval.SearchOptions{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !strings.Contains(ps[0].Chunk.Text, "five years") {
		t.Errorf("search after update = %+v, want the new paragraph", ps)
	}

	// A moved file (same content, new path) needs no embedding but the
	// path is updated.
	emb.resetCounts()
	arts[0].Path = "/new/place/volcano.md"
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if calls, _ := emb.counts(); calls != 0 {
		t.Errorf("path change made %d embedder calls", calls)
	}
	got, _ := ix.Article(ctx, "volcano")
	if got.Path != "/new/place/volcano.md" {
		t.Errorf("path = %q after move", got.Path)
	}
}

func TestIngestRejectsBadLists(t *testing.T) {
	ix := openStore(t, t.TempDir(), newWordEmbedder(16), smallChunks)
	arts := storeArticles()
	if _, err := ix.Ingest(context.Background(), append(arts, arts[0]), IngestOptions{}); err == nil {
		t.Error("duplicate IDs accepted")
	}
	if _, err := ix.Ingest(context.Background(), []retrieval.Article{{Title: "x", Body: "y"}}, IngestOptions{}); err == nil {
		t.Error("empty ID accepted")
	}
	if ix.Count() != 0 {
		t.Errorf("a rejected list stored %d chunks", ix.Count())
	}
}

func TestIngestPrune(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(64)
	ix := openStore(t, dir, emb, smallChunks)
	arts := storeArticles()
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	railChunks := len(retrieval.Split(arts[2], smallChunks))
	before := ix.Count()

	// Without Prune, a missing article stays.
	if _, err := ix.Ingest(ctx, arts[:2], IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if ix.Count() != before {
		t.Fatalf("ingest without prune removed chunks")
	}
	rep, err := ix.Ingest(ctx, arts[:2], IngestOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Removed != 1 || rep.Unchanged != 2 {
		t.Errorf("report = %+v, want 1 removed, 2 unchanged", rep)
	}
	if ix.Count() != before-railChunks {
		t.Errorf("Count = %d, want %d", ix.Count(), before-railChunks)
	}
	if _, err := ix.Article(ctx, "rail"); !errors.Is(err, ErrArticleNotFound) {
		t.Errorf("pruned article still readable: %v", err)
	}
	ps, err := ix.Search(ctx, "Shinkansen Tokyo Osaka trains", retrieval.SearchOptions{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Article.ID == "rail" {
			t.Errorf("search returned a pruned chunk: %+v", p)
		}
	}
	// Reopen: the prune was durable, in SQL and in the lexical index.
	ix.Close()
	ix = openStore(t, dir, emb, smallChunks)
	if ix.Count() != before-railChunks {
		t.Errorf("after reopen Count = %d, want %d", ix.Count(), before-railChunks)
	}
	ps, err = ix.Search(ctx, "Shinkansen", retrieval.SearchOptions{K: 10, Mode: retrieval.SearchLexical})
	if err != nil || len(ps) != 0 {
		t.Errorf("lexical search for a pruned word = %+v, %v; want nothing", ps, err)
	}
	// Pruning to nothing empties the store.
	if _, err := ix.Ingest(ctx, nil, IngestOptions{Prune: true}); err != nil {
		t.Fatal(err)
	}
	if ix.Count() != 0 {
		t.Errorf("Count = %d after pruning everything", ix.Count())
	}
}

func TestIngestEmbedderChangeReembedsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(64)
	ix := openStore(t, dir, emb, smallChunks)
	arts := storeArticles()
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	total := ix.Count()
	ix.Close()

	for _, tc := range []struct {
		name     string
		emb      *wordEmbedder
		chunking retrieval.ChunkOptions
	}{
		{"model", &wordEmbedder{name: "words", model: "bag-v2", dim: 64}, smallChunks},
		{"name", &wordEmbedder{name: "other", model: "bag-v2", dim: 64}, smallChunks},
		{"dimension", &wordEmbedder{name: "other", model: "bag-v2", dim: 32}, smallChunks},
		{"chunker", &wordEmbedder{name: "other", model: "bag-v2", dim: 32}, retrieval.ChunkOptions{Target: 150, Max: 300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &testLog{}
			ix, err := Open(ctx, Config{DataDir: dir, Embedder: tc.emb, Chunking: tc.chunking, Logger: log.logger()})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			// Before the re-embed, search still answers (lexically) and
			// never queries vectors of the old embedder. A changed
			// dimension under the same name and model is found by this
			// query, which also marks the store for re-embedding.
			ps, err := ix.Search(ctx, "volcano ash", retrieval.SearchOptions{})
			if err != nil || len(ps) == 0 || ps[0].Article.ID != "volcano" {
				t.Errorf("search before re-embed = %+v, %v", ps, err)
			}
			// Ingest only two of the three: the third is re-embedded
			// from its stored body all the same.
			rep, err := ix.Ingest(ctx, arts[:2], IngestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantTexts := 0
			for _, a := range arts {
				wantTexts += len(retrieval.Split(a, tc.chunking))
			}
			_, texts := tc.emb.counts()
			if !rep.Reembedded || texts != wantTexts {
				t.Errorf("report %+v, %d texts embedded; want Reembedded and %d texts", rep, texts, wantTexts)
			}
			if !strings.Contains(log.String(), "embedder changed from") || !strings.Contains(log.String(), "re-embedding 3 articles") {
				t.Errorf("no re-embed message in log:\n%s", log.String())
			}
			if tc.name != "chunker" && ix.Count() != total {
				t.Errorf("Count = %d, want %d", ix.Count(), total)
			}
			ix.mu.RLock()
			dim, n := ix.dim, ix.vecs.count()
			ix.mu.RUnlock()
			if dim != tc.emb.dim || n != ix.Count() {
				t.Errorf("chromem holds %d vectors of %d dims; want %d of %d", n, dim, ix.Count(), tc.emb.dim)
			}
			ps, err = ix.Search(ctx, "The Shinkansen opened in Japan between Tokyo and Osaka", retrieval.SearchOptions{K: 1, Mode: retrieval.SearchVector})
			if err != nil || len(ps) != 1 || ps[0].Article.ID != "rail" {
				t.Errorf("vector search after re-embed = %+v, %v", ps, err)
			}
			// And the next ingest is incremental again.
			tc.emb.resetCounts()
			if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
				t.Fatal(err)
			}
			if calls, _ := tc.emb.counts(); calls != 0 {
				t.Errorf("ingest after re-embed made %d calls", calls)
			}
		})
	}
}

func TestIngestDimensionChangeUnderSameModel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(64)
	ix := openStore(t, dir, emb, smallChunks)
	arts := storeArticles()
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	// The server now serves 48-dimensional vectors under the same name and
	// model; a changed article reveals it: everything is re-embedded.
	emb.mu.Lock()
	emb.dim = 48
	emb.mu.Unlock()
	emb.resetCounts()
	arts[0] = versioned(arts[0], "v2")
	rep, err := ix.Ingest(ctx, arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Reembedded || rep.Chunks != ix.Count() {
		t.Errorf("report = %+v, Count %d; want a full re-embed", rep, ix.Count())
	}
	ix.mu.RLock()
	dim := ix.dim
	ix.mu.RUnlock()
	if dim != 48 || ix.manifest.Dimension != 48 {
		t.Errorf("dim = %d, manifest %d; want 48", dim, ix.manifest.Dimension)
	}
	if _, err := ix.Search(ctx, "volcano", retrieval.SearchOptions{Mode: retrieval.SearchVector}); err != nil {
		t.Errorf("search after dimension change: %v", err)
	}
}

func TestIngestDimensionGuard(t *testing.T) {
	ctx := context.Background()
	t.Run("mixed batch", func(t *testing.T) {
		emb := newWordEmbedder(16)
		ix := openStore(t, t.TempDir(), emb, smallChunks)
		ix.groupTexts = 1
		// Calls alternate between two dimensions; nothing of another size
		// may reach chromem.
		emb.dimOf = func(call int) int { return 16 + 8*(call%2) }
		_, err := ix.Ingest(ctx, storeArticles(), IngestOptions{})
		if err == nil || !strings.Contains(err.Error(), "dimension guard") {
			t.Fatalf("err = %v, want a dimension guard error", err)
		}
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		for _, e := range ix.allEntries() {
			doc, err := ix.vecs.coll(retrieval.Shared).GetByID(ctx, e.docID)
			if err != nil || len(doc.Embedding) != ix.dim {
				t.Errorf("chromem doc %s: %d dims, index %d (%v)", e.docID, len(doc.Embedding), ix.dim, err)
			}
		}
	})
	t.Run("query", func(t *testing.T) {
		// The embedder's vectors change size under the same name and
		// model with nothing to re-embed: the first query notices, search
		// goes on lexically, and the next ingest, even in a new process,
		// re-embeds everything.
		dir := t.TempDir()
		emb := newWordEmbedder(16)
		ix := openStore(t, dir, emb, smallChunks)
		arts := storeArticles()
		if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		emb.mu.Lock()
		emb.dim = 8
		emb.mu.Unlock()
		log := &testLog{}
		ix.log = log.logger()
		ps, err := ix.Search(ctx, "volcano", retrieval.SearchOptions{})
		if err != nil || len(ps) == 0 || ps[0].Article.ID != "volcano" || ps[0].VectorRank != 0 {
			t.Errorf("search with a vector of another size = %+v, %v; want lexical results", ps, err)
		}
		if !strings.Contains(log.String(), "vector search is off") {
			t.Errorf("no warning logged:\n%s", log.String())
		}
		if _, err := ix.Search(ctx, "volcano", retrieval.SearchOptions{Mode: retrieval.SearchVector}); err == nil {
			t.Error("vector-only search with stale vectors: no error")
		}
		ix.Close()
		ix = openStore(t, dir, emb, smallChunks)
		rep, err := ix.Ingest(ctx, arts, IngestOptions{})
		if err != nil || !rep.Reembedded {
			t.Fatalf("ingest after reopen = %+v, %v; want a re-embed", rep, err)
		}
		ps, err = ix.Search(ctx, "volcano", retrieval.SearchOptions{Mode: retrieval.SearchVector})
		if err != nil || len(ps) == 0 {
			t.Errorf("vector search after re-embed = %+v, %v", ps, err)
		}
	})
}

// TestIngestFailureKeepsArticlesWhole injects an embedder failure and a
// context cancellation part way through an update: every article is
// entirely old or entirely new, in memory and after reopening, and the
// next ingest finishes the job.
func TestIngestFailureKeepsArticlesWhole(t *testing.T) {
	for _, mode := range []string{"error", "cancel"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			emb := newWordEmbedder(32)
			ix := openStore(t, dir, emb, smallChunks)
			ix.groupTexts = 4 // several transactions per ingest
			v1 := manyArticles(12)
			for i := range v1 {
				v1[i] = versioned(v1[i], "v1")
			}
			if _, err := ix.Ingest(ctx, v1, IngestOptions{}); err != nil {
				t.Fatal(err)
			}
			total := ix.Count()
			v2 := manyArticles(12)
			for i := range v2 {
				v2[i] = versioned(v2[i], "v2")
			}
			emb.resetCounts()
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			if mode == "error" {
				emb.failOn = 4
			} else {
				emb.onCall = func(n int) {
					if n == 4 {
						cancel()
					}
				}
			}
			var done int
			_, err := ix.Ingest(runCtx, v2, IngestOptions{Progress: func(d, _ int) { done = d }})
			if err == nil {
				t.Fatal("ingest did not fail")
			}
			if mode == "cancel" && !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			check := func(ix *Index, when string) (nNew int) {
				for _, a := range v1 {
					vs := chunkVersions(t, ix, a.ID)
					if len(vs) != 1 {
						t.Errorf("%s: article %s has chunks of versions %v, want exactly one", when, a.ID, vs)
					}
					if vs["v2"] {
						nNew++
					}
				}
				if ix.Count() != total {
					t.Errorf("%s: Count = %d, want %d", when, ix.Count(), total)
				}
				return nNew
			}
			nNew := check(ix, "after failure")
			if nNew == 0 || nNew == len(v1) || nNew != done {
				t.Errorf("%d articles new, progress said %d; want some but not all", nNew, done)
			}
			// Search sees each article once, in its current version.
			ps, err := ix.Search(ctx, "revision", retrieval.SearchOptions{K: 100, Mode: retrieval.SearchLexical})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != total {
				t.Errorf("lexical index holds %d revision chunks, want %d", len(ps), total)
			}
			// Abandon without Close (a crash) and reopen.
			ix2 := openStore(t, dir, emb, smallChunks)
			if got := check(ix2, "after reopen"); got != nNew {
				t.Errorf("after reopen %d articles new, before %d", got, nNew)
			}
			emb.failOn, emb.onCall = 0, nil
			emb.resetCounts()
			rep, err := ix2.Ingest(ctx, v2, IngestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Unchanged != nNew || rep.Updated != len(v1)-nNew {
				t.Errorf("resume report = %+v, want %d unchanged, %d updated", rep, nNew, len(v1)-nNew)
			}
			if got := check(ix2, "after resume"); got != len(v1) {
				t.Errorf("after resume %d of %d articles new", got, len(v1))
			}
		})
	}
}

// TestIngestCrashImage copies the store files from inside an ingest
// transaction just before it commits (what a crash then would leave) and
// opens the copy: it must hold the old version of every article.
func TestIngestCrashImage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(32)
	st, err := sqlite.Open(ctx, dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(ctx, Config{Store: st, Embedder: emb, Chunking: smallChunks, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	arts := manyArticles(6)
	for i := range arts {
		arts[i] = versioned(arts[i], "v1")
	}
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	total := ix.Count()
	crash := t.TempDir()
	st.SetBeforeCommit(func() { copyStoreFiles(t, dir, crash) })
	for i := range arts {
		arts[i] = versioned(manyArticles(6)[i], "v2")
	}
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	got := openStore(t, crash, emb, smallChunks)
	if got.Count() != total {
		t.Errorf("crash image Count = %d, want %d", got.Count(), total)
	}
	for _, a := range arts {
		if vs := chunkVersions(t, got, a.ID); len(vs) != 1 || !vs["v1"] {
			t.Errorf("crash image: article %s has versions %v, want v1 only", a.ID, vs)
		}
	}
}

func TestIngestConcurrentWithSearch(t *testing.T) {
	ctx := context.Background()
	emb := newWordEmbedder(32)
	ix := openStore(t, t.TempDir(), emb, smallChunks)
	ix.groupTexts = 3
	arts := manyArticles(10)
	done := make(chan error)
	go func() {
		for i := 0; i < 3; i++ {
			for j := range arts {
				arts[j] = versioned(manyArticles(10)[j], string(rune('a'+i)))
			}
			if _, err := ix.Ingest(ctx, arts, IngestOptions{Prune: true}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		if _, err := ix.Search(ctx, "river3 mountain4 revision", retrieval.SearchOptions{K: 5, PerArticle: 1}); err != nil {
			t.Fatal(err)
		}
	}
}
