package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/retrieval"
)

func (a *app) searchCommand() *cobra.Command {
	var (
		asJSON bool
		k      int
		window dateWindow
	)
	cmd := &cobra.Command{
		Use:   "search [-k N] QUESTION",
		Short: "Show the passages that best match a question (no LLM)",
		Args:  joinedArgs("a question"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkK(k); err != nil {
				return err
			}
			since, until, err := window.parse(time.Now())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			query := strings.Join(args, " ")
			scope, err := guildScope(a.guildFlag)
			if err != nil {
				return err
			}
			ix, err := a.openIndex(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			passages, err := ix.Search(ctx, query, retrieval.SearchOptions{K: k, PerArticle: a.cfg.PerArticle, Scope: scope, Since: since, Until: until})
			if err != nil {
				return err // "search: ..."
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"query": query, "passages": passagesJSON(passages)})
			}
			if len(passages) == 0 {
				fmt.Fprintln(a.stdout, "No matching passages.")
				return nil
			}
			width := termWidth(a.stdout) // 0 when piped: no wrapping, no bold
			hl := newHighlighter(a.stdout, query, a.getenv)
			for i, p := range passages {
				head := fmt.Sprintf("%d. %s (%s, chunk %d)  score %.4f", i+1, p.Article.Title, p.Article.ID, p.Chunk.Ordinal, p.Score)
				fmt.Fprintln(a.stdout, wrapText(head, width, "   "))
				body := indent(p.Chunk.Text, "   ")
				if width > 0 {
					body = wrapText(strings.TrimSpace(p.Chunk.Text), width, "   ")
				}
				fmt.Fprint(a.stdout, "   ")
				hl.write(a.stdout, body)
				fmt.Fprint(a.stdout, "\n\n")
			}
			return nil
		},
	}
	addKFlag(cmd, &k, "number of passages")
	a.addGuildFlag(cmd)
	window.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the passages as JSON")
	return cmd
}

func indent(text, prefix string) string {
	return strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n"+prefix)
}
