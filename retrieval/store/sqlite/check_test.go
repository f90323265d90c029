package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// storeTwo writes articles a and b with two chunks each.
func storeTwo(t *testing.T, s *Store) {
	t.Helper()
	var writes []store.ArticleWrite
	for _, id := range []string{"a", "b"} {
		w := store.ArticleWrite{Article: retrieval.Article{ID: id, Title: id, Body: "One. Two.", Hash: "h-" + id}}
		for j, span := range [][2]int{{0, 4}, {5, 9}} {
			w.Chunks = append(w.Chunks, retrieval.Chunk{ArticleID: id, Ordinal: j, Start: span[0], End: span[1], Text: "One. Two."[span[0]:span[1]]})
			w.Vectors = append(w.Vectors, []float32{1, 0})
		}
		writes = append(writes, w)
	}
	if _, err := s.Replace(context.Background(), store.Manifest{Embedder: "e", Dimension: 2}, writes); err != nil {
		t.Fatal(err)
	}
}

func TestMarkPendingDropsChunksAndLogsEachArticle(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	storeTwo(t, s)
	_, before, err := s.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkPending(ctx, []string{"a", "gone"}); err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{}
	chunks := map[string]int{}
	err = s.Read(ctx, func(snap store.Snapshot) error {
		if err := snap.Articles(ctx, nil, func(a retrieval.Article) error { hashes[a.ID] = a.Hash; return nil }); err != nil {
			return err
		}
		return snap.Chunks(ctx, nil, false, func(c store.StoredChunk) error { chunks[c.Chunk.ArticleID]++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if hashes["a"] != "" || hashes["b"] != "h-b" || chunks["a"] != 0 || chunks["b"] != 2 {
		t.Errorf("after MarkPending(a): hashes %v, chunks %v; want a pending without chunks, b untouched", hashes, chunks)
	}
	// Other processes learn of it from the change log.
	changes, _, err := s.Changes(ctx, before)
	if err != nil || len(changes) != 2 || changes[0].ArticleID != "a" || changes[0].Kind != store.Upserted {
		t.Errorf("changes after MarkPending = %+v, %v", changes, err)
	}
	// The body stays: it is what a re-embed falls back on.
	if a, err := s.Article(ctx, "a"); err != nil || a.Body != "One. Two." {
		t.Errorf("article a = %+v, %v", a, err)
	}
}

func TestQuickCheckReportsDamageWithoutMovingTheFile(t *testing.T) {
	ctx := context.Background()
	if p, err := QuickCheck(ctx, t.TempDir()); p != nil || err != nil {
		t.Errorf("no store: %v, %v; want nothing", p, err)
	}
	dir := t.TempDir()
	s := openTestStore(t, dir)
	storeTwo(t, s)
	if p, err := QuickCheck(ctx, dir); p != nil || err != nil {
		t.Errorf("sound store: %v, %v; want nothing", p, err)
	}
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096; i < len(data); i += 7 { // every page after the header page
		data[i] ^= 0x5a
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := QuickCheck(ctx, dir)
	if err != nil || len(p) == 0 || !strings.HasPrefix(p[0], "quick_check") && !strings.Contains(p[0], "corrupt") {
		t.Fatalf("scribbled store: %q, %v; want quick_check's findings", p, err)
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 0 {
		t.Errorf("QuickCheck moved the file: %v", aside)
	}
	if err := os.WriteFile(path, []byte("not a database at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := QuickCheck(ctx, dir); err != nil || len(p) != 1 || !strings.Contains(p[0], "not an SQLite database") {
		t.Errorf("garbage file: %q, %v", p, err)
	}
}

// Two stores on one directory (two processes, as far as flock is
// concerned) take turns; a waiter gives up when its context ends.
func TestBuildLockIsExclusiveAcrossStores(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := openTestStore(t, dir), openTestStore(t, dir)
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s1.WithBuildLock(context.Background(), func(context.Context) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	ran := false
	err := s2.WithBuildLock(ctx, func(context.Context) error { ran = true; return nil })
	if ran || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("while another store held the lock: ran %v, err %v; want a timeout without running", ran, err)
	}
	entered := make(chan time.Time, 1)
	go func() {
		_ = s2.WithBuildLock(context.Background(), func(context.Context) error { entered <- time.Now(); return nil })
	}()
	time.Sleep(100 * time.Millisecond)
	released := time.Now()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-entered:
		if at.Before(released) {
			t.Error("the second store ran while the first held the lock")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second store never got the lock")
	}
	want := errors.New("from fn")
	if err := s1.WithBuildLock(context.Background(), func(context.Context) error { return want }); err != want {
		t.Errorf("WithBuildLock returned %v, want fn's error", err)
	}
}
