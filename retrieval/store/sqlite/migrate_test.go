package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// copyV1 copies the schema-1 store from testdata into a fresh directory.
func copyV1(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "v1", FileName))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func userVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateFromVersion1KeepsEverything(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, copyV1(t))
	if got := userVersion(t, s); got != SchemaVersion() {
		t.Fatalf("user_version = %d, want %d", got, SchemaVersion())
	}
	fb, err := s.RecentFeedback(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 2 {
		t.Fatalf("feedback after migration: %d votes, want 2", len(fb))
	}
	if f := fb[1]; f.Scope != "g1" || f.Place != "c1" || f.UserHash != "h1" || f.Question != "What is a volcano?" ||
		f.Vote != 1 || len(f.Citations) != 1 || f.Citations[0] != "volcano" {
		t.Errorf("oldest vote = %+v", f)
	}
	if f := fb[0]; f.Scope != "g2" || f.Place != "c2" || f.Vote != -1 {
		t.Errorf("newest vote = %+v", f)
	}
	var ids []string
	var chunks int
	err = s.Read(ctx, func(snap store.Snapshot) error {
		if m := snap.Manifest(); m.Embedder != "local" || m.Dimension != 64 {
			t.Errorf("manifest after migration = %+v", m)
		}
		if err := snap.Articles(ctx, nil, func(a retrieval.Article) error {
			if a.Scope != retrieval.Shared || a.Hash == "" {
				t.Errorf("article %s: scope %q, hash %q", a.ID, a.Scope, a.Hash)
			}
			ids = append(ids, a.ID)
			return nil
		}); err != nil {
			return err
		}
		return snap.Chunks(ctx, nil, true, func(c store.StoredChunk) error {
			if len(c.Vector) != 4*64 {
				t.Errorf("chunk %d: %d vector bytes", c.Key, len(c.Vector))
			}
			chunks++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || chunks == 0 {
		t.Errorf("after migration: articles %v, %d chunks", ids, chunks)
	}
	a, err := s.Article(ctx, "volcano")
	if err != nil || !strings.HasPrefix(a.Body, "A volcano is a rupture") {
		t.Errorf("Article(volcano) = %+v, %v", a, err)
	}
	// Reopening an up-to-date store migrates nothing and keeps the votes.
	s.Close()
	s2 := openTestStore(t, filepath.Dir(s.path))
	if fb, _ := s2.RecentFeedback(ctx, 10); len(fb) != 2 {
		t.Errorf("feedback after reopen: %d votes", len(fb))
	}
}

func TestMigrateFreshStore(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	if got := userVersion(t, s); got != SchemaVersion() || got < 2 {
		t.Fatalf("fresh store at version %d, want %d", got, SchemaVersion())
	}
	if _, err := s.Replace(context.Background(), store.Manifest{Embedder: "local"}, []store.ArticleWrite{{
		Article: retrieval.Article{ID: "a", Title: "A", Scope: retrieval.GuildScope("g9"), Body: "Body.", Hash: "h"},
		Chunks:  []retrieval.Chunk{{ArticleID: "a", Text: "Body.", End: 5}},
		Vectors: [][]float32{{1, 0}},
	}}); err != nil {
		t.Fatal(err)
	}
	a, err := s.Article(context.Background(), "a")
	if err != nil || a.Scope != "g9" {
		t.Errorf("scope not stored: %+v, %v", a, err)
	}
}

// A store written by a newer build is left alone: an error, no move, no
// change to the file.
func TestNewerSchemaIsRefusedUntouched(t *testing.T) {
	dir := copyV1(t)
	path := filepath.Join(dir, FileName)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Open of a newer store: %v", err)
	}
	if errors.Is(err, store.ErrCorrupt) {
		t.Error("a newer schema was called corrupt")
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the newer store was modified")
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) > 0 {
		t.Errorf("the newer store was moved aside: %v", aside)
	}
}
