package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// referenceIndex opens the store in dir without segments: everything read
// from SQLite and tokenized, as before segments existed.
func referenceIndex(t *testing.T, dir string) *Index {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := Open(context.Background(), Config{Store: st, Embedder: segEmbedder, Chunking: smallChunks, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// segEmbedder gives every text its own random vector: no similarity
// ties, so rankings compare exactly.
var segEmbedder = benchEmbedder{dim: 32}

var segQueries = []string{"Where is Mount Etna?", "How many workers does a bee colony hold?", "When did the Shinkansen open?",
	"river7 mountain3", "Topic12 alpha", "forest19 valley2", "magnets track"}

// sameResults checks that two indexes rank every query alike with equal
// scores, in every search mode.
func sameResults(t *testing.T, got, want *Index) {
	t.Helper()
	ctx := context.Background()
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		for _, q := range segQueries {
			g, err1 := got.Search(ctx, q, retrieval.SearchOptions{K: 8, Mode: mode})
			w, err2 := want.Search(ctx, q, retrieval.SearchOptions{K: 8, Mode: mode})
			if err1 != nil || err2 != nil {
				t.Fatalf("%s %q: %v / %v", mode, q, err1, err2)
			}
			if passageKeys(g) != passageKeys(w) {
				t.Errorf("%s %q:\n got %s\nwant %s", mode, q, passageKeys(g), passageKeys(w))
			}
		}
	}
	r1, r2 := got.TermRarity([]string{"etna", "bee", "river7", "nowhere"}), want.TermRarity([]string{"etna", "bee", "river7", "nowhere"})
	if fmt.Sprint(r1) != fmt.Sprint(r2) {
		t.Errorf("term rarity %v, want %v", r1, r2)
	}
}

func passageKeys(ps []retrieval.Passage) string {
	var sb strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&sb, "%s#%d(%.4f:%q) ", p.Chunk.ArticleID, p.Chunk.Ordinal, p.Score, p.Chunk.Text[:min(12, len(p.Chunk.Text))])
	}
	return sb.String()
}

// ingestedLibrary is an index in a new data directory that has ingested
// library(), and that directory.
func ingestedLibrary(t *testing.T) (*Index, string) {
	t.Helper()
	dir := t.TempDir()
	ix := openStore(t, dir, segEmbedder, smallChunks)
	if _, err := ix.Ingest(context.Background(), library(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return ix, dir
}

// ingestElsewhere makes the store in dir hold exactly arts, as another
// process without segments would (an older binary, say).
func ingestElsewhere(t *testing.T, dir string, arts []retrieval.Article) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := Open(ctx, Config{Store: st, Embedder: segEmbedder, Chunking: smallChunks, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Ingest(ctx, arts, IngestOptions{Prune: true}); err != nil {
		t.Fatal(err)
	}
}

func segmentNames(t *testing.T, dir string) []string {
	t.Helper()
	m, err := readSegManifest(filepath.Join(dir, segDirName))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range m.Segments {
		out = append(out, s.Name)
	}
	return out
}

// fromSegments counts the articles an index took from segments.
func fromSegments(ix *Index) (saved, inMemory int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, ae := range ix.articles {
		if ae.saved() {
			saved++
		} else if len(ae.chunks) > 0 {
			inMemory++
		}
	}
	return
}

func library() []retrieval.Article { return append(storeArticles(), manyArticles(20)...) }

// TestSegmentsOpenWithoutReadingChunks: an ingest writes a segment, and
// the next Open takes every article from it, searching exactly as an
// index read from the store.
func TestSegmentsOpenWithoutReadingChunks(t *testing.T) {
	dir := t.TempDir()
	ix := openStore(t, dir, segEmbedder, smallChunks)
	if _, err := ix.Ingest(context.Background(), library(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if n := segmentNames(t, dir); len(n) != 1 {
		t.Fatalf("segments after one ingest: %v, want one", n)
	}
	again := openStore(t, dir, segEmbedder, smallChunks)
	if saved, mem := fromSegments(again); saved != len(library()) || mem != 0 {
		t.Fatalf("%d articles from segments, %d read from the store; want all %d from segments", saved, mem, len(library()))
	}
	sameResults(t, again, referenceIndex(t, dir))
}

// TestSegmentsFollowChanges: articles changed and removed by another
// process after a segment was written are not taken from it; the new
// versions come from the store (and the next segment), and BM25
// statistics stay those of the live library.
func TestSegmentsFollowChanges(t *testing.T) {
	ctx := context.Background()
	first, dir := ingestedLibrary(t)
	first.Close()

	// A process without segments changes the store behind their back.
	arts := library()
	arts[0] = versioned(arts[0], "v2")
	ingestElsewhere(t, dir, arts[:len(arts)-3])

	again := openStore(t, dir, segEmbedder, smallChunks)
	if vs := chunkVersions(t, again, "volcano"); !vs["v2"] {
		t.Fatalf("volcano after the change: versions %v, want v2", vs)
	}
	for _, a := range arts[len(arts)-3:] {
		if _, err := again.Chunks(ctx, a.ID); err == nil {
			t.Errorf("removed article %s still indexed", a.ID)
		}
	}
	sameResults(t, again, referenceIndex(t, dir))
	// The changed article was read from the store at Open and saved; the
	// one after takes everything from segments.
	again.Close()
	third := openStore(t, dir, segEmbedder, smallChunks)
	if _, mem := fromSegments(third); mem != 0 {
		t.Errorf("%d articles still read from the store on the third open", mem)
	}
	sameResults(t, third, referenceIndex(t, dir))
	// And removing in this process keeps the statistics exact too.
	if _, err := third.Remove(ctx, []string{"bees", "art-03"}); err != nil {
		t.Fatal(err)
	}
	sameResults(t, third, referenceIndex(t, dir))
}

// TestSegmentsMerge: every ingest writes a small segment; past
// maxSmallSegments they are merged into one, and nothing is lost.
func TestSegmentsMerge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := openStore(t, dir, segEmbedder, smallChunks)
	arts := library()
	for i := range arts {
		if _, err := ix.Ingest(ctx, arts[:i+1], IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := len(segmentNames(t, dir)); n > maxSmallSegments+1 {
			t.Fatalf("after %d ingests: %d segments, want at most %d", i+1, n, maxSmallSegments+1)
		}
	}
	// The writer itself follows the merges: it maps a handful of live
	// segments, not one per ingest, and still searches as the store.
	ix.mu.RLock()
	parts, mapped := len(ix.lex.segs), len(ix.mapped)
	ix.mu.RUnlock()
	if parts > maxSmallSegments+1 || mapped > maxSmallSegments+1 {
		t.Errorf("the writer searches %d segments and maps %d after %d ingests, want at most %d", parts, mapped, len(arts), maxSmallSegments+1)
	}
	sameResults(t, ix, referenceIndex(t, dir))
	ix.Close()
	ents, _ := os.ReadDir(filepath.Join(dir, segDirName))
	if len(ents) > maxSmallSegments+3 { // + MANIFEST and LOCK
		t.Errorf("segment directory keeps %d files: unlisted ones were not removed", len(ents))
	}
	again := openStore(t, dir, segEmbedder, smallChunks)
	if saved, mem := fromSegments(again); saved != len(arts) || mem != 0 {
		t.Errorf("after merges: %d from segments, %d from the store, want %d and 0", saved, mem, len(arts))
	}
	sameResults(t, again, referenceIndex(t, dir))
}

// TestSegmentCrashImage opens the directory as crashes at each step of a
// segment write would leave it: a half-written temporary file, a whole
// segment the MANIFEST does not name yet, a named segment whose bytes
// did not reach the disk (cut short, or zeroed), and a torn MANIFEST.
// Every image opens, answers as the store does, and is repaired by the
// next save.
func TestSegmentCrashImage(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	ix := openStore(t, base, segEmbedder, smallChunks)
	if _, err := ix.Ingest(ctx, library()[:10], IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	// The second ingest "crashes" before its segment file is written.
	ix.segmentHook = func(string) error { return errors.New("crash") }
	if _, err := ix.Ingest(ctx, library(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	ix.segmentHook = nil
	ix.Close()
	names := segmentNames(t, base)
	if len(names) != 1 {
		t.Fatalf("segments %v, want only the first ingest's", names)
	}
	segFile := filepath.Join(segDirName, names[0])
	images := map[string]func(dir string){
		"temporary file half written": func(dir string) {
			os.WriteFile(filepath.Join(dir, segDirName, ".00000009.seg.123.tmp"), []byte(segMagic+"partial"), 0o644)
		},
		"segment not yet named": func(dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, segFile))
			os.WriteFile(filepath.Join(dir, segDirName, "00000009.seg"), data, 0o644)
		},
		"named segment cut short": func(dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, segFile))
			os.WriteFile(filepath.Join(dir, segFile), data[:len(data)/2], 0o644)
		},
		"named segment zeroed": func(dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, segFile))
			os.WriteFile(filepath.Join(dir, segFile), make([]byte, len(data)), 0o644)
		},
		"named segment with a flipped byte": func(dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, segFile))
			data[len(data)/3] ^= 0x40
			os.WriteFile(filepath.Join(dir, segFile), data, 0o644)
		},
		"manifest torn": func(dir string) {
			os.WriteFile(filepath.Join(dir, segDirName, segManifestName), []byte(`{"version":1,"segm`), 0o644)
		},
	}
	for name, damage := range images {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyStoreFiles(t, base, dir)
			os.MkdirAll(filepath.Join(dir, segDirName), 0o755)
			for _, f := range []string{segFile, filepath.Join(segDirName, segManifestName)} {
				data, err := os.ReadFile(filepath.Join(base, f))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, f), data, 0o644)
			}
			damage(dir)
			ix := openStore(t, dir, segEmbedder, smallChunks)
			if ix.Count() != referenceIndex(t, dir).Count() {
				t.Fatalf("opened %d chunks, the store holds %d", ix.Count(), referenceIndex(t, dir).Count())
			}
			sameResults(t, ix, referenceIndex(t, dir))
			ix.Close()
			// The Open saved what it had to read from the store and
			// dropped what it could not read from the MANIFEST; the next
			// one takes everything from whole segments.
			var log testLog
			again, err := Open(ctx, Config{DataDir: dir, Embedder: segEmbedder, Chunking: smallChunks, Logger: log.logger()})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if strings.Contains(log.String(), "cannot be read") {
				t.Errorf("the second open still finds a segment it cannot read:\n%s", log.String())
			}
			if _, mem := fromSegments(again); mem != 0 {
				t.Errorf("second open still read %d articles from the store", mem)
			}
			sameResults(t, again, referenceIndex(t, dir))
		})
	}
}

// TestSegmentsAdoptedByTheWriter: the process that ingests moves what it
// wrote into the segment too (texts and vectors leave the heap), and a
// delta from another process still applies on top.
func TestSegmentsAdoptedByTheWriter(t *testing.T) {
	ctx := context.Background()
	ix, dir := ingestedLibrary(t)
	if saved, mem := fromSegments(ix); saved != len(library()) || mem != 0 {
		t.Fatalf("after ingest: %d articles in segments, %d in memory", saved, mem)
	}
	sameResults(t, ix, referenceIndex(t, dir))

	// Another process (no segments) changes and removes articles; Sync
	// applies the delta over the segment.
	arts := library()
	arts[1] = versioned(arts[1], "v3")
	ingestElsewhere(t, dir, arts[:len(arts)-2])
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if vs := chunkVersions(t, ix, "bees"); !vs["v3"] {
		t.Errorf("bees after sync: versions %v, want v3", vs)
	}
	sameResults(t, ix, referenceIndex(t, dir))
}

// TestSegmentsAdoptedByAFollower: a process that follows another's changes
// (serve while `citebot ingest` runs) takes the synced articles from the
// segment the other process wrote, instead of keeping them in its heap.
func TestSegmentsAdoptedByAFollower(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writer := openStore(t, dir, segEmbedder, smallChunks)
	arts := library()
	if _, err := writer.Ingest(ctx, arts[:10], IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	follower := openStore(t, dir, segEmbedder, smallChunks)
	arts[0] = versioned(arts[0], "v5")
	if _, err := writer.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := follower.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if saved, mem := fromSegments(follower); saved != len(arts) || mem != 0 {
		t.Errorf("after sync: %d articles in segments, %d in the follower's memory", saved, mem)
	}
	if vs := chunkVersions(t, follower, "volcano"); !vs["v5"] {
		t.Errorf("volcano after sync: versions %v, want v5", vs)
	}
	sameResults(t, follower, referenceIndex(t, dir))
}

// TestCheckAndRepairSegments: the check names a damaged segment, the
// repair drops it, and the index then reads its articles from the store.
func TestCheckAndRepairSegments(t *testing.T) {
	ctx := context.Background()
	ix, dir := ingestedLibrary(t)
	ix.Close()
	rep, err := CheckSegments(ctx, dir)
	if err != nil || rep.Files != 1 || rep.Chunks == 0 || len(rep.Damaged) != 0 {
		t.Fatalf("sound segments: %+v, %v", rep, err)
	}
	name := filepath.Join(dir, segDirName, segmentNames(t, dir)[0])
	data, _ := os.ReadFile(name)
	data[len(data)/2] ^= 1
	os.WriteFile(name, data, 0o644)
	rep, _ = CheckSegments(ctx, dir)
	if len(rep.Damaged) != 1 || !strings.Contains(rep.Damaged[0], "checksum") {
		t.Fatalf("damaged segment not reported: %+v", rep)
	}
	if err := RepairSegments(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if rep, _ = CheckSegments(ctx, dir); rep.Files != 0 || len(rep.Damaged) != 0 {
		t.Errorf("after repair: %+v", rep)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged file is still there: %v", err)
	}
	sameResults(t, openStore(t, dir, segEmbedder, smallChunks), referenceIndex(t, dir))
}

// TestWords32DecodesUnalignedSections: the in-place view and the decoding
// copy (taken for unaligned bytes, and on big-endian hosts) agree.
func TestWords32DecodesUnalignedSections(t *testing.T) {
	buf := make([]byte, 4*3+1)
	for i, w := range []uint32{1, math.Float32bits(-2.5), 0xdeadbeef} {
		binary.LittleEndian.PutUint32(buf[1+4*i:], w)
	}
	aligned := append([]byte(nil), buf[1:]...)
	if got, want := uint32s(buf[1:]), uint32s(aligned); !slices.Equal(got, want) || want[2] != 0xdeadbeef {
		t.Errorf("uint32s unaligned %v, aligned %v", got, want)
	}
	if got := float32s(buf[1:]); got[1] != -2.5 {
		t.Errorf("float32s unaligned %v", got)
	}
}

// TestSegmentVanishingWhileOpening: a segment the MANIFEST names is gone
// when Open gets to it (a writer merged it away meanwhile) after a newer
// one was already taken. Open starts over and, when the file stays gone,
// reads from the store; either way nothing is counted twice and nothing
// points into an unmapped file.
func TestSegmentVanishingWhileOpening(t *testing.T) {
	ix, dir := ingestedLibrary(t)
	ix.Close()
	segDir := filepath.Join(dir, segDirName)
	m, err := readSegManifest(segDir)
	if err != nil {
		t.Fatal(err)
	}
	// An older listing whose file is gone, before the real (newer) one.
	m.Segments = append([]segListing{{Name: "00000099.seg", Build: m.Segments[0].Build, Chunks: 1}}, m.Segments...)
	if err := writeSegManifest(segDir, m); err != nil {
		t.Fatal(err)
	}
	again := openStore(t, dir, segEmbedder, smallChunks)
	ref := referenceIndex(t, dir)
	if again.Count() != ref.Count() {
		t.Fatalf("opened %d chunks, the store holds %d", again.Count(), ref.Count())
	}
	sameResults(t, again, ref)
	// That Open's save dropped the listing of the missing file: the next
	// one takes everything from segments at the first try.
	again.Close()
	third := openStore(t, dir, segEmbedder, smallChunks)
	if _, mem := fromSegments(third); mem != 0 {
		t.Errorf("the third open still read %d articles from the store", mem)
	}
	for _, n := range segmentNames(t, dir) {
		if n == "00000099.seg" {
			t.Error("the missing segment is still listed")
		}
	}
}
