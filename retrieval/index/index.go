// Package index is the searchable library: the durable SQLite store of
// articles, chunks and vectors, and the in-memory structures built from it
// (a chromem collection for vector search, a BM25 lexical index), with
// hybrid search over both. Every change is committed to the store first and
// then applied to memory (commit-then-apply), so a search never sees half
// an article. It is the only package that imports chromem-go.
package index

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/citebot/citebot/retrieval"
	chromem "github.com/philippgille/chromem-go"
)

// Index is the durable store plus the in-memory search structures built
// from it: a chromem collection with every chunk vector and a map from
// chunk keys to chunk and article metadata, so that search results need no
// SQL round trip. It is safe for concurrent use; ingests are serialised.
type Index struct {
	cfg  Config
	log  *slog.Logger
	db   *sql.DB
	path string

	// ingestMu serialises Ingest calls (and the manifest they rewrite).
	ingestMu sync.Mutex
	manifest manifest
	// groupTexts is the number of chunk texts per embedding call and
	// transaction (tests make it small to get many transactions).
	groupTexts int
	// beforeCommit, when set (tests only), runs inside each ingest
	// transaction just before it commits: a crash image taken there must
	// open as the old state.
	beforeCommit func()
	// vectorsStale is set by a query that found the embedder's vectors
	// changed size; the next Ingest re-embeds everything.
	vectorsStale atomic.Bool

	// mu guards the fields below: a query holds it for reading while it
	// reads chromem and the maps, an ingest holds it for writing while it
	// brings both in step with a committed transaction.
	mu       sync.RWMutex
	closed   bool
	coll     *chromem.Collection
	lex      *lexicalIndex
	dim      int                      // dimension of the vectors in coll, 0 when empty
	byRow    map[int64]*chunkEntry    // chunks.id → chunk
	byDoc    map[string]*chunkEntry   // chromem document ID → chunk
	articles map[string]*articleEntry // article ID → metadata and chunks
}

// chunkEntry is one indexed chunk as search results need it.
type chunkEntry struct {
	rowid   int64
	slot    int32 // in the lexical index
	docID   string
	article *articleEntry
	chunk   retrieval.Chunk
}

// articleEntry is an article's metadata (Body empty) and its chunks in
// ordinal order.
type articleEntry struct {
	meta   retrieval.Article
	chunks []*chunkEntry
}

func newIndex(cfg Config, db *sql.DB, path string) *Index {
	return &Index{
		cfg:        cfg,
		log:        cfg.Logger,
		db:         db,
		path:       path,
		groupTexts: groupTexts,
		coll:       newCollection(),
		lex:        newLexicalIndex(),
		byRow:      map[int64]*chunkEntry{},
		byDoc:      map[string]*chunkEntry{},
		articles:   map[string]*articleEntry{},
	}
}

// refuseEmbedding is the collection's embedding function. chromem falls
// back to OpenAI when it is nil; every vector we add is precomputed, so
// being called at all is a bug that must not turn into a network call.
func refuseEmbedding(context.Context, string) ([]float32, error) {
	return nil, errors.New("retrieval: chromem asked to embed a text; vectors must be precomputed")
}

func newCollection() *chromem.Collection {
	c, err := chromem.NewDB().CreateCollection("chunks", nil, refuseEmbedding)
	if err != nil { // only fails for persistent DBs
		panic(fmt.Sprintf("create in-memory chromem collection: %v", err))
	}
	return c
}

// docID names a chunk in chromem.
func docID(articleID string, ordinal int) string {
	return articleID + "#" + strconv.Itoa(ordinal)
}

// encodeVector stores a vector as little-endian float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// decodeVector fills dst from little-endian float32s; len(b) must be
// 4*len(dst).
func decodeVector(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// vectorsUsable reports whether the stored vectors were made with the
// configured embedder and chunker.
func (ix *Index) vectorsUsable(m manifest) bool {
	return m.Dimension > 0 && m.Embedder == ix.cfg.Embedder.Name() &&
		m.Model == ix.cfg.Embedder.Model() && m.Chunker == ix.cfg.Chunking.String()
}

// load reads all articles and chunks into memory and, when the manifest
// matches the configured embedder, all vectors into chromem.
func (ix *Index) load(ctx context.Context) error {
	rows, err := ix.db.QueryContext(ctx,
		"SELECT id, title, source, publisher, author, published, license, path, hash FROM articles")
	if err != nil {
		return fmt.Errorf("load articles: %w", err)
	}
	for rows.Next() {
		var a retrieval.Article
		if err := rows.Scan(&a.ID, &a.Title, &a.Source, &a.Publisher, &a.Author, &a.Published,
			&a.License, &a.Path, &a.Hash); err != nil {
			rows.Close()
			return fmt.Errorf("load articles: %w", err)
		}
		ix.articles[a.ID] = &articleEntry{meta: a}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load articles: %w", err)
	}

	withVectors := ix.vectorsUsable(ix.manifest)
	if !withVectors && ix.manifest.Dimension > 0 {
		ix.log.Info("stored vectors were made with another embedder or chunker; the next ingest re-embeds them",
			"stored", ix.manifest.describe(),
			"configured", describeEmbedder(ix.cfg.Embedder.Name(), ix.cfg.Embedder.Model(), 0, ix.cfg.Chunking.String()))
	}
	var n int
	if err := ix.db.QueryRowContext(ctx, "SELECT count(*) FROM chunks").Scan(&n); err != nil {
		return fmt.Errorf("load chunks: %w", err)
	}
	dim := ix.manifest.Dimension
	var slab []float32
	var docs []chromem.Document
	if withVectors {
		slab = make([]float32, n*dim)
		docs = make([]chromem.Document, 0, n)
	}
	query := "SELECT id, article_id, ordinal, start_off, end_off, text FROM chunks"
	if withVectors {
		// Scanned in rowid order (the table's own order, no index lookups);
		// each article's chunks are sorted by ordinal afterwards.
		query = "SELECT id, article_id, ordinal, start_off, end_off, text, vector FROM chunks"
	}
	rows, err = ix.db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("load chunks: %w", err)
	}
	defer rows.Close()

	// The lexical index is built by a second goroutine while this one
	// reads rows and decodes vectors: tokenizing is the other half of the
	// work, and the two overlap on separate cores.
	batches := make(chan []*chunkEntry, 16)
	lexDone := make(chan struct{})
	go func() {
		defer close(lexDone)
		for batch := range batches {
			for _, e := range batch {
				ix.lex.add(e, termCounts(e.article.meta.Title, e.chunk.Text))
			}
		}
	}()
	scanErr := ix.scanChunks(rows, n, dim, withVectors, slab, &docs, batches)
	close(batches)
	if scanErr == nil && withVectors {
		// While the lexical indexer catches up. A plain loop: chromem's
		// AddDocuments starts a goroutine per document and measured 2.5x
		// slower for 100k documents (BenchmarkChromemLoad).
		for _, d := range docs {
			if err := ix.coll.AddDocument(ctx, d); err != nil {
				scanErr = fmt.Errorf("load vectors into chromem: %w", err)
				break
			}
		}
		ix.dim = dim
	}
	<-lexDone
	if scanErr != nil {
		return scanErr
	}
	for _, ae := range ix.articles {
		sortChunks(ae.chunks)
	}
	return nil
}

// scanChunks reads the chunk rows into memory, decodes the vectors into
// slab (one allocation for all of them) as chromem documents, and hands
// the entries in batches to the lexical indexer.
func (ix *Index) scanChunks(rows *sql.Rows, n, dim int, withVectors bool, slab []float32,
	docs *[]chromem.Document, batches chan<- []*chunkEntry) error {
	const batchSize = 256
	metas := map[string]map[string]string{}
	var blob sql.RawBytes
	batch := make([]*chunkEntry, 0, batchSize)
	i := 0
	for rows.Next() {
		e := &chunkEntry{}
		var articleID string
		dest := []any{&e.rowid, &articleID, &e.chunk.Ordinal, &e.chunk.Start, &e.chunk.End, &e.chunk.Text}
		if withVectors {
			dest = append(dest, &blob)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("load chunks: %w", err)
		}
		ae := ix.articles[articleID]
		if ae == nil || i >= n {
			return fmt.Errorf("%w: chunk %d of unknown article %q", errCorrupt, e.rowid, articleID)
		}
		e.article = ae
		e.chunk.ArticleID = articleID
		e.docID = docID(articleID, e.chunk.Ordinal)
		ae.chunks = append(ae.chunks, e)
		ix.byRow[e.rowid] = e
		ix.byDoc[e.docID] = e
		if withVectors {
			if len(blob) != 4*dim {
				return fmt.Errorf("%w: chunk %s has a %d-byte vector, want %d dims", errCorrupt, e.docID, len(blob), dim)
			}
			v := slab[i*dim : (i+1)*dim : (i+1)*dim]
			decodeVector(v, blob)
			meta := metas[articleID]
			if meta == nil {
				meta = map[string]string{"article": articleID}
				metas[articleID] = meta
			}
			*docs = append(*docs, chromem.Document{ID: e.docID, Metadata: meta, Embedding: v})
		}
		batch = append(batch, e)
		if len(batch) == batchSize {
			batches <- batch
			batch = make([]*chunkEntry, 0, batchSize)
		}
		i++
	}
	if len(batch) > 0 {
		batches <- batch
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load chunks: %w", err)
	}
	return nil
}

func sortChunks(cs []*chunkEntry) {
	slices.SortFunc(cs, func(a, b *chunkEntry) int { return a.chunk.Ordinal - b.chunk.Ordinal })
}

// Count returns the number of chunks indexed.
func (ix *Index) Count() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byRow)
}

// Articles lists the stored articles, metadata only (Body empty), sorted by
// ID.
func (ix *Index) Articles(ctx context.Context) ([]retrieval.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]retrieval.Article, 0, len(ix.articles))
	for _, ae := range ix.articles {
		a := ae.meta
		a.Hash = ""
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b retrieval.Article) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Article returns one stored article with its Body, or an error wrapping
// ErrArticleNotFound.
func (ix *Index) Article(ctx context.Context, id string) (retrieval.Article, error) {
	var a retrieval.Article
	err := ix.db.QueryRowContext(ctx,
		"SELECT id, title, source, publisher, author, published, license, path, body FROM articles WHERE id = ?", id).
		Scan(&a.ID, &a.Title, &a.Source, &a.Publisher, &a.Author, &a.Published, &a.License, &a.Path, &a.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return retrieval.Article{}, fmt.Errorf("article %q: %w", id, ErrArticleNotFound)
	}
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("read article %q: %w", id, err)
	}
	return a, nil
}

// Chunks returns an article's chunks in order, or an error wrapping
// ErrArticleNotFound.
func (ix *Index) Chunks(ctx context.Context, articleID string) ([]retrieval.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	ae := ix.articles[articleID]
	if ae == nil {
		return nil, fmt.Errorf("article %q: %w", articleID, ErrArticleNotFound)
	}
	out := make([]retrieval.Chunk, len(ae.chunks))
	for i, e := range ae.chunks {
		out[i] = e.chunk
	}
	return out, nil
}
