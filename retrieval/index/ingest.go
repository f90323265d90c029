package index

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
	chromem "github.com/philippgille/chromem-go"
)

// IngestOptions tunes one Ingest call.
type IngestOptions struct {
	// Prune removes stored articles that are not in the list (ingesting
	// the whole seeds dir drops articles whose files are gone).
	Prune bool
	// Progress, if set, is called after each article is done (unchanged
	// articles count at once).
	Progress func(done, total int)
	// KeepBuild uses the store as it was built: when the configured
	// embedder or chunker differs from the store's, Ingest changes nothing
	// and returns an error wrapping ErrBuildDiffers instead of re-embedding.
	// Read-only commands and the bot set it; only `ingest` may rebuild.
	KeepBuild bool
	// Reembed re-chunks and re-embeds every article even when the settings
	// match (`ingest --reembed`).
	Reembed bool
	// Keep names stored articles that Prune must leave as they are although
	// the list lacks them (their files exist but could not be read now).
	Keep []string
}

// ErrBuildDiffers is returned (wrapped) by an Ingest with KeepBuild when
// the store was built with another embedder or chunker.
var ErrBuildDiffers = errors.New("the store was built with other embedding or chunking settings")

// IngestReport says what an Ingest changed.
type IngestReport struct {
	Added, Updated, Unchanged, Removed int
	// IDs names the articles behind each count.
	IDs struct{ Added, Updated, Unchanged, Removed []string }
	// Chunks is the number of chunks embedded and stored by this call.
	Chunks int
	// Reembedded is true when the embedder, its model or dimension, or the
	// chunker settings changed, so every article was re-chunked and
	// re-embedded.
	Reembedded bool
}

// groupTexts is how many chunk texts are embedded per call: enough for a
// remote embedder to fill several concurrent batches, small enough that an
// interrupted ingest loses little work. Each group is one transaction.
const groupTexts = 256

// ingestWork is one article to (re)build.
type ingestWork struct {
	a      retrieval.Article
	isNew  bool
	chunks []retrieval.Chunk
}

// dimensionChange reports that the embedder now returns vectors of another
// dimension than the stored ones although its name and model are the same.
type dimensionChange struct{ stored, got int }

func (e *dimensionChange) Error() string {
	return fmt.Sprintf("dimension guard: the embedder returned %d-dimensional vectors but the index holds %d-dimensional vectors; refusing to mix them",
		e.got, e.stored)
}

// Ingest brings the store in step with articles: new and changed articles
// (by content hash) are split, embedded with their title as context and
// stored; unchanged ones cost nothing; with Prune, stored articles missing
// from the list are removed. Work is committed in transactions of a few
// hundred chunks, each replacing whole articles, and chromem is updated
// only after a commit: if Ingest fails part way (embedder error, cancelled
// context, crash) every article is either entirely old or entirely new, and
// calling Ingest again finishes the job.
//
// If the embedder (name, model or vector dimension) or the chunker settings
// differ from those the store was built with, every article is re-chunked
// and re-embedded (stored articles not in the list from their stored
// bodies); the collection never mixes vectors of two embedders.
func (ix *Index) Ingest(ctx context.Context, articles []retrieval.Article, opts IngestOptions) (IngestReport, error) {
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	ix.mu.RLock()
	closed := ix.closed
	ix.mu.RUnlock()
	if closed {
		return IngestReport{}, errors.New("ingest: index is closed")
	}
	// What was committed is saved as a segment even when the ingest
	// stops part way, so that the next Open does not read it again.
	defer ix.saveSegments(context.WithoutCancel(ctx))
	// Start from what the store holds now, including other processes'
	// changes, so that nothing is re-embedded or pruned on a stale view.
	if _, err := ix.syncLocked(ctx); err != nil {
		return IngestReport{}, fmt.Errorf("ingest: %w", err)
	}
	list, seen, err := hashedList(articles)
	if err != nil {
		return IngestReport{}, fmt.Errorf("ingest: %w", err)
	}

	var rep IngestReport
	emb := ix.cfg.Embedder
	current := store.Manifest{Embedder: emb.Name(), Model: emb.Model(), Chunker: ix.cfg.Chunking.String()}
	// Stored chunks without a known dimension (see markVectorsStale) are
	// as unusable as those of another embedder.
	stale := ix.vectorsStale.Load() || (ix.manifest.Dimension == 0 && ix.Count() > 0)
	differs := stale || !ix.manifest.Matches(current.Embedder, current.Model, current.Chunker)
	if differs && opts.KeepBuild {
		return rep, fmt.Errorf("%w: stored %s, configured %s", ErrBuildDiffers, ix.manifest.String(), current.String())
	}
	if differs || opts.Reembed {
		if err := ix.reset(ctx, current, ix.manifest.String()); err != nil {
			return rep, err
		}
		ix.vectorsStale.Store(false)
		rep.Reembedded = true
	}
	// A fresh store learns its embedder here; the first commit records it.
	ix.manifest.Embedder, ix.manifest.Model, ix.manifest.Chunker = current.Embedder, current.Model, current.Chunker
	if opts.Prune {
		keep := seen
		if len(opts.Keep) > 0 {
			keep = maps.Clone(seen)
			for _, id := range opts.Keep {
				keep[id] = true
			}
		}
		gone, err := ix.prune(ctx, keep)
		rep.Removed, rep.IDs.Removed = len(gone), gone
		if err != nil {
			return rep, err
		}
	}
	for attempt := 0; ; attempt++ {
		err := ix.ingestList(ctx, list, opts, &rep)
		var dc *dimensionChange
		if errors.As(err, &dc) && attempt == 0 && !rep.Reembedded {
			// Same embedder and model, new dimension (e.g. a server that
			// now serves another model under the same name): start over.
			current.Dimension = 0
			if err := ix.reset(ctx, current, ix.manifest.String()); err != nil {
				return rep, err
			}
			rep = IngestReport{Removed: rep.Removed, Reembedded: true, IDs: rep.IDs}
			rep.IDs.Added, rep.IDs.Updated, rep.IDs.Unchanged = nil, nil, nil
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("ingest: %w", err)
		}
		return rep, nil
	}
}

// hashedList checks that every article has an ID of its own and sets its
// content hash (a caller-supplied hash may be stale). It returns the IDs
// as a set too.
func hashedList(articles []retrieval.Article) ([]retrieval.Article, map[string]bool, error) {
	list := make([]retrieval.Article, 0, len(articles))
	seen := make(map[string]bool, len(articles))
	for _, a := range articles {
		if a.ID == "" {
			return nil, nil, errors.New("an article has no ID")
		}
		if seen[a.ID] {
			return nil, nil, fmt.Errorf("article ID %q appears twice", a.ID)
		}
		seen[a.ID] = true
		a.Hash = retrieval.HashArticle(a)
		list = append(list, a)
	}
	return list, seen, nil
}

// ingestList plans and runs the work for list.
func (ix *Index) ingestList(ctx context.Context, list []retrieval.Article, opts IngestOptions, rep *IngestReport) error {
	var work []ingestWork
	var movedPaths []retrieval.Article
	inList := make(map[string]bool, len(list))
	ix.mu.RLock()
	for _, a := range list {
		inList[a.ID] = true
		ae := ix.articles[a.ID]
		switch {
		case ae == nil:
			work = append(work, ingestWork{a: a, isNew: true})
		case ae.meta.Hash != a.Hash:
			work = append(work, ingestWork{a: a})
		default:
			rep.Unchanged++
			rep.IDs.Unchanged = append(rep.IDs.Unchanged, a.ID)
			if ae.meta.Path != a.Path {
				movedPaths = append(movedPaths, a)
			}
		}
	}
	var pending []string // stored, not in the list, chunks to rebuild
	for id, ae := range ix.articles {
		if ae.meta.Hash == "" && !inList[id] {
			pending = append(pending, id)
		}
	}
	ix.mu.RUnlock()
	if err := ix.updatePaths(ctx, movedPaths); err != nil {
		return err
	}
	for _, id := range pending {
		a, err := ix.Article(ctx, id)
		if err != nil {
			return fmt.Errorf("reload stored article %q for re-embedding: %w", id, err)
		}
		a.Hash = retrieval.HashArticle(a)
		work = append(work, ingestWork{a: a})
	}
	total := len(list) + len(pending)
	done := rep.Unchanged
	if opts.Progress != nil {
		opts.Progress(done, total)
	}
	for start := 0; start < len(work); {
		if err := ctx.Err(); err != nil {
			return err
		}
		end, texts := start, 0
		for end < len(work) && (end == start || texts < ix.groupTexts) {
			work[end].chunks = retrieval.Split(work[end].a, ix.cfg.Chunking)
			texts += len(work[end].chunks)
			end++
		}
		n, err := ix.ingestGroup(ctx, work[start:end], rep)
		if err != nil {
			return err
		}
		rep.Chunks += n
		if ix.unsavedChunks.Load() >= saveEvery {
			// A big ingest moves what it built into segments as it goes,
			// so it never holds more than one segment's worth in memory.
			ix.saveSegments(ctx)
		}
		for range work[start:end] {
			done++
			if opts.Progress != nil {
				opts.Progress(done, total)
			}
		}
		start = end
	}
	return nil
}

// ingestGroup splits and embeds a few articles and replaces them in one
// transaction, then in chromem. It returns the number of chunks stored.
func (ix *Index) ingestGroup(ctx context.Context, group []ingestWork, rep *IngestReport) (int, error) {
	chunks := make([][]retrieval.Chunk, len(group))
	var texts []string
	for i, w := range group {
		chunks[i] = w.chunks
		for _, c := range chunks[i] {
			texts = append(texts, embedText(w.a.Title, c.Text))
		}
	}
	var vecs [][]float32
	if len(texts) > 0 {
		var err error
		vecs, err = ix.cfg.Embedder.EmbedDocuments(ctx, texts)
		if err != nil {
			return 0, fmt.Errorf("embed %d chunks of %s: %w", len(texts), groupName(group), err)
		}
		if len(vecs) != len(texts) {
			return 0, fmt.Errorf("embed %d chunks of %s: the embedder returned %d vectors", len(texts), groupName(group), len(vecs))
		}
	}
	got := 0
	for _, v := range vecs {
		switch {
		case len(v) == 0:
			return 0, fmt.Errorf("embed chunks of %s: the embedder returned an empty vector", groupName(group))
		case got == 0:
			got = len(v)
		case len(v) != got:
			return 0, fmt.Errorf("dimension guard: the embedder returned vectors of %d and %d dimensions in one batch; refusing to mix them", got, len(v))
		}
	}
	m := ix.manifest
	switch {
	case got == 0:
	case m.Dimension == 0:
		m.Dimension = got // learned from the first output
	case got != m.Dimension:
		return 0, &dimensionChange{stored: m.Dimension, got: got}
	}

	rowids, err := ix.commitGroup(ctx, group, chunks, vecs, m)
	if err != nil {
		return 0, err
	}
	ix.manifest = m
	ix.applyGroup(group, chunks, vecs, rowids, m.Dimension)
	for _, w := range group {
		if w.isNew {
			rep.Added++
			rep.IDs.Added = append(rep.IDs.Added, w.a.ID)
		} else {
			rep.Updated++
			rep.IDs.Updated = append(rep.IDs.Updated, w.a.ID)
		}
	}
	return len(texts), nil
}

// embedText is what the embedder sees for a chunk: the article title gives
// context that a passage alone often lacks ("he", "the city"). The store
// and the lexical index keep the chunk text alone.
func embedText(title, text string) string {
	if title == "" {
		return text
	}
	return title + "\n\n" + text
}

func groupName(group []ingestWork) string {
	if len(group) == 1 {
		return fmt.Sprintf("article %q", group[0].a.ID)
	}
	return fmt.Sprintf("%d articles (%q...)", len(group), group[0].a.ID)
}

// commitGroup replaces the group's articles, chunks and vectors in one
// store transaction and records the manifest. It returns the new chunk
// keys, parallel to chunks.
func (ix *Index) commitGroup(ctx context.Context, group []ingestWork, chunks [][]retrieval.Chunk, vecs [][]float32, m store.Manifest) ([][]int64, error) {
	writes := make([]store.ArticleWrite, len(group))
	vi := 0
	for i, w := range group {
		writes[i] = store.ArticleWrite{Article: w.a, Chunks: chunks[i], Vectors: vecs[vi : vi+len(chunks[i])]}
		vi += len(chunks[i])
	}
	return ix.st.Replace(ctx, m, writes)
}

// applyGroup mirrors a committed group in memory and in chromem. It runs
// after the commit and cannot fail: chromem only rejects empty IDs and
// empty vectors, and it gets neither.
func (ix *Index) applyGroup(group []ingestWork, chunks [][]retrieval.Chunk, vecs [][]float32, rowids [][]int64, dim int) {
	// Tokenize before taking the write lock: searches wait only for the
	// swap itself.
	terms := make([][]chunkTerms, len(group))
	for i, w := range group {
		terms[i] = make([]chunkTerms, len(chunks[i]))
		for j, c := range chunks[i] {
			terms[i][j] = termCounts(w.a.Title, c.Text)
		}
	}
	ix.mu.Lock()
	ix.generation.Add(1)
	defer ix.mu.Unlock()
	ctx := context.Background() // memory only: must not stop half way
	vi := 0
	for i, w := range group {
		ix.dropArticleLocked(w.a.ID)
		meta := w.a
		meta.Body = ""
		ae := &articleEntry{meta: meta, chunks: make([]*chunkEntry, len(chunks[i])), unsaved: ix.segDir != "" && dim > 0}
		if ae.unsaved {
			ix.unsavedChunks.Add(int64(len(chunks[i])))
		}
		ix.articles[meta.ID] = ae
		for j, c := range chunks[i] {
			e := &chunkEntry{rowid: rowids[i][j], docID: docID(meta.ID, c.Ordinal), article: ae, chunk: c, vec: unitVector(vecs[vi])}
			ae.chunks[j] = e
			ix.nChunks++
			ix.lex.add(e, terms[i][j])
			err := ix.vecs.add(ctx, meta.Scope, chromem.Document{ID: e.docID, Embedding: e.vec})
			if err != nil {
				panic(fmt.Sprintf("retrieval: chromem rejected chunk %s: %v", e.docID, err))
			}
			vi++
		}
	}
	if dim > 0 {
		ix.dim = dim
	}
}

// dropArticleLocked removes an article and its chunks from memory and
// chromem. The caller holds ix.mu for writing.
func (ix *Index) dropArticleLocked(id string) {
	ae := ix.articles[id]
	if ae == nil {
		return
	}
	ids := make([]string, 0, len(ae.chunks))
	for _, e := range ae.chunks {
		ix.nChunks--
		ix.lex.remove(e)
		ids = append(ids, e.docID)
	}
	if len(ids) > 0 {
		// Delete only fails without IDs and filters.
		ix.vecs.delete(ae.meta.Scope, ids...)
	}
	delete(ix.articles, id)
}

// prune removes stored articles whose IDs are not in keep and returns
// their IDs.
func (ix *Index) prune(ctx context.Context, keep map[string]bool) ([]string, error) {
	ix.mu.RLock()
	var gone []string
	for id := range ix.articles {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	ix.mu.RUnlock()
	slices.Sort(gone)
	if err := ix.remove(ctx, gone); err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	return gone, nil
}

// Remove deletes articles from the store and then from memory, in one
// transaction; IDs the index does not hold are ignored. It reports the
// IDs removed.
func (ix *Index) Remove(ctx context.Context, ids []string) ([]string, error) {
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	ix.mu.RLock()
	var held []string
	for _, id := range ids {
		if ix.articles[id] != nil {
			held = append(held, id)
		}
	}
	ix.mu.RUnlock()
	if err := ix.remove(ctx, held); err != nil {
		return nil, fmt.Errorf("remove: %w", err)
	}
	return held, nil
}

// remove deletes articles durably, then from memory. The caller holds
// ingestMu.
func (ix *Index) remove(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ix.st.Delete(ctx, ids); err != nil {
		return err
	}
	ix.mu.Lock()
	ix.generation.Add(1)
	for _, id := range ids {
		ix.dropArticleLocked(id)
	}
	ix.mu.Unlock()
	return nil
}

// BuildDiffers reports whether the store was built with other embedding
// or chunking settings than the index is configured with, and describes
// both, so that read-only commands can warn once.
func (ix *Index) BuildDiffers() (stored, configured string, differs bool) {
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	emb := ix.cfg.Embedder
	cur := store.Manifest{Embedder: emb.Name(), Model: emb.Model(), Chunker: ix.cfg.Chunking.String()}
	differs = ix.vectorsStale.Load() || !ix.manifest.Matches(cur.Embedder, cur.Model, cur.Chunker)
	return ix.manifest.String(), cur.String(), differs
}

// reset empties the chunk store for a full re-embed in one transaction:
// the new manifest is written, every chunk is deleted and every
// article is marked pending (hash ”), so that an interrupted re-embed is
// resumed by the next Ingest, even for articles it is not given.
func (ix *Index) reset(ctx context.Context, next store.Manifest, from string) error {
	ix.mu.RLock()
	n := len(ix.articles)
	ix.mu.RUnlock()
	ix.log.Info(fmt.Sprintf("embedder changed from %s to %s: re-embedding %d articles", from, next.String(), n))
	next.Dimension = 0
	if err := ix.st.Reset(ctx, next); err != nil {
		return err
	}
	ix.manifest = next
	ix.mu.Lock()
	ix.generation.Add(1)
	defer ix.mu.Unlock()
	ix.vecs = newVectorSet()
	ix.lex = newLexicon()
	ix.dim = 0
	ix.nChunks = 0
	for _, ae := range ix.articles {
		ae.chunks = nil
		ae.meta.Hash = ""
	}
	return nil
}

// updatePaths records new file paths of unchanged articles (Path is not
// part of the content hash, so a moved file needs no re-embedding).
func (ix *Index) updatePaths(ctx context.Context, moved []retrieval.Article) error {
	if len(moved) == 0 {
		return nil
	}
	paths := make(map[string]string, len(moved))
	for _, a := range moved {
		paths[a.ID] = a.Path
	}
	if err := ix.st.SetPaths(ctx, paths); err != nil {
		return err
	}
	ix.mu.Lock()
	ix.generation.Add(1)
	for _, a := range moved {
		if ae := ix.articles[a.ID]; ae != nil {
			ae.meta.Path = a.Path
		}
	}
	ix.mu.Unlock()
	return nil
}
