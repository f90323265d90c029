package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) askCommand() *cobra.Command {
	var (
		asJSON bool
		k      int
		window dateWindow
	)
	cmd := &cobra.Command{
		Use:   "ask [-k N] QUESTION",
		Short: "Answer a question with numbered citations and a source list",
		Args:  joinedArgs("a question"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkK(k); err != nil {
				return err
			}
			since, until, err := window.parse(time.Now())
			if err != nil {
				return err
			}
			a.cfg.K = k
			ctx := cmd.Context()
			question := strings.Join(args, " ")
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			if !since.IsZero() || !until.IsZero() {
				eng = eng.Window(since, until)
			}
			s := &streamer{w: a.stdout, live: !asJSON && isTerminal(a.stdout)}
			ans, err := eng.Ask(ctx, question, nil, s.delta)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, toAnswerJSON(question, ans))
			}
			s.finish(shownText(ans))
			printSources(a.stdout, ans)
			return nil
		},
	}
	addKFlag(cmd, &k, "number of passages to answer from")
	a.addGuildFlag(cmd)
	window.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the answer as JSON")
	return cmd
}
