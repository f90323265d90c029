package attribution

import "sort"

// Confusion counts predictions against labels; the positive class is
// attributable.
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	TN int `json:"tn"`
	FN int `json:"fn"`
}

func (c *Confusion) add(label, pred bool) {
	switch {
	case label && pred:
		c.TP++
	case label:
		c.FN++
	case pred:
		c.FP++
	default:
		c.TN++
	}
}

// N is the number of predictions counted.
func (c Confusion) N() int { return c.TP + c.FP + c.TN + c.FN }

// Accuracy is the share of right predictions.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.N()) }

// F1 returns the F1 of the attributable and the not-attributable label.
func (c Confusion) F1() (pos, neg float64) {
	return ratio(2*c.TP, 2*c.TP+c.FP+c.FN), ratio(2*c.TN, 2*c.TN+c.FN+c.FP)
}

// MacroF1 is the mean of both labels' F1: the benchmark's measure, which a
// checker that keeps (or drops) every citation cannot game.
func (c Confusion) MacroF1() float64 {
	p, n := c.F1()
	return (p + n) / 2
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// SourceReport is the score on the examples of one source dataset.
type SourceReport struct {
	N        int     `json:"n"`
	MacroF1  float64 `json:"macro_f1"`
	Accuracy float64 `json:"accuracy"`
}

// Report is the score of a verifier on labelled claims.
type Report struct {
	N                 int                     `json:"n"`
	Accuracy          float64                 `json:"accuracy"`
	MacroF1           float64                 `json:"macro_f1"`
	F1Attributable    float64                 `json:"f1_attributable"`
	F1NotAttributable float64                 `json:"f1_not_attributable"`
	Confusion         Confusion               `json:"confusion"`
	BySource          map[string]SourceReport `json:"by_source"`
	// P50MS is the median time to verify one claim, in milliseconds (0
	// when not timed).
	P50MS float64 `json:"p50_ms"`
}

// Score compares predictions with labels; sources[i] names the dataset of
// example i.
func Score(labels, preds []bool, sources []string) Report {
	var all Confusion
	by := make(map[string]*Confusion)
	for i := range labels {
		all.add(labels[i], preds[i])
		c := by[sources[i]]
		if c == nil {
			c = &Confusion{}
			by[sources[i]] = c
		}
		c.add(labels[i], preds[i])
	}
	r := Report{N: all.N(), Accuracy: all.Accuracy(), MacroF1: all.MacroF1(), Confusion: all, BySource: map[string]SourceReport{}}
	r.F1Attributable, r.F1NotAttributable = all.F1()
	for name, c := range by {
		r.BySource[name] = SourceReport{N: c.N(), MacroF1: c.MacroF1(), Accuracy: c.Accuracy()}
	}
	return r
}

// Sources returns the names in r.BySource, sorted.
func (r Report) Sources() []string {
	out := make([]string, 0, len(r.BySource))
	for s := range r.BySource {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
