package attribution

import (
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestReadAndStatements(t *testing.T) {
	input := `{"id": "x1", "src_dataset": "News", "question": "Q?", "claim": "Austin spoke with Shoigu [1]. The call lasted an hour [2].", "references": ["A.", "B."], "attribution_label": "attributable"}

{"id": "x2", "src_dataset": "News", "question": "Q?", "claim": "Tides come from the Moon.", "references": ["C."], "attribution_label": "not attributable"}
`
	exs, err := Read(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 2 || !exs[0].Attributable() || exs[1].Attributable() || exs[0].Source != "News" {
		t.Fatalf("examples %+v", exs)
	}
	if got := exs[0].Statements(); !reflect.DeepEqual(got, []string{"Austin spoke with Shoigu.", "The call lasted an hour."}) {
		t.Errorf("statements %q", got)
	}
	// A list item's number standing alone is no statement.
	list := Example{Claim: "Try these steps:\n\n1[1].", References: []string{"A."}, Label: LabelAttributable}
	if got := list.Statements(); !reflect.DeepEqual(got, []string{"Try these steps:"}) {
		t.Errorf("statements %q", got)
	}
	if got := (Example{Claim: "4. Turn on the diffuser."}).Statements(); !reflect.DeepEqual(got, []string{"Turn on the diffuser."}) {
		t.Errorf("statements %q", got)
	}
	for _, bad := range []string{"{", `{"claim": "", "references": ["A."], "attribution_label": "attributable"}`,
		`{"claim": "C.", "references": ["A."], "attribution_label": "yes"}`} {
		if _, err := Read(strings.NewReader(input + bad + "\n")); err == nil || !strings.Contains(err.Error(), "line 4") {
			t.Errorf("%s: error %v, want one naming line 4", bad, err)
		}
	}
}

func TestNumbersCompareByValue(t *testing.T) {
	for _, tc := range []struct{ claim, evidence string }{
		{"ten soldiers", "10 soldiers"},
		{"1,000 people", "1000 people"},
		{"100,000 subscribers", "100k subscribers"},
		{"on the 24th", "on Feb. 24"},
		{"3.5 million", "3,500,000"},
		{"thirty-six songs", "36 songs"},
		{"for 1 hour", "for an hour"},
		{"one of the largest", "the largest"}, // "one" is no number in a claim
	} {
		have := map[string]bool{}
		for _, n := range numbers(tc.evidence, true) {
			have[n] = true
		}
		for _, n := range numbers(tc.claim, false) {
			if !have[n] {
				t.Errorf("%q: %s not found in %q (%v)", tc.claim, n, tc.evidence, numbers(tc.evidence, true))
			}
		}
	}
	if got := numbers("in 1990 and 1992", false); !reflect.DeepEqual(got, []string{"1990", "1992"}) {
		t.Errorf("numbers %v", got)
	}
}

func TestTermsSpellOutMonths(t *testing.T) {
	if got, want := Terms("Feb. 24, 2022"), Terms("February"); !reflect.DeepEqual(got, want) {
		t.Errorf("Terms(Feb. 24, 2022) = %v, want %v (numbers left out)", got, want)
	}
}

func TestNames(t *testing.T) {
	got := names("Defense Secretary Lloyd Austin spoke with Sergei Shoigu about the Moon's orbit in Paris, France.")
	var flat []string
	for _, n := range got {
		flat = append(flat, strings.Join(n, " "))
	}
	want := []string{"defens secretary lloyd austin", "sergei shoigu", "moon", "paris", "franc"}
	if !reflect.DeepEqual(flat, want) {
		t.Errorf("names %q, want %q", flat, want)
	}
	if got := names("Cycling can lead to a longer life."); len(got) != 0 {
		t.Errorf("a sentence's first word is no name: %q", got)
	}
}

func TestExtract(t *testing.T) {
	p := NewPassage("Lloyd Austin spoke with Sergei Shoigu on Friday. The call lasted about an hour. It was not friendly.")
	f, quote := Extract(NewClaim("The call between Austin and Shoigu lasted about an hour.", nil), p, nil)
	if f.Pair != 1 || f.MissingNumbers != 0 || f.MissingNames != 0 || f.Negation != 0 {
		t.Errorf("paraphrase: %+v", f)
	}
	if got := p.Text[quote.Start:quote.End]; got != "Lloyd Austin spoke with Sergei Shoigu on Friday. The call lasted about an hour." {
		t.Errorf("quote %q, want the two sentences that hold it", got)
	}
	f, _ = Extract(NewClaim("The call with Lavrov lasted 3 hours.", nil), p, nil)
	if f.MissingNumbers != 1 || f.MissingNames != 1 || f.Pair == 1 {
		t.Errorf("wrong details: %+v", f)
	}
	f, _ = Extract(NewClaim("It was friendly.", nil), p, nil)
	if f.Negation != 1 {
		t.Errorf("one-sided negation: %+v", f)
	}
	if q, ok := p.Quotes(NewClaim("The call  lasted about an hour.", nil)); !ok || p.Text[q.Start:q.End] != "The call lasted about an hour." {
		t.Errorf("verbatim quote not found: %v %v", q, ok)
	}
	// Three adjacent sentences hold it, two do not: Window sees it, Pair
	// does not.
	spread := NewPassage("Austin spoke on Friday. The call lasted an hour. Shoigu listened. Nothing else.")
	f, _ = Extract(NewClaim("Austin spoke with Shoigu.", nil), spread, nil)
	if f.Window != 1 || f.Pair == 1 {
		t.Errorf("window %v pair %v, want 1 and less", f.Window, f.Pair)
	}
	f, _ = Extract(NewClaim("Austin spoke with Lavrov.", nil), spread, nil)
	if f.Window == 1 || f.Window == 0 {
		t.Errorf("window %v, want a part", f.Window)
	}
	// Words the question already holds do not count as news.
	f, _ = Extract(NewClaim("Austin and Shoigu discussed grain exports.", Terms("What did Austin and Shoigu discuss?")), p, nil)
	if f.Novel != 0 || f.Pair == 0 {
		t.Errorf("novel coverage %v (pair %v), want 0: the passage lacks what the claim adds", f.Novel, f.Pair)
	}
}

func TestDocFreqMatchesTheIndexFormula(t *testing.T) {
	d := NewDocFreq([]string{"the call lasted an hour", "the call was brief", "bread rises"})
	w := d.TermRarity([]string{"call", "bread", "unseen"})
	if math.Abs(w["call"]-math.Log(1+4.0/3)) > 1e-12 || math.Abs(w["unseen"]-math.Log(5)) > 1e-12 || w["bread"] <= w["call"] {
		t.Errorf("rarity %v", w)
	}
}

func TestScore(t *testing.T) {
	labels := []bool{true, true, false, false, true}
	preds := []bool{true, false, false, true, true}
	r := Score(labels, preds, []string{"a", "a", "a", "b", "b"})
	if r.Confusion != (Confusion{TP: 2, FN: 1, TN: 1, FP: 1}) || r.N != 5 || math.Abs(r.Accuracy-0.6) > 1e-12 {
		t.Errorf("report %+v", r)
	}
	// F1 attributable 4/6, not attributable 2/4.
	if math.Abs(r.F1Attributable-2.0/3) > 1e-12 || math.Abs(r.F1NotAttributable-0.5) > 1e-12 || math.Abs(r.MacroF1-7.0/12) > 1e-12 {
		t.Errorf("F1 %v %v %v", r.F1Attributable, r.F1NotAttributable, r.MacroF1)
	}
	if got := r.Sources(); !reflect.DeepEqual(got, []string{"a", "b"}) || r.BySource["a"].N != 3 {
		t.Errorf("by source %+v", r.BySource)
	}
}

// synthetic returns samples whose label follows the first feature, with
// noise in the second.
func synthetic(n int) []Sample {
	var out []Sample
	for i := range n {
		x := float64(i%10) / 10
		label := x >= 0.5
		if i%17 == 0 {
			label = !label
		}
		vec := make([]float64, len(FeatureNames))
		vec[0], vec[1] = x, float64(i%3)/3
		// A second, weaker reference: the claim is judged by its best.
		weak := make([]float64, len(FeatureNames))
		out = append(out, Sample{Label: label, Source: []string{"s1", "s2"}[i%2], Statements: [][][]float64{{weak, vec}}})
	}
	return out
}

func TestFitAndCrossValidate(t *testing.T) {
	samples := synthetic(400)
	m := Fit(samples, DefaultFitOptions)
	if m.Weights[0] <= 0 || math.Abs(m.Weights[1]) > math.Abs(m.Weights[0])/4 {
		t.Errorf("weights %v: want the informative feature to dominate", m.Weights)
	}
	labels, sources := labelsOf(samples)
	if r := Score(labels, m.Predict(samples), sources); r.MacroF1 < 0.85 {
		t.Errorf("in-sample macro-F1 %.3f", r.MacroF1)
	}
	strata := make([]string, len(samples))
	for i, s := range samples {
		strata[i] = s.Source
	}
	fold := RandomFolds(strata, 5, 7)
	if !reflect.DeepEqual(fold, RandomFolds(strata, 5, 7)) {
		t.Error("folds are not reproducible")
	}
	counts := make([]int, 5)
	for _, f := range fold {
		counts[f]++
	}
	sort.Ints(counts)
	if counts[0] != counts[4] {
		t.Errorf("fold sizes %v", counts)
	}
	if r := Score(labels, CrossValidate(samples, fold, 5, DefaultFitOptions), sources); r.MacroF1 < 0.85 {
		t.Errorf("cross-validated macro-F1 %.3f", r.MacroF1)
	}
}

func TestCalibrate(t *testing.T) {
	m := Model{Weights: make([]float64, len(FeatureNames))}
	m.Weights[0] = 10
	m.Bias = -5
	var samples []Sample
	for i, label := range []bool{false, false, true, false, true, true} {
		x := make([]float64, len(FeatureNames))
		x[0] = float64(i) / 5
		samples = append(samples, Sample{Label: label, Statements: [][][]float64{{x}}})
	}
	th, f1 := Calibrate(m, samples)
	// Best cut: between the second and third samples, or the fourth and
	// fifth; macro-F1 (6/7 + 4/5)/2 either way, and the first wins.
	if p2, p3 := m.ClaimProb(samples[1]), m.ClaimProb(samples[2]); th <= p2 || th >= p3 || math.Abs(f1-(6.0/7+0.8)/2) > 1e-9 {
		t.Errorf("threshold %.3f (between %.3f and %.3f?) macro-F1 %.3f", th, p2, p3, f1)
	}
}
