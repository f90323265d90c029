package main

import (
	"cmp"
	"context"
	"errors"
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
		StampFile:   filepath.Join(a.cfg.DataDir, "library.stamp"),
		ServersDir:  filepath.Join(a.cfg.DataDir, "servers"),
		Load:        article.LoadOptions{MaxBytes: a.cfg.MaxArticleBytes},
		Fetch: article.FetchOptions{
			Client:       a.httpClient(),
			Timeout:      a.cfg.FetchTimeout,
			MaxBytes:     a.cfg.MaxArticleBytes,
			AllowHosts:   a.cfg.FetchAllowHosts,
			AllowPrivate: a.allowPrivate,
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
// CITEBOT_EMBED_DIMENSIONS is the local embedder's dimension, or the
// dimensions asked of the API (0 = the default size of either).
func (a *app) embedder() (retrieval.Embedder, error) {
	if a.cfg.EmbedProvider != "openai" {
		return retrieval.NewLocalEmbedderDim(cmp.Or(a.cfg.EmbedDimensions, retrieval.DefaultLocalDim)), nil
	}
	p := openai.EmbedPolicy()
	if a.cfg.EmbedTimeout > 0 {
		p.AttemptTimeout = a.cfg.EmbedTimeout
	}
	e, err := openai.NewEmbedder(openai.EmbedderConfig{
		BaseURL:        a.cfg.EmbedBaseURL,
		APIKey:         a.cfg.EmbedAPIKey,
		Model:          a.cfg.EmbedModel,
		Dimensions:     a.cfg.EmbedDimensions,
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

// syncMode says what the start-of-command sync may do to the store.
type syncMode int

const (
	// readOnly keeps the store as built: with other embedding or chunking
	// settings it warns once and answers from the store as it is.
	readOnly syncMode = iota
	// rebuild lets `ingest` re-embed when the settings changed.
	rebuild
	// reembed re-embeds everything (`ingest --reembed`).
	reembed
)

// openIndex opens the store and brings it in step with the article files:
// new and changed articles are embedded, removed ones dropped. Unchanged
// articles cost nothing, so every command can do this at start; only
// `ingest` may change how the store is built.
func (a *app) openIndex(ctx context.Context) (*index.Index, error) {
	_, ix, _, err := a.openLibrary(ctx, readOnly)
	return ix, err
}

// openLibrary is openIndex that also returns the library and what the sync
// changed, for commands that add to it. The caller closes the index.
func (a *app) openLibrary(ctx context.Context, mode syncMode) (*library.Library, *index.Index, library.Report, error) {
	emb, err := a.embedder()
	if err != nil {
		return nil, nil, library.Report{}, err
	}
	ix, err := index.Open(ctx, index.Config{
		DataDir:  a.cfg.DataDir,
		Embedder: emb,
		Chunking: retrieval.ChunkOptions{Target: a.cfg.ChunkTarget, Overlap: a.cfg.ChunkOverlap, Max: a.cfg.ChunkMax},
		Fusion:   index.FusionOptions{VectorWeight: a.cfg.VectorWeight, LexicalWeight: a.cfg.LexicalWeight, RRFK: a.cfg.RRFK},
		Logger:   a.logger,
	})
	if err != nil {
		return nil, nil, library.Report{}, err // "open store DIR/citebot.db: ..."
	}
	lib, err := a.newLibrary(ix)
	var rep library.Report
	if err == nil {
		rep, err = a.sync(ctx, lib, mode)
	}
	if err != nil {
		ix.Close()
		return nil, nil, rep, err
	}
	return lib, ix, rep, nil
}

// sync brings the index in step with the library, with a progress bar.
func (a *app) sync(ctx context.Context, lib *library.Library, mode syncMode) (library.Report, error) {
	bar := newProgress(a.stderr, a.logger)
	report, err := lib.Sync(ctx, library.SyncOptions{KeepBuild: mode == readOnly, Reembed: mode == reembed, Progress: bar.update})
	bar.finish()
	if errors.Is(err, index.ErrBuildDiffers) {
		fmt.Fprintf(a.stderr, "warning: %v; answering from the store as built (run `citebot ingest --reembed` to rebuild it)\n", err)
		return report, nil
	}
	var upd *library.UpdateError
	if mode == readOnly && errors.As(err, &upd) {
		fmt.Fprintf(a.stderr, "warning: could not update the index (%v); answering from the index as it is\n", upd.Err)
		return report, nil
	}
	if err != nil {
		return report, err
	}
	if report.Added+report.Updated+report.Unchanged == 0 {
		a.logger.Warn("no articles to index: add some with `citebot ingest PATH|URL`")
	}
	return report, nil
}

// openEngine opens the index and wraps it in the answer engine, with an
// LLM when one is configured and the offline extractive mode otherwise.
func (a *app) openEngine(ctx context.Context) (*answer.Engine, *index.Index, error) {
	_, eng, ix, err := a.openEngineLibrary(ctx)
	return eng, ix, err
}

// openEngineLibrary is openEngine that also returns the library, for serve.
func (a *app) openEngineLibrary(ctx context.Context) (*library.Library, *answer.Engine, *index.Index, error) {
	scope, err := guildScope(a.guildFlag)
	if err != nil {
		return nil, nil, nil, err
	}
	lib, ix, _, err := a.openLibrary(ctx, readOnly)
	if err != nil {
		return nil, nil, nil, err
	}
	eng, err := a.newEngine(ix)
	if err != nil {
		ix.Close()
		return nil, nil, nil, err
	}
	return lib, eng.In(scope), ix, nil
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
	verifier, err := a.verifier(llm, renderer)
	if err != nil {
		return nil, err
	}
	return answer.NewEngine(answer.Config{
		Retriever:        ix,
		LLM:              llm,
		Verifier:         verifier,
		Prompts:          renderer,
		K:                a.cfg.K,
		PerArticle:       a.cfg.PerArticle,
		RefusalFloor:     a.cfg.RefusalFloor,
		SupportThreshold: a.cfg.SupportThreshold,
		ContextBudget:    a.cfg.ContextBudget,
		StaleAfter:       a.cfg.StaleAfter,
		Logger:           a.logger,
	})
}

// httpClient is the client for URL ingestion: the proxy settings of the
// environment apply, as they do for every outgoing connection.
func (a *app) httpClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}
