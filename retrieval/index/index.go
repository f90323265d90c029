// Package index is the searchable library: the durable SQLite store of
// articles, chunks and vectors, and the in-memory structures built from it
// (a chromem collection for vector search, a BM25 lexical index), with
// hybrid search over both. Every change is committed to the store first and
// then applied to memory (commit-then-apply), so a search never sees half
// an article. It is the only package that imports chromem-go.
package index

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
	chromem "github.com/philippgille/chromem-go"
)

// Index is the durable store plus the in-memory search structures built
// from it: a chromem collection with every chunk vector and a map from
// chunk keys to chunk and article metadata, so that search results need no
// SQL round trip. It is safe for concurrent use; ingests are serialised.
type Index struct {
	cfg       Config
	log       *slog.Logger
	st        store.Store
	ownsStore bool

	// ingestMu serialises Ingest calls (and the manifest they rewrite).
	ingestMu sync.Mutex
	manifest store.Manifest
	// seq is the last change log entry this index has applied (see Sync).
	seq int64
	// beforeApply, when set (tests only), runs in Sync after the store was
	// read and before memory changes; an error stands for a crash there.
	beforeApply func() error
	// groupTexts is the number of chunk texts per embedding call and
	// transaction (tests make it small to get many transactions).
	groupTexts int
	// vectorsStale is set by a query that found the embedder's vectors
	// changed size; the next Ingest re-embeds everything.
	vectorsStale atomic.Bool

	// generation counts changes to memory (see Generation).
	generation atomic.Int64

	// mu guards the fields below: a query holds it for reading while it
	// reads chromem and the maps, an ingest holds it for writing while it
	// brings both in step with a committed transaction.
	mu       sync.RWMutex
	closed   bool
	vecs     *vectorSet
	lex      *lexicalIndex
	dim      int                      // dimension of the vectors in vecs, 0 when empty
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

func newIndex(cfg Config, st store.Store, owned bool) *Index {
	return &Index{
		cfg:        cfg,
		log:        cfg.Logger,
		st:         st,
		ownsStore:  owned,
		groupTexts: groupTexts,
		vecs:       newVectorSet(),
		lex:        newLexicalIndex(),
		byRow:      map[int64]*chunkEntry{},
		byDoc:      map[string]*chunkEntry{},
		articles:   map[string]*articleEntry{},
	}
}

// Metadata keys of chromem documents: chromem filters on them (equality).
const (
	metaArticle = "article"
	metaScope   = "scope"
)

// chunkMetadata is the chromem metadata of an article's chunks.
func chunkMetadata(a retrieval.Article) map[string]string {
	return map[string]string{metaArticle: a.ID, metaScope: string(a.Scope)}
}

// docID names a chunk in chromem.
func docID(articleID string, ordinal int) string {
	return articleID + "#" + strconv.Itoa(ordinal)
}

// vectorsUsable reports whether the stored vectors were made with the
// configured embedder and chunker.
func (ix *Index) vectorsUsable(m store.Manifest) bool {
	return m.Dimension > 0 && m.Embedder == ix.cfg.Embedder.Name() &&
		m.Model == ix.cfg.Embedder.Model() && m.Chunker == ix.cfg.Chunking.String()
}

// load reads all articles and chunks into memory and, when the manifest
// matches the configured embedder, all vectors into chromem, from one
// snapshot of the store.
func (ix *Index) load(ctx context.Context) error {
	return ix.st.Read(ctx, func(snap store.Snapshot) error {
		ix.manifest = snap.Manifest()
		ix.seq = snap.Seq()
		return ix.loadSnapshot(ctx, snap)
	})
}

func (ix *Index) loadSnapshot(ctx context.Context, snap store.Snapshot) error {
	err := snap.Articles(ctx, nil, func(a retrieval.Article) error {
		ix.articles[a.ID] = &articleEntry{meta: a}
		return nil
	})
	if err != nil {
		return err
	}
	withVectors := ix.vectorsUsable(ix.manifest)
	if !withVectors && ix.manifest.Dimension > 0 {
		configured := store.Manifest{Embedder: ix.cfg.Embedder.Name(), Model: ix.cfg.Embedder.Model(), Chunker: ix.cfg.Chunking.String()}
		ix.log.Info("stored vectors were made with another embedder or chunker; the next ingest re-embeds them",
			"stored", ix.manifest.String(), "configured", configured.String())
	}
	n, err := snap.ChunkCount(ctx)
	if err != nil {
		return err
	}
	dim := ix.manifest.Dimension
	var slab []float32
	var docs []chromem.Document
	if withVectors {
		slab = make([]float32, n*dim)
		docs = make([]chromem.Document, 0, n)
	}

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
	scanErr := ix.scanChunks(ctx, snap, n, dim, withVectors, slab, &docs, batches)
	close(batches)
	if scanErr == nil && withVectors {
		// While the lexical indexer catches up. A plain loop: chromem's
		// AddDocuments starts a goroutine per document and measured 2.5x
		// slower for 100k documents (BenchmarkChromemLoad).
		for _, d := range docs {
			if err := ix.vecs.add(ctx, retrieval.Scope(d.Metadata[metaScope]), d); err != nil {
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

// scanChunks reads the chunks into memory, decodes the vectors into slab
// (one allocation for all of them) as chromem documents, and hands the
// entries in batches to the lexical indexer.
func (ix *Index) scanChunks(ctx context.Context, snap store.Snapshot, n, dim int, withVectors bool, slab []float32,
	docs *[]chromem.Document, batches chan<- []*chunkEntry) error {
	const batchSize = 256
	metas := map[string]map[string]string{}
	batch := make([]*chunkEntry, 0, batchSize)
	i := 0
	err := snap.Chunks(ctx, nil, withVectors, func(sc store.StoredChunk) error {
		articleID := sc.Chunk.ArticleID
		ae := ix.articles[articleID]
		if ae == nil || i >= n {
			return fmt.Errorf("%w: chunk %d of unknown article %q", store.ErrCorrupt, sc.Key, articleID)
		}
		e := &chunkEntry{rowid: sc.Key, article: ae, chunk: sc.Chunk, docID: docID(articleID, sc.Chunk.Ordinal)}
		ae.chunks = append(ae.chunks, e)
		ix.byRow[e.rowid] = e
		ix.byDoc[e.docID] = e
		if withVectors {
			if len(sc.Vector) != 4*dim {
				return fmt.Errorf("%w: chunk %s has a %d-byte vector, want %d dims", store.ErrCorrupt, e.docID, len(sc.Vector), dim)
			}
			v := slab[i*dim : (i+1)*dim : (i+1)*dim]
			store.DecodeVector(v, sc.Vector)
			meta := metas[articleID]
			if meta == nil {
				meta = chunkMetadata(ae.meta)
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
		return nil
	})
	if len(batch) > 0 {
		batches <- batch
	}
	return err
}

func sortChunks(cs []*chunkEntry) {
	slices.SortFunc(cs, func(a, b *chunkEntry) int { return a.chunk.Ordinal - b.chunk.Ordinal })
}

// Generation returns a number that changes whenever the articles in
// memory do (an ingest, a removal, a sync of another process's changes),
// so callers can cache listings and know when to refresh them.
func (ix *Index) Generation() int64 { return ix.generation.Load() }

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
	a, err := ix.st.Article(ctx, id)
	if err != nil {
		return retrieval.Article{}, err
	}
	a.Hash = ""
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
