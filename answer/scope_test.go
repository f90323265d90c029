package answer

import (
	"context"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// A view sees the shared library plus its own server's articles, never
// another server's; the engine itself sees the shared library only.
func TestEngineInScopesArticles(t *testing.T) {
	shared := retrieval.Article{ID: "shared", Title: "Shared", Body: "The shared article about rivers."}
	mine := retrieval.Article{ID: "mine", Title: "Mine", Scope: retrieval.GuildScope("g1"), Body: "The first server's article about lakes."}
	theirs := retrieval.Article{ID: "theirs", Title: "Theirs", Scope: retrieval.GuildScope("g2"), Body: "The second server's article about seas."}
	eng, err := NewEngine(Config{Retriever: realRetriever(t, shared, mine, theirs)})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(e *Engine) []string {
		as, err := e.Articles(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	cases := []struct {
		name string
		eng  *Engine
		want []string
	}{
		{"shared view", eng, []string{"shared"}},
		{"server g1", eng.In(retrieval.GuildScope("g1")), []string{"shared", "mine"}},
		{"server g2", eng.In(retrieval.GuildScope("g2")), []string{"shared", "theirs"}},
	}
	for _, c := range cases {
		got := ids(c.eng)
		if len(got) != len(c.want) {
			t.Fatalf("%s: articles %v, want %v", c.name, got, c.want)
		}
		seen := map[string]bool{}
		for _, id := range got {
			seen[id] = true
		}
		for _, id := range c.want {
			if !seen[id] {
				t.Fatalf("%s: articles %v, want %v", c.name, got, c.want)
			}
		}
	}
	if _, err := eng.In(retrieval.GuildScope("g2")).ResolveArticle(context.Background(), "mine"); err == nil {
		t.Fatal("server g2 resolved server g1's article")
	}
}

// scopeRecorder records the scope of every search.
type scopeRecorder struct {
	*fixedRetriever
	scopes []retrieval.Scope
}

func (r *scopeRecorder) Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error) {
	r.scopes = append(r.scopes, opts.Scope)
	return r.fixedRetriever.Search(ctx, query, opts)
}

// A view's searches carry its scope, also when an evaluation asks for
// another K and so runs on an engine of its own.
func TestEngineInScopesSearch(t *testing.T) {
	ctx := context.Background()
	r := &scopeRecorder{fixedRetriever: newFixedRetriever(testPassages())}
	eng, err := NewEngine(Config{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	g1 := retrieval.GuildScope("g1")
	if _, err := eng.In(g1).Search(ctx, "ceasefire", 0); err != nil {
		t.Fatal(err)
	}
	items := []EvalItem{{ID: "1", Question: "What ceasefire did Austin urge?", Answers: []string{"immediate ceasefire"}}}
	for _, opts := range []EvalOptions{{K: 2, RetrievalOnly: true}, {K: 3}} {
		rep, err := Evaluate(ctx, eng.In(g1), items, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.K != opts.K {
			t.Errorf("report K %d, want %d", rep.K, opts.K)
		}
	}
	if len(r.scopes) != 3 {
		t.Fatalf("%d searches, want 3", len(r.scopes))
	}
	for i, s := range r.scopes {
		if s != g1 {
			t.Errorf("search %d ran in scope %q, want %q", i, s, g1)
		}
	}
}
