package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
)

// SyncOptions tunes one Sync.
type SyncOptions struct {
	// KeepBuild uses the store as it was built (see index.IngestOptions):
	// read-only commands and the bot never re-embed.
	KeepBuild bool
	// Reembed re-chunks and re-embeds everything (`ingest --reembed`).
	Reembed bool
	// Progress, if set, is called after each article.
	Progress func(done, total int)
}

// UpdateError is a Sync that read the library but could not bring the
// index in step (the store could not be written: disk full, read-only
// file system, an embedder that failed). The index still holds what it
// held before, so a read-only command can answer from it and warn.
type UpdateError struct{ Err error }

func (e *UpdateError) Error() string { return e.Err.Error() } // "ingest: ...": the index names the step
func (e *UpdateError) Unwrap() error { return e.Err }

// Skipped is a file left out of the library, with the reason.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Report is what a Sync or Add changed, by article ID.
type Report struct {
	index.IngestReport
	// Skipped lists files that could not be loaded.
	Skipped []Skipped
	// Renamed lists articles given an ID of their own because another
	// source already used theirs.
	Renamed []Renamed
}

// Sync makes the index hold exactly the library's articles: those of the
// seeds, the saved articles (shared and per server) and every registered
// folder. New and changed ones are embedded, those whose files are gone
// are removed, unchanged ones cost nothing (so every start of the program
// can sync). Files that cannot be loaded are skipped and reported; an
// article whose ID another source already has gets an ID of its own.
func (l *Library) Sync(ctx context.Context, opts SyncOptions) (Report, error) {
	var rep Report
	l.removeLeftovers(ctx)
	// A read-only sync skips reading the files when neither they nor the
	// store changed since the last one (see stamp.go).
	// The fingerprint is taken before the files are read, so that a file
	// changed while this sync runs makes the next one read it.
	var fp string
	if l.cfg.StampFile != "" {
		var unchanged bool
		var n int
		fp, unchanged, n = l.unchangedSince(ctx)
		if unchanged && opts.KeepBuild && !opts.Reembed {
			rep.Unchanged = n
			return rep, nil
		}
	}
	list, err := l.loadAll(ctx, &rep)
	if err != nil {
		return rep, err
	}
	ix := l.cfg.Index
	// One process builds at a time: others started at the same moment (20
	// `ask` on an empty store) wait here, and their Ingest, which starts
	// from what the store holds, finds the work done.
	err = l.store().WithBuildLock(ctx, func(ctx context.Context) error {
		var err error
		rep.IngestReport, err = ix.Ingest(ctx, list, index.IngestOptions{
			Prune: true, Progress: opts.Progress, KeepBuild: opts.KeepBuild, Reembed: opts.Reembed,
			Keep: l.stillThere(ctx, rep.Skipped),
		})
		return err
	})
	if err != nil && !errors.Is(err, index.ErrBuildDiffers) {
		return rep, &UpdateError{Err: err}
	}
	if err != nil {
		return rep, err
	}
	if r := rep.IngestReport; r.Added+r.Updated+r.Removed > 0 || r.Reembedded {
		l.log.Info("index updated", "added", r.Added, "updated", r.Updated,
			"removed", r.Removed, "unchanged", r.Unchanged, "chunks", ix.Count())
	}
	if fp != "" && len(rep.Skipped) == 0 {
		l.writeStamp(ctx, fp)
	}
	return rep, nil
}

// loadAll reads every article of the library with unique IDs, noting
// skipped files and renamed articles in rep.
func (l *Library) loadAll(ctx context.Context, rep *Report) ([]retrieval.Article, error) {
	origins, err := l.origins(ctx)
	if err != nil {
		return nil, err
	}
	warn := func(path string, err error) {
		l.warnSkipped(path, err)
		rep.Skipped = append(rep.Skipped, Skipped{Path: path, Reason: err.Error()})
	}
	var list []retrieval.Article
	for _, o := range origins {
		arts, err := l.loadOrigin(o, warn)
		if err != nil {
			return nil, err
		}
		list = append(list, arts...)
	}
	list = claimIDs(list, &rep.Renamed)
	for _, r := range rep.Renamed {
		l.log.Info("article ID already taken by another source; using its own", "path", r.Path, "id", r.ID)
	}
	return list, nil
}

// stillThere returns the stored articles whose files were skipped but still
// exist (unreadable for now, or broken by an edit in progress): they stay
// as they were until the file reads again. Only a file that is gone takes
// its article out of the library.
func (l *Library) stillThere(ctx context.Context, skipped []Skipped) []string {
	if len(skipped) == 0 {
		return nil
	}
	exists := map[string]bool{}
	for _, s := range skipped {
		if _, err := os.Lstat(s.Path); err == nil {
			exists[s.Path] = true
		}
	}
	var keep []string
	for _, a := range l.articleMap(ctx) {
		if a.Path != "" && exists[a.Path] {
			keep = append(keep, a.ID)
			l.log.Warn("article file unreadable; keeping the indexed version", "path", a.Path, "article", a.ID)
		}
	}
	return keep
}

// seedsSource says where the seeds come from: SeedsDir when it is a
// directory, else SeedsFS. Both are empty when there are no seeds.
func (l *Library) seedsSource() (dir string, fsys fs.FS, err error) {
	if l.cfg.SeedsDir != "" {
		info, err := os.Stat(l.cfg.SeedsDir)
		if err == nil && info.IsDir() {
			return l.cfg.SeedsDir, nil, nil
		}
		if l.cfg.SeedsFS == nil {
			if err == nil || errors.Is(err, fs.ErrNotExist) {
				return "", nil, fmt.Errorf("seeds directory %s does not exist or is not a directory", l.cfg.SeedsDir)
			}
			return "", nil, fmt.Errorf("seeds directory: %w", err)
		}
	}
	return "", l.cfg.SeedsFS, nil
}
