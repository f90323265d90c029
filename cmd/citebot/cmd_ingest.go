package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
)

func (a *app) ingestCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest [PATH|URL ...]",
		Short: "Add or update articles (default: sync the seeds directory)",
		Long: `Add or update articles. With no arguments, brings the index in step with the
seeds directory and the articles added earlier. A PATH may be a file
(.md, .markdown, .txt, .html, .htm) or a directory of them; a URL (http or
https) is fetched and its readable text extracted. Articles from URLs and from
outside the seeds directory are saved as Markdown under DATA/articles, so
every indexed article has a file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runIngest(cmd.Context(), args, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

type ingestResult struct {
	Saved    []string `json:"saved"`
	Articles int      `json:"articles"`
	Chunks   int      `json:"chunks"`
}

func (a *app) runIngest(ctx context.Context, args []string, asJSON bool) error {
	var saved []string
	for _, arg := range args {
		paths, err := a.addSource(ctx, arg)
		if err != nil {
			return err
		}
		saved = append(saved, paths...)
	}
	ix, err := a.openIndex(ctx)
	if err != nil {
		return err
	}
	defer ix.Close()
	list, err := ix.Articles(ctx)
	if err != nil {
		return err
	}
	res := ingestResult{Saved: saved, Articles: len(list), Chunks: ix.Count()}
	if res.Saved == nil {
		res.Saved = []string{}
	}
	if asJSON {
		return writeJSON(a.stdout, res)
	}
	for _, p := range saved {
		fmt.Fprintf(a.stdout, "saved %s\n", p)
	}
	fmt.Fprintf(a.stdout, "%d articles, %d chunks indexed in %s\n", res.Articles, res.Chunks, a.cfg.DataDir)
	return nil
}

// addSource turns one ingest argument into article files under the data
// dir. Files already inside the seeds dir are indexed where they are.
func (a *app) addSource(ctx context.Context, arg string) ([]string, error) {
	if u, err := url.Parse(arg); err == nil && u.Scheme != "" && u.Host != "" {
		art, err := article.FetchURL(ctx, arg, article.FetchOptions{
			Client:   a.httpClient(),
			Timeout:  a.cfg.FetchTimeout,
			MaxBytes: a.cfg.MaxArticleBytes,
		})
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", arg, err)
		}
		return a.saveArticles([]retrieval.Article{art})
	}
	info, err := os.Stat(arg)
	if err != nil {
		if strings.Contains(arg, "://") {
			return nil, usageError{fmt.Errorf("%s is not an http or https URL", arg)}
		}
		return nil, fmt.Errorf("no such file or directory: %s", arg)
	}
	if a.insideSeeds(arg) {
		return nil, nil
	}
	var list []retrieval.Article
	if info.IsDir() {
		list, err = article.LoadDir(arg, a.loadOptions(), func(path string, err error) {
			a.logger.Warn("skipping article", "path", path, "err", err)
		})
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", arg, err)
		}
	} else {
		art, err := article.LoadFile(arg, a.loadOptions())
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", arg, err)
		}
		list = []retrieval.Article{art}
	}
	return a.saveArticles(list)
}

func (a *app) saveArticles(list []retrieval.Article) ([]string, error) {
	var paths []string
	for _, art := range list {
		p, err := article.WriteArticleFile(a.articlesDir(), art)
		if err != nil {
			return paths, fmt.Errorf("save article %s: %w", art.ID, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func (a *app) insideSeeds(path string) bool {
	dir, embedded, err := a.seedsSource()
	if err != nil || embedded {
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
