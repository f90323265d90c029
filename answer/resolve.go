package answer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/retrieval"
)

// ErrUnknownArticle is wrapped by the error ResolveArticle returns when no
// article matches the reference; the message names the reference.
var ErrUnknownArticle = errors.New("unknown article")

type unknownArticleError struct{ ref string }

func (e unknownArticleError) Error() string { return fmt.Sprintf("no article matches %q", e.ref) }
func (e unknownArticleError) Unwrap() error { return ErrUnknownArticle }

// AmbiguousArticleError is returned when a reference matches several
// articles, so the caller can list the candidates.
type AmbiguousArticleError struct {
	Ref        string
	Candidates []retrieval.Article
}

func (e *AmbiguousArticleError) Error() string {
	ids := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		ids[i] = c.ID
	}
	return fmt.Sprintf("%q matches %d articles (%s); use an ID", e.Ref, len(e.Candidates), strings.Join(ids, ", "))
}

// ResolveArticle finds the article a user means, trying in turn: the exact
// ID; a file path or name (its base name without extension is the ID); a
// URL (its slug is the ID of an ingested page); the exact title, ignoring
// case; and a prefix of titles or IDs that matches only one article. The
// returned article has its Body.
func (e *Engine) ResolveArticle(ctx context.Context, ref string) (retrieval.Article, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return retrieval.Article{}, errors.New("no article given")
	}
	all, err := e.Articles(ctx)
	if err != nil {
		return retrieval.Article{}, err
	}
	id, err := resolveID(ref, all)
	if err != nil {
		return retrieval.Article{}, err
	}
	a, err := e.cfg.Retriever.Article(ctx, id)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("load article %s: %w", id, err)
	}
	return a, nil
}

// resolveID applies the ResolveArticle rules to a listing.
func resolveID(ref string, all []retrieval.Article) (string, error) {
	byID := func(id string) (string, bool) {
		for _, a := range all {
			if a.ID == id {
				return a.ID, true
			}
		}
		return "", false
	}
	if id, ok := byID(ref); ok {
		return id, nil
	}
	base := filepath.Base(filepath.ToSlash(ref))
	if id, ok := byID(strings.TrimSuffix(base, filepath.Ext(base))); ok {
		return id, nil
	}
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		if id, ok := byID(retrieval.URLSlug(ref)); ok {
			return id, nil
		}
	}
	var exact []retrieval.Article
	for _, a := range all {
		if strings.EqualFold(strings.TrimSpace(a.Title), ref) {
			exact = append(exact, a)
		}
	}
	if len(exact) == 1 {
		return exact[0].ID, nil
	}
	if len(exact) > 1 {
		return "", &AmbiguousArticleError{Ref: ref, Candidates: exact}
	}
	lower := strings.ToLower(ref)
	var prefix []retrieval.Article
	for _, a := range all {
		if strings.HasPrefix(strings.ToLower(a.Title), lower) || strings.HasPrefix(strings.ToLower(a.ID), lower) {
			prefix = append(prefix, a)
		}
	}
	switch len(prefix) {
	case 0:
		return "", unknownArticleError{ref}
	case 1:
		return prefix[0].ID, nil
	}
	return "", &AmbiguousArticleError{Ref: ref, Candidates: prefix}
}
