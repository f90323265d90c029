package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
	"github.com/citebot/citebot/seeds"
)

// newLibrary is the article library over ix: the seeds dir, or the seeds
// compiled into the binary when no seeds dir was asked for and ./seeds is
// missing, plus the articles added with `ingest` under DATA/articles.
func (a *app) newLibrary(ix *index.Index) (*library.Library, error) {
	cfg := library.Config{
		Index:       ix,
		SeedsDir:    a.cfg.SeedsDir,
		ArticlesDir: filepath.Join(a.cfg.DataDir, "articles"),
		Load:        article.LoadOptions{MaxBytes: a.cfg.MaxArticleBytes},
		Fetch: article.FetchOptions{
			Client:   a.httpClient(),
			Timeout:  a.cfg.FetchTimeout,
			MaxBytes: a.cfg.MaxArticleBytes,
		},
		Logger: a.logger,
	}
	if !a.cfg.SeedsExplicit {
		cfg.SeedsFS = seeds.FS
	}
	return library.New(cfg)
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
	_, ix, err := a.openLibrary(ctx)
	return ix, err
}

// openLibrary is openIndex that also returns the library, for commands
// that add to it. The caller closes the index.
func (a *app) openLibrary(ctx context.Context) (*library.Library, *index.Index, error) {
	emb, err := a.embedder()
	if err != nil {
		return nil, nil, err
	}
	ix, err := index.Open(ctx, index.Config{
		DataDir:  a.cfg.DataDir,
		Embedder: emb,
		Chunking: retrieval.ChunkOptions{Target: a.cfg.ChunkTarget, Overlap: a.cfg.ChunkOverlap, Max: a.cfg.ChunkMax},
		Fusion:   index.FusionOptions{VectorWeight: a.cfg.VectorWeight, LexicalWeight: a.cfg.LexicalWeight, RRFK: a.cfg.RRFK},
		Logger:   a.logger,
	})
	if err != nil {
		return nil, nil, err // "open store DIR/citebot.db: ..."
	}
	lib, err := a.newLibrary(ix)
	if err == nil {
		err = a.sync(ctx, lib)
	}
	if err != nil {
		ix.Close()
		return nil, nil, err
	}
	return lib, ix, nil
}

// sync brings the index in step with the library, with a progress bar.
func (a *app) sync(ctx context.Context, lib *library.Library) error {
	bar := newProgress(a.stderr, a.logger)
	report, err := lib.Sync(ctx, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	if report.Added+report.Updated+report.Unchanged == 0 {
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
		SupportThreshold: a.cfg.SupportThreshold,
		ContextBudget:    a.cfg.ContextBudget,
		Logger:           a.logger,
	})
}

// httpClient is the client for URL ingestion: the proxy settings of the
// environment apply, as they do for every outgoing connection.
func (a *app) httpClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}
