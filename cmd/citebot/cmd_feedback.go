package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) feedbackCommand() *cobra.Command {
	var (
		asJSON bool
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "feedback",
		Short: "List recent 👍/👎 feedback given on the bot's answers",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return usageError{fmt.Errorf("--limit must be at least 1, not %d", limit)}
			}
			ctx := cmd.Context()
			ix, err := a.openIndex(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			list, err := ix.Store().RecentFeedback(ctx, limit)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, feedbackJSON{Feedback: feedbackList(list)})
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "No feedback yet.")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tVOTE\tQUESTION\tANSWER")
			for _, f := range list {
				vote := "👍"
				if f.Vote < 0 {
					vote = "👎"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Time.Format("2006-01-02 15:04"), vote, oneLine(f.Question, 60), oneLine(f.Answer, 80))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many entries to show")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the feedback as JSON")
	return cmd
}
