package library

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
)

// testLibrary is a library over a fresh index with the local embedder, a
// seeds dir and an articles dir in temp dirs, and a log kept for checks.
type testLibrary struct {
	*Library
	ix       *index.Index
	seeds    string
	articles string
	log      *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestLibrary builds a library; edit, if not nil, adjusts its Config.
func newTestLibrary(t *testing.T, edit func(*Config)) *testLibrary {
	t.Helper()
	data := t.TempDir()
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ix, err := index.Open(context.Background(), index.Config{
		DataDir:  data,
		Embedder: retrieval.NewLocalEmbedder(),
		Logger:   logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cfg := Config{
		Index:       ix,
		SeedsDir:    t.TempDir(),
		ArticlesDir: filepath.Join(data, "articles"),
		ServersDir:  filepath.Join(data, "servers"),
		Logger:      logger,
	}
	if edit != nil {
		edit(&cfg)
	}
	lib, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testLibrary{Library: lib, ix: ix, seeds: cfg.SeedsDir, articles: cfg.ArticlesDir, log: log}
}

// ids lists the IDs the index holds, sorted.
func (tl *testLibrary) ids(t *testing.T) []string {
	t.Helper()
	list, err := tl.ix.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids
}

func (tl *testLibrary) sync(t *testing.T) Report {
	t.Helper()
	report, err := tl.Sync(context.Background(), SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNewNeedsIndexAndArticlesDir(t *testing.T) {
	if _, err := New(Config{ArticlesDir: "x"}); err == nil {
		t.Error("no index: no error")
	}
	tl := newTestLibrary(t, nil)
	if _, err := New(Config{Index: tl.ix}); err == nil {
		t.Error("no articles dir: no error")
	}
}

func removeFile(path string) error { return os.Remove(path) }
