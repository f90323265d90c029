package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
)

// verifyIndex checks that the index a command opens (segments first, the
// store for what they lack) holds every article exactly as the store does:
// the same chunks with the same texts. Readers keep syncing meanwhile, so
// a difference is looked at again a few times before it counts.
func verifyIndex(ctx context.Context, data string, st store.Store) error {
	var last error
	for try := 0; try < 5; try++ {
		if last = compareIndex(ctx, data, st); last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

func compareIndex(ctx context.Context, data string, st store.Store) error {
	want := map[string][]string{} // article → chunk texts in order
	err := st.Read(ctx, func(snap store.Snapshot) error {
		return snap.Chunks(ctx, nil, false, func(c store.StoredChunk) error {
			id := c.Chunk.ArticleID
			for len(want[id]) <= c.Chunk.Ordinal {
				want[id] = append(want[id], "")
			}
			want[id][c.Chunk.Ordinal] = c.Chunk.Text
			return nil
		})
	})
	if err != nil {
		return err
	}
	ix, err := index.Open(ctx, index.Config{DataDir: data, Embedder: retrieval.NewLocalEmbedder()})
	if err != nil {
		return fmt.Errorf("open the index: %w", err)
	}
	defer ix.Close()
	for id, texts := range want {
		cs, err := ix.Chunks(ctx, id)
		if err != nil {
			return fmt.Errorf("index lacks article %s: %w", id, err)
		}
		got := make([]string, len(cs))
		for i, c := range cs {
			got[i] = c.Text
		}
		if !slices.Equal(got, texts) {
			return fmt.Errorf("index holds article %s unlike the store (%d chunks, store %d)", id, len(got), len(texts))
		}
	}
	if ix.ArticleCount() != len(want) {
		return fmt.Errorf("index holds %d articles, the store %d", ix.ArticleCount(), len(want))
	}
	return nil
}
