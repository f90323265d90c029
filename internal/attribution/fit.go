package attribution

import (
	"math"
	"math/rand/v2"
	"sort"
)

// FitOptions tune Fit.
type FitOptions struct {
	// L2 is the ridge penalty on the weights (not the bias).
	L2 float64
	// Rounds is how many times the fit re-picks each claim's deciding
	// (statement, reference) pair with the current model and refits.
	Rounds int
}

// DefaultFitOptions are the options the shipped weights were fitted with.
var DefaultFitOptions = FitOptions{L2: 1, Rounds: 5}

// Fit fits a model to samples and calibrates its threshold for macro-F1.
// A claim's label is decided by its weakest statement's best reference
// (Model.ClaimProb), which depends on the model itself, so the fit
// alternates: pick each claim's deciding pair with the current model
// (first: plain coverage of the best sentence), fit a logistic regression
// to those pairs, repeat. It is deterministic.
func Fit(samples []Sample, opts FitOptions) Model {
	nf := 0
	for _, s := range samples {
		if len(s.Statements) > 0 && len(s.Statements[0]) > 0 {
			nf = len(s.Statements[0][0])
			break
		}
	}
	m := Model{Weights: make([]float64, nf)}
	if nf > 1 {
		m.Weights[0] = 1 // Pair
	}
	for range max(opts.Rounds, 1) {
		xs := make([][]float64, len(samples))
		ys := make([]bool, len(samples))
		for i, s := range samples {
			_, st, ref := m.weakest(s)
			xs[i], ys[i] = s.Statements[st][ref], s.Label
		}
		m = logistic(xs, ys, opts.L2)
	}
	m.Threshold, _ = Calibrate(m, samples)
	return m
}

// Calibrate returns the threshold on ClaimProb that maximizes macro-F1 on
// samples, and that macro-F1.
func Calibrate(m Model, samples []Sample) (threshold, macroF1 float64) {
	type scored struct {
		p     float64
		label bool
	}
	ss := make([]scored, len(samples))
	pos := 0
	for i, s := range samples {
		ss[i] = scored{m.ClaimProb(s), s.Label}
		if s.Label {
			pos++
		}
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].p < ss[j].p })
	// With threshold just above ss[k-1].p, the first k are predicted not
	// attributable.
	c := Confusion{TP: pos, FP: len(ss) - pos}
	best, at := c.MacroF1(), 0.0
	for k := 0; k < len(ss); k++ {
		if ss[k].label {
			c.TP--
			c.FN++
		} else {
			c.FP--
			c.TN++
		}
		if k+1 < len(ss) && ss[k+1].p == ss[k].p {
			continue
		}
		if f := c.MacroF1(); f > best {
			next := 1.0
			if k+1 < len(ss) {
				next = ss[k+1].p
			}
			best, at = f, (ss[k].p+next)/2
		}
	}
	return at, best
}

// logistic fits weights and bias by Newton's method with an L2 penalty.
func logistic(xs [][]float64, ys []bool, l2 float64) Model {
	nf := len(xs[0])
	d := nf + 1 // the bias is the last coefficient
	beta := make([]float64, d)
	row := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, d)
		hess := make([][]float64, d)
		for i := range hess {
			hess[i] = make([]float64, d)
		}
		for i, x := range xs {
			copy(row, x)
			row[nf] = 1
			z := dot(beta, row)
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if ys[i] {
				y = 1
			}
			for a := range d {
				grad[a] += (p - y) * row[a]
				for b := range d {
					hess[a][b] += p * (1 - p) * row[a] * row[b]
				}
			}
		}
		for a := range nf {
			grad[a] += l2 * beta[a]
			hess[a][a] += l2
		}
		hess[nf][nf] += 1e-9
		step := solve(hess, grad)
		change := 0.0
		for a := range d {
			beta[a] -= step[a]
			change = math.Max(change, math.Abs(step[a]))
		}
		if change < 1e-9 {
			break
		}
	}
	return Model{Weights: beta[:nf], Bias: beta[nf]}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves A x = b by Gaussian elimination with partial pivoting (A is
// small and, with the ridge, positive definite). A and b are overwritten.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for col := range n {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := col + 1; r < n; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < n; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x
}

// CrossValidate fits on all folds but one and predicts the held-out one,
// for each of k folds: fold[i] names the fold of samples[i]. It returns
// the held-out predictions, so that their score is an honest estimate of
// the fit on unseen claims.
func CrossValidate(samples []Sample, fold []int, k int, opts FitOptions) []bool {
	preds := make([]bool, len(samples))
	for f := range k {
		var train []Sample
		for i, s := range samples {
			if fold[i] != f {
				train = append(train, s)
			}
		}
		if len(train) == 0 {
			continue
		}
		m := Fit(train, opts)
		for i, s := range samples {
			if fold[i] == f {
				preds[i] = m.ClaimProb(s) >= m.Threshold
			}
		}
	}
	return preds
}

// RandomFolds assigns n samples to k folds at random (seeded, so the
// split is reproducible), balanced within each stratum (e.g. source and
// label).
func RandomFolds(strata []string, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	by := make(map[string][]int)
	var names []string
	for i, s := range strata {
		if by[s] == nil {
			names = append(names, s)
		}
		by[s] = append(by[s], i)
	}
	sort.Strings(names)
	fold := make([]int, len(strata))
	for _, name := range names {
		idx := by[name]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for j, i := range idx {
			fold[i] = j % k
		}
	}
	return fold
}

// Predict applies m to every sample.
func (m Model) Predict(samples []Sample) []bool {
	out := make([]bool, len(samples))
	for i, s := range samples {
		out[i] = m.ClaimProb(s) >= m.Threshold
	}
	return out
}
