package index

import (
	"context"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

func ingestedStore(t *testing.T) *Index {
	t.Helper()
	ix := openStore(t, t.TempDir(), newWordEmbedder(64), smallChunks)
	if _, err := ix.Ingest(context.Background(), storeArticles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchFindsThePassage(t *testing.T) {
	ctx := context.Background()
	ix := ingestedStore(t)
	for _, mode := range []retrieval.SearchMode{"", retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		ps, err := ix.Search(ctx, "When did the Shinkansen open between Tokyo and Osaka?", retrieval.SearchOptions{K: 3, Mode: mode})
		if err != nil {
			t.Fatalf("%q: %v", mode, err)
		}
		if len(ps) == 0 || ps[0].Article.ID != "rail" || !strings.Contains(ps[0].Chunk.Text, "1964") {
			t.Fatalf("%q: top passage = %+v, want the Shinkansen paragraph", mode, ps)
		}
		p := ps[0]
		if p.Article.Title != "High-speed rail" || p.Article.Body != "" || p.Chunk.ArticleID != "rail" {
			t.Errorf("%q: passage metadata = %+v", mode, p)
		}
		switch mode {
		case retrieval.SearchLexical:
			if p.LexicalRank != 1 || p.LexicalScore <= 0 || p.VectorRank != 0 {
				t.Errorf("lexical: ranks = %+v", p)
			}
		case retrieval.SearchVector:
			if p.VectorRank != 1 || p.VectorScore <= 0 || p.LexicalRank != 0 {
				t.Errorf("vector: ranks = %+v", p)
			}
		default:
			if p.LexicalRank == 0 || p.VectorRank == 0 || p.Score <= 0 {
				t.Errorf("hybrid: component ranks missing: %+v", p)
			}
		}
		for i := 1; i < len(ps); i++ {
			if ps[i].Score > ps[i-1].Score {
				t.Errorf("%q: results not sorted by score: %v then %v", mode, ps[i-1].Score, ps[i].Score)
			}
		}
	}
	if _, err := ix.Search(ctx, "x", retrieval.SearchOptions{Mode: "fuzzy"}); err == nil {
		t.Error("unknown mode accepted")
	}
}

func TestSearchFTSSyntaxNeverErrors(t *testing.T) {
	ctx := context.Background()
	ix := ingestedStore(t)
	for _, q := range []string{
		`"`, `""`, `"unbalanced quote`, `*`, `volc*`, `NEAR(`, `NEAR(volcano ash, 2)`, `volcano AND`,
		`AND OR NOT`, `-`, `-volcano`, `(`, `)`, `((volcano`, `title:volcano`, `:`, `^volcano`,
		`{title text}: ash`, `volcano + ash`, ``, `   `, `?!.,;`, `'`, `'; DROP TABLE chunks; --`,
		"\x00", `😀`, `NOT`, `"bees" OR`, strings.Repeat("volcano ", 500),
	} {
		ps, err := ix.Search(ctx, q, retrieval.SearchOptions{})
		if err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
		if strings.TrimSpace(q) == "" && len(ps) != 0 {
			t.Errorf("Search(%q) = %d passages, want none", q, len(ps))
		}
		if _, err := ix.Search(ctx, q, retrieval.SearchOptions{Mode: retrieval.SearchLexical, ArticleID: "volcano"}); err != nil {
			t.Errorf("lexical Search(%q) in one article: %v", q, err)
		}
	}
	ps, err := ix.Search(ctx, `"Etna" AND NEAR(eruptions*`, retrieval.SearchOptions{K: 1, Mode: retrieval.SearchLexical})
	if err != nil || len(ps) != 1 || ps[0].Article.ID != "volcano" {
		t.Errorf("query with FTS syntax = %+v, %v; want the Etna passage", ps, err)
	}
	if ix.Count() == 0 {
		t.Error("store emptied by a query")
	}
}

func TestQueryTerms(t *testing.T) {
	for in, want := range map[string]string{
		"How long did the call last?":     "long call last",
		`NEAR("x" y*) AND -z: Café café`:  "near x y z café",
		"the of and":                      "",
		"":                                "",
		"Shoigu's call":                   "shoigu call",
		"1964 Tokyo–Osaka":                "1964 tokyo osaka",
		"naïve résumé":                    "naïv résumé", // stemmed like the texts
		"北京 大学":                           "北京 大学",
		"talks talked talking":            "talk",
		strings.Repeat("word ", 10) + "z": "word z",
	} {
		if got := strings.Join(queryTerms(in), " "); got != want {
			t.Errorf("queryTerms(%q) = %q, want %q", in, got, want)
		}
	}
	var long strings.Builder
	for i := 0; i < 200; i++ {
		long.WriteString("w")
		long.WriteString(string(rune('a'+i%26)) + string(rune('a'+i/26)) + "x ")
	}
	if n := len(queryTerms(long.String())); n != maxQueryTerms {
		t.Errorf("%d terms kept, want the cap %d", n, maxQueryTerms)
	}
}

func TestSearchKClampedAndEmpty(t *testing.T) {
	ctx := context.Background()
	empty := openStore(t, t.TempDir(), newWordEmbedder(16), smallChunks)
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		ps, err := empty.Search(ctx, "anything at all", retrieval.SearchOptions{K: 5, Mode: mode})
		if err != nil || len(ps) != 0 {
			t.Errorf("empty store, %s: %v, %v; want nothing and no error", mode, ps, err)
		}
	}
	ix := ingestedStore(t)
	n := ix.Count()
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchVector} {
		ps, err := ix.Search(ctx, "bees trains volcano", retrieval.SearchOptions{K: 1000, Mode: mode})
		if err != nil {
			t.Fatalf("K > Count, %s: %v", mode, err)
		}
		if len(ps) != n {
			t.Errorf("K > Count, %s: %d passages, want all %d", mode, len(ps), n)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			k := docID(p.Article.ID, p.Chunk.Ordinal)
			if seen[k] {
				t.Errorf("%s: chunk %s returned twice", mode, k)
			}
			seen[k] = true
		}
	}
	ps, err := ix.Search(ctx, "volcano", retrieval.SearchOptions{})
	if err != nil || len(ps) != retrieval.DefaultK {
		t.Errorf("default K: %d passages, %v; want %d", len(ps), err, retrieval.DefaultK)
	}
	ix.Close()
	if _, err := ix.Search(ctx, "volcano", retrieval.SearchOptions{}); err == nil {
		t.Error("search on a closed index succeeded")
	}
}

func TestSearchPerArticleCapAndFilter(t *testing.T) {
	ctx := context.Background()
	ix := ingestedStore(t)
	ps, err := ix.Search(ctx, "volcano ash lava magma eruptions bees trains", retrieval.SearchOptions{K: 3, PerArticle: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("got %d passages, want 3", len(ps))
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Article.ID] {
			t.Errorf("article %s appears twice despite PerArticle 1", p.Article.ID)
		}
		seen[p.Article.ID] = true
	}
	uncapped, err := ix.Search(ctx, "volcano ash lava magma eruptions", retrieval.SearchOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range uncapped {
		if p.Article.ID != "volcano" {
			t.Errorf("uncapped volcano query returned %s; the cap test proves nothing", p.Article.ID)
		}
	}
	for _, mode := range []retrieval.SearchMode{retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector} {
		ps, err := ix.Search(ctx, "volcano ash trains", retrieval.SearchOptions{K: 10, ArticleID: "bees", Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Article.ID != "bees" {
				t.Errorf("%s: ArticleID filter let through %s", mode, p.Article.ID)
			}
		}
		if mode == retrieval.SearchVector && len(ps) == 0 {
			t.Errorf("vector search in one article found nothing")
		}
	}
	ps, err = ix.Search(ctx, "volcano", retrieval.SearchOptions{ArticleID: "no-such-article"})
	if err != nil || len(ps) != 0 {
		t.Errorf("unknown ArticleID: %v, %v", ps, err)
	}
}

func TestFuseWeighsLists(t *testing.T) {
	a := &candidate{e: &chunkEntry{rowid: 1}, lexRank: 1}
	b := &candidate{e: &chunkEntry{rowid: 2}, vecRank: 1}
	c := &candidate{e: &chunkEntry{rowid: 3}, lexRank: 2, vecRank: 2}
	cands := []*candidate{b, a, c}
	fuse(cands, FusionOptions{LexicalWeight: 1, VectorWeight: 1, RRFK: 60})
	if cands[0] != c {
		t.Errorf("equal weights: a chunk both lists found should win")
	}
	fuse(cands, FusionOptions{LexicalWeight: 1, VectorWeight: 0.1, RRFK: 1})
	if cands[0] != a || cands[2] != b {
		t.Errorf("lexical-heavy weights: order %d %d %d, want 1 3 2", cands[0].e.rowid, cands[1].e.rowid, cands[2].e.rowid)
	}
	if (FusionOptions{}).normalized() != DefaultFusionOptions() {
		t.Error("zero FusionOptions does not mean the defaults")
	}
}

func TestTermRarity(t *testing.T) {
	ctx := context.Background()
	ix := ingestedStore(t)
	stem := func(w string) string { return prose.Tokenize(w)[0] }
	bee, shinkansen, unknown := stem("bees"), stem("Shinkansen"), stem("zeppelin")
	r := ix.TermRarity([]string{bee, shinkansen, unknown})
	// "bees" is in the title of every bee chunk; "Shinkansen" in one
	// paragraph; "zeppelin" nowhere.
	if !(r[bee] < r[shinkansen] && r[shinkansen] < r[unknown]) {
		t.Fatalf("rarity bee %.3f, shinkansen %.3f, unknown %.3f: want rising", r[bee], r[shinkansen], r[unknown])
	}
	if r[bee] <= 0 {
		t.Errorf("a common term still weighs a little: got %v", r[bee])
	}

	// Removing the rail article makes "Shinkansen" as rare as a term never seen.
	var keep []retrieval.Article
	for _, a := range storeArticles() {
		if a.ID != "rail" {
			keep = append(keep, a)
		}
	}
	if _, err := ix.Ingest(ctx, keep, IngestOptions{Prune: true}); err != nil {
		t.Fatal(err)
	}
	r = ix.TermRarity([]string{shinkansen, unknown})
	if r[shinkansen] != r[unknown] {
		t.Errorf("after removal: shinkansen %.3f, unknown %.3f; want equal", r[shinkansen], r[unknown])
	}
}
