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
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
)

// ErrNotURL is returned by Add for a reference that looks like a URL but
// is not an http or https one with a host (e.g. "ftp:///x"); it is a
// mistake in the request rather than a failure to fetch.
var ErrNotURL = errors.New("not an http or https URL")

// AddOptions tunes one Add.
type AddOptions struct {
	// Scope is the library the articles join: Shared, or one server's.
	Scope retrieval.Scope
	// Progress, if set, is called after each article.
	Progress func(done, total int)
}

// Added is what one Add brought into the library.
type Added struct {
	Report
	// Saved lists the article files written (copies of files, fetched
	// pages, uploads).
	Saved []string
	// Registered is the folder registered as a source, if ref was one.
	Registered string
	// Articles are the articles added or found, as indexed.
	Articles []retrieval.Article
}

// Add brings the article(s) at ref into the library:
//   - an http or https URL is fetched and its readable text extracted;
//   - a directory is registered as a source: its files are indexed where
//     they are and followed (Watch) from then on;
//   - a file (.md, .markdown, .txt, .html, .htm) is copied as Markdown under
//     the saved-articles folder of the scope.
//
// A saved article keeps where it came from (Origin): adding the same URL or
// file again updates it, and another source whose name makes the same ID
// gets an ID of its own. A path inside the seeds directory is indexed where
// it is.
func (l *Library) Add(ctx context.Context, ref string, opts AddOptions) (Added, error) {
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" && u.Host != "" {
		a, err := article.FetchURL(ctx, ref, l.cfg.Fetch)
		if err != nil {
			return Added{}, err // names the URL and the reason
		}
		a.Origin = article.WithoutUserinfo(ref)
		return l.addArticles(ctx, []retrieval.Article{a}, opts)
	}
	info, err := os.Stat(ref)
	switch {
	case err != nil && strings.Contains(ref, "://"):
		return Added{}, fmt.Errorf("%s is %w", ref, ErrNotURL)
	case errors.Is(err, fs.ErrNotExist):
		return Added{}, fmt.Errorf("no such file or directory: %s", ref)
	case err != nil:
		return Added{}, err // "stat ref: permission denied"
	}
	if l.insideSeeds(ref) {
		rep, err := l.Sync(ctx, SyncOptions{Progress: opts.Progress})
		return Added{Report: rep}, err
	}
	if info.IsDir() {
		return l.register(ctx, ref, opts)
	}
	a, err := article.LoadFile(ref, l.cfg.Load)
	if err != nil {
		return Added{}, err // names the file
	}
	if abs, err := filepath.Abs(ref); err == nil {
		a.Origin = abs
	}
	return l.addArticles(ctx, []retrieval.Article{a}, opts)
}

// AddData adds one uploaded file (a Discord attachment): name chooses the
// parser by extension and the article ID; uploading a file of the same name
// to the same library again updates it.
func (l *Library) AddData(ctx context.Context, name string, data []byte, opts AddOptions) (Added, error) {
	a, err := article.ParseData(name, data, l.cfg.Load)
	if err != nil {
		return Added{}, err
	}
	a.Origin = "upload:" + filepath.Base(name)
	return l.addArticles(ctx, []retrieval.Article{a}, opts)
}

// register makes dir a folder source of opts.Scope and syncs.
func (l *Library) register(ctx context.Context, dir string, opts AddOptions) (Added, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Added{}, err
	}
	abs = filepath.Clean(abs)
	if err := l.store().AddSource(ctx, store.Source{Kind: store.Folder, Location: abs, Scope: string(opts.Scope), Added: time.Now()}); err != nil {
		return Added{}, err
	}
	rep, err := l.Sync(ctx, SyncOptions{Progress: opts.Progress})
	added := Added{Report: rep, Registered: abs}
	if err != nil {
		return added, err
	}
	for _, a := range l.indexed(ctx, rep) {
		if strings.HasPrefix(a.Path, abs+string(filepath.Separator)) {
			added.Articles = append(added.Articles, a)
		}
	}
	return added, nil
}

// addArticles saves articles under their scope's folder with IDs of their
// own, then ingests them.
func (l *Library) addArticles(ctx context.Context, list []retrieval.Article, opts AddOptions) (Added, error) {
	dir, err := l.savedDir(opts.Scope)
	if err != nil {
		return Added{}, err
	}
	var added Added
	current, err := l.loadAll(ctx, &Report{})
	if err != nil {
		return added, err
	}
	owner := make(map[string]string, len(current))
	for _, a := range current {
		owner[a.ID] = ownerKey(a)
	}
	var saved []retrieval.Article
	for _, a := range list {
		a.Scope = opts.Scope
		if prev, taken := owner[a.ID]; taken && prev != a.Origin {
			a.ID = distinctID(a.ID, a.Origin, owner)
			added.Renamed = append(added.Renamed, Renamed{Path: a.Origin, ID: a.ID})
		}
		owner[a.ID] = a.Origin
		path, err := article.WriteArticleFile(dir, a)
		if err != nil {
			return added, err // names the article
		}
		added.Saved = append(added.Saved, path)
		back, err := article.LoadFile(path, l.cfg.Load)
		if err != nil {
			return added, err
		}
		back.Scope = opts.Scope
		saved = append(saved, back)
	}
	added.IngestReport, err = l.cfg.Index.Ingest(ctx, saved, index.IngestOptions{Progress: opts.Progress})
	if err != nil {
		return added, err
	}
	added.Articles = saved
	return added, nil
}

// ownerKey is what a loaded article's ID belongs to: the source it was
// saved from, or else its file.
func ownerKey(a retrieval.Article) string {
	if a.Origin != "" {
		return a.Origin
	}
	return a.Path
}

// indexed returns the indexed articles a report names as added, updated
// or unchanged.
func (l *Library) indexed(ctx context.Context, rep Report) []retrieval.Article {
	want := map[string]bool{}
	for _, ids := range [][]string{rep.IDs.Added, rep.IDs.Updated, rep.IDs.Unchanged} {
		for _, id := range ids {
			want[id] = true
		}
	}
	all, err := l.cfg.Index.Articles(ctx)
	if err != nil {
		return nil
	}
	var out []retrieval.Article
	for _, a := range all {
		if want[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// insideSeeds reports whether path lies in the seeds directory in use.
func (l *Library) insideSeeds(path string) bool {
	dir, _, err := l.seedsSource()
	if err != nil || dir == "" {
		return false
	}
	return within(dir, path)
}

// within reports whether path lies inside dir (or is dir).
func within(dir, path string) bool {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
