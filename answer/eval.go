package answer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/citebot/citebot/retrieval"
)

// EvalItem is one question of an evaluation set (JSON Lines, one object a
// line). Answers empty means the articles do not answer it: the right
// response is a refusal.
type EvalItem struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	// Article is the file (e.g. "001-super-bowl-50.md") the question is
	// about; its base name without extension is the article ID.
	Article string `json:"article"`
}

// ReadEvalFile reads a JSON Lines question set. Blank lines are skipped;
// a line that is not a JSON object with a question is an error naming the
// line.
func ReadEvalFile(filename string) ([]EvalItem, error) {
	data, err := os.ReadFile(filename)
	if err != nil {
		return nil, fmt.Errorf("read question set: %w", err)
	}
	var items []EvalItem
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var it EvalItem
		if err := json.Unmarshal(text, &it); err != nil {
			return nil, fmt.Errorf("%s:%d: not a JSON question object: %w", filename, line, err)
		}
		if strings.TrimSpace(it.Question) == "" {
			return nil, fmt.Errorf("%s:%d: no \"question\"", filename, line)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read question set %s: %w", filename, err)
	}
	return items, nil
}

// EvalOptions sets up Evaluate.
type EvalOptions struct {
	// K is how many passages to retrieve (the engine's K when 0).
	K int
	// RetrievalOnly measures retrieval without answering.
	RetrievalOnly bool
	// Progress, if set, is called after each question.
	Progress func(done, total int)
	// Details keeps one EvalResult per question in the report.
	Details bool
}

// EvalReport holds the metrics of one evaluation run. Retrieval metrics
// and answer quality are averaged over the answerable questions; refusal
// rates over the groups they name. Answer metrics are zero with
// RetrievalOnly.
type EvalReport struct {
	N             int  `json:"n"`
	Answerable    int  `json:"answerable"`
	Unanswerable  int  `json:"unanswerable"`
	K             int  `json:"k"`
	RetrievalOnly bool `json:"retrieval_only"`

	// AnswerInTop1 and AnswerInTop5: share of answerable questions whose
	// first (first five) passages contain a reference answer
	// (case-insensitive substring).
	AnswerInTop1 float64 `json:"answer_in_top1"`
	AnswerInTop5 float64 `json:"answer_in_top5"`
	// ArticleRecall: share whose K passages include the named article.
	ArticleRecall float64 `json:"article_recall_at_k"`
	// MRR: mean reciprocal rank of the first passage holding an answer.
	MRR float64 `json:"mrr"`

	// ExactMatch and F1 compare the answer text (citation markers removed)
	// with the references after SQuAD normalisation, best reference.
	ExactMatch float64 `json:"exact_match"`
	F1         float64 `json:"f1"`
	// ContainsReference: share of answerable questions whose normalised
	// answer contains a normalised reference.
	ContainsReference float64 `json:"answer_contains_reference"`
	// CitationPrecision: share of all citations (answerable questions)
	// whose passage contains a reference answer; Citations is their count.
	CitationPrecision float64 `json:"citation_precision"`
	Citations         int     `json:"citations"`
	// Grounded: share of answerable questions answered grounded: every
	// claim that states a fact supported by a passage it cites.
	Grounded float64 `json:"grounded"`

	// RefusalRate is over all questions; AnswerableRefused over those that
	// have answers (false refusals); UnanswerableRefused over those that
	// should be refused.
	RefusalRate         float64 `json:"refusal_rate"`
	AnswerableRefused   float64 `json:"answerable_refused"`
	UnanswerableRefused float64 `json:"unanswerable_refused"`

	// Latency per question (Ask, or Search with RetrievalOnly).
	LatencyP50MS float64 `json:"latency_p50_ms"`
	LatencyP95MS float64 `json:"latency_p95_ms"`

	Results []EvalResult `json:"results,omitempty"`
}

// EvalResult is one question's outcome, kept with EvalOptions.Details.
type EvalResult struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Answer   string  `json:"answer,omitempty"`
	Refused  bool    `json:"refused"`
	HitRank  int     `json:"hit_rank"` // first passage holding an answer, 0 = none
	Article  bool    `json:"article_found"`
	EM       float64 `json:"em"`
	F1       float64 `json:"f1"`
	Contains bool    `json:"contains"`
	// CitationsOK of Citations hold a reference answer.
	Citations   int     `json:"citations"`
	CitationsOK int     `json:"citations_ok"`
	Evidence    float64 `json:"evidence"`
	LatencyMS   float64 `json:"latency_ms"`
}

// Evaluate runs every item through the engine and computes the metrics.
// It stops at the first engine error (naming the question) or when ctx is
// done; the report then holds the questions done so far.
func Evaluate(ctx context.Context, e *Engine, items []EvalItem, opts EvalOptions) (EvalReport, error) {
	eng, err := e.withK(opts.K)
	if err != nil {
		return EvalReport{}, err
	}
	rep := EvalReport{N: len(items), K: eng.cfg.K, RetrievalOnly: opts.RetrievalOnly}
	var sums evalSums
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		run, err := runItem(ctx, eng, it, opts.RetrievalOnly)
		if err != nil {
			return rep, fmt.Errorf("question %s: %w", itemName(it, i), err)
		}
		r := scoreItem(it, run)
		sums.add(&rep, it, r, run)
		if opts.Details {
			rep.Results = append(rep.Results, r)
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(items))
		}
	}
	sums.fill(&rep)
	return rep, nil
}

// withK returns an engine like e (same configuration and scope) that
// answers from k passages; e itself when k is 0 or e's K already.
func (e *Engine) withK(k int) (*Engine, error) {
	if k <= 0 || k == e.cfg.K {
		return e, nil
	}
	cfg := e.cfg
	cfg.K = k
	cfg.Logger = e.log
	eng, err := NewEngine(cfg)
	if err != nil {
		return nil, err
	}
	return eng.In(e.scope), nil
}

// evalRun is what the engine returned for one question.
type evalRun struct {
	// answered is false with RetrievalOnly, and ans is zero then.
	answered bool
	ans      Answer
	passages []retrieval.Passage
	took     time.Duration
}

// runItem asks the question (or only searches, with retrievalOnly).
func runItem(ctx context.Context, eng *Engine, it EvalItem, retrievalOnly bool) (evalRun, error) {
	start := time.Now()
	if retrievalOnly {
		ps, err := eng.Search(ctx, it.Question, eng.cfg.K)
		return evalRun{passages: ps, took: time.Since(start)}, err
	}
	ans, err := eng.Ask(ctx, it.Question, nil, nil)
	return evalRun{answered: true, ans: ans, passages: ans.Passages, took: time.Since(start)}, err
}

// scoreItem compares one run with the item's reference answers. The
// answer scores stay zero for a refusal, for an unanswerable item and with
// RetrievalOnly.
func scoreItem(it EvalItem, run evalRun) EvalResult {
	r := EvalResult{
		ID: it.ID, Question: it.Question, Refused: run.ans.Refused,
		LatencyMS: ms(run.took), Evidence: Evidence(it.Question, run.passages),
	}
	if len(it.Answers) == 0 {
		return r
	}
	r.HitRank = firstHit(run.passages, it.Answers)
	r.Article = hasArticle(run.passages, it.Article)
	if run.answered && !run.ans.Refused {
		r.Answer = run.ans.Text
		r.EM, r.F1, r.Contains = answerScores(run.ans.Text, it.Answers)
	}
	for _, c := range run.ans.Citations {
		r.Citations++
		if containsAny(c.Passage, it.Answers) {
			r.CitationsOK++
		}
	}
	return r
}

// evalSums adds up the per-question outcomes that EvalReport averages.
type evalSums struct {
	top1, top5, art, mrr, em, f1, contains, grounded float64
	refused, ansRefused, unRefused, citeOK           float64
	latencies                                        []time.Duration
}

// add counts one question into the sums and the report's counts.
func (s *evalSums) add(rep *EvalReport, it EvalItem, r EvalResult, run evalRun) {
	s.latencies = append(s.latencies, run.took)
	if r.Refused {
		s.refused++
	}
	if len(it.Answers) == 0 {
		rep.Unanswerable++
		if r.Refused {
			s.unRefused++
		}
		return
	}
	rep.Answerable++
	if r.HitRank == 1 {
		s.top1++
	}
	if r.HitRank >= 1 && r.HitRank <= 5 {
		s.top5++
	}
	if r.HitRank > 0 {
		s.mrr += 1 / float64(r.HitRank)
	}
	if r.Article {
		s.art++
	}
	if r.Refused {
		s.ansRefused++
	}
	s.em += r.EM
	s.f1 += r.F1
	if r.Contains {
		s.contains++
	}
	if run.ans.Grounded {
		s.grounded++
	}
	rep.Citations += r.Citations
	s.citeOK += float64(r.CitationsOK)
}

// fill turns the sums into the report's rates and latencies.
func (s *evalSums) fill(rep *EvalReport) {
	rate := func(x float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return x / float64(n)
	}
	a := rep.Answerable
	rep.AnswerInTop1 = rate(s.top1, a)
	rep.AnswerInTop5 = rate(s.top5, a)
	rep.ArticleRecall = rate(s.art, a)
	rep.MRR = rate(s.mrr, a)
	if !rep.RetrievalOnly {
		rep.ExactMatch = rate(s.em, a)
		rep.F1 = rate(s.f1, a)
		rep.ContainsReference = rate(s.contains, a)
		rep.Grounded = rate(s.grounded, a)
		rep.CitationPrecision = rate(s.citeOK, rep.Citations)
		rep.RefusalRate = rate(s.refused, rep.N)
		rep.AnswerableRefused = rate(s.ansRefused, a)
		rep.UnanswerableRefused = rate(s.unRefused, rep.Unanswerable)
	}
	rep.LatencyP50MS = ms(percentile(s.latencies, 0.50))
	rep.LatencyP95MS = ms(percentile(s.latencies, 0.95))
}

func itemName(it EvalItem, i int) string {
	if it.ID != "" {
		return it.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile returns the nearest-rank p-th percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// firstHit returns the 1-based rank of the first passage containing one of
// the answers (case-insensitive), or 0.
func firstHit(ps []retrieval.Passage, answers []string) int {
	for i, p := range ps {
		if containsAny(p.Chunk.Text, answers) {
			return i + 1
		}
	}
	return 0
}

func containsAny(text string, answers []string) bool {
	lower := strings.ToLower(text)
	for _, a := range answers {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" && strings.Contains(lower, a) {
			return true
		}
	}
	return false
}

// hasArticle reports whether a passage comes from the named article file.
func hasArticle(ps []retrieval.Passage, article string) bool {
	id := strings.TrimSuffix(path.Base(article), path.Ext(article))
	for _, p := range ps {
		if p.Article.ID == id {
			return true
		}
	}
	return false
}

// answerScores computes SQuAD exact match and token F1 (best reference)
// and whether the normalised answer contains a normalised reference. The
// answer's citation markers are removed first.
func answerScores(answer string, refs []string) (em, f1 float64, contains bool) {
	pred := normalizeAnswer(stripMarkers(answer))
	padded := " " + pred + " "
	for _, ref := range refs {
		r := normalizeAnswer(ref)
		if r == pred {
			em = 1
		}
		f1 = max(f1, tokenF1(pred, r))
		if r != "" && strings.Contains(padded, " "+r+" ") {
			contains = true
		}
	}
	return em, f1, contains
}

// normalizeAnswer is SQuAD's normalisation: lower case, punctuation
// removed, the articles a/an/the removed, white space collapsed.
func normalizeAnswer(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		if w != "a" && w != "an" && w != "the" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// tokenF1 is the harmonic mean of token precision and recall (token
// multisets).
func tokenF1(pred, ref string) float64 {
	p, r := strings.Fields(pred), strings.Fields(ref)
	if len(p) == 0 || len(r) == 0 {
		if len(p) == len(r) {
			return 1
		}
		return 0
	}
	counts := make(map[string]int, len(r))
	for _, t := range r {
		counts[t]++
	}
	same := 0
	for _, t := range p {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	prec := float64(same) / float64(len(p))
	rec := float64(same) / float64(len(r))
	return 2 * prec * rec / (prec + rec)
}
