package index

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// damagedStore ingests storeArticles into a fresh store and returns the
// index and a second, plain SQL connection to the same file: damage done
// through it bypasses every check citebot makes on its own writes.
func damagedStore(t *testing.T) (*Index, *sql.DB) {
	t.Helper()
	dir := t.TempDir()
	ix := openStore(t, dir, newWordEmbedder(32), smallChunks)
	if _, err := ix.Ingest(context.Background(), storeArticles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ix, db
}

// scaled is a stored vector times f, as SQL can write it.
func scaled(f float32) []byte {
	v := bagOfWords("volcano ash", 32)
	for i := range v {
		v[i] *= f
	}
	return store.EncodeVector(v)
}

func TestCheckFindsDamageMadeThroughSQL(t *testing.T) {
	nan := bagOfWords("volcano ash", 32)
	nan[3] = float32(math.NaN())
	cases := []struct {
		name, sql string
		args      []any
		ids       []string // damaged, sorted
		problem   string
		vector    bool // only a check with vectors sees it
	}{
		{"chunk text not UTF-8", `UPDATE chunks SET text = CAST(substr(CAST(text AS BLOB), 1, 4) || x'fffefd' || substr(CAST(text AS BLOB), 8) AS TEXT)
			WHERE article_id = 'bees' AND ordinal = 1`, nil, []string{"bees"}, "chunk 1: text is not valid UTF-8", false},
		{"chunk text changed", `UPDATE chunks SET text = replace(text, 'e', 'x') WHERE article_id = 'rail'`, nil,
			[]string{"rail"}, "text differs from the body at its offsets", false},
		{"offsets out of range", `UPDATE chunks SET end_off = end_off + 100000 WHERE article_id = 'bees' AND ordinal = 0`, nil,
			[]string{"bees"}, "chunk 0: offsets lie outside the body", false},
		{"ordinals with a gap", `UPDATE chunks SET ordinal = 9 WHERE article_id = 'rail' AND ordinal = 0`, nil,
			[]string{"rail"}, "chunks are numbered 1, ", false},
		{"body changed", `UPDATE articles SET body = replace(body, 'Etna', 'Etnx') WHERE id = 'volcano'`, nil,
			[]string{"volcano"}, "does not match its hash", false},
		{"title changed", `UPDATE articles SET title = 'Volcanoex' WHERE id = 'volcano'`, nil,
			[]string{"volcano"}, "does not match its hash", false},
		{"chunk of no article", `UPDATE chunks SET article_id = 'ghost' WHERE article_id = 'bees' AND ordinal = 0`, nil,
			[]string{"bees", "ghost"}, "chunk 0: belong to no stored article", false},
		{"vector of another norm", `UPDATE chunks SET vector = ? WHERE article_id = 'bees'`, []any{scaled(1.5)},
			[]string{"bees"}, "vector is not of unit length", true},
		{"vector of another size", `UPDATE chunks SET vector = x'0000803f' WHERE article_id = 'rail' AND ordinal = 1`, nil,
			[]string{"rail"}, "chunk 1: vector does not have the store's 32 dimensions", true},
		{"vector not finite", `UPDATE chunks SET vector = ? WHERE article_id = 'volcano' AND ordinal = 0`, []any{store.EncodeVector(nan)},
			[]string{"volcano"}, "chunk 0: vector holds values that are not finite", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ix, db := damagedStore(t)
			clean, err := ix.Check(ctx, CheckOptions{Vectors: true})
			if err != nil || len(clean.Damaged) != 0 || clean.Articles != 3 || clean.Chunks != ix.Count() {
				t.Fatalf("fresh store: %+v, %v; want 3 articles, %d chunks, no damage", clean, err, ix.Count())
			}
			if _, err := db.Exec(tc.sql, tc.args...); err != nil {
				t.Fatal(err)
			}
			rep, err := ix.Check(ctx, CheckOptions{Vectors: true})
			if err != nil {
				t.Fatal(err)
			}
			ids := rep.DamagedIDs()
			slices.Sort(ids)
			if !slices.Equal(ids, tc.ids) || !strings.Contains(rep.Damaged[0].String()+rep.Damaged[len(rep.Damaged)-1].String(), tc.problem) {
				t.Fatalf("check found %v; want %v with %q", rep.Damaged, tc.ids, tc.problem)
			}
			quick, err := ix.CheckQuick(ctx)
			if err != nil || (len(quick) == 0) != tc.vector {
				t.Errorf("CheckQuick = %v, %v; it must see all but vector damage", quick, err)
			}
			// The repair: mark pending, and the next ingest rebuilds them.
			if err := ix.Store().MarkPending(ctx, ids); err != nil {
				t.Fatal(err)
			}
			if pend, err := ix.Check(ctx, CheckOptions{Vectors: true}); err != nil || len(pend.Damaged) != 0 || pend.Pending == 0 {
				t.Errorf("after MarkPending: %+v, %v; want pending articles and no damage", pend, err)
			}
			irep, err := ix.Ingest(ctx, storeArticles(), IngestOptions{Prune: true})
			if err != nil {
				t.Fatal(err)
			}
			after, err := ix.Check(ctx, CheckOptions{Vectors: true})
			if err != nil || len(after.Damaged) != 0 || after.Pending != 0 || after.Chunks != clean.Chunks {
				t.Errorf("after the re-ingest (%+v): %+v, %v; want the store as it was", irep, after, err)
			}
		})
	}
}

func TestCheckQuickLogsOneWarningPerDamagedArticle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := &testLog{}
	ix, err := Open(ctx, Config{DataDir: dir, Embedder: newWordEmbedder(32), Chunking: smallChunks, Logger: log.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Ingest(ctx, storeArticles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE chunks SET text = 'x' || text WHERE article_id IN ('bees', 'rail')`); err != nil {
		t.Fatal(err)
	}
	damage, err := ix.CheckQuick(ctx)
	if err != nil || len(damage) != 2 {
		t.Fatalf("CheckQuick = %v, %v; want bees and rail", damage, err)
	}
	if n := strings.Count(log.String(), "stored article is damaged"); n != 2 || !strings.Contains(log.String(), "article=bees") {
		t.Errorf("%d warnings; want one per damaged article:\n%s", n, log.String())
	}
}
