// Package retrieval holds the domain types every other package speaks
// (Article, Chunk, Passage, Scope, SearchOptions), chunking (Split), article
// IDs, the Embedder interface and the built-in local embedder. It has no
// outside dependencies, so that the bot and the answer engine can use the
// types without linking SQLite, chromem or an HTTP client. Its subpackages
// own one concern each: prose (text primitives), article (parsing, loading
// and fetching article files), index (the durable store plus the in-memory
// vector and lexical indexes, and hybrid search), library (which articles
// the index holds: the seeds plus those added, kept in step with it).
package retrieval

// Article is one source document. The file it came from is the source of
// truth; everything derived from it (chunks, vectors) can be rebuilt.
type Article struct {
	// ID is the file name without extension (for URLs, a slug of the URL).
	ID string `json:"id"`
	// Title is the human title, from front matter or the first "# " line.
	Title string `json:"title"`
	// Source is where the article came from (a URL), if the text says so.
	Source string `json:"source,omitempty"`
	// Publisher is the outlet that owns the article, if stated.
	Publisher string `json:"publisher,omitempty"`
	// Author is the byline, if stated.
	Author string `json:"author,omitempty"`
	// Published is the publication date as written (ideally YYYY-MM-DD).
	Published string `json:"published,omitempty"`
	// License is the licence line, if any.
	License string `json:"license,omitempty"`
	// Body is the article text after the header/front matter. Chunk
	// offsets are byte offsets into Body.
	Body string `json:"-"`
	// Origin is where the library got a saved copy from: the URL fetched
	// or the file copied. It tells a new version of the same source (which
	// replaces the article) from another source whose name makes the same
	// ID (which gets an ID of its own). Not part of the hash.
	Origin string `json:"origin,omitempty"`
	// Scope is the library the article belongs to: Shared, or one server's.
	Scope Scope `json:"scope,omitempty"`
	// Path is the file the article was loaded from ("" for embedded seeds).
	Path string `json:"path,omitempty"`
	// Hash is the hex SHA-256 of the metadata and body; ingest uses it to
	// skip unchanged articles.
	Hash string `json:"-"`
}

// Chunk is a contiguous span of an article body, the unit of retrieval.
type Chunk struct {
	ArticleID string `json:"article_id"`
	// Ordinal is the chunk's position within its article, from 0.
	Ordinal int `json:"chunk"`
	// Start and End are byte offsets into Article.Body: Body[Start:End] == Text.
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Passage is one search result: a chunk with the article it belongs to and
// the scores that ranked it.
type Passage struct {
	Article Article `json:"article"`
	Chunk   Chunk   `json:"chunk"`
	// Score is the fused score used for ranking (higher is better).
	Score float64 `json:"score"`
	// VectorScore is the cosine similarity from chromem (0 when the chunk
	// was found only lexically); VectorRank is its 1-based rank (0 = absent).
	VectorScore float64 `json:"vector_score"`
	VectorRank  int     `json:"vector_rank"`
	// LexicalScore is the BM25 score (higher is better, 0 when absent);
	// LexicalRank its 1-based rank (0 = absent).
	LexicalScore float64 `json:"lexical_score"`
	LexicalRank  int     `json:"lexical_rank"`
}
