package sqlite

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	fillChunks(t, s)
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
