package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"runtime"
	"strconv"
	"sync"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// lexVersion names the tokenizer and term weighting segments were written
// with; a change makes every segment stale (it is part of buildKey).
const lexVersion = 1

// buildKey says which store build a segment's vectors and terms belong
// to: a segment counts only under the same embedder, model, dimension,
// chunker and tokenizer.
func buildKey(m store.Manifest) string {
	return fmt.Sprintf("%s|%s|%d|%s|lex%d", m.Embedder, m.Model, m.Dimension, m.Chunker, lexVersion)
}

// segmentLoad is what loadSegments found: the articles it took from
// segments and the chromem documents of their chunks.
type segmentLoad struct {
	segs  []*segment
	taken map[string]bool
	docs  []chromem.Document
}

// loadSegments maps the segments the MANIFEST names and takes from them
// every article the store holds with the same content hash, newest segment
// first. A missing file (merged away by a writer after the MANIFEST was
// read) makes it read the MANIFEST again; a damaged one is skipped with a
// warning, and its articles are read from the store instead.
func (ix *Index) loadSegments(ctx context.Context) segmentLoad {
	for attempt := 0; ; attempt++ {
		// The last attempt skips a file that is still missing, as it skips
		// a damaged one.
		l, err := ix.tryLoadSegments(ctx, attempt == 2)
		if err == nil {
			return l
		}
		// Undo what the attempt took before starting over: its entries
		// point into segments that are unmapped now.
		for _, s := range l.segs {
			s.close()
		}
		for id := range l.taken {
			ix.articles[id].chunks = nil
		}
		ix.nChunks = 0
		if attempt == 2 || ctx.Err() != nil {
			ix.log.Warn("could not read the index segments; reading the store instead", "err", err.Error())
			return segmentLoad{taken: map[string]bool{}}
		}
	}
}

func (ix *Index) tryLoadSegments(ctx context.Context, skipMissing bool) (segmentLoad, error) {
	l := segmentLoad{taken: map[string]bool{}}
	ix.damaged = nil
	m, err := readSegManifest(ix.segDir)
	if err != nil {
		return l, err
	}
	want := buildKey(ix.manifest)
	var names []string
	for _, ls := range m.Segments {
		if ls.Build == want {
			names = append(names, ls.Name)
		}
	}
	segs, errs := openSegmentFiles(ctx, ix.segDir, names)
	for i := len(names) - 1; i >= 0; i-- { // newest first
		s, err := segs[i], errs[i]
		if errors.Is(err, fs.ErrNotExist) && !skipMissing {
			l.segs = append(l.segs, nonNil(segs[:i])...) // opened, not visited yet: the caller closes them
			return l, err
		}
		if err != nil {
			ix.log.Warn("skipping an index segment that cannot be read; its articles are read from the store", "err", err.Error())
			ix.damaged = append(ix.damaged, names[i])
			continue
		}
		if s.view.build != want || s.view.dim != ix.manifest.Dimension {
			s.close()
			continue
		}
		l.segs = append(l.segs, s)
		l.docs = ix.takeFromSegment(s, l.taken, l.docs)
	}
	return l, ctx.Err()
}

// openSegmentFiles maps and checks the named segments, several at once:
// verifying a segment's checksum reads all of it, which is most of what
// opening costs, and the files are independent.
func openSegmentFiles(ctx context.Context, dir string, names []string) ([]*segment, []error) {
	segs, errs := make([]*segment, len(names)), make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), len(names)) {
		wg.Go(func() {
			for i := range next {
				segs[i], errs[i] = openSegmentFile(dir, names[i])
			}
		})
	}
	for i := range names {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return segs, errs
}

func nonNil(segs []*segment) []*segment {
	var out []*segment
	for _, s := range segs {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// takeFromSegment activates the chunks of every article of s the store
// holds in the same version and that no newer segment gave already.
func (ix *Index) takeFromSegment(s *segment, taken map[string]bool, docs []chromem.Document) []chromem.Document {
	v := s.view
	for i := 0; i < v.nArticles; i++ {
		ae, ok := ix.segmentArticle(s, i)
		if !ok || taken[ae.meta.ID] {
			continue
		}
		taken[ae.meta.ID] = true
		docs = ix.takeArticle(s, i, ae, docs)
	}
	s.settle()
	return docs
}

// segmentArticle is the index's entry for article i of s, if the index
// holds that article in the version s holds.
func (ix *Index) segmentArticle(s *segment, i int) (*articleEntry, bool) {
	v := s.view
	a := v.article(i)
	ae := ix.articles[v.str(a.idOff, a.idLen)]
	if ae == nil || ae.meta.Hash == "" || ae.meta.Hash != v.str(a.hashOff, a.hashLen) {
		return nil, false
	}
	return ae, true
}

// takeArticle makes ae's chunks those of article i of s (one allocation
// for all of its entries) and returns their chromem documents appended
// to docs. The caller owns ae (Open) or holds ix.mu for writing.
func (ix *Index) takeArticle(s *segment, i int, ae *articleEntry, docs []chromem.Document) []chromem.Document {
	v := s.view
	a := v.article(i)
	slab := make([]chunkEntry, a.n)
	ae.chunks = make([]*chunkEntry, a.n)
	for j := range slab {
		slot := int(a.first) + j
		r := v.chunk(slot)
		e := &slab[j]
		e.rowid, e.article = r.rowid, ae
		e.chunk = chunkOf(ae.meta.ID, r, v.text(r))
		e.docID = ae.meta.ID + "#" + strconv.Itoa(e.chunk.Ordinal)
		e.vec = s.vector(slot)
		s.activate(e, slot)
		ae.chunks[j] = e
		ix.nChunks++
		docs = append(docs, chromem.Document{ID: e.docID, Embedding: e.vec})
	}
	return docs
}

// adoptSegment maps a segment this index just wrote and moves into it the
// articles it holds that are in memory, or in a segment the save dropped
// (merged away): their texts, vectors and postings then live in the new
// file's pages, so a long-running process that ingests (a bot following
// feeds) holds what it ingested once, in a handful of segments, as a
// process that opened the store later would.
func (ix *Index) adoptSegment(name string, dropped map[string]bool) {
	s, err := openSegment(ix.segDir, name, false) // written and synced just now
	if err != nil {
		ix.log.Warn("could not map the segment just written; its articles stay in memory", "err", err.Error())
		return
	}
	ix.adopt(s, dropped)
}

// adoptOthersSegments does for a process that follows another's changes
// (serve, while `citebot ingest` runs) what adoptSegment does for the
// writer: the articles a sync brought into memory move into the segment
// the other process wrote for them, and those in segments it merged away
// move into the merged one. A file that cannot be read is left alone;
// its articles stay where they are.
func (ix *Index) adoptOthersSegments() {
	if ix.segDir == "" || ix.dim == 0 {
		return
	}
	m, err := readSegManifest(ix.segDir)
	if err != nil {
		return
	}
	want := buildKey(ix.manifest)
	listed, known := map[string]bool{}, map[string]bool{}
	for _, ls := range m.Segments {
		listed[ls.Name] = true
	}
	gone := map[string]bool{}
	for _, s := range ix.mapped {
		known[s.name] = true
		if !listed[s.name] {
			gone[s.name] = true
		}
	}
	for _, ls := range m.Segments {
		if ls.Build != want || known[ls.Name] {
			continue
		}
		s, err := openSegmentFile(ix.segDir, ls.Name)
		if err != nil {
			continue
		}
		if s.view.build != want {
			s.close()
			continue
		}
		ix.adopt(s, gone)
	}
	ix.dropDeadSegments()
}

// adopt moves into s the articles it holds in the version the index holds
// that are in memory or in a segment named in dropped, and keeps s mapped
// if it took any (else unmaps it).
func (ix *Index) adopt(s *segment, dropped map[string]bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ctx := context.Background() // memory only: must not stop half way
	adopted := 0
	for i := 0; i < s.view.nArticles; i++ {
		ae, ok := ix.segmentArticle(s, i)
		if !ok || (ae.saved() && !dropped[ae.chunks[0].seg.name]) || len(ae.chunks) != int(s.view.article(i).n) {
			continue
		}
		ids := make([]string, len(ae.chunks))
		for j, e := range ae.chunks {
			ix.lex.remove(e)
			ix.nChunks--
			ids[j] = e.docID
		}
		ix.vecs.delete(ae.meta.Scope, ids...)
		for _, d := range ix.takeArticle(s, i, ae, nil) {
			if err := ix.vecs.add(ctx, ae.meta.Scope, d); err != nil {
				panic(fmt.Sprintf("index: chromem rejected chunk %s: %v", d.ID, err))
			}
		}
		adopted++
	}
	if adopted == 0 {
		s.close()
		return
	}
	s.settle()
	ix.lex.segs = append(ix.lex.segs, s)
	ix.mapped = append(ix.mapped, s)
}

// dropDeadSegments unmaps the segments no live chunk uses any more (every
// article moved to a merged segment, or was replaced or removed). Nothing
// else points into them: passages and chunk lists copy their texts, and
// chromem's documents for them were replaced. It takes ix.mu.
func (ix *Index) dropDeadSegments() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	dead := map[*segment]bool{}
	live := ix.lex.segs[:0]
	for _, s := range ix.lex.segs {
		if s.live == 0 {
			dead[s] = true
			continue
		}
		live = append(live, s)
	}
	ix.lex.segs = live
	if len(dead) == 0 {
		return
	}
	mapped := ix.mapped[:0]
	for _, s := range ix.mapped {
		if dead[s] {
			if err := s.close(); err != nil {
				ix.log.Warn("could not unmap an index segment", "err", err.Error())
			}
			continue
		}
		mapped = append(mapped, s)
	}
	ix.mapped = mapped
}

// unitVector returns v when it is of unit length (as chromem checks it),
// else a normalised copy, so that the vector an entry keeps is the one
// chromem scores.
func unitVector(v []float32) []float32 {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	if math.Abs(math.Sqrt(sum)-1) < 1e-6 || sum == 0 {
		return v
	}
	return normalized(v)
}

// chunkOf is the chunk a segment record describes.
func chunkOf(articleID string, r chunkRecord, text string) retrieval.Chunk {
	return retrieval.Chunk{ArticleID: articleID, Ordinal: int(r.ordinal), Start: int(r.start), End: int(r.end), Text: text}
}
