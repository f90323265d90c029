package index

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// lexFixture builds a lexical index over synthetic chunks.
func lexFixture(texts []string) (*lexicalIndex, []*chunkEntry) {
	x := newLexicalIndex()
	ae := &articleEntry{meta: retrieval.Article{ID: "a", Title: "Synthetic"}}
	es := make([]*chunkEntry, len(texts))
	for i, t := range texts {
		es[i] = &chunkEntry{rowid: int64(i + 1), article: ae, chunk: retrieval.Chunk{ArticleID: "a", Ordinal: i, Text: t}}
		x.add(es[i], termCounts(ae.meta.Title, t))
	}
	return x, es
}

func randomTexts(rng *rand.Rand, n int) []string {
	words := strings.Fields("river mountain valley forest desert ocean island city village road bridge tower castle garden")
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for j := 0; j < 5+rng.IntN(30); j++ {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteByte(' ')
		}
		out[i] = sb.String()
	}
	return out
}

func hitRowids(hs []lexHit) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.e.rowid
	}
	return out
}

// TestLexicalRemoveMatchesRebuild removes most chunks (forcing
// compaction) and checks that scores and order equal those of an index
// built from the survivors alone.
func TestLexicalRemoveMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := randomTexts(rng, 3000)
	x, es := lexFixture(texts)
	keep := map[int]bool{}
	for i, e := range es {
		if rng.IntN(4) == 0 {
			keep[i] = true
			continue
		}
		x.remove(e)
	}
	if x.dead != 0 && x.dead > x.total/2 {
		t.Errorf("no compaction: %d of %d postings dead", x.dead, x.total)
	}
	if len(x.docs) >= len(texts) {
		t.Errorf("compaction kept %d slots for %d live chunks", len(x.docs), x.live)
	}
	fresh := newLexicalIndex()
	for i, e := range es {
		if keep[i] {
			c := *e
			fresh.add(&c, termCounts("Synthetic", texts[i]))
		}
	}
	for _, q := range []string{"river", "castle garden", "tower bridge road", "ocean island desert forest"} {
		got, want := x.search(q, 20, nil), fresh.search(q, 20, nil)
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%q: %d hits after removals, %d when rebuilt", q, len(got), len(want))
		}
		for i := range got {
			if got[i].e.rowid != want[i].e.rowid || fmt.Sprintf("%.4f", got[i].bm25) != fmt.Sprintf("%.4f", want[i].bm25) {
				t.Fatalf("%q: hit %d = %d (%.4f), rebuilt index says %d (%.4f)", q, i,
					got[i].e.rowid, got[i].bm25, want[i].e.rowid, want[i].bm25)
			}
			if !keep[int(got[i].e.rowid-1)] {
				t.Fatalf("%q: removed chunk %d returned", q, got[i].e.rowid)
			}
		}
	}
	// Removing everything leaves an index that finds nothing.
	for i, e := range es {
		if keep[i] {
			x.remove(e)
		}
	}
	if hs := x.search("river", 10, nil); len(hs) != 0 || x.live != 0 {
		t.Errorf("empty index: %d hits, %d live", len(hs), x.live)
	}
}

func TestLexicalBM25(t *testing.T) {
	x, _ := lexFixture([]string{
		"The volcano erupted. Ash covered the town.",
		"Volcano volcano volcano: a very long text about volcanoes and many other things, rocks, lava, craters, mountains, and the weather",
		"Bees make honey.",
		"A short note on honey and volcano.",
	})
	hs := x.search("volcano", 10, nil)
	if len(hs) != 3 {
		t.Fatalf("volcano: %v, want 3 hits", hitRowids(hs))
	}
	for i := 1; i < len(hs); i++ {
		if hs[i].bm25 > hs[i-1].bm25 {
			t.Errorf("hits not sorted by score: %v", hs)
		}
	}
	// A rarer term weighs more: "bees" (one chunk) beats "honey" (two).
	hs = x.search("bees honey", 10, nil)
	if len(hs) != 2 || hs[0].e.rowid != 3 {
		t.Errorf("bees honey: %v, want chunk 3 first", hitRowids(hs))
	}
	if hs := x.search("the of and", 10, nil); len(hs) != 0 {
		t.Errorf("stopwords only: %v", hitRowids(hs))
	}
	if hs := x.search("volcano", 2, nil); len(hs) != 2 {
		t.Errorf("n=2 gave %d hits", len(hs))
	}
	if hs := x.search("volcano", 10, func(e *chunkEntry) bool { return e.chunk.ArticleID == "other-article" }); len(hs) != 0 {
		t.Errorf("article filter let through %v", hitRowids(hs))
	}
	// Title words count, at a lower weight: every chunk matches the title.
	if hs := x.search("synthetic", 10, nil); len(hs) != 4 {
		t.Errorf("title search found %d of 4 chunks", len(hs))
	}
}

// TestLexicalProximity: two chunks with the same words, one with the
// question's words together in one sentence; rescoring puts it first.
func TestLexicalProximity(t *testing.T) {
	filler := strings.Repeat("Unrelated words fill this long sentence about weather and markets and trains. ", 3)
	spread := "The treaty was discussed. " + filler + "Later the ministers signed. " + filler + "It happened in Geneva, and the treaty was kept."
	together := "The ministers signed the treaty in Geneva. " + filler + filler
	x, _ := lexFixture([]string{spread, together})
	q := "Where did the ministers sign the treaty?"
	hs := x.search(q, 10, nil)
	if len(hs) != 2 || hs[0].e.rowid != 1 {
		t.Fatalf("BM25 alone: %v, want chunk 1 (more matches) first", hitRowids(hs))
	}
	x.rescore(q, hs)
	if hs[0].e.rowid != 2 {
		t.Errorf("after proximity rescoring chunk %d is first, want 2 (the terms together): %+v", hs[0].e.rowid, hs)
	}
	if hs[0].score <= hs[1].score {
		t.Errorf("rescored scores not decreasing: %v, %v", hs[0].score, hs[1].score)
	}
}
