package retrieval

import "context"

// Embedder turns texts into vectors. Implementations take whole batches so
// that remote embedders can send one request per batch instead of one per
// text (chromem's own embedding functions do the latter).
type Embedder interface {
	// Name identifies the kind of embedder ("local", "openai"); together
	// with Model and the vector dimension it is recorded in the store's
	// manifest, and a change triggers a full re-embed.
	Name() string
	// Model names the model (or, for the local embedder, its feature
	// settings) so that two incompatible configurations never mix.
	Model() string
	// EmbedDocuments embeds chunk texts. The result has one vector per
	// input, in input order, all of the same dimension.
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	// EmbedQuery embeds a search query. Some models (nomic-embed-text)
	// want a different prefix for queries than for documents.
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
}
