package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// ErrUnknownArticle is returned (wrapped) by Forget for an ID that the
// scope's library does not hold.
var ErrUnknownArticle = errors.New("no such article in this library")

// Forgotten is what one Forget removed.
type Forgotten struct {
	// Source is the folder unregistered, if ref was one.
	Source string
	// Articles are the articles that left the index.
	Articles []retrieval.Article
}

// Forget removes ref from the library of scope: a registered folder is
// unregistered (its files stay where they are, their articles leave the
// index); an article ID removes that article and deletes its saved file.
// Only articles of exactly scope can be forgotten (a server cannot remove a
// shared article); an article that comes from a folder or from the seeds
// must be removed there, since its file would bring it back.
func (l *Library) Forget(ctx context.Context, ref string, scope retrieval.Scope) (Forgotten, error) {
	if abs, err := filepath.Abs(ref); err == nil {
		ok, err := l.store().RemoveSource(ctx, store.Folder, filepath.Clean(abs))
		if err != nil {
			return Forgotten{}, err
		}
		if ok {
			before := l.articleMap(ctx)
			rep, err := l.Sync(ctx, SyncOptions{KeepBuild: true})
			out := Forgotten{Source: filepath.Clean(abs)}
			for _, id := range rep.IDs.Removed {
				out.Articles = append(out.Articles, before[id])
			}
			return out, err
		}
	}
	a, ok := l.articleMap(ctx)[ref]
	if !ok || a.Scope != scope {
		return Forgotten{}, fmt.Errorf("%q: %w", ref, ErrUnknownArticle)
	}
	dir, err := l.savedDir(scope)
	if err != nil {
		return Forgotten{}, err
	}
	if a.Path == "" || !within(dir, a.Path) {
		from := a.Path
		if from == "" {
			from = "the built-in seeds"
		}
		return Forgotten{}, fmt.Errorf("%q comes from %s: remove the file there (or forget its whole folder)", ref, from)
	}
	if err := os.Remove(a.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Forgotten{}, fmt.Errorf("delete %s: %w", a.Path, err)
	}
	if _, err := l.cfg.Index.Remove(ctx, []string{a.ID}); err != nil {
		return Forgotten{}, err
	}
	l.log.Info("article forgotten", "article", a.ID, "scope", string(scope), "path", a.Path)
	return Forgotten{Articles: []retrieval.Article{a}}, nil
}

// articleMap is the index's articles by ID (metadata only).
func (l *Library) articleMap(ctx context.Context) map[string]retrieval.Article {
	all, err := l.cfg.Index.Articles(ctx)
	m := make(map[string]retrieval.Article, len(all))
	if err != nil {
		return m
	}
	for _, a := range all {
		m[a.ID] = a
	}
	return m
}

// Sources lists the registered sources.
func (l *Library) Sources(ctx context.Context) ([]store.Source, error) {
	return l.store().Sources(ctx)
}
