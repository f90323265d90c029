package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
)

func (a *app) evalCommand() *cobra.Command {
	var (
		asJSON        bool
		k             int
		retrievalOnly bool
	)
	cmd := &cobra.Command{
		Use:   "eval [-k N] [--retrieval-only] QA.jsonl",
		Short: "Measure retrieval and answers over a question set",
		Long: `Measure retrieval and answers over a JSON Lines question set, one object a
line: {"id": "...", "question": "...", "answers": ["..."], "article": "file.md"}.
Rows with "answers": [] are questions the articles do not answer: the right
response is a refusal. Index the articles the questions are about with --seeds.`,
		Args: exactArgs(1, "one question file (JSON Lines)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if k < 1 {
				return usageError{fmt.Errorf("-k must be at least 1, not %d", k)}
			}
			items, err := answer.ReadEvalFile(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if cmd.Flags().Changed("k") {
				a.cfg.K = k
			}
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			bar := newProgress(a.stderr, a.logger, len(items))
			report, err := answer.Evaluate(ctx, eng, items, answer.EvalOptions{
				K:             a.cfg.K,
				RetrievalOnly: retrievalOnly,
				Progress:      bar.update,
			})
			bar.finish()
			if err != nil {
				return fmt.Errorf("evaluate: %w", err)
			}
			if asJSON {
				return writeJSON(a.stdout, report)
			}
			printEvalReport(a.stdout, report)
			return nil
		},
	}
	cmd.Flags().IntVarP(&k, "k", "k", 5, "passages retrieved per question")
	cmd.Flags().BoolVar(&retrievalOnly, "retrieval-only", false, "measure retrieval only, without answering")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	return cmd
}
