package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// fillChunks stores 40 articles of 5 chunks of 2 KB each, so that chunk
// pages fill the end of the file (where tests damage it).
func fillChunks(t *testing.T, s *Store) {
	t.Helper()
	var writes []store.ArticleWrite
	text := strings.Repeat("chunk text ", 200)
	for i := range 40 {
		id := fmt.Sprint("art-", i)
		w := store.ArticleWrite{Article: retrieval.Article{ID: id, Title: id, Body: text, Hash: "h"}}
		for j := range 5 {
			w.Chunks = append(w.Chunks, retrieval.Chunk{ArticleID: id, Ordinal: j, Text: text, End: len(text)})
			w.Vectors = append(w.Vectors, make([]float32, 64))
		}
		writes = append(writes, w)
	}
	if _, err := s.Replace(context.Background(), store.Manifest{Embedder: "local", Dimension: 64}, writes); err != nil {
		t.Fatal(err)
	}
}

// A store whose chunk pages are damaged is rebuilt empty, the damaged file
// is kept aside, and the feedback votes it held are carried over.
func TestCorruptStoreKeepsReadableFeedback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.AddFeedback(ctx, store.Feedback{Scope: "g", Place: "c", Question: fmt.Sprint("q", i), Vote: 1}); err != nil {
			t.Fatal(err)
		}
	}
	// Many chunks after the votes: they fill the pages at the end of the file.
	fillChunks(t, s)
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) - 16*4096; i < len(data); i += 5 {
		data[i] ^= 0x5a
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	var log bytes.Buffer
	s, err = Open(ctx, dir, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatalf("Open of a damaged store: %v", err)
	}
	defer s.Close()
	if !strings.Contains(log.String(), "store was corrupt") || !strings.Contains(log.String(), "feedback_kept=3") {
		t.Errorf("log does not report the rebuild with the votes kept:\n%s", log.String())
	}
	fb, err := s.RecentFeedback(ctx, 10)
	if err != nil || len(fb) != 3 || fb[0].Question != "q2" || fb[2].Question != "q0" {
		t.Fatalf("feedback after recovery = %+v, %v", fb, err)
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) == 0 {
		t.Error("the damaged file was not kept aside")
	}
	err = s.Read(ctx, func(snap store.Snapshot) error {
		n, err := snap.ChunkCount(ctx)
		if n != 0 {
			t.Errorf("rebuilt store has %d chunks", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Only the newest moved-aside copy is kept.
func TestMoveAsideKeepsOnlyNewestCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	old := path + ".corrupt-20000101T000000.000Z"
	for _, p := range []string{old, old + "-wal", path} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	aside, err := moveAside(path)
	if err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(path + ".corrupt-*")
	if len(left) != 1 || left[0] != aside {
		t.Errorf("after moveAside: %v, want only %s", left, aside)
	}
}
