package answer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	articlefile "github.com/citebot/citebot/retrieval/article"
)

// TestEvaluateCorpus is the calibration run behind DefaultRefusalFloor and
// the extractive weights, and the check that extractive answers stay fully
// supported (every answered question grounded). It is optional: set
// CITEBOT_CORPUS_DIR to the SQuAD corpus (../shared/corpus) to run it:
//
//	CITEBOT_CORPUS_DIR=../shared/corpus go test ./answer -run TestEvaluateCorpus -v
//
// It builds an index of corpus/articles (local embedder) in a temp dir, runs
// the offline engine over qa/dev.jsonl (should answer) and
// qa/unanswerable.jsonl (should refuse), and asks questions far outside
// the corpus of the seed article alone and of the whole corpus.
func TestEvaluateCorpus(t *testing.T) {
	dir := os.Getenv("CITEBOT_CORPUS_DIR")
	if dir == "" {
		t.Skip("set CITEBOT_CORPUS_DIR to the SQuAD corpus to run the calibration evaluation")
	}
	ctx := context.Background()
	arts, err := articlefile.LoadDir(filepath.Join(dir, "articles"), articlefile.LoadOptions{}, func(p string, err error) { t.Errorf("%s: %v", p, err) })
	if err != nil {
		t.Fatal(err)
	}
	ix := realRetriever(t, arts...)
	e, err := NewEngine(Config{Retriever: ix})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dev.jsonl", "unanswerable.jsonl"} {
		items, err := ReadEvalFile(filepath.Join(dir, "qa", name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Evaluate(ctx, e, items, EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: n %d  top1 %.3f  top5 %.3f  article recall %.3f  MRR %.3f  EM %.3f  F1 %.3f  contains %.3f  citation precision %.3f (%d)  grounded %.3f  refusal %.3f  answerable refused %.3f  unanswerable refused %.3f  p50 %.1f ms  p95 %.1f ms",
			name, rep.N, rep.AnswerInTop1, rep.AnswerInTop5, rep.ArticleRecall, rep.MRR, rep.ExactMatch, rep.F1,
			rep.ContainsReference, rep.CitationPrecision, rep.Citations, rep.Grounded, rep.RefusalRate,
			rep.AnswerableRefused, rep.UnanswerableRefused, rep.LatencyP50MS, rep.LatencyP95MS)
		if name == "dev.jsonl" && rep.Grounded+rep.AnswerableRefused < 1-1e-9 {
			t.Errorf("grounded %.3f with %.3f refused: some extractive answer has a claim its passage does not support", rep.Grounded, rep.AnswerableRefused)
		}
	}

	seed := realRetriever(t, seedArticles(t)...)
	seedEngine, err := NewEngine(Config{Retriever: seed})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]int{}
	for _, q := range farOutProbes {
		for name, eng := range map[string]*Engine{"seed": seedEngine, "corpus": e} {
			ans, err := eng.Ask(ctx, q, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Refused {
				refused[name]++
			} else if name == "seed" {
				t.Errorf("seed article alone answered %q: %s", q, ans.Text)
			}
		}
	}
	t.Logf("far-outside questions refused: seed article alone %d/%d, whole corpus %d/%d",
		refused["seed"], len(farOutProbes), refused["corpus"], len(farOutProbes))
}

// farOutProbes are questions no article of the corpus or the seeds
// answers: sports results, recipes, prices, and the like.
var farOutProbes = []string{
	"Who won the 2018 FIFA World Cup final?",
	"How do I bake sourdough bread at home?",
	"What was Apple's closing stock price yesterday?",
	"What is the weather forecast for Paris tomorrow?",
	"Who won the NBA championship in 2023?",
	"What is a good recipe for chocolate chip cookies?",
	"How many goals did Messi score last season?",
	"What is the current price of Bitcoin?",
	"How do I reset my iPhone password?",
	"What time does the supermarket close on Sundays?",
	"Which movie won the Oscar for best picture in 2020?",
	"How do I install Python on Windows?",
	"What is Taylor Swift's latest album?",
	"How long should I boil an egg?",
	"What was the score of the Lakers game last night?",
	"Who is the current CEO of Tesla Motors?",
	"What are the symptoms of the flu?",
	"How much does a Tesla Model 3 cost?",
	"Which team won the Champions League in 2019?",
	"What is the best way to learn Spanish?",
	"How tall is the Eiffel Tower?",
	"What is the exchange rate between the euro and the dollar?",
	"How do you make a margherita pizza?",
	"When is the next solar eclipse visible in Europe?",
	"What are Amazon's quarterly earnings?",
}
