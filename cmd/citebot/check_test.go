package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval/store"
)

// generatedSeeds writes n articles of a few paragraphs each into a fresh
// seeds directory; tag goes into every paragraph.
func generatedSeeds(t *testing.T, dir string, n int, tag string) {
	t.Helper()
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# Report %d\n\n", i)
		for p := range 4 {
			fmt.Fprintf(&b, "Paragraph %d of report %d (%s) covers harbour%d, bridge%d and the council vote on ferry%d. "+
				"The committee met on day %d and heard from residents about the river%d crossing.\n\n", p, i, tag, i, p, i*p, p+i, i)
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("report-%03d.md", i)), b.String())
	}
}

// checkEnv is a data dir with 30 generated seed articles ingested.
func checkEnv(t *testing.T) map[string]string {
	t.Helper()
	env := offlineEnv(t)
	env["CITEBOT_SEEDS_DIR"] = t.TempDir()
	generatedSeeds(t, env["CITEBOT_SEEDS_DIR"], 30, "v1")
	if r := runCLI(t, env, "ingest"); r.code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
	}
	return env
}

// checkIsClean runs `check` and fails unless it finds nothing.
func checkIsClean(t *testing.T, env map[string]string, when string) {
	t.Helper()
	r := runCLI(t, env, "check")
	if r.code != 0 || !strings.Contains(r.stdout, "no damage found") {
		t.Fatalf("check %s: exit %d\n%s%s", when, r.code, r.stdout, r.stderr)
	}
}

func TestCheckFindsAndRepairsDamageMadeThroughSQL(t *testing.T) {
	env := checkEnv(t)
	checkIsClean(t, env, "of a fresh store")
	db, err := sql.Open("sqlite", filepath.Join(env["CITEBOT_DATA_DIR"], "citebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	long := make([]float32, 2048)
	long[0] = 3 // the local embedder's size, but not a unit vector
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE chunks SET text = CAST(x'c328ffa0' || substr(CAST(text AS BLOB), 5) AS TEXT) WHERE article_id = 'report-004' AND ordinal = 0`, nil},
		{`UPDATE chunks SET vector = ? WHERE article_id = 'report-017'`, []any{store.EncodeVector(long)}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	r := runCLI(t, env, "check", "--json")
	var got struct {
		Articles, Chunks int
		Damaged          []struct {
			ID       string   `json:"id"`
			Problems []string `json:"problems"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("check --json is not JSON: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || got.Articles != 30 || got.Chunks == 0 || len(got.Damaged) != 2 ||
		got.Damaged[0].ID != "report-004" || got.Damaged[1].ID != "report-017" {
		t.Fatalf("check --json: exit %d, %+v; want exit 1 and report-004, report-017", r.code, got)
	}
	if p := got.Damaged[0].Problems; len(p) != 1 || p[0] != "chunk 0: text is not valid UTF-8" {
		t.Errorf("report-004 problems %q", p)
	}
	r = runCLI(t, env, "check")
	if r.code != 1 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, "report-017: chunk 0: vector is not of unit length") ||
		!strings.Contains(r.stderr, "check --repair") {
		t.Errorf("check: exit %d, want one line per damaged article and a summary:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "check", "--repair")
	if r.code != 0 || !strings.Contains(r.stdout, "rebuilt 2 articles") || !strings.Contains(r.stdout, "checked again: no damage found") {
		t.Fatalf("check --repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkIsClean(t, env, "after the repair")
	if r := runCLI(t, env, "search", "harbour4 ferry0"); r.code != 0 || !strings.Contains(r.stdout, "report-004") {
		t.Errorf("search after the repair: exit %d\n%s", r.code, r.stdout)
	}
}

// Ten bytes flipped in the middle of the file land wherever they land: in
// a chunk's text or vector, or in a page SQLite's quick_check rejects.
// Either way check notices and a repair leaves a clean store.
func TestCheckFindsAndRepairsFlippedBytesInTheFile(t *testing.T) {
	env := checkEnv(t)
	path := filepath.Join(env["CITEBOT_DATA_DIR"], "citebot.db")
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the WAL outlived the last command; the flip would not reach the data")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+10; i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "damaged") {
		t.Fatalf("check after the flip: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "check", "--repair")
	if r.code != 0 || !strings.Contains(r.stdout, "checked again: no damage found") {
		t.Fatalf("check --repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkIsClean(t, env, "after the repair")
	if ids := articleIDs(t, env); len(ids) != 30 {
		t.Errorf("%d articles after the repair, want 30", len(ids))
	}
}

// A damaged index segment is damage too (exit 1, one line), and a repair
// drops it; the articles it held are read from the store again, so the
// answers do not change.
func TestCheckFindsAndRepairsADamagedSegment(t *testing.T) {
	env := checkEnv(t)
	before := runCLI(t, env, "search", "--json", "generated report")
	segs, err := filepath.Glob(filepath.Join(env["CITEBOT_DATA_DIR"], "segments", "*.seg"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment written by the ingest: %v", err)
	}
	data, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(segs[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "index segment "+filepath.Base(segs[0])+": ") ||
		!strings.Contains(r.stdout, "checksum") || !strings.Contains(r.stderr, "check --repair") {
		t.Fatalf("check of a damaged segment: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "check", "--repair")
	if r.code != 0 || !strings.Contains(r.stdout, "checked again: no damage found") {
		t.Fatalf("check --repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkIsClean(t, env, "after the repair")
	if after := runCLI(t, env, "search", "--json", "generated report"); after.stdout != before.stdout {
		t.Errorf("search changed after the segment repair:\n%s\nwant\n%s", after.stdout, before.stdout)
	}
}
