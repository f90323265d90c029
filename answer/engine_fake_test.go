package answer

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/retrieval"
	articlefile "github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/prose"
	"github.com/citebot/citebot/seeds"
)

// memRetriever is an in-memory Retriever for tests: articles split with the
// real splitter, ranked by plain BM25 over prose.Tokenize with the
// title prepended. It stands in for the index so engine tests do not need
// a store on disk.
type memRetriever struct {
	articles []retrieval.Article
	chunks   []retrieval.Chunk
	tfs      []map[string]int
	lens     []int
	df       map[string]int
	avg      float64
	searches atomic.Int64
	mu       sync.Mutex
	queries  []string
	// fail, if set, is returned by Search.
	fail error
}

func newMemRetriever(t testing.TB, articles ...retrieval.Article) *memRetriever {
	t.Helper()
	m := &memRetriever{df: make(map[string]int)}
	sort.Slice(articles, func(i, j int) bool { return articles[i].ID < articles[j].ID })
	m.articles = articles
	total := 0
	for _, a := range articles {
		for _, c := range retrieval.Split(a, retrieval.ChunkOptions{}) {
			tf := make(map[string]int)
			toks := prose.Tokenize(a.Title + "\n" + c.Text)
			for _, tok := range toks {
				tf[tok]++
			}
			for tok := range tf {
				m.df[tok]++
			}
			m.chunks = append(m.chunks, c)
			m.tfs = append(m.tfs, tf)
			m.lens = append(m.lens, len(toks))
			total += len(toks)
		}
	}
	if len(m.chunks) > 0 {
		m.avg = float64(total) / float64(len(m.chunks))
	}
	return m
}

func (m *memRetriever) meta(id string) retrieval.Article {
	for _, a := range m.articles {
		if a.ID == id {
			a.Body = ""
			return a
		}
	}
	return retrieval.Article{ID: id}
}

func (m *memRetriever) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	m.searches.Add(1)
	m.mu.Lock()
	m.queries = append(m.queries, query)
	m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := float64(len(m.chunks))
	terms := uniqueTerms(prose.Tokenize(query))
	type hit struct {
		i     int
		score float64
	}
	var hits []hit
	for i, tf := range m.tfs {
		if opts.ArticleID != "" && m.chunks[i].ArticleID != opts.ArticleID {
			continue
		}
		s := 0.0
		for _, t := range terms {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(m.df[t])+0.5)/(float64(m.df[t])+0.5))
			s += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(m.lens[i])/m.avg))
		}
		if s > 0 {
			hits = append(hits, hit{i, s})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	k := opts.K
	if k <= 0 {
		k = 5
	}
	var out []retrieval.Passage
	per := make(map[string]int)
	for _, h := range hits {
		c := m.chunks[h.i]
		if opts.PerArticle > 0 && per[c.ArticleID] >= opts.PerArticle {
			continue
		}
		per[c.ArticleID]++
		out = append(out, retrieval.Passage{Article: m.meta(c.ArticleID), Chunk: c, Score: h.score,
			LexicalScore: h.score, LexicalRank: len(out) + 1})
		if len(out) == k {
			break
		}
	}
	return out, nil
}

// lastQuery returns the most recent search query.
func (m *memRetriever) lastQuery() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queries) == 0 {
		return ""
	}
	return m.queries[len(m.queries)-1]
}

func (m *memRetriever) Article(ctx context.Context, id string) (retrieval.Article, error) {
	for _, a := range m.articles {
		if a.ID == id {
			return a, nil
		}
	}
	return retrieval.Article{}, fmt.Errorf("article %s: not found", id)
}

func (m *memRetriever) Articles(ctx context.Context) ([]retrieval.Article, error) {
	out := make([]retrieval.Article, len(m.articles))
	for i, a := range m.articles {
		a.Body = ""
		out[i] = a
	}
	return out, nil
}

func (m *memRetriever) Chunks(ctx context.Context, id string) ([]retrieval.Chunk, error) {
	var out []retrieval.Chunk
	for _, c := range m.chunks {
		if c.ArticleID == id {
			out = append(out, c)
		}
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

// offlineEngine returns an engine without LLM over the articles.
func offlineEngine(t testing.TB, articles ...retrieval.Article) (*Engine, *memRetriever) {
	t.Helper()
	r := newMemRetriever(t, articles...)
	e, err := NewEngine(Config{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	return e, r
}

// fixedRetriever returns the same passages for every query, so a test
// controls exactly which passage is [1] .. [n].
type fixedRetriever struct {
	passages []retrieval.Passage
	*memRetriever
}

func newFixedRetriever(t testing.TB, ps []retrieval.Passage) *fixedRetriever {
	var arts []retrieval.Article
	seen := make(map[string]bool)
	for _, p := range ps {
		if !seen[p.Article.ID] {
			seen[p.Article.ID] = true
			a := p.Article
			a.Body = p.Chunk.Text
			arts = append(arts, a)
		}
	}
	return &fixedRetriever{passages: ps, memRetriever: newMemRetriever(t, arts...)}
}

func (f *fixedRetriever) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	f.searches.Add(1)
	f.mu.Lock()
	f.queries = append(f.queries, query)
	f.mu.Unlock()
	if opts.K > 0 && opts.K < len(f.passages) {
		return f.passages[:opts.K], nil
	}
	return f.passages, nil
}
