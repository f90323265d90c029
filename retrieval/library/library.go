// Package library is the set of articles citebot answers from and the rules
// that keep the index in step with it. The library is the seed articles (a
// directory, or the copy compiled into the binary) plus the articles added
// later: files and fetched pages saved as Markdown under the data directory
// (shared, or per Discord server), and folders the operator registered,
// indexed where they are. The files are the source of truth: Sync makes the
// index hold exactly them, Add brings in a URL, file, upload or folder,
// Forget takes one out, and Watch follows the folders while a bot runs.
//
// The index itself (storage, embedding, search) is package index; the
// command line and the bot only wire a Library to their configuration.
package library

import (
	"errors"
	"io/fs"
	"log/slog"

	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
)

// Config says where the library's articles are and how to read them.
type Config struct {
	// Index receives the articles. The caller opens and closes it.
	Index *index.Index
	// SeedsDir is the directory of seed articles, indexed where they are.
	// When it does not exist, SeedsFS takes its place; without a SeedsFS a
	// missing SeedsDir is an error, since a directory asked for by name
	// should not silently stand for an empty library.
	SeedsDir string
	// SeedsFS holds the seeds used when SeedsDir does not exist, typically
	// the articles compiled into the binary (package seeds); nil means
	// none.
	SeedsFS fs.FS
	// ArticlesDir holds the shared articles saved by Add (copies of files,
	// fetched pages), one Markdown file each (DATA/articles). It is created
	// on the first Add.
	ArticlesDir string
	// ServersDir holds each server's saved articles, in <ServersDir>/<server
	// ID>/articles (DATA/servers). The folder decides an article's scope,
	// never the file's own text, so nobody can write into another server's
	// library. Empty: no per-server libraries.
	ServersDir string
	// StampFile, when set, is where a sync records what it found (see
	// stamp.go), so that read-only syncs (KeepBuild) skip reading every
	// article file when nothing changed (DATA/library.stamp).
	StampFile string
	// Load configures reading article files (the size cap).
	Load article.LoadOptions
	// Fetch configures downloading articles from URLs (HTTP client,
	// timeout, size cap).
	Fetch article.FetchOptions
	// Logger receives a warning for every article skipped; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Library keeps an index in step with the article files. Its methods may
// be called from several goroutines: the index serialises ingests.
type Library struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and returns the library it describes. Nothing is read
// until Sync or Add.
func New(cfg Config) (*Library, error) {
	if cfg.Index == nil {
		return nil, errors.New("library: no index configured")
	}
	if cfg.ArticlesDir == "" {
		return nil, errors.New("library: no articles directory configured")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Library{cfg: cfg, log: log}, nil
}

// store is where registered sources are kept.
func (l *Library) store() store.Store { return l.cfg.Index.Store() }

// warnSkipped logs an article file that is left out of the library.
func (l *Library) warnSkipped(path string, err error) {
	l.log.Warn("skipping article", "path", path, "err", err)
}
