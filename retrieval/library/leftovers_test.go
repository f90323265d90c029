package library

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A write killed between creating its temporary file and renaming it
// leaves ".<ID>.*.tmp" behind; the next sync removes those older than a
// minute and leaves younger ones (a write in progress elsewhere) alone.
func TestSyncRemovesStaleTemporaryFiles(t *testing.T) {
	log := &syncBuffer{}
	tl := newTestLibrary(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	server := filepath.Join(filepath.Dir(tl.articles), "servers", "1001", "articles")
	writeFile(t, filepath.Join(tl.articles, "kept.md"), "# Kept\n\nA saved article.\n")
	old := time.Now().Add(-2 * time.Minute)
	stale := []string{filepath.Join(tl.articles, ".bridge.123456.tmp"), filepath.Join(server, ".harbour.42.tmp")}
	fresh := filepath.Join(tl.articles, ".ferry.789.tmp")
	seedTmp := filepath.Join(tl.seeds, ".seed.1.tmp") // the operator's folder: never touched
	for _, p := range append(stale, fresh, seedTmp) {
		writeFile(t, p, "---\ntitle: half writ")
		if p != fresh {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rep := tl.sync(t); rep.Added != 1 {
		t.Fatalf("sync: %+v, want the one article", rep)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the sync (stat: %v)", p, err)
		}
		if !strings.Contains(log.String(), "removed a temporary file left by an interrupted write") || !strings.Contains(log.String(), p) {
			t.Errorf("no log line for %s:\n%s", p, log)
		}
	}
	for _, p := range []string{fresh, seedTmp, filepath.Join(tl.articles, "kept.md")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}
