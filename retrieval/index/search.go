package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/citebot/citebot/retrieval"
	chromem "github.com/philippgille/chromem-go"
)

// minCandidates is how deep each retriever is read before fusion: the
// per-article cap and fusion itself need more than K candidates, and a
// chunk ranked 40th by one retriever can still win with the other's vote.
const minCandidates = 50

// Search returns up to K passages for the query, best first. Vector and
// lexical retrieval run concurrently and are fused (see FusionOptions).
// Both retrievers see only the articles opts.Scope may read (and only
// opts.ArticleID when set), so k stays exact however large another
// server's library is. An empty index, an empty query or a query with no
// searchable word gives no passages and no error; the query is plain text
// (there is no query syntax: quotes, *, NEAR(, AND, - are just characters).
func (ix *Index) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	plan, err := ix.plan(query, opts)
	if err != nil || plan.k == 0 {
		return nil, err
	}
	var qv []float32
	if plan.mode != retrieval.SearchLexical {
		if qv, err = ix.queryVector(ctx, query); err != nil {
			return nil, err
		}
		if plan.mode == retrieval.SearchVector && qv == nil && ix.vectorsStale.Load() {
			return nil, errors.New("search: the embedder's vectors changed size; ingest again to re-embed")
		}
	}
	// The read lock covers both retrievers (the lexical one runs in a
	// goroutine under this same lock) and the assembly of the passages.
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, errors.New("search: index is closed")
	}
	cands, err := ix.retrieve(ctx, query, qv, plan, opts)
	if err != nil {
		return nil, err
	}
	fuse(cands, ix.cfg.Fusion.normalized())
	return pick(cands, plan.k, opts.PerArticle), nil
}

// searchPlan is what Search works out before it takes the read lock.
type searchPlan struct {
	mode  retrieval.SearchMode
	k     int // passages wanted, clamped to the chunk count; 0 = none
	depth int // candidates read from each retriever
}

func (ix *Index) plan(query string, opts retrieval.SearchOptions) (searchPlan, error) {
	p := searchPlan{mode: opts.Mode}
	switch p.mode {
	case "":
		p.mode = retrieval.SearchHybrid
	case retrieval.SearchHybrid, retrieval.SearchLexical, retrieval.SearchVector:
	default:
		return p, fmt.Errorf("search: unknown mode %q", opts.Mode)
	}
	ix.mu.RLock()
	closed, total := ix.closed, ix.nChunks
	ix.mu.RUnlock()
	if closed {
		return p, errors.New("search: index is closed")
	}
	p.k = opts.K
	if p.k <= 0 {
		p.k = retrieval.DefaultK
	}
	p.k = min(p.k, total, retrieval.MaxK)
	if p.k == 0 || strings.TrimSpace(query) == "" {
		p.k = 0
		return p, nil
	}
	p.depth = max(4*p.k, minCandidates)
	if opts.PerArticle > 0 {
		p.depth = max(p.depth, 4*p.k*p.k/opts.PerArticle)
	}
	p.depth = min(p.depth, total)
	return p, nil
}

// retrieve runs the lexical and vector retrievers and merges their hits
// into fusion candidates. The caller holds ix.mu for reading.
func (ix *Index) retrieve(ctx context.Context, query string, qv []float32, p searchPlan, opts retrieval.SearchOptions) ([]*candidate, error) {
	// A date window is worked out once per article, before either
	// retriever runs: both then skip every chunk outside it, so k stays
	// exact however many articles fall outside the window.
	var inWindow map[*articleEntry]bool
	if opts.Windowed() {
		inWindow = ix.articlesInWindow(opts)
	}
	visible := func(e *chunkEntry) bool {
		if inWindow != nil {
			return inWindow[e.article]
		}
		return (opts.ArticleID == "" || e.chunk.ArticleID == opts.ArticleID) && opts.Scope.Sees(e.article.meta.Scope)
	}
	var lex []lexHit
	var done chan struct{}
	if p.mode != retrieval.SearchVector {
		done = make(chan struct{})
		go func() {
			defer close(done)
			lex = ix.lex.search(query, p.depth, visible)
			ix.lex.rescore(query, lex)
		}()
	}
	var vec []chromem.Result
	var vecErr error
	switch {
	case qv != nil && inWindow != nil:
		vec, vecErr = ix.windowVectorSearch(ctx, qv, p.depth, inWindow)
	case qv != nil:
		vec, vecErr = ix.vectorSearch(ctx, qv, p.depth, opts)
	}
	if done != nil {
		<-done
	}
	if vecErr != nil {
		return nil, vecErr
	}
	cands := make([]*candidate, 0, len(lex)+len(vec))
	byEntry := make(map[*chunkEntry]*candidate, len(lex)+len(vec))
	for i, h := range lex {
		c := &candidate{e: h.e, lexScore: h.bm25, lexRank: i + 1}
		byEntry[h.e] = c
		cands = append(cands, c)
	}
	for i, r := range vec {
		e := ix.entryFor(r.ID)
		if e == nil || !visible(e) {
			continue
		}
		c := byEntry[e]
		if c == nil {
			c = &candidate{e: e}
			byEntry[e] = c
			cands = append(cands, c)
		}
		c.vecScore = float64(r.Similarity)
		c.vecRank = i + 1
	}
	return cands, nil
}

// queryVector embeds the query, or returns nil when there is nothing to
// search with (no vectors loaded, or an all-zero query vector, which
// cannot be normalised).
func (ix *Index) queryVector(ctx context.Context, query string) ([]float32, error) {
	ix.mu.RLock()
	dim := ix.dim
	ix.mu.RUnlock()
	if dim == 0 {
		return nil, nil
	}
	qv, err := ix.cfg.Embedder.EmbedQuery(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("search: embed query: %w", err)
	}
	if len(qv) == 0 {
		return nil, errors.New("search: the embedder returned an empty query vector")
	}
	if len(qv) != dim {
		ix.markVectorsStale(ctx, dim, len(qv))
		return nil, nil
	}
	for _, f := range qv {
		if f != 0 {
			return qv, nil
		}
	}
	return nil, nil
}

// markVectorsStale handles an embedder whose vectors changed size under the
// same name and model (the manifest cannot tell): the stored vectors are
// useless with it. They are dropped from chromem, so search goes on
// lexically, and the manifest's dimension is cleared, so that the next
// Ingest (in this process or another) re-embeds everything.
func (ix *Index) markVectorsStale(ctx context.Context, stored, got int) {
	ix.mu.Lock()
	if ix.dim != stored { // an ingest re-embedded meanwhile
		ix.mu.Unlock()
		return
	}
	ix.vecs = newVectorSet()
	ix.dim = 0
	ix.mu.Unlock()
	ix.vectorsStale.Store(true)
	ix.log.Warn("the embedder now returns vectors of another size than the stored ones; vector search is off until the next ingest re-embeds",
		"embedder", ix.cfg.Embedder.Name(), "model", ix.cfg.Embedder.Model(), "stored_dims", stored, "query_dims", got)
	if err := ix.st.ForgetDimension(ctx); err != nil {
		ix.log.Warn("could not record the stale vectors in the manifest", "err", err.Error())
	}
}

// vectorSearch queries chromem for the n nearest chunks the search may
// see: the collections of the visible scopes (shared, plus the view's
// server), or the one article's. The caller holds ix.mu.
func (ix *Index) vectorSearch(ctx context.Context, qv []float32, n int, opts retrieval.SearchOptions) ([]chromem.Result, error) {
	if len(qv) != ix.dim { // the index was re-embedded since queryVector
		return nil, nil
	}
	if opts.ArticleID != "" {
		ae := ix.articles[opts.ArticleID]
		if ae == nil {
			return nil, nil
		}
		return ix.windowVectorSearch(ctx, qv, n, map[*articleEntry]bool{ae: true})
	}
	scopes := []retrieval.Scope{retrieval.Shared}
	if !opts.Scope.IsShared() {
		scopes = append(scopes, opts.Scope)
	}
	return ix.vecs.query(ctx, qv, n, scopes, nil)
}

// articlesInWindow returns the articles a windowed search may read: seen
// by opts.Scope, opts.ArticleID when set, and published inside
// opts.Since..opts.Until (undated ones never are). The caller holds ix.mu.
func (ix *Index) articlesInWindow(opts retrieval.SearchOptions) map[*articleEntry]bool {
	out := map[*articleEntry]bool{}
	for id, ae := range ix.articles {
		if opts.ArticleID != "" && id != opts.ArticleID {
			continue
		}
		if !opts.Scope.Sees(ae.meta.Scope) {
			continue
		}
		if opts.InWindow(ae.meta.PublishedTime()) {
			out[ae] = true
		}
	}
	return out
}

// windowVectorSearch is the exact vector search over the chunks of a set
// of articles (a date window, or one article): those are scored directly
// from the vectors the entries share with chromem (normalised; the
// similarity is the same dot product chromem's queries use), which needs
// no metadata filter scanning every document. The caller holds ix.mu.
func (ix *Index) windowVectorSearch(ctx context.Context, qv []float32, n int, allowed map[*articleEntry]bool) ([]chromem.Result, error) {
	if len(qv) != ix.dim || len(allowed) == 0 {
		return nil, nil
	}
	q := normalized(qv)
	var out []chromem.Result
	for ae := range allowed {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, ce := range ae.chunks {
			if len(ce.vec) != len(q) {
				continue
			}
			var sim float32
			for i, f := range ce.vec {
				sim += f * q[i]
			}
			out = append(out, chromem.Result{ID: ce.docID, Similarity: sim})
		}
	}
	slices.SortFunc(out, func(a, b chromem.Result) int {
		if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(n, len(out))], nil
}

// normalized returns v scaled to unit length (v itself when it is zero).
func normalized(v []float32) []float32 {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	if sum == 0 {
		return v
	}
	norm := float32(math.Sqrt(sum))
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = f / norm
	}
	return out
}

// pick takes the first k fused candidates, at most perArticle from one
// article (0 = no cap), and turns them into passages.
func pick(cands []*candidate, k, perArticle int) []retrieval.Passage {
	out := make([]retrieval.Passage, 0, k)
	taken := map[*articleEntry]int{}
	for _, c := range cands {
		if len(out) == k {
			break
		}
		if perArticle > 0 && taken[c.e.article] >= perArticle {
			continue
		}
		taken[c.e.article]++
		a := c.e.article.meta
		a.Hash = ""
		ch := c.e.chunk
		ch.Text = strings.Clone(ch.Text) // it may alias a segment's memory map
		out = append(out, retrieval.Passage{
			Article:      a,
			Chunk:        ch,
			Score:        c.score,
			VectorScore:  c.vecScore,
			VectorRank:   c.vecRank,
			LexicalScore: c.lexScore,
			LexicalRank:  c.lexRank,
		})
	}
	return out
}

// TermRarity tells how rare each term (a stem as Tokenize makes it) is
// across the whole library: ln(1 + (N+1)/(df+1)) over the N indexed chunks,
// df of which hold the term. The extractive answerer weighs question words
// with it: rarity among a handful of retrieved sentences would undervalue
// the very subject that retrieval matched on.
func (ix *Index) TermRarity(terms []string) map[string]float64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.lex.rarity(terms)
}
