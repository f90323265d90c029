package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Segment writing policy.
const (
	// maxSegmentChunks bounds one segment file (with a quarter's slack, so
	// that the few chunks past the mark a long ingest saves at do not make
	// a file of their own): its sections are built in memory before they
	// are written, so a huge first ingest becomes several files of this
	// size rather than one buffer the size of the library.
	maxSegmentChunks = 100_000
	// mergeBelow is the size under which a segment counts as small; when
	// more than maxSmallSegments small ones exist (each ingest writes
	// one), they are merged into one, so a library fed by a news feed
	// keeps a handful of files instead of one per poll.
	mergeBelow = 32_768
	// saveEvery is how many chunks a long ingest builds in memory before
	// it moves them into a segment: what bounds its memory (and at least
	// mergeBelow, so those segments are never merged again).
	saveEvery        = 50_000
	maxSmallSegments = 4
)

// saveSegments writes the articles no segment holds yet (ingested by this
// process, or read from the store at Open) as new segment files and names
// them in the MANIFEST, then merges small or mostly dead segments. It is
// a cache of the store: a failure is logged and costs only the next
// Open's time. The caller holds ingestMu (or is Open).
func (ix *Index) saveSegments(ctx context.Context) {
	if ix.segDir == "" {
		return
	}
	start := time.Now()
	arts, build, dim := ix.unsavedArticles()
	if build == "" || (len(arts) == 0 && len(ix.damaged) == 0) {
		return
	}
	damaged := map[string]bool{}
	for _, name := range ix.damaged {
		damaged[name] = true
	}
	var wrote int
	var names, dropped []string // written by this save (to adopt), and dropped
	err := withSegmentLock(ctx, ix.segDir, func() error {
		var err error
		names, dropped, wrote, err = ix.saveLocked(build, dim, arts, damaged)
		return err
	})
	if err != nil {
		level := slog.LevelWarn
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			level = slog.LevelDebug // a read-only data directory: nothing to fix
		}
		ix.log.Log(ctx, level, "could not save the index segments; the next start reads those articles from the store", "err", err.Error())
		return
	}
	ix.markSaved()
	ix.damaged = nil
	gone := map[string]bool{}
	for _, name := range dropped {
		gone[name] = true
	}
	for _, name := range names {
		ix.adoptSegment(name, gone)
	}
	ix.dropDeadSegments()
	ix.log.Debug("saved index segments", "chunks", wrote, "dropped", len(dropped), "took", time.Since(start))
}

// saveLocked is saveSegments for a caller that holds the segment lock: it
// writes arts, drops the damaged and stale listings, merges, writes the
// MANIFEST and removes unlisted files. It returns the names of the
// segments it wrote and of those it dropped (merged, damaged, of another
// build), and the chunks saved.
func (ix *Index) saveLocked(build string, dim int, arts []segArticleIn, damaged map[string]bool) (names, dropped []string, wrote int, err error) {
	m, err := readSegManifest(ix.segDir)
	if err != nil {
		// A torn or foreign MANIFEST: start a new one; the files it
		// named are unlisted now and removed below.
		ix.log.Warn("replacing an unreadable index segment manifest", "err", err.Error())
		m = segManifest{Version: 1, Next: nextFreeSegment(ix.segDir)}
	}
	// Another process may have saved the same articles since this
	// index loaded (several cold commands at once).
	arts = ix.notSavedSince(m, build, arts)
	kept := m.Segments[:0]
	for _, ls := range m.Segments {
		// Others are of an old build (useless now), could not be read at
		// Open (their articles were read from the store), or are gone.
		_, statErr := os.Stat(filepath.Join(ix.segDir, ls.Name))
		if ls.Build == build && !damaged[ls.Name] && !errors.Is(statErr, fs.ErrNotExist) {
			kept = append(kept, ls)
		} else {
			dropped = append(dropped, ls.Name)
		}
	}
	m.Segments = kept
	initial := map[string]bool{}
	for _, ls := range m.Segments {
		initial[ls.Name] = true
	}
	if wrote, err = ix.writeBatches(&m, build, dim, arts); err != nil {
		return nil, nil, 0, err
	}
	merged, err := ix.mergeSegments(&m, build, dim)
	if err != nil {
		return nil, nil, 0, err
	}
	dropped = append(dropped, merged...)
	if err := writeSegManifest(ix.segDir, m); err != nil {
		return nil, nil, 0, err
	}
	removeUnlisted(ix.segDir, m)
	for _, ls := range m.Segments {
		if !initial[ls.Name] {
			names = append(names, ls.Name)
		}
	}
	return names, dropped, wrote, nil
}

// unsavedArticles lists the articles marked unsaved as segment input. The
// texts and vectors are shared, not copied: entries never change once
// made, and the caller holds ingestMu, so none is replaced meanwhile.
func (ix *Index) unsavedArticles() ([]segArticleIn, string, int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.dim == 0 {
		return nil, "", 0
	}
	var out []segArticleIn
	for _, ae := range ix.articles {
		if ae.unsaved && len(ae.chunks) > 0 {
			out = append(out, segInput(ae.meta.ID, ae.meta.Hash, ae.meta.Title, ae.chunks))
		}
	}
	slices.SortFunc(out, func(a, b segArticleIn) int { return strings.Compare(a.ID, b.ID) })
	return out, buildKey(ix.manifest), ix.dim
}

func segInput(id, hash, title string, chunks []*chunkEntry) segArticleIn {
	in := segArticleIn{ID: id, Hash: hash, Title: title, Chunks: make([]segChunkIn, len(chunks))}
	for i, e := range chunks {
		in.Chunks[i] = segChunkIn{Rowid: e.rowid, Chunk: e.chunk, Vector: e.vec}
	}
	return in
}

// markSaved clears the unsaved marks after a successful save.
func (ix *Index) markSaved() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, ae := range ix.articles {
		ae.unsaved = false
	}
	ix.unsavedChunks.Store(0)
}

// writeBatches writes arts as segments of at most maxSegmentChunks (and
// its slack) each, listing them in m, and returns the chunks written.
func (ix *Index) writeBatches(m *segManifest, build string, dim int, arts []segArticleIn) (int, error) {
	wrote := 0
	for len(arts) > 0 {
		n, chunks := 0, 0
		for n < len(arts) && (n == 0 || chunks+len(arts[n].Chunks) <= maxSegmentChunks*5/4) {
			chunks += len(arts[n].Chunks)
			n++
		}
		if err := ix.writeSegment(m, build, dim, arts[:n], chunks); err != nil {
			return wrote, err
		}
		wrote += chunks
		arts = arts[n:]
	}
	return wrote, nil
}

// writeSegment encodes arts as the next segment file and lists it in m.
func (ix *Index) writeSegment(m *segManifest, build string, dim int, arts []segArticleIn, chunks int) error {
	write, err := encodeSegment(build, dim, arts)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%08d%s", m.Next, segSuffix)
	m.Next++
	if err := ix.beforeSegmentWrite(name); err != nil {
		return err
	}
	if err := writeAtomic(ix.segDir, name, write); err != nil {
		return fmt.Errorf("write segment %s: %w", name, err)
	}
	m.Segments = append(m.Segments, segListing{Name: name, Build: build, Chunks: chunks})
	return nil
}

// beforeSegmentWrite is a test hook standing for a crash before a
// segment's file is complete.
func (ix *Index) beforeSegmentWrite(name string) error {
	if ix.segmentHook != nil {
		return ix.segmentHook(name)
	}
	return nil
}

// notSavedSince drops from arts the articles that segments listed in m,
// and not loaded by this index, already hold in the same version.
func (ix *Index) notSavedSince(m segManifest, build string, arts []segArticleIn) []segArticleIn {
	known := map[string]bool{}
	for _, s := range ix.mapped {
		known[s.name] = true
	}
	have := map[string]string{} // article ID → hash held
	for _, ls := range m.Segments {
		if ls.Build != build || known[ls.Name] {
			continue
		}
		s, err := openSegmentFile(ix.segDir, ls.Name)
		if err != nil {
			continue
		}
		for i := 0; i < s.view.nArticles; i++ {
			a := s.view.article(i)
			have[strings.Clone(s.view.str(a.idOff, a.idLen))] = strings.Clone(s.view.str(a.hashOff, a.hashLen))
		}
		s.close()
	}
	out := arts[:0]
	for _, a := range arts {
		if have[a.ID] != a.Hash {
			out = append(out, a)
		}
	}
	return out
}

// mergeSegments rewrites the small segments, and those this index found
// mostly dead, as one, when there are enough of them; it returns the
// names of the segments merged away. Only articles the index holds in the same
// version are kept.
func (ix *Index) mergeSegments(m *segManifest, build string, dim int) ([]string, error) {
	deadMostly := map[string]bool{}
	for _, s := range ix.mapped {
		if s.view.nChunks >= mergeBelow && s.live < s.view.nChunks/2 {
			deadMostly[s.name] = true
		}
	}
	var pick []segListing
	small := 0
	for _, ls := range m.Segments {
		if ls.Chunks < mergeBelow {
			small++
			pick = append(pick, ls)
		} else if deadMostly[ls.Name] {
			pick = append(pick, ls)
		}
	}
	if small <= maxSmallSegments && len(pick) == small {
		return nil, nil
	}
	arts, err := ix.liveArticlesOf(pick)
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	var names []string
	for _, ls := range pick {
		drop[ls.Name] = true
		names = append(names, ls.Name)
	}
	kept := m.Segments[:0]
	for _, ls := range m.Segments {
		if !drop[ls.Name] {
			kept = append(kept, ls)
		}
	}
	m.Segments = kept
	if _, err := ix.writeBatches(m, build, dim, arts); err != nil {
		return nil, err
	}
	return names, nil
}

// liveArticlesOf reads the articles of the listed segments that the index
// holds in the same version, newest segment first, each once. The texts
// and vectors are copied out of the files, which are unmapped after.
func (ix *Index) liveArticlesOf(list []segListing) ([]segArticleIn, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	mapped := map[string]*segment{} // reused rather than read and checked again
	for _, s := range ix.mapped {
		mapped[s.name] = s
	}
	var out []segArticleIn
	taken := map[string]bool{}
	for i := len(list) - 1; i >= 0; i-- {
		s := mapped[list[i].Name]
		if s == nil {
			var err error
			s, err = openSegmentFile(ix.segDir, list[i].Name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				ix.log.Warn("dropping a damaged index segment while merging", "err", err.Error())
				continue
			}
			defer s.close()
		}
		for j := 0; j < s.view.nArticles; j++ {
			ae, ok := ix.segmentArticle(s, j)
			if !ok || taken[ae.meta.ID] {
				continue
			}
			taken[ae.meta.ID] = true
			out = append(out, segmentInput(s, j, ae))
		}
	}
	slices.SortFunc(out, func(a, b segArticleIn) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// segmentInput copies article i of s (held by the index as ae) out of the
// file as input for a new segment.
func segmentInput(s *segment, i int, ae *articleEntry) segArticleIn {
	v := s.view
	a := v.article(i)
	in := segArticleIn{ID: ae.meta.ID, Hash: ae.meta.Hash, Title: ae.meta.Title, Chunks: make([]segChunkIn, a.n)}
	for k := range in.Chunks {
		slot := int(a.first) + k
		r := v.chunk(slot)
		in.Chunks[k] = segChunkIn{Rowid: r.rowid, Vector: slices.Clone(s.vector(slot)), Chunk: chunkOf(ae.meta.ID, r, strings.Clone(v.text(r)))}
	}
	return in
}

// nextFreeSegment is a segment number above every file in dir.
func nextFreeSegment(dir string) int {
	next := 1
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		var n int
		if _, err := fmt.Sscanf(e.Name(), "%d"+segSuffix, &n); err == nil && n >= next {
			next = n + 1
		}
	}
	return next
}
