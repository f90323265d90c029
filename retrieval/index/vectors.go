package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/retrieval"
)

// vectorSet is the vector half of the index: one in-memory chromem
// collection per scope. A question scans only the collections its view
// may read (the shared one, plus its server's), so a server's question
// costs what the visible library holds, and the shared view needs no
// metadata filter (chromem's filters test every document's metadata,
// which measured about 40% on top of the scan at 100k chunks).
type vectorSet struct {
	byScope map[retrieval.Scope]*chromem.Collection
}

func newVectorSet() *vectorSet {
	return &vectorSet{byScope: map[retrieval.Scope]*chromem.Collection{}}
}

// refuseEmbedding is every collection's embedding function. chromem falls
// back to OpenAI when it is nil; every vector we add is precomputed, so
// being called at all is a bug that must not turn into a network call.
func refuseEmbedding(context.Context, string) ([]float32, error) {
	return nil, fmt.Errorf("index: chromem asked to embed a text; vectors must be precomputed")
}

// coll returns scope's collection, created on first use.
func (v *vectorSet) coll(scope retrieval.Scope) *chromem.Collection {
	c := v.byScope[scope]
	if c == nil {
		var err error
		c, err = chromem.NewDB().CreateCollection("chunks", nil, refuseEmbedding)
		if err != nil { // only fails for persistent DBs
			panic(fmt.Sprintf("create in-memory chromem collection: %v", err))
		}
		v.byScope[scope] = c
	}
	return c
}

// add stores a chunk's vector in the collection of its article's scope.
func (v *vectorSet) add(ctx context.Context, scope retrieval.Scope, d chromem.Document) error {
	return v.coll(scope).AddDocument(ctx, d)
}

// delete drops chunks of an article in scope.
func (v *vectorSet) delete(scope retrieval.Scope, ids ...string) {
	if c := v.byScope[scope]; c != nil && len(ids) > 0 {
		// Delete only fails without IDs and filters.
		_ = c.Delete(context.Background(), nil, nil, ids...)
	}
}

// count is the number of vectors in all collections.
func (v *vectorSet) count() int {
	n := 0
	for _, c := range v.byScope {
		n += c.Count()
	}
	return n
}

// query returns the n nearest chunks among the collections of scopes
// (each queried exactly, clamped to its size as chromem requires), merged
// by similarity. where, if not nil, filters by metadata.
func (v *vectorSet) query(ctx context.Context, qv []float32, n int, scopes []retrieval.Scope, where map[string]string) ([]chromem.Result, error) {
	var out []chromem.Result
	for _, s := range scopes {
		c := v.byScope[s]
		if c == nil || c.Count() == 0 {
			continue
		}
		res, err := c.QueryEmbedding(ctx, qv, min(n, c.Count()), where, nil)
		if err != nil {
			return nil, fmt.Errorf("search: vector query: %w", err)
		}
		out = append(out, res...)
	}
	if len(scopes) > 1 {
		slices.SortStableFunc(out, func(a, b chromem.Result) int { return cmp.Compare(b.Similarity, a.Similarity) })
		out = out[:min(n, len(out))]
	}
	return out, nil
}
