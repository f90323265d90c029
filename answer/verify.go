package answer

import (
	"context"

	"github.com/citebot/citebot/retrieval/prose"
)

// Verifier is the check step of the citation pipeline: it judges whether
// each passage a claim cites backs the claim. LexicalVerifier is the
// offline one; an LLM judge can take its place, which is why Verify takes
// a context and may fail. The engine calls it once per answer with every
// cited claim, so a model-backed verifier can batch.
type Verifier interface {
	// Verify returns one judgment list per claim: out[i][j] judges
	// claims[i] against passages[claims[i].Cited[j]]. question is what the
	// answer answers ("" for summaries).
	Verify(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, error)
	// Name is what Claim.Verifier records: "lexical", "llm", "off".
	Name() string
}

// Statement is one cited claim of generated text, as a Verifier sees it.
type Statement struct {
	// Text is what the citation vouches for: the clause before its marker
	// when the sentence has several markers, else the whole sentence.
	// Markers are removed.
	Text string
	// Sentence is the whole sentence Text belongs to, markers removed;
	// equal to Text when the marker closes the sentence. A verifier may
	// judge either: a short clause ("and in 1990") says too little alone.
	Sentence string
	// Cited are the passages it cites, as indexes into Verify's passages.
	Cited []int
}

// Judgment is a verifier's verdict on one claim against one passage.
type Judgment struct {
	// Supported is whether the citation stands.
	Supported bool
	// Score is how strongly the passage backs the claim, in [0, 1]; when
	// passages of one article merge into one citation, the best-scored
	// quote is shown.
	Score float64
	// Quote is the span of the passage text that backs the claim best.
	Quote prose.Span
	// Verifier names the check that made the judgment when that is not the
	// Verifier called: LLMVerifier sets its fallback's name ("lexical") on
	// the claims the model gave no usable verdict for. "" means the
	// Verifier's own Name.
	Verifier string
}

// MeteredVerifier is a Verifier that spends model tokens. The engine calls
// VerifyMetered instead of Verify, so that an answer's Usage counts the
// tokens its check took as well as those of the answer.
type MeteredVerifier interface {
	Verifier
	// VerifyMetered is Verify that also returns the token usage.
	VerifyMetered(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, Usage, error)
}

// verify runs v, metered when it can be.
func verify(ctx context.Context, v Verifier, question string, claims []Statement, passages []string) ([][]Judgment, Usage, error) {
	if mv, ok := v.(MeteredVerifier); ok {
		return mv.VerifyMetered(ctx, question, claims, passages)
	}
	js, err := v.Verify(ctx, question, claims, passages)
	return js, Usage{}, err
}

// VerifierOff keeps every citation that names a passage, unchecked: the
// behaviour before verification (Config.SupportThreshold < 0 selects it).
// It still picks each citation's quote lexically.
var VerifierOff Verifier = offVerifier{}

type offVerifier struct{}

func (offVerifier) Name() string { return "off" }

func (offVerifier) Verify(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, error) {
	out, err := LexicalVerifier{}.Verify(ctx, question, claims, passages)
	for _, js := range out {
		for j := range js {
			js[j].Supported = true
		}
	}
	return out, err
}
