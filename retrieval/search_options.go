package retrieval

import "time"

// MaxK is the most passages one search returns: more is never useful to a
// reader or a prompt, and an unbounded k turns one request into megabytes
// of output.
const MaxK = 100

// DefaultK is the number of passages Search returns when SearchOptions.K
// is not set.
const DefaultK = 5

// SearchMode chooses the retrievers Search uses.
type SearchMode string

const (
	// SearchHybrid fuses vector and lexical results (the default, "").
	SearchHybrid SearchMode = "hybrid"
	// SearchLexical uses BM25 only.
	SearchLexical SearchMode = "lexical"
	// SearchVector uses the embedding similarity only.
	SearchVector SearchMode = "vector"
)

// SearchOptions tunes one Search call; the zero value asks for DefaultK
// hybrid results over all articles.
type SearchOptions struct {
	// K is the number of passages wanted (0 = DefaultK), clamped to Count.
	K int
	// PerArticle caps how many passages one article may contribute, so one
	// long article cannot fill every slot (0 = no cap).
	PerArticle int
	// Scope is the view the question is asked from: only articles it Sees
	// are searched (the zero value, Shared, sees the shared library only).
	Scope Scope
	// ArticleID restricts the search to one article ("" = all).
	ArticleID string
	// Mode selects hybrid (default), lexical-only or vector-only search;
	// the single-retriever modes exist for evaluation and debugging.
	Mode SearchMode
	// Since and Until bound the articles searched by their published time
	// (Article.PublishedTime): Since inclusive, Until exclusive; the zero
	// time leaves that side open. An article without a readable date never
	// matches a bounded window.
	Since, Until time.Time
}

// Windowed reports whether Since or Until bounds the search.
func (o SearchOptions) Windowed() bool { return !o.Since.IsZero() || !o.Until.IsZero() }

// InWindow reports whether an article published at t (ok false: undated)
// falls inside the options' window; with no window everything does.
func (o SearchOptions) InWindow(t time.Time, ok bool) bool {
	if !o.Windowed() {
		return true
	}
	if !ok {
		return false
	}
	if !o.Since.IsZero() && t.Before(o.Since) {
		return false
	}
	if !o.Until.IsZero() && !t.Before(o.Until) {
		return false
	}
	return true
}
