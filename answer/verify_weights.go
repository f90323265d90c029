package answer

import "github.com/citebot/citebot/internal/attribution"

// The lexical verifier's logistic regression, one weight per feature of
// attribution.Features in the order of attribution.FeatureNames. Fitted by
// internal/attribution's TestFit on AttributionBench dev (1,198 claims,
// ../shared/attribution/dev.jsonl; word rarity over the references):
//
//	CITEBOT_ATTRIBUTION=../shared/attribution/dev.jsonl go test ./internal/attribution -run TestFit -v
//
// Macro-F1 at the threshold below, in-sample / 5-fold cross-validated
// (random, stratified by source and label) / leave-one-source-out:
//
//	overall             0.714 / 0.693 / 0.670
//	AttributedQA        0.735 / 0.664 / 0.735   (74 claims)
//	ExpertQA            0.594 / 0.576 / 0.510   (470)
//	LFQA                0.862 / 0.862 / 0.843   (110)
//	Stanford-GenSearch  0.778 / 0.757 / 0.735   (544)
//
// Today's coverage check at 0.25 scored 0.49 on the same claims (it kept
// almost every citation). Lexical evidence cannot tell a paraphrase from a
// passage on the same subject that lacks the detail: ExpertQA's expert
// answers are where it fails most, and an LLM judge is the next step.
const (
	weightPair           = 1.6757
	weightNovel          = 0.9187
	weightBigrams        = 1.0873
	weightRun            = 1.0659
	weightMissingNumbers = -1.6813
	weightMissingNames   = -0.3411
	weightNegation       = -0.1537
	weightAnywhere       = -0.9371
	weightLogLength      = 0.2506
	lexicalBias          = -1.7971
)

// lexicalModel is the fitted model; its threshold is
// DefaultSupportThreshold, the probability that maximized macro-F1 on dev.
var lexicalModel = attribution.Model{
	Weights: []float64{weightPair, weightNovel, weightBigrams, weightRun, weightMissingNumbers,
		weightMissingNames, weightNegation, weightAnywhere, weightLogLength},
	Bias:      lexicalBias,
	Threshold: DefaultSupportThreshold,
}
