package answer

import "github.com/citebot/citebot/internal/attribution"

// The lexical verifier's logistic regression, one weight per feature of
// attribution.Features in the order of attribution.FeatureNames. Fitted by
// internal/attribution's TestFit on AttributionBench dev (1,198 claims,
// ../shared/attribution/dev.jsonl; word rarity over the references):
//
//	CITEBOT_ATTRIBUTION=../shared/attribution/dev.jsonl go test ./internal/attribution -run TestFit -v
//
// Macro-F1 at DefaultSupportThreshold (0.4813, calibrated for macro-F1 on
// dev), in-sample / 5-fold cross-validated
// (random, stratified by source and label) / leave-one-source-out:
//
//	overall             0.715 / 0.700 / 0.673
//	AttributedQA        0.735 / 0.631 / 0.735   (74 claims)
//	ExpertQA            0.594 / 0.582 / 0.535   (470)
//	LFQA                0.862 / 0.872 / 0.844   (110)
//	Stanford-GenSearch  0.781 / 0.768 / 0.733   (544)
//
// Today's coverage check at 0.25 scored 0.49 on the same claims (it kept
// almost every citation). Lexical evidence cannot tell a paraphrase from a
// passage on the same subject that lacks the detail: ExpertQA's expert
// answers are where it fails most, and an LLM judge is the next step.
const (
	weightPair           = 1.6598
	weightNovel          = 0.9156
	weightBigrams        = 1.0913
	weightRun            = 1.0706
	weightMissingNumbers = -1.7230
	weightMissingNames   = -0.3329
	weightNegation       = -0.1546
	weightAnywhere       = -0.9381
	weightLogLength      = 0.2492
	lexicalBias          = -1.7843
)

// lexicalModel is the fitted model; its threshold is
// DefaultSupportThreshold, the probability that maximized macro-F1 on dev.
var lexicalModel = attribution.Model{
	Weights: []float64{weightPair, weightNovel, weightBigrams, weightRun, weightMissingNumbers,
		weightMissingNames, weightNegation, weightAnywhere, weightLogLength},
	Bias:      lexicalBias,
	Threshold: DefaultSupportThreshold,
}
