package index

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// Opening the store while another process commits never sees articles,
// chunks and counts from different moments, so it never calls a healthy
// store corrupt (and never drops or moves anything).
func TestOpenNextToAWriterIsNeverCorrupt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(16)
	w := openStore(t, dir, emb, smallChunks)
	w.groupTexts = 2 // many small transactions
	var stop atomic.Bool
	done := make(chan error, 1)
	go func() {
		for i := 0; !stop.Load(); i++ {
			arts := manyArticles(6)
			for j := range arts {
				arts[j] = versioned(arts[j], fmt.Sprint("v", i%50)) // chunkVersions reads tags up to 3 characters
			}
			if _, err := w.Ingest(ctx, arts[:3+i%3], IngestOptions{Prune: true}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 25 {
		log := &testLog{}
		ix, err := Open(ctx, Config{DataDir: dir, Embedder: emb, Chunking: smallChunks, Logger: log.logger()})
		if err != nil {
			t.Fatalf("open next to a writer: %v", err)
		}
		if strings.Contains(log.String(), "corrupt") || strings.Contains(log.String(), "unreadable") {
			t.Fatalf("a healthy store was called damaged:\n%s", log.String())
		}
		// Every article is wholly one version.
		as, _ := ix.Articles(ctx)
		for _, a := range as {
			if vs := chunkVersions(t, ix, a.ID); len(vs) != 1 {
				t.Fatalf("article %s opened with versions %v", a.ID, vs)
			}
		}
		if _, err := ix.Search(ctx, "river1", retrieval.SearchOptions{K: 3}); err != nil {
			t.Fatal(err)
		}
		ix.Close()
	}
	stop.Store(true)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
