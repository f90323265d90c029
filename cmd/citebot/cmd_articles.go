package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) articlesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "articles",
		Short: "List the indexed articles",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			list, err := eng.Articles(ctx) // the --guild view
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]articleRef, 0, len(list))
				for _, art := range list {
					out = append(out, refOf(art))
				}
				return writeJSON(a.stdout, articlesJSON{Articles: out})
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "No articles yet: add some with `citebot ingest PATH|URL`.")
				return nil
			}
			titleCols, byCols := articleColumns(list, termWidth(a.stdout))
			if titleCols == 0 { // piped: no width to fit, but one long title must not pad every row
				titleCols, byCols = pipedTitleCols, maxBylineCols
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, columnGap, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tBY")
			for _, art := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", art.ID, cutCols(art.Title, titleCols), cutCols(byline(art), byCols))
			}
			return tw.Flush()
		},
	}
	a.addGuildFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	return cmd
}
