package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
)

// ErrNotURL is returned by Add for a reference that looks like a URL but
// is not an http or https one with a host (e.g. "ftp:///x", with no host); it is a mistake
// in the request rather than a failure to fetch.
var ErrNotURL = errors.New("not an http or https URL")

// Added is what one Add saved and indexed.
type Added struct {
	// Saved lists the article files written under ArticlesDir. It is empty
	// for a path inside SeedsDir, whose files are indexed where they are.
	Saved []string
	// Report is what ingesting the added articles changed in the index.
	Report index.IngestReport
}

// Add brings the article(s) at ref into the library: an http or https URL
// is fetched and its readable text extracted; a file (.md, .markdown, .txt,
// .html, .htm) or a directory of them is loaded, bad files skipped with a
// warning. Each article is saved as Markdown under ArticlesDir, so it has a
// file and survives the next Sync, and then ingested. A path inside SeedsDir
// is not copied: the library is synced instead, which indexes it where it
// is. Fetching the same URL or adding the same file again updates the
// article. progress, which may be nil, is called after each article.
func (l *Library) Add(ctx context.Context, ref string, progress func(done, total int)) (Added, error) {
	list, inSeeds, err := l.read(ctx, ref)
	if err != nil {
		return Added{}, err
	}
	if inSeeds {
		report, err := l.Sync(ctx, progress)
		return Added{Report: report}, err
	}
	var added Added
	list, added.Saved, err = l.save(list)
	if err != nil {
		return added, err
	}
	seeds, err := l.loadSeeds(nil) // only their IDs: Sync warns about bad seed files
	if err != nil {
		return added, err
	}
	list = l.withoutSeedIDs(list, seeds)
	added.Report, err = l.cfg.Index.Ingest(ctx, list, index.IngestOptions{Progress: progress})
	if err != nil {
		return added, fmt.Errorf("add %s: %w", ref, err)
	}
	return added, nil
}

// read fetches or loads the articles ref names; for a path inside the seeds
// directory it reads nothing and reports inSeeds.
func (l *Library) read(ctx context.Context, ref string) (list []retrieval.Article, inSeeds bool, err error) {
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" && u.Host != "" {
		a, err := article.FetchURL(ctx, ref, l.cfg.Fetch)
		if err != nil {
			return nil, false, err // names the URL
		}
		return []retrieval.Article{a}, false, nil
	}
	info, err := os.Stat(ref)
	switch {
	case err != nil && strings.Contains(ref, "://"):
		return nil, false, fmt.Errorf("%s is %w", ref, ErrNotURL)
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("no such file or directory: %s", ref)
	case err != nil:
		return nil, false, err // "stat ref: permission denied"
	}
	if l.insideSeeds(ref) {
		return nil, true, nil
	}
	if info.IsDir() {
		list, err = article.LoadDir(ref, l.cfg.Load, l.warnSkipped)
		return list, false, err // the error names the directory
	}
	a, err := article.LoadFile(ref, l.cfg.Load)
	if err != nil {
		return nil, false, err // names the file
	}
	return []retrieval.Article{a}, false, nil
}

// save writes each article to ArticlesDir and returns them as read back
// from their new files, which is how Sync will see them: same path, same
// hash, so the next Sync finds them unchanged.
func (l *Library) save(list []retrieval.Article) ([]retrieval.Article, []string, error) {
	saved := make([]retrieval.Article, 0, len(list))
	var paths []string
	for _, a := range list {
		path, err := article.WriteArticleFile(l.cfg.ArticlesDir, a)
		if err != nil {
			return nil, paths, err // names the article
		}
		paths = append(paths, path)
		back, err := article.LoadFile(path, l.cfg.Load)
		if err != nil {
			return nil, paths, err
		}
		saved = append(saved, back)
	}
	return saved, paths, nil
}

// insideSeeds reports whether path lies in the seeds directory in use.
func (l *Library) insideSeeds(path string) bool {
	dir, _, err := l.seedsSource()
	if err != nil || dir == "" {
		return false
	}
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
