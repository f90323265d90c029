package index

import (
	"context"
	"fmt"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// DefaultSyncInterval is how often Follow looks for changes other
// processes made.
const DefaultSyncInterval = 2 * time.Second

// Change is one article change that Sync applied.
type Change struct {
	ArticleID string
	Scope     retrieval.Scope
	// Kind is "added", "updated" or "removed", or "reloaded" for a full
	// reload (another process re-embedded the store).
	Kind string
}

// Sync brings memory in step with changes other processes committed since
// the index last read the store: it reads the store's change log (a cheap
// query when nothing changed), then only the changed articles, from one
// snapshot, and swaps them in under the write lock, so a search sees each
// article wholly old or wholly new. Changes this process made are already
// in memory and are recognised by their content hash. If Sync fails part
// way, memory is untouched and the next Sync catches up from the same
// point. A re-embed by another process (the log says reset) reloads
// everything.
func (ix *Index) Sync(ctx context.Context) ([]Change, error) {
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	return ix.syncLocked(ctx)
}

// syncLocked is Sync for a caller that holds ingestMu.
func (ix *Index) syncLocked(ctx context.Context) ([]Change, error) {
	changes, last, err := ix.st.Changes(ctx, ix.seq)
	if err != nil || len(changes) == 0 {
		return nil, err
	}
	ids := make([]string, 0, len(changes))
	seen := map[string]bool{}
	for _, c := range changes {
		if c.Kind == store.ResetAll {
			return ix.reload(ctx, last)
		}
		if !seen[c.ArticleID] {
			seen[c.ArticleID] = true
			ids = append(ids, c.ArticleID)
		}
	}
	var delta *articleDelta
	var m store.Manifest
	err = ix.st.Read(ctx, func(snap store.Snapshot) error {
		m = snap.Manifest()
		if !ix.sameBuild(m) {
			return errManifestChanged
		}
		var err error
		delta, err = ix.readDelta(ctx, snap, ids)
		return err
	})
	if err == errManifestChanged {
		return ix.reload(ctx, last)
	}
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	if ix.beforeApply != nil {
		if err := ix.beforeApply(); err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
	}
	applied := ix.applyDelta(delta, m)
	ix.seq = last
	if len(applied) > 0 {
		ix.adoptOthersSegments()
	}
	return applied, nil
}

// sameBuild reports whether the store's manifest m describes the vectors
// memory holds: same embedder, model and chunker, and the same dimension
// once one is known. A memory that holds nothing yet takes any build.
func (ix *Index) sameBuild(m store.Manifest) bool {
	cur := ix.manifest
	if cur.Embedder == "" && cur.Model == "" && cur.Chunker == "" {
		return true
	}
	return m.Embedder == cur.Embedder && m.Model == cur.Model && m.Chunker == cur.Chunker &&
		(cur.Dimension == 0 || m.Dimension == cur.Dimension)
}

// errManifestChanged stops a delta read when another process rebuilt the
// store with other settings.
var errManifestChanged = fmt.Errorf("the store's embedder or chunker changed")

// articleDelta is what a snapshot holds of the changed articles.
type articleDelta struct {
	ids      []string
	articles map[string]*articleEntry // nil entry = removed
	docs     map[string][]chromem.Document
	// terms are the lexical terms of each article's chunks (parallel to
	// its chunks), counted before the write lock is taken.
	terms map[string][]chunkTerms
	// metaOnly holds the articles whose content is unchanged and only
	// their metadata (a file's path) moved.
	metaOnly map[string]retrieval.Article
}

// readDelta reads the changed articles and their chunks from snap, skipping
// those memory already holds in the same version.
func (ix *Index) readDelta(ctx context.Context, snap store.Snapshot, ids []string) (*articleDelta, error) {
	d := &articleDelta{articles: map[string]*articleEntry{}, docs: map[string][]chromem.Document{},
		terms: map[string][]chunkTerms{}, metaOnly: map[string]retrieval.Article{}}
	stored := map[string]retrieval.Article{}
	if err := snap.Articles(ctx, ids, func(a retrieval.Article) error {
		stored[a.ID] = a
		return nil
	}); err != nil {
		return nil, err
	}
	var need []string
	ix.mu.RLock()
	for _, id := range ids {
		a, ok := stored[id]
		cur := ix.articles[id]
		switch {
		case !ok && cur == nil: // removed here already, or never seen
		case !ok:
			d.ids = append(d.ids, id)
			d.articles[id] = nil
		case cur != nil && cur.meta.Hash == a.Hash && a.Hash != "":
			if cur.meta != a { // metadata only (a moved file)
				d.ids = append(d.ids, id)
				d.metaOnly[id] = a
			}
		default:
			need = append(need, id)
		}
	}
	ix.mu.RUnlock()
	if len(need) == 0 {
		return d, nil
	}
	withVectors := ix.vectorsUsable(snap.Manifest())
	dim := snap.Manifest().Dimension
	for _, id := range need {
		d.ids = append(d.ids, id)
		d.articles[id] = &articleEntry{meta: stored[id]}
	}
	err := snap.Chunks(ctx, need, withVectors, func(sc store.StoredChunk) error {
		ae := d.articles[sc.Chunk.ArticleID]
		if ae == nil {
			return fmt.Errorf("%w: chunk %d of unknown article %q", store.ErrCorrupt, sc.Key, sc.Chunk.ArticleID)
		}
		e := &chunkEntry{rowid: sc.Key, article: ae, chunk: sc.Chunk, docID: docID(ae.meta.ID, sc.Chunk.Ordinal)}
		ae.chunks = append(ae.chunks, e)
		if withVectors {
			if len(sc.Vector) != 4*dim {
				return fmt.Errorf("%w: chunk %s has a %d-byte vector, want %d dims", store.ErrCorrupt, e.docID, len(sc.Vector), dim)
			}
			v := make([]float32, dim)
			store.DecodeVector(v, sc.Vector)
			e.vec = unitVector(v)
			d.docs[ae.meta.ID] = append(d.docs[ae.meta.ID], chromem.Document{ID: e.docID, Embedding: e.vec})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range need {
		ae := d.articles[id]
		sortChunks(ae.chunks)
		terms := make([]chunkTerms, len(ae.chunks))
		for i, e := range ae.chunks {
			terms[i] = termCounts(ae.meta.Title, e.chunk.Text)
		}
		d.terms[id] = terms
	}
	return d, nil
}

// applyDelta swaps the changed articles into memory under the write lock
// and adopts the store's manifest m.
// It cannot fail, so a search sees either the old or the new version.
func (ix *Index) applyDelta(d *articleDelta, m store.Manifest) []Change {
	ix.mu.Lock()
	ix.generation.Add(1)
	defer ix.mu.Unlock()
	ix.manifest = m
	if ix.dim == 0 && len(d.docs) > 0 {
		ix.dim = m.Dimension // the first vectors this memory holds
	}
	ctx := context.Background() // memory only: must not stop half way
	var out []Change
	for _, id := range d.ids {
		old := ix.articles[id]
		if meta, ok := d.metaOnly[id]; ok {
			if old != nil {
				old.meta = meta
				out = append(out, Change{ArticleID: id, Scope: meta.Scope, Kind: "updated"})
			}
			continue
		}
		ae := d.articles[id]
		if ae == nil {
			if old != nil {
				out = append(out, Change{ArticleID: id, Scope: old.meta.Scope, Kind: "removed"})
				ix.dropArticleLocked(id)
			}
			continue
		}
		kind := "added"
		if old != nil {
			kind = "updated"
			ix.dropArticleLocked(id)
		}
		ix.articles[id] = ae
		for i, e := range ae.chunks {
			ix.nChunks++
			ix.lex.add(e, d.terms[id][i])
		}
		for _, doc := range d.docs[id] {
			if err := ix.vecs.add(ctx, ae.meta.Scope, doc); err != nil {
				panic(fmt.Sprintf("index: chromem rejected chunk %s: %v", doc.ID, err))
			}
		}
		out = append(out, Change{ArticleID: id, Scope: ae.meta.Scope, Kind: kind})
	}
	return out
}

// reload replaces all of memory with a fresh load of the store, built
// aside and swapped in at once.
func (ix *Index) reload(ctx context.Context, last int64) ([]Change, error) {
	fresh := newIndex(ix.cfg, ix.st, false)
	if err := fresh.load(ctx); err != nil {
		return nil, fmt.Errorf("sync: reload: %w", err)
	}
	if ix.beforeApply != nil {
		if err := ix.beforeApply(); err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
	}
	ix.mu.Lock()
	ix.generation.Add(1)
	ix.manifest = fresh.manifest
	ix.vecs, ix.lex, ix.dim = fresh.vecs, fresh.lex, fresh.dim
	ix.mapped = append(ix.mapped, fresh.mapped...)
	ix.nChunks, ix.articles = fresh.nChunks, fresh.articles
	ix.mu.Unlock()
	ix.seq = max(last, fresh.seq)
	ix.log.Info("the store was rebuilt by another process; reloaded the index", "articles", len(fresh.articles), "chunks", fresh.nChunks)
	return []Change{{Kind: "reloaded"}}, nil
}

// Follow calls Sync every interval (DefaultSyncInterval when <= 0) until
// ctx ends, logging each change it applies, so that a long-running process
// sees what others add, replace and remove. It polls the change log, which
// costs one indexed query per tick. A PostgreSQL store would instead wake
// this loop from LISTEN/NOTIFY on each commit, with the ticker kept as a
// slow fallback.
//
// onSync, if not nil, hears about every sync and its error (metrics use
// it to count syncs and tell how far behind the library may be).
func (ix *Index) Follow(ctx context.Context, interval time.Duration, onSync func(error)) {
	if interval <= 0 {
		interval = DefaultSyncInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changes, err := ix.Sync(ctx)
		if ctx.Err() != nil {
			return
		}
		if onSync != nil {
			onSync(err)
		}
		if err != nil {
			ix.log.Warn("could not follow the store's changes; will retry", "err", err.Error())
			continue
		}
		for _, c := range changes {
			ix.log.Info("library changed", "article", c.ArticleID, "scope", string(c.Scope), "change", c.Kind, "by", "another process")
		}
	}
}

// Seq is the last change log sequence number the index has applied: two
// equal values mean the store did not change in between (the library's
// sync stamp relies on it).
func (ix *Index) Seq() int64 {
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	return ix.seq
}

// ArticleCount is the number of articles indexed.
func (ix *Index) ArticleCount() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.articles)
}
