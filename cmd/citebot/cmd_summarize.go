package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

func (a *app) summarizeCommand() *cobra.Command {
	var (
		asJSON bool
		length string
	)
	cmd := &cobra.Command{
		Use:   "summarize [--length short|medium|long] ARTICLE",
		Short: "Summarize one article (by ID, title or file), cited by paragraph",
		Args:  joinedArgs("an article ID, title or file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := answer.ParseLength(length)
			if err != nil {
				return usageError{fmt.Errorf("--length: %w", err)}
			}
			ctx := cmd.Context()
			ref := strings.Join(args, " ")
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			s := &streamer{w: a.stdout, live: !asJSON && isTerminal(a.stdout)}
			ans, err := eng.Summarize(ctx, ref, l, s.delta)
			var ambiguous *answer.AmbiguousArticleError
			if errors.As(err, &ambiguous) {
				var b strings.Builder
				fmt.Fprintf(&b, "%q matches %d articles; use one of these IDs:", ref, len(ambiguous.Candidates))
				for _, c := range ambiguous.Candidates {
					fmt.Fprintf(&b, "\n  %s  %s", c.ID, c.Title)
				}
				return errors.New(b.String())
			}
			if err != nil {
				return err
			}
			if asJSON {
				out := toAnswerJSON("", ans)
				out.Length = length
				if art, ok := summaryArticle(ans); ok {
					ref := refOf(art)
					out.Article = &ref
				}
				return writeJSON(a.stdout, out)
			}
			if title := summaryTitle(ans); title != "" && !s.live {
				fmt.Fprintf(a.stdout, "Summary of %s\n\n", title)
			}
			s.finish(shownText(ans))
			printSources(a.stdout, ans)
			return nil
		},
	}
	cmd.Flags().StringVar(&length, "length", "medium", "summary length: short, medium or long")
	a.addGuildFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func summaryTitle(ans answer.Answer) string {
	if len(ans.Citations) > 0 {
		return ans.Citations[0].Article.Title
	}
	return ""
}

// summaryArticle is the article a summary is of: the one its citations
// and passages come from.
func summaryArticle(ans answer.Answer) (retrieval.Article, bool) {
	if len(ans.Citations) > 0 {
		return ans.Citations[0].Article, true
	}
	if len(ans.Passages) > 0 {
		return ans.Passages[0].Article, true
	}
	return retrieval.Article{}, false
}
