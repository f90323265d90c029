package main

import (
	"fmt"
	"io"
	"text/tabwriter"

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
			if err := checkK(k); err != nil {
				return err
			}
			items, err := answer.ReadEvalFile(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a.cfg.K = k
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			bar := newProgress(a.stderr, a.logger)
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
	addKFlag(cmd, &k, "passages retrieved per question")
	cmd.Flags().BoolVar(&retrievalOnly, "retrieval-only", false, "measure retrieval only, without answering")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	return cmd
}

// printEvalReport writes the metrics as an aligned table.
func printEvalReport(w io.Writer, r answer.EvalReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "questions\t%d (%d answerable, %d unanswerable), k=%d\n", r.N, r.Answerable, r.Unanswerable, r.K)
	fmt.Fprintf(tw, "answer in top-1 passage\t%.3f\n", r.AnswerInTop1)
	fmt.Fprintf(tw, "answer in top-5 passages\t%.3f\n", r.AnswerInTop5)
	fmt.Fprintf(tw, "article recall@%d\t%.3f\n", r.K, r.ArticleRecall)
	fmt.Fprintf(tw, "MRR\t%.3f\n", r.MRR)
	if !r.RetrievalOnly {
		fmt.Fprintf(tw, "answer exact match\t%.3f\n", r.ExactMatch)
		fmt.Fprintf(tw, "answer token F1\t%.3f\n", r.F1)
		fmt.Fprintf(tw, "answer contains reference\t%.3f\n", r.ContainsReference)
		fmt.Fprintf(tw, "citation precision\t%.3f (%d citations)\n", r.CitationPrecision, r.Citations)
		fmt.Fprintf(tw, "grounded\t%.3f\n", r.Grounded)
		fmt.Fprintf(tw, "refusal rate\t%.3f (answerable refused %.3f, unanswerable refused %.3f)\n", r.RefusalRate, r.AnswerableRefused, r.UnanswerableRefused)
	}
	fmt.Fprintf(tw, "latency p50 / p95\t%.1f ms / %.1f ms\n", r.LatencyP50MS, r.LatencyP95MS)
	tw.Flush()
}
