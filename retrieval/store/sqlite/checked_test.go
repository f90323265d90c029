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
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// TestQuickCheckOnlyWhenTheFileChanged: quick_check runs at the first
// open and at every open after a write, not again for a file nobody wrote.
// The proof is damage made behind SQLite's back with the file's size and
// time put back: the unchanged file opens without the check (the
// documented limit), and once its time moves the check finds it.
func TestQuickCheckOnlyWhenTheFileChanged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := s.Replace(ctx, store.Manifest{Embedder: "local", Dimension: 64}, writes); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, FileName)
	// This open checks (the file changed since the last check) and
	// records the file.
	s, err = Open(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path + checkedSuffix); err != nil {
		t.Fatalf("no record of the passed check: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
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
	os.Chtimes(path, info.ModTime(), info.ModTime())
	var log bytes.Buffer
	s, err = Open(ctx, dir, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if strings.Contains(log.String(), "corrupt") {
		t.Fatalf("an unchanged file was checked again:\n%s", log.String())
	}
	later := info.ModTime().Add(time.Second)
	os.Chtimes(path, later, later)
	log.Reset()
	s, err = Open(ctx, dir, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !strings.Contains(log.String(), "store was corrupt") {
		t.Errorf("a changed file was not checked:\n%s", log.String())
	}
}
