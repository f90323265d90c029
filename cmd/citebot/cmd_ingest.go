package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval/library"
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
	lib, ix, err := a.openLibrary(ctx)
	if err != nil {
		return err
	}
	defer ix.Close()
	saved := []string{}
	for _, arg := range args {
		bar := newProgress(a.stderr, a.logger)
		added, err := lib.Add(ctx, arg, bar.update)
		bar.finish()
		if errors.Is(err, library.ErrNotURL) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		saved = append(saved, added.Saved...)
	}
	list, err := ix.Articles(ctx)
	if err != nil {
		return err
	}
	res := ingestResult{Saved: saved, Articles: len(list), Chunks: ix.Count()}
	if asJSON {
		return writeJSON(a.stdout, res)
	}
	for _, p := range saved {
		fmt.Fprintf(a.stdout, "saved %s\n", p)
	}
	fmt.Fprintf(a.stdout, "%d articles, %d chunks indexed in %s\n", res.Articles, res.Chunks, a.cfg.DataDir)
	return nil
}
