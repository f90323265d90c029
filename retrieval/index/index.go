// Package index is the searchable library: the durable SQLite store of
// articles, chunks and vectors, and the in-memory structures built from it
// (a chromem collection for vector search, a BM25 lexical index), with
// hybrid search over both. Every change is committed to the store first and
// then applied to memory (commit-then-apply), so a search never sees half
// an article. It is the only package that imports chromem-go.
package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
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
	// segDir holds the index segments; "" when they are not used.
	segDir string
	// damaged names the listed segments Open could not read; the next
	// save drops them from the MANIFEST.
	damaged []string

	// ingestMu serialises Ingest calls (and the manifest they rewrite).
	ingestMu sync.Mutex
	manifest store.Manifest
	// seq is the last change log entry this index has applied (see Sync).
	seq int64
	// beforeApply, when set (tests only), runs in Sync after the store was
	// read and before memory changes; an error stands for a crash there.
	beforeApply func() error
	// segmentHook, when set (tests only), runs before each segment file
	// is written; an error stands for a crash there.
	segmentHook func(name string) error
	// groupTexts is the number of chunk texts per embedding call and
	// transaction (tests make it small to get many transactions).
	groupTexts int
	// vectorsStale is set by a query that found the embedder's vectors
	// changed size; the next Ingest re-embeds everything.
	vectorsStale atomic.Bool
	// unsavedChunks counts the chunks of unsaved articles (see
	// articleEntry.unsaved), so a long ingest knows when to save.
	unsavedChunks atomic.Int64

	// generation counts changes to memory (see Generation).
	generation atomic.Int64

	// mu guards the fields below: a query holds it for reading while it
	// reads chromem and the maps, an ingest holds it for writing while it
	// brings both in step with a committed transaction.
	mu     sync.RWMutex
	closed bool
	// mapped are every segment this index has mapped, unmapped by Close
	// (a merge or reload may drop one from lex while a slow reader that
	// started before still walks it).
	mapped   []*segment
	vecs     *vectorSet
	lex      *lexicon
	dim      int                      // dimension of the vectors in vecs, 0 when empty
	nChunks  int                      // chunks indexed (see Count)
	articles map[string]*articleEntry // article ID → metadata and chunks
}

// chunkEntry is one indexed chunk as search results need it.
type chunkEntry struct {
	rowid   int64
	slot    int32    // in its part of the lexical index
	seg     *segment // the segment holding it, nil when in memory
	vec     []float32
	docID   string
	article *articleEntry
	chunk   retrieval.Chunk
}

// articleEntry is an article's metadata (Body empty) and its chunks in
// ordinal order.
type articleEntry struct {
	meta   retrieval.Article
	chunks []*chunkEntry
	// unsaved is set while no segment file holds the article's chunks
	// (ingested here, or read from the store at Open); the next segment
	// write takes it.
	unsaved bool
}

// saved reports whether the article's chunks were taken from a segment.
func (ae *articleEntry) saved() bool { return len(ae.chunks) > 0 && ae.chunks[0].seg != nil }

func newIndex(cfg Config, st store.Store, owned bool) *Index {
	return &Index{
		cfg:        cfg,
		log:        cfg.Logger,
		st:         st,
		ownsStore:  owned,
		segDir:     cfg.SegmentDir,
		groupTexts: groupTexts,
		vecs:       newVectorSet(),
		lex:        newLexicon(),
		articles:   map[string]*articleEntry{},
	}
}

// Chromem documents carry no metadata: a scope has a collection of its
// own, and the index filters everything else itself, which spares
// chromem a metadata map per chunk.

// entryFor finds the chunk a chromem document ID names (docID), through
// its article: a map of a million document IDs cost a second of Open at a
// million chunks, the article map is there anyway. nil when the index
// does not hold it. The caller holds ix.mu (or owns the index).
func (ix *Index) entryFor(id string) *chunkEntry {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return nil
	}
	ae := ix.articles[id[:i]]
	ord, err := strconv.Atoi(id[i+1:])
	if ae == nil || err != nil {
		return nil
	}
	// Chunks are numbered 0..n-1 and kept in order; look further only if
	// that ever stops holding.
	if ord >= 0 && ord < len(ae.chunks) && ae.chunks[ord].docID == id {
		return ae.chunks[ord]
	}
	for _, e := range ae.chunks {
		if e.docID == id {
			return e
		}
	}
	return nil
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
	var seg segmentLoad
	if withVectors && ix.segDir != "" {
		seg = ix.loadSegments(ctx)
		ix.lex.segs = seg.segs
		ix.mapped = append(ix.mapped, seg.segs...)
	}
	// The tail: articles no segment holds, read from the store (all of
	// them when there are no segments).
	var tail []string
	if len(seg.taken) > 0 {
		for id := range ix.articles {
			if !seg.taken[id] {
				tail = append(tail, id)
			}
		}
		slices.Sort(tail)
	}
	docs := seg.docs
	if len(seg.taken) == 0 || len(tail) > 0 {
		if docs, err = ix.loadTail(ctx, snap, tail, len(seg.taken) > 0, withVectors, docs); err != nil {
			return err
		}
	}
	if withVectors {
		if err := ix.addDocuments(ctx, docs); err != nil {
			return err
		}
		ix.dim = ix.manifest.Dimension
	}
	return nil
}

// addDocuments puts the loaded vectors into chromem, on one goroutine per
// CPU each adding a share with AddDocument (chromem checks each vector's
// norm and copies its metadata, which parallelizes; its AddDocuments
// starts a goroutine per document and measured 2.5x slower for 100k
// documents, BenchmarkChromemLoad). The caller owns the index (Open).
func (ix *Index) addDocuments(ctx context.Context, docs []chromem.Document) error {
	// The collections exist before the goroutines start, which then only
	// read the scope map.
	for _, ae := range ix.articles {
		ix.vecs.coll(ae.meta.Scope)
	}
	parts := runtime.NumCPU()
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(docs)/parts, (p+1)*len(docs)/parts
		wg.Go(func() {
			for _, d := range docs[lo:hi] {
				if err := ix.vecs.add(ctx, ix.entryFor(d.ID).article.meta.Scope, d); err != nil {
					errs[p] = fmt.Errorf("load vectors into chromem: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadTail reads the chunks of the articles in ids (every article when
// some is false) from the store into the in-memory part, marking the
// articles unsaved so that the next segment write takes them. The lexical
// index is built by a second goroutine while this one reads rows and
// decodes vectors: tokenizing is the other half of the work, and the two
// overlap on separate cores.
func (ix *Index) loadTail(ctx context.Context, snap store.Snapshot, ids []string, some, withVectors bool, docs []chromem.Document) ([]chromem.Document, error) {
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
	var err error
	if !some {
		err = ix.scanChunks(ctx, snap, nil, withVectors, &docs, batches)
	}
	// A few hundred IDs per query keep it under SQLite's variable limit.
	for start := 0; some && start < len(ids) && err == nil; start += 500 {
		err = ix.scanChunks(ctx, snap, ids[start:min(start+500, len(ids))], withVectors, &docs, batches)
	}
	close(batches)
	<-lexDone
	if err != nil {
		return nil, err
	}
	for _, ae := range ix.articles {
		if !ae.saved() {
			sortChunks(ae.chunks)
			ae.unsaved = ix.segDir != "" && withVectors && len(ae.chunks) > 0
		}
	}
	return docs, nil
}

// scanChunks reads the chunks of the articles in ids (nil: all) into
// memory, decodes the vectors (one allocation per call for all of them)
// as chromem documents, and hands the entries in batches to the lexical
// indexer.
func (ix *Index) scanChunks(ctx context.Context, snap store.Snapshot, ids []string, withVectors bool,
	docs *[]chromem.Document, batches chan<- []*chunkEntry) error {
	const batchSize = 256
	dim := ix.manifest.Dimension
	var slab []float32
	if withVectors && ids == nil {
		n, err := snap.ChunkCount(ctx)
		if err != nil {
			return err
		}
		slab = make([]float32, 0, n*dim)
	}
	batch := make([]*chunkEntry, 0, batchSize)
	err := snap.Chunks(ctx, ids, withVectors, func(sc store.StoredChunk) error {
		articleID := sc.Chunk.ArticleID
		ae := ix.articles[articleID]
		if ae == nil || ae.saved() {
			return fmt.Errorf("%w: chunk %d of unknown article %q", store.ErrCorrupt, sc.Key, articleID)
		}
		e := &chunkEntry{rowid: sc.Key, article: ae, chunk: sc.Chunk, docID: docID(articleID, sc.Chunk.Ordinal)}
		ae.chunks = append(ae.chunks, e)
		ix.nChunks++
		if withVectors {
			if len(sc.Vector) != 4*dim {
				return fmt.Errorf("%w: chunk %s has a %d-byte vector, want %d dims", store.ErrCorrupt, e.docID, len(sc.Vector), dim)
			}
			if len(slab)+dim > cap(slab) {
				slab = make([]float32, 0, max(dim*256, cap(slab)))
			}
			v := slab[len(slab) : len(slab)+dim : len(slab)+dim]
			slab = slab[:len(slab)+dim]
			store.DecodeVector(v, sc.Vector)
			e.vec = unitVector(v)
			*docs = append(*docs, chromem.Document{ID: e.docID, Embedding: e.vec})
		}
		batch = append(batch, e)
		if len(batch) == batchSize {
			batches <- batch
			batch = make([]*chunkEntry, 0, batchSize)
		}
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
	return ix.nChunks
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
		out[i].Text = strings.Clone(out[i].Text) // it may alias a segment
	}
	return out, nil
}
