package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) sourcesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "List the folders registered as library sources",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lib, ix, _, err := a.openLibrary(ctx, readOnly)
			if err != nil {
				return err
			}
			defer ix.Close()
			srcs, err := lib.Sources(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, sourcesJSON{Sources: nonNil(srcs)})
			}
			if len(srcs) == 0 {
				fmt.Fprintln(a.stdout, "No registered folders: `citebot ingest DIR` registers one.")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tLOCATION\tSCOPE\tADDED")
			for _, s := range srcs {
				scope := s.Scope
				if scope == "" {
					scope = "shared"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Kind, s.Location, scope, s.Added.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sources as JSON")
	return cmd
}

func (a *app) forgetCommand() *cobra.Command {
	var (
		asJSON bool
		guild  string
	)
	cmd := &cobra.Command{
		Use:   "forget ID|DIR",
		Short: "Remove an article, or unregister a folder and drop its articles",
		Long: `Remove an article from the library by ID (its saved file under the data
directory is deleted), or unregister a folder registered with ingest DIR (its
files stay where they are; their articles leave the index). With --guild,
the article must be in that Discord server's library.`,
		Args: exactArgs(1, "an article ID or a folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			scope, err := guildScope(guild)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			lib, ix, _, err := a.openLibrary(ctx, readOnly)
			if err != nil {
				return err
			}
			defer ix.Close()
			got, err := lib.Forget(ctx, args[0], scope)
			if err != nil {
				return err
			}
			ids := []string{}
			for _, art := range got.Articles {
				ids = append(ids, art.ID)
			}
			if asJSON {
				return writeJSON(a.stdout, forgetJSON{Source: got.Source, Removed: ids})
			}
			if got.Source != "" {
				fmt.Fprintf(a.stdout, "unregistered folder %s (%d articles removed; its files are untouched)\n", got.Source, len(ids))
				return nil
			}
			for _, art := range got.Articles {
				fmt.Fprintf(a.stdout, "removed %s (%s)\n", art.ID, art.Title)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&guild, "guild", "", "the Discord server (ID) whose library holds the article")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
