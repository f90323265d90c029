package attribution

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestFit is the reproducible fit behind the lexical verifier's weights
// in package answer (answer/verify_weights.go). It is optional: point
// CITEBOT_ATTRIBUTION at AttributionBench-format JSON lines to run it:
//
//	CITEBOT_ATTRIBUTION=../shared/attribution/dev.jsonl go test ./internal/attribution -run TestFit -v
//
// It prints the fitted weights, bias and threshold, the in-sample scores
// and the scores of 5-fold cross-validation (random, stratified by source
// and label) and of leave-one-source-out.
func TestFit(t *testing.T) {
	exs := loadDev(t)
	samples := featurize(exs)
	logUnivariate(t, samples)
	m := Fit(samples, DefaultFitOptions)
	t.Logf("weights:")
	for i, name := range FeatureNames {
		t.Logf("  %-16s %+.4f", name, m.Weights[i])
	}
	t.Logf("  %-16s %+.4f", "bias", m.Bias)
	t.Logf("  %-16s %.4f", "threshold", m.Threshold)
	t.Logf("for answer/verify_weights.go:\n%s", goConstants(m))
	labels, sources := labelsOf(samples)
	logReport(t, "in-sample", Score(labels, m.Predict(samples), sources))

	strata := make([]string, len(samples))
	for i, s := range samples {
		strata[i] = fmt.Sprint(s.Source, s.Label)
	}
	fold := RandomFolds(strata, 5, 1)
	logReport(t, "5-fold CV", Score(labels, CrossValidate(samples, fold, 5, DefaultFitOptions), sources))

	names := map[string]int{}
	bySource := make([]int, len(samples))
	for i, s := range samples {
		if _, ok := names[s.Source]; !ok {
			names[s.Source] = len(names)
		}
		bySource[i] = names[s.Source]
	}
	logReport(t, "leave-one-source-out", Score(labels, CrossValidate(samples, bySource, len(names), DefaultFitOptions), sources))
}

func loadDev(t *testing.T) []Example {
	t.Helper()
	path := os.Getenv("CITEBOT_ATTRIBUTION")
	if path == "" {
		t.Skip("set CITEBOT_ATTRIBUTION to AttributionBench-format JSON lines (../shared/attribution/dev.jsonl) to run the fit")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exs, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func featurize(exs []Example) []Sample {
	r := References(exs)
	out := make([]Sample, len(exs))
	for i, ex := range exs {
		out[i] = NewSample(ex, r)
	}
	return out
}

func labelsOf(samples []Sample) (labels []bool, sources []string) {
	for _, s := range samples {
		labels = append(labels, s.Label)
		sources = append(sources, s.Source)
	}
	return labels, sources
}

func logReport(t *testing.T, name string, r Report) {
	t.Helper()
	var by []string
	for _, s := range r.Sources() {
		b := r.BySource[s]
		by = append(by, fmt.Sprintf("%s %.3f (n %d, acc %.3f)", s, b.MacroF1, b.N, b.Accuracy))
	}
	t.Logf("%s: macro-F1 %.3f  acc %.3f  F1 attributable %.3f  not %.3f  %+v\n    %s", name, r.MacroF1, r.Accuracy,
		r.F1Attributable, r.F1NotAttributable, r.Confusion, strings.Join(by, "\n    "))
}

// logUnivariate prints, for each feature, the macro-F1 of thresholding it
// alone (on the deciding pair picked by best-sentence coverage), as a
// guide to which features carry signal.
func logUnivariate(t *testing.T, samples []Sample) {
	t.Helper()
	base := Model{Weights: make([]float64, len(FeatureNames))}
	base.Weights[0] = 1
	for fi, name := range FeatureNames {
		type pt struct {
			v float64
			y bool
		}
		var pts []pt
		for _, s := range samples {
			_, st, ref := base.weakest(s)
			pts = append(pts, pt{s.Statements[st][ref][fi], s.Label})
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].v < pts[j].v })
		// AUC by ranks.
		var pos, neg, above float64
		for _, p := range pts {
			if p.y {
				pos++
				above += neg
			} else {
				neg++
			}
		}
		t.Logf("  univariate %-16s AUC %.3f", name, above/(pos*neg))
	}
}

// goConstants renders m as the constants of answer/verify_weights.go.
func goConstants(m Model) string {
	var b strings.Builder
	for i, name := range FeatureNames {
		fmt.Fprintf(&b, "\tweight%s = %.4f\n", camel(name), m.Weights[i])
	}
	fmt.Fprintf(&b, "\tlexicalBias = %.4f\n\tlexicalThreshold = %.4f (DefaultSupportThreshold should equal it)\n", m.Bias, m.Threshold)
	return b.String()
}

func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
