package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/seeds"
)

// articlesDir is where articles that arrive from URLs or outside files are
// written as Markdown, so that every indexed article has a file.
func (a *app) articlesDir() string { return filepath.Join(a.cfg.DataDir, "articles") }

func (a *app) loadOptions() article.LoadOptions {
	return article.LoadOptions{MaxBytes: a.cfg.MaxArticleBytes}
}

// seedsSource says where the seed articles come from: the seeds dir when it
// exists or was asked for, else the copy compiled into the binary.
func (a *app) seedsSource() (dir string, embedded bool, err error) {
	info, statErr := os.Stat(a.cfg.SeedsDir)
	switch {
	case statErr == nil && info.IsDir():
		return a.cfg.SeedsDir, false, nil
	case a.cfg.SeedsExplicit:
		return "", false, fmt.Errorf("seeds directory %s does not exist or is not a directory", a.cfg.SeedsDir)
	default:
		return "", true, nil
	}
}

// libraryArticles loads every article the index should hold: the seeds plus
// the articles added with `ingest` (data/articles). Bad files are skipped
// with a warning; the rest still load.
func (a *app) libraryArticles() ([]retrieval.Article, error) {
	warn := func(path string, err error) {
		a.logger.Warn("skipping article", "path", path, "err", err)
	}
	dir, embedded, err := a.seedsSource()
	if err != nil {
		return nil, err
	}
	var list []retrieval.Article
	if embedded {
		list, err = article.LoadFS(seeds.FS, a.loadOptions(), warn)
	} else {
		list, err = article.LoadDir(dir, a.loadOptions(), warn)
	}
	if err != nil {
		return nil, fmt.Errorf("load seeds: %w", err)
	}
	if _, statErr := os.Stat(a.articlesDir()); statErr == nil {
		added, err := article.LoadDir(a.articlesDir(), a.loadOptions(), warn)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", a.articlesDir(), err)
		}
		list = mergeArticles(list, added, warn)
	}
	return list, nil
}

// mergeArticles appends extra to base, skipping IDs base already has: a
// seed article keeps its ID.
func mergeArticles(base, extra []retrieval.Article, warn func(string, error)) []retrieval.Article {
	seen := make(map[string]bool, len(base))
	for _, art := range base {
		seen[art.ID] = true
	}
	for _, art := range extra {
		if seen[art.ID] {
			warn(art.Path, fmt.Errorf("article ID %q is already used by a seed article", art.ID))
			continue
		}
		seen[art.ID] = true
		base = append(base, art)
	}
	return base
}

// embedder is the configured embedder: the built-in local one, or an
// OpenAI-compatible API under the embedding policy with
// CITEBOT_EMBED_TIMEOUT per attempt (0 = the default).
func (a *app) embedder() (retrieval.Embedder, error) {
	if a.cfg.EmbedProvider != "openai" {
		return retrieval.NewLocalEmbedder(), nil
	}
	p := openai.EmbedPolicy()
	if a.cfg.EmbedTimeout > 0 {
		p.AttemptTimeout = a.cfg.EmbedTimeout
	}
	e, err := openai.NewEmbedder(openai.EmbedderConfig{
		BaseURL:        a.cfg.EmbedBaseURL,
		APIKey:         a.cfg.EmbedAPIKey,
		Model:          a.cfg.EmbedModel,
		BatchSize:      a.cfg.EmbedBatchSize,
		Concurrency:    a.cfg.EmbedConcurrency,
		QueryPrefix:    a.cfg.EmbedQueryPrefix,
		DocumentPrefix: a.cfg.EmbedDocumentPrefix,
		Policy:         &p,
		Logger:         a.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("configure embedding model: %w", err)
	}
	return e, nil
}

// openIndex opens the store and brings it in step with the article files:
// new and changed articles are embedded, removed ones dropped. Unchanged
// articles cost nothing, so every command can do this at start.
func (a *app) openIndex(ctx context.Context) (*index.Index, error) {
	emb, err := a.embedder()
	if err != nil {
		return nil, err
	}
	ix, err := index.Open(ctx, index.Config{
		DataDir:  a.cfg.DataDir,
		Embedder: emb,
		Chunking: retrieval.ChunkOptions{Target: a.cfg.ChunkTarget, Overlap: a.cfg.ChunkOverlap, Max: a.cfg.ChunkMax},
		Fusion:   index.FusionOptions{VectorWeight: a.cfg.VectorWeight, LexicalWeight: a.cfg.LexicalWeight, RRFK: a.cfg.RRFK},
		Logger:   a.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", a.cfg.DataDir, err)
	}
	if err := a.sync(ctx, ix); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// sync ingests the library into ix with pruning, reporting progress.
func (a *app) sync(ctx context.Context, ix *index.Index) error {
	list, err := a.libraryArticles()
	if err != nil {
		return err
	}
	progress := newProgress(a.stderr, a.logger, len(list))
	report, err := ix.Ingest(ctx, list, index.IngestOptions{Prune: true, Progress: progress.update})
	progress.finish()
	if err != nil {
		return fmt.Errorf("ingest articles: %w", err)
	}
	if report.Added+report.Updated+report.Removed > 0 || report.Reembedded {
		a.logger.Info("index updated", "added", report.Added, "updated", report.Updated,
			"removed", report.Removed, "unchanged", report.Unchanged, "chunks", ix.Count())
	}
	if len(list) == 0 {
		a.logger.Warn("no articles to index: add some with `citebot ingest PATH|URL`")
	}
	return nil
}

// openEngine opens the index and wraps it in the answer engine, with an
// LLM when one is configured and the offline extractive mode otherwise.
func (a *app) openEngine(ctx context.Context) (*answer.Engine, *index.Index, error) {
	ix, err := a.openIndex(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := a.newEngine(ix)
	if err != nil {
		ix.Close()
		return nil, nil, err
	}
	return eng, ix, nil
}

func (a *app) newEngine(ix *index.Index) (*answer.Engine, error) {
	renderer, err := prompts.New(a.cfg.PromptsDir)
	if err != nil {
		return nil, fmt.Errorf("load prompts: %w", err)
	}
	var llm answer.LLM
	if a.cfg.LLMEnabled() {
		if llm, err = a.chatModel(); err != nil {
			return nil, err
		}
	}
	return answer.NewEngine(answer.Config{
		Retriever:        ix,
		LLM:              llm,
		Prompts:          renderer,
		K:                a.cfg.K,
		PerArticle:       a.cfg.PerArticle,
		RefusalFloor:     a.cfg.RefusalFloor,
		SupportThreshold: a.cfg.SupportFloor,
		ContextBudget:    a.cfg.ContextBytes,
		Logger:           a.logger,
	})
}

// httpClient is the client for URL ingestion: the proxy settings of the
// environment apply, as they do for every outgoing connection.
func (a *app) httpClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}
