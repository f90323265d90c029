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
	eng, err := NewEngine(Config{Retriever: newMemRetriever(t, shared, mine, theirs)})
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
