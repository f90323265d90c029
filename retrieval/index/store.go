package index

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
	"modernc.org/sqlite"
)

// storeFile is the SQLite file inside Config.DataDir. It holds everything
// derived from the articles (bodies, chunks, vectors, the manifest) plus the
// feedback votes, which are the one thing that cannot be rebuilt.
const storeFile = "citebot.db"

// schemaVersion is recorded in the manifest. A store with another version is
// treated like a corrupt one: moved aside and rebuilt from the articles.
const schemaVersion = 1

// errCorrupt marks errors that mean the store file cannot be trusted; Open
// moves such a file aside and starts a fresh store.
var errCorrupt = errors.New("store is corrupt")

// ErrArticleNotFound is returned (wrapped) by Article and Chunks for an ID
// the store does not hold.
var ErrArticleNotFound = errors.New("article not found")

// Config configures Open.
type Config struct {
	// DataDir holds the store file (citebot.db); it is created if missing.
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
	// Logger receives warnings (corrupt store, re-embedding); nil means
	// slog.Default().
	Logger *slog.Logger
}

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Open opens (or creates) the store in cfg.DataDir and loads every stored
// vector into an in-memory chromem collection, so that Search is ready when
// Open returns. A store file that is not a database, fails SQLite's
// quick_check or has an unknown schema version is moved aside (to
// citebot.db.corrupt-<time>) with a warning and a fresh store is created;
// the caller then re-ingests the articles, which are the source of truth.
func Open(ctx context.Context, cfg Config) (*Index, error) {
	if cfg.Embedder == nil {
		return nil, errors.New("open store: no embedder configured")
	}
	if cfg.DataDir == "" {
		return nil, errors.New("open store: no data directory configured")
	}
	if strings.ContainsRune(cfg.DataDir, '?') {
		return nil, fmt.Errorf("open store: data directory %q must not contain '?'", cfg.DataDir)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Fusion == (FusionOptions{}) {
		cfg.Fusion = DefaultFusionOptions()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("open store: create data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, storeFile)
	ix, err := openIndex(ctx, cfg, path)
	if errors.Is(err, errCorrupt) {
		aside, mvErr := moveAside(path)
		if mvErr != nil {
			return nil, fmt.Errorf("open store %s: move corrupt file aside: %w", path, mvErr)
		}
		cfg.Logger.Warn("store was corrupt; rebuilding from articles",
			"path", path, "moved_to", aside, "reason", err.Error())
		ix, err = openIndex(ctx, cfg, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return ix, nil
}

// openIndex opens the database at path, checks it and loads the index. Any
// sign of a damaged file comes back wrapped in errCorrupt.
func openIndex(ctx context.Context, cfg Config, path string) (*Index, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// mmap_size lets SQLite read pages through a memory map instead of one
	// pread per page: Open reads the whole vector table, and this halves
	// the time (SQLite caps the map at 2 GB and reads the rest as usual).
	db, err := sql.Open("sqlite", path+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"+
		"&_pragma=synchronous(NORMAL)&_pragma=mmap_size(2147418112)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	ix := newIndex(cfg, db, path)
	if err := ix.init(ctx); err != nil {
		db.Close()
		return nil, classify(err)
	}
	return ix, nil
}

// checkHeader rejects a non-empty file that does not start with the SQLite
// header before SQLite sees it (SQLite would only fail on first use).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && errors.Is(err, io.EOF) {
		return nil // an empty file is a new database
	}
	if err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("%w: %s is not an SQLite database", errCorrupt, filepath.Base(path))
	}
	return nil
}

// classify wraps SQLite's "corrupt" and "not a database" errors in
// errCorrupt so that Open rebuilds instead of failing forever.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return fmt.Errorf("%w: %v", errCorrupt, err)
		}
	}
	return err
}

// moveAside renames the store file and its WAL and shared-memory files to
// <path>.corrupt-<UTC time>. The WAL must go too: a stale WAL next to a
// fresh database would be replayed into it.
func moveAside(path string) (string, error) {
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		err := os.Rename(path+suffix, aside+suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return aside, nil
}

// schemaSQL creates the tables. The lexical index is not stored: it is
// built in memory from chunks.text at Open (see lexical.go).
var schemaSQL = []string{
	`CREATE TABLE IF NOT EXISTS manifest (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS articles (
		id         TEXT PRIMARY KEY,
		title      TEXT NOT NULL,
		source     TEXT NOT NULL,
		publisher  TEXT NOT NULL,
		author     TEXT NOT NULL,
		published  TEXT NOT NULL,
		license    TEXT NOT NULL,
		path       TEXT NOT NULL,
		hash       TEXT NOT NULL, -- '' = chunks must be rebuilt from body
		body       TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS chunks (
		id         INTEGER PRIMARY KEY,
		article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
		ordinal    INTEGER NOT NULL,
		start_off  INTEGER NOT NULL,
		end_off    INTEGER NOT NULL,
		text       TEXT NOT NULL,
		vector     BLOB NOT NULL, -- little-endian float32
		UNIQUE (article_id, ordinal)
	)`,
	`CREATE TABLE IF NOT EXISTS feedback (
		id        INTEGER PRIMARY KEY,
		time      TEXT NOT NULL,
		guild     TEXT NOT NULL,
		channel   TEXT NOT NULL,
		user_hash TEXT NOT NULL,
		question  TEXT NOT NULL,
		answer    TEXT NOT NULL,
		citations TEXT NOT NULL, -- JSON array of strings
		vote      INTEGER NOT NULL
	)`,
}

// init checks the file, creates the schema, reads the manifest and loads
// the in-memory index.
func (ix *Index) init(ctx context.Context) error {
	var check string
	if err := ix.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if check != "ok" {
		return fmt.Errorf("%w: quick_check: %s", errCorrupt, check)
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin schema: %w", err)
	}
	defer tx.Rollback()
	for _, stmt := range schemaSQL {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	m, err := readManifest(ctx, tx)
	if err != nil {
		return err
	}
	switch m.SchemaVersion {
	case 0:
		m.SchemaVersion = schemaVersion
		if err := writeManifest(ctx, tx, m); err != nil {
			return err
		}
	case schemaVersion:
	default:
		return fmt.Errorf("%w: unknown schema version %d (this build knows %d)", errCorrupt, m.SchemaVersion, schemaVersion)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit schema: %w", err)
	}
	ix.manifest = m
	return ix.load(ctx)
}

// Close releases the database. The in-memory index is dropped; searching a
// closed Index is an error.
func (ix *Index) Close() error {
	ix.mu.Lock()
	ix.closed = true
	ix.mu.Unlock()
	return ix.db.Close()
}
