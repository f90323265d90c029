package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
)

// Sync makes the index hold exactly the library's articles: new and changed
// ones are embedded, those whose files are gone are removed, unchanged ones
// cost nothing (so every start of the program can sync). Files that cannot
// be loaded are skipped with a warning, as is an added article whose ID a
// seed article already has: the seed wins. progress, which may be nil, is
// called after each article.
func (l *Library) Sync(ctx context.Context, progress func(done, total int)) (index.IngestReport, error) {
	list, err := l.load()
	if err != nil {
		return index.IngestReport{}, err
	}
	ix := l.cfg.Index
	report, err := ix.Ingest(ctx, list, index.IngestOptions{Prune: true, Progress: progress})
	if err != nil {
		return report, err // "ingest: ...", "prune: ...": the index names the step
	}
	if report.Added+report.Updated+report.Removed > 0 || report.Reembedded {
		l.log.Info("index updated", "added", report.Added, "updated", report.Updated,
			"removed", report.Removed, "unchanged", report.Unchanged, "chunks", ix.Count())
	}
	return report, nil
}

// load reads every article of the library: the seeds, then the added
// articles whose IDs no seed has.
func (l *Library) load() ([]retrieval.Article, error) {
	list, err := l.loadSeeds(l.warnSkipped)
	if err != nil {
		return nil, err
	}
	added, err := article.LoadDir(l.cfg.ArticlesDir, l.cfg.Load, l.warnSkipped)
	if errors.Is(err, fs.ErrNotExist) {
		return list, nil // nothing added yet
	}
	if err != nil {
		return nil, err
	}
	return append(list, l.withoutSeedIDs(added, list)...), nil
}

// loadSeeds reads the seed articles from SeedsDir, or from SeedsFS when
// that directory does not exist. Files skipped are reported to warn, which
// may be nil.
func (l *Library) loadSeeds(warn func(path string, err error)) ([]retrieval.Article, error) {
	dir, fsys, err := l.seedsSource()
	switch {
	case err != nil:
		return nil, err
	case dir != "":
		return article.LoadDir(dir, l.cfg.Load, warn)
	case fsys != nil:
		list, err := article.LoadFS(fsys, l.cfg.Load, warn)
		if err != nil {
			return nil, fmt.Errorf("load built-in seeds: %w", err)
		}
		return list, nil
	default:
		return nil, nil
	}
}

// seedsSource says where the seeds come from: SeedsDir when it is a
// directory, else SeedsFS. Both are empty when there are no seeds.
func (l *Library) seedsSource() (dir string, fsys fs.FS, err error) {
	if l.cfg.SeedsDir != "" {
		if info, err := os.Stat(l.cfg.SeedsDir); err == nil && info.IsDir() {
			return l.cfg.SeedsDir, nil, nil
		}
		if l.cfg.SeedsFS == nil {
			return "", nil, fmt.Errorf("seeds directory %s does not exist or is not a directory", l.cfg.SeedsDir)
		}
	}
	return "", l.cfg.SeedsFS, nil
}

// withoutSeedIDs returns the added articles whose IDs none of seeds has,
// warning about the others: a seed article keeps its ID.
func (l *Library) withoutSeedIDs(added, seeds []retrieval.Article) []retrieval.Article {
	taken := make(map[string]bool, len(seeds))
	for _, a := range seeds {
		taken[a.ID] = true
	}
	var kept []retrieval.Article
	for _, a := range added {
		if taken[a.ID] {
			l.warnSkipped(a.Path, fmt.Errorf("article ID %q is already used by a seed article", a.ID))
			continue
		}
		taken[a.ID] = true
		kept = append(kept, a)
	}
	return kept
}
