package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/prompts"
)

func (a *app) evalCommand() *cobra.Command {
	var (
		asJSON        bool
		k             int
		retrievalOnly bool
		attribution   string
	)
	cmd := &cobra.Command{
		Use:   "eval [-k N] [--retrieval-only] QA.jsonl | eval --attribution CLAIMS.jsonl",
		Short: "Measure retrieval and answers over a question set, or the citation verifier over labelled claims",
		Long: `Measure retrieval and answers over a JSON Lines question set, one object a
line: {"id": "...", "question": "...", "answers": ["..."], "article": "file.md"}.
Rows with "answers": [] are questions the articles do not answer: the right
response is a refusal. Index the articles the questions are about with --seeds.

With --attribution, measure the configured citation verifier (CITEBOT_VERIFIER)
on human-labelled claims in AttributionBench's format, one object a line:
{"question": "...", "claim": "...", "references": ["..."],
"attribution_label": "attributable" | "not attributable", "src_dataset": "..."}.
A claim counts as attributable when each of its sentences is supported by some
reference. Prints accuracy, macro-F1, per-label F1, the confusion counts and
the same per source.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if attribution != "" {
				return exactArgs(0, "no question file with --attribution")(cmd, args)
			}
			return exactArgs(1, "one question file (JSON Lines)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if attribution != "" {
				return a.runAttributionEval(cmd.Context(), attribution, asJSON)
			}
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
				roundFloats(&report)
				return writeJSON(a.stdout, report)
			}
			printEvalReport(a.stdout, report)
			return nil
		},
	}
	addKFlag(cmd, &k, "passages retrieved per question")
	cmd.Flags().BoolVar(&retrievalOnly, "retrieval-only", false, "measure retrieval only, without answering")
	cmd.Flags().StringVar(&attribution, "attribution", "", "measure the citation verifier on labelled claims (AttributionBench JSON Lines)")
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

// runAttributionEval measures the configured verifier on labelled claims.
func (a *app) runAttributionEval(ctx context.Context, path string, asJSON bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err // "open PATH: no such file or directory"
	}
	defer f.Close()
	var llm answer.LLM
	if a.cfg.Verifier == "llm" && a.cfg.LLMEnabled() {
		if llm, err = a.chatModel(); err != nil {
			return err
		}
	}
	renderer, err := prompts.New(a.cfg.PromptsDir)
	if err != nil {
		return fmt.Errorf("load prompts: %w", err)
	}
	v, err := a.verifier(llm, renderer)
	if err != nil {
		return err
	}
	if v == nil {
		v = answer.LexicalVerifier{Threshold: a.cfg.SupportThreshold}
	}
	bar := newProgress(a.stderr, a.logger)
	report, err := answer.EvaluateAttribution(ctx, v, f, bar.update)
	bar.finish()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if asJSON {
		roundFloats(&report)
		return writeJSON(a.stdout, report)
	}
	printAttributionReport(a.stdout, v.Name(), report)
	return nil
}

// printAttributionReport writes the verifier's scores as a table.
func printAttributionReport(w io.Writer, verifier string, r answer.AttributionReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "claims\t%d (verifier %s)\n", r.N, verifier)
	fmt.Fprintf(tw, "macro-F1\t%.3f\n", r.MacroF1)
	fmt.Fprintf(tw, "accuracy\t%.3f\n", r.Accuracy)
	fmt.Fprintf(tw, "F1 attributable / not\t%.3f / %.3f\n", r.F1Attributable, r.F1NotAttributable)
	c := r.Confusion
	fmt.Fprintf(tw, "confusion\ttp %d, fp %d, tn %d, fn %d\n", c.TP, c.FP, c.TN, c.FN)
	names := make([]string, 0, len(r.BySource))
	for name := range r.BySource {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := r.BySource[name]
		fmt.Fprintf(tw, "  %s\t%d claims, macro-F1 %.3f, accuracy %.3f\n", name, s.N, s.MacroF1, s.Accuracy)
	}
	fmt.Fprintf(tw, "p50 per claim\t%.2f ms\n", r.P50MS)
	tw.Flush()
}
