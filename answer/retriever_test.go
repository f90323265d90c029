package answer

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/retrieval"
	articlefile "github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/seeds"
)

// realRetriever returns the production index over articles, built in a
// temp dir with the local embedder: hybrid search, per-article caps,
// scopes and TermRarity as Ask and Summarize meet them in production. It
// takes milliseconds, so engine tests use it rather than a second search
// engine written for the tests.
func realRetriever(t testing.TB, articles ...retrieval.Article) *index.Index {
	t.Helper()
	ctx := context.Background()
	ix, err := index.Open(ctx, index.Config{DataDir: t.TempDir(), Embedder: retrieval.NewLocalEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if _, err := ix.Ingest(ctx, articles, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return ix
}

// The extractive reader weighs question words by library-wide rarity when
// the retriever offers it; the index must, or the production path would
// silently fall back to rarity among the retrieved sentences.
var (
	_ termRarer = (*index.Index)(nil)
	_ termRarer = (*spyIndex)(nil)
)

// spyIndex is the real index that also records the queries it is asked
// and counts TermRarity calls, and fails every search while fail is set.
type spyIndex struct {
	*index.Index
	searches    atomic.Int64
	rarityCalls atomic.Int64
	mu          sync.Mutex
	queries     []string
	fail        error
}

func newSpyIndex(t testing.TB, articles ...retrieval.Article) *spyIndex {
	t.Helper()
	return &spyIndex{Index: realRetriever(t, articles...)}
}

func (s *spyIndex) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	s.searches.Add(1)
	s.mu.Lock()
	s.queries = append(s.queries, query)
	s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Index.Search(ctx, query, opts)
}

func (s *spyIndex) TermRarity(terms []string) map[string]float64 {
	s.rarityCalls.Add(1)
	return s.Index.TermRarity(terms)
}

// lastQuery returns the most recent search query.
func (s *spyIndex) lastQuery() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queries) == 0 {
		return ""
	}
	return s.queries[len(s.queries)-1]
}

// offlineEngine returns an engine without LLM over the real index of the
// articles.
func offlineEngine(t testing.TB, articles ...retrieval.Article) (*Engine, *spyIndex) {
	t.Helper()
	r := newSpyIndex(t, articles...)
	e, err := NewEngine(Config{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	return e, r
}

// fixedRetriever returns the same passages for every query. Tests of the
// citation, refusal and evaluation logic use it where they must control
// exactly which passage is [1] .. [n], independent of ranking.
type fixedRetriever struct {
	passages []retrieval.Passage
	// articles hold, by ID, each article's first passage as its body.
	articles []retrieval.Article
}

func newFixedRetriever(ps []retrieval.Passage) *fixedRetriever {
	f := &fixedRetriever{passages: ps}
	seen := make(map[string]bool)
	for _, p := range ps {
		if !seen[p.Article.ID] {
			seen[p.Article.ID] = true
			a := p.Article
			a.Body = p.Chunk.Text
			f.articles = append(f.articles, a)
		}
	}
	return f
}

func (f *fixedRetriever) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	if opts.K > 0 && opts.K < len(f.passages) {
		return f.passages[:opts.K], nil
	}
	return f.passages, nil
}

func (f *fixedRetriever) Article(ctx context.Context, id string) (retrieval.Article, error) {
	for _, a := range f.articles {
		if a.ID == id {
			return a, nil
		}
	}
	return retrieval.Article{}, index.ErrArticleNotFound
}

func (f *fixedRetriever) Articles(ctx context.Context) ([]retrieval.Article, error) {
	out := make([]retrieval.Article, len(f.articles))
	for i, a := range f.articles {
		a.Body = ""
		out[i] = a
	}
	return out, nil
}

// seedArticles loads the embedded seed articles.
func seedArticles(t testing.TB) []retrieval.Article {
	t.Helper()
	as, err := articlefile.LoadFS(seeds.FS, articlefile.LoadOptions{}, func(p string, err error) { t.Errorf("seed %s: %v", p, err) })
	if err != nil || len(as) == 0 {
		t.Fatalf("load seeds: %v (%d articles)", err, len(as))
	}
	return as
}

// article builds a small article with paragraphs joined by blank lines.
func article(id, title string, paras ...string) retrieval.Article {
	return retrieval.Article{ID: id, Title: title, Author: "A. Writer", Source: "https://example.com/" + id,
		Body: strings.Join(paras, "\n\n")}
}
