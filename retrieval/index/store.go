package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
	"github.com/citebot/citebot/retrieval/store/sqlite"
)

// ErrArticleNotFound is returned (wrapped) by Article and Chunks for an ID
// the index does not hold.
var ErrArticleNotFound = store.ErrNotFound

// Config configures Open.
type Config struct {
	// Store is the durable store to index; nil opens the SQLite store in
	// DataDir (and Close closes it).
	Store store.Store
	// DataDir holds the SQLite store file when Store is nil; it is created
	// if missing.
	DataDir string
	// Embedder embeds chunks and queries. Its Name, Model and vector
	// dimension are recorded in the manifest: a change re-embeds everything.
	Embedder retrieval.Embedder
	// Chunking is passed to Split; the zero value means DefaultChunkOptions.
	// A change (by ChunkOptions.String) re-chunks and re-embeds everything.
	Chunking retrieval.ChunkOptions
	// Fusion weighs the vector and lexical rankings; the zero value means
	// DefaultFusionOptions.
	Fusion FusionOptions
	// SegmentDir holds the index segments (see segment_format.go), which
	// let Open skip reading and tokenizing every chunk. Empty means
	// DataDir/segments when Open opens the store itself, and no segments
	// for a Store passed in.
	SegmentDir string
	// Logger receives warnings (corrupt store, re-embedding); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Open opens the store and loads every stored chunk into memory (and, when
// they were made with the configured embedder and chunker, every vector into
// chromem), so that Search is ready when Open returns. Stored data that
// cannot be decoded is dropped with a warning (feedback is kept) and the
// caller's next Ingest rebuilds it from the articles, which are the source
// of truth.
func Open(ctx context.Context, cfg Config) (*Index, error) {
	if cfg.Embedder == nil {
		return nil, errors.New("open index: no embedder configured")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Fusion == (FusionOptions{}) {
		cfg.Fusion = DefaultFusionOptions()
	}
	st, owned := cfg.Store, false
	if st == nil {
		s, err := sqlite.Open(ctx, cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		st, owned = s, true
	}
	if cfg.SegmentDir == "" && cfg.Store == nil && cfg.DataDir != "" {
		cfg.SegmentDir = filepath.Join(cfg.DataDir, segDirName)
	}
	ix := newIndex(cfg, st, owned)
	err := ix.load(ctx)
	if errors.Is(err, store.ErrCorrupt) {
		if err = st.DropDerived(ctx, err); err == nil {
			ix = newIndex(cfg, st, owned)
			err = ix.load(ctx)
		}
	}
	if err != nil {
		if owned {
			st.Close()
		}
		return nil, fmt.Errorf("load index: %w", err)
	}
	// Articles read from the store because no segment held them are
	// saved now, so the next Open takes them from a segment.
	ix.saveSegments(ctx)
	return ix, nil
}

// Store is the durable store behind the index, for user data (feedback)
// and tools that read it directly.
func (ix *Index) Store() store.Store { return ix.st }

// Close releases the store when Open opened it. The in-memory index is
// dropped; searching a closed Index is an error.
func (ix *Index) Close() error {
	ix.mu.Lock()
	ix.closed = true
	// Nothing aliases the segments' memory once no search runs: passages
	// and chunk lists copy their text.
	for _, s := range ix.mapped {
		if err := s.close(); err != nil {
			ix.log.Warn("could not unmap an index segment", "err", err.Error())
		}
	}
	ix.mapped = nil
	ix.mu.Unlock()
	if ix.ownsStore {
		return ix.st.Close()
	}
	return nil
}
