package answer

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/citebot/citebot/internal/attribution"
)

// AttributionReport is the score of a citation verifier on claims people
// labelled: n, accuracy, macro-F1, the F1 of each label, the confusion
// (positive class attributable), the same per source dataset, and the
// median time to verify one claim.
type AttributionReport = attribution.Report

// EvaluateAttribution measures a citation verifier against human
// judgments, so that the offline check and an LLM judge are compared on
// the same claims and the same terms. r holds AttributionBench-format JSON
// lines (id, src_dataset, question, claim, references,
// attribution_label); a malformed line is an error naming its line
// number. Each claim's sentences (its "[n]" markers removed) are verified
// against all of its references in one Verify call, and the claim counts
// as attributable when each sentence is supported by some reference. A
// LexicalVerifier without Rarity weighs words by their rarity among all
// the references in r, as the engine weighs them across the library.
// progress, if not nil, is called after each claim.
func EvaluateAttribution(ctx context.Context, v Verifier, r io.Reader, progress func(done, total int)) (AttributionReport, error) {
	exs, err := attribution.Read(r)
	if err != nil {
		return AttributionReport{}, fmt.Errorf("read attribution claims: %w", err)
	}
	if lv, ok := v.(LexicalVerifier); ok && lv.Rarity == nil {
		lv.Rarity = attribution.References(exs)
		v = lv
	}
	labels := make([]bool, len(exs))
	preds := make([]bool, len(exs))
	sources := make([]string, len(exs))
	took := make([]time.Duration, len(exs))
	for i, ex := range exs {
		if err := ctx.Err(); err != nil {
			return AttributionReport{}, err
		}
		start := time.Now()
		ok, err := attributable(ctx, v, ex)
		if err != nil {
			return AttributionReport{}, fmt.Errorf("claim %s: %w", ex.ID, err)
		}
		took[i] = time.Since(start)
		labels[i], preds[i], sources[i] = ex.Attributable(), ok, ex.Source
		if progress != nil {
			progress(i+1, len(exs))
		}
	}
	rep := attribution.Score(labels, preds, sources)
	rep.P50MS = ms(percentile(took, 0.5))
	return rep, nil
}

// attributable asks v whether every statement of ex is supported by one
// of its references.
func attributable(ctx context.Context, v Verifier, ex attribution.Example) (bool, error) {
	all := make([]int, len(ex.References))
	for i := range all {
		all[i] = i
	}
	var stmts []Statement
	for _, s := range ex.Statements() {
		stmts = append(stmts, Statement{Text: s, Sentence: s, Cited: all})
	}
	js, err := v.Verify(ctx, ex.Question, stmts, ex.References)
	if err != nil {
		return false, err
	}
	if len(js) != len(stmts) {
		return false, fmt.Errorf("verifier %s returned %d judgment lists for %d statements", v.Name(), len(js), len(stmts))
	}
	for _, refs := range js {
		supported := false
		for _, j := range refs {
			supported = supported || j.Supported
		}
		if !supported {
			return false, nil
		}
	}
	return true, nil
}
