package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

func TestOpenValidatesConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{DataDir: t.TempDir()}); err == nil {
		t.Error("Open without embedder succeeded")
	}
	if _, err := Open(ctx, Config{Embedder: newWordEmbedder(8)}); err == nil {
		t.Error("Open without data dir succeeded")
	}
	// A data dir that does not exist yet is created.
	dir := filepath.Join(t.TempDir(), "a", "b")
	ix := openStore(t, dir, newWordEmbedder(8), retrieval.ChunkOptions{})
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Errorf("store file not created: %v", err)
	}
	if ix.Count() != 0 {
		t.Errorf("fresh store Count = %d", ix.Count())
	}
}

func TestOpenReloadsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(32)
	ix := openStore(t, dir, emb, smallChunks)
	if _, err := ix.Ingest(ctx, storeArticles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	want, err := ix.Search(ctx, "Mount Etna eruptions", retrieval.SearchOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	wantCount := ix.Count()
	// Abandon the index without Close, as a crash would, and reopen.
	ix2 := openStore(t, dir, emb, smallChunks)
	if ix2.Count() != wantCount {
		t.Errorf("reopened Count = %d, want %d", ix2.Count(), wantCount)
	}
	got, err := ix2.Search(ctx, "Mount Etna eruptions", retrieval.SearchOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("reopened search gave %d passages, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Chunk != want[i].Chunk || got[i].Article != want[i].Article ||
			got[i].VectorRank != want[i].VectorRank || got[i].LexicalRank != want[i].LexicalRank {
			t.Errorf("reopened result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	ix2.mu.RLock()
	n, dim := ix2.vecs.count(), ix2.dim
	ix2.mu.RUnlock()
	if n != wantCount || dim != 32 {
		t.Errorf("chromem after reopen: %d docs of %d dims, want %d of 32", n, dim, wantCount)
	}
}

func TestOpenRebuildsCorruptStore(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(t *testing.T, path string){
		"garbage": func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("this is not a database, just some garbage bytes\x00\x01\x02"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"truncated": func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		},
		"scribbled pages": func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 4096; i < len(data); i += 7 {
				data[i] ^= 0x5a
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			emb := newWordEmbedder(32)
			arts := manyArticles(40) // a store of several pages
			ix := openStore(t, dir, emb, smallChunks)
			if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
				t.Fatal(err)
			}
			want := ix.Count()
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, sqlite.FileName)
			damage(t, path)

			log := &testLog{}
			ix, err := Open(ctx, Config{DataDir: dir, Embedder: emb, Chunking: smallChunks, Logger: log.logger()})
			if err != nil {
				t.Fatalf("Open of a damaged store: %v", err)
			}
			defer ix.Close()
			if !strings.Contains(log.String(), "store was corrupt; rebuilding from the articles") {
				t.Errorf("no warning logged:\n%s", log.String())
			}
			aside, _ := filepath.Glob(filepath.Join(dir, sqlite.FileName+".corrupt-*"))
			if len(aside) == 0 {
				t.Errorf("damaged file was not kept aside")
			}
			if ix.Count() != 0 {
				t.Errorf("rebuilt store starts with %d chunks", ix.Count())
			}
			rep, err := ix.Ingest(ctx, arts, IngestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Added != len(arts) || ix.Count() != want {
				t.Errorf("re-ingest: %+v, Count %d; want %d added, %d chunks", rep, ix.Count(), len(arts), want)
			}
			ps, err := ix.Search(ctx, "river7", retrieval.SearchOptions{K: 1})
			if err != nil || len(ps) != 1 || ps[0].Article.ID != "art-07" {
				t.Errorf("search after rebuild = %+v, %v", ps, err)
			}
		})
	}
}

func TestOpenEmptyFileIsNewStore(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	ix, err := Open(context.Background(), Config{DataDir: dir, Embedder: newWordEmbedder(8), Logger: log.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if strings.Contains(log.String(), "corrupt") {
		t.Errorf("an empty file was reported corrupt:\n%s", log.String())
	}
}

func TestChromemNeverEmbeds(t *testing.T) {
	ix := openStore(t, t.TempDir(), newWordEmbedder(8), retrieval.ChunkOptions{})
	_, err := ix.vecs.coll(retrieval.Shared).Query(context.Background(), "a question", 1, nil, nil)
	if err == nil {
		t.Fatal("chromem's embedding function did not refuse")
	}
}
