package answer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// Checking the citations of generated text is a pipeline of four steps:
//
//  1. locateClaims finds the marker groups ("[1][3]") and, for each, the
//     sentence and clause it vouches for and the sources it names;
//  2. a Verifier judges each claim against each source it cites
//     (LexicalVerifier offline, LLMVerifier with the chat model);
//  3. renumber numbers the sources that back their claims by first use,
//     merging sources of one article;
//  4. rewriteMarkers and buildCitations turn that into clean text and
//     the citation list, and answerClaims into the claims with their
//     verdicts (sentences that cite nothing included).
//
// Only step 2 judges meaning, so a stronger verifier slots in there
// without touching the rest.

// source is one numbered piece of text the model was shown: a retrieved
// passage (Ask) or an article paragraph (Summarize).
type source struct {
	Article retrieval.Article
	// Text is the passage or paragraph; Start is its offset in Article.Body.
	Text  string
	Start int
	// Key decides which sources merge into one citation: the article ID
	// for answers, the paragraph for summaries.
	Key string
}

// passageSources numbers retrieved passages 1..n as sources merged by
// article.
func passageSources(ps []retrieval.Passage) []source {
	out := make([]source, len(ps))
	for i, p := range ps {
		out[i] = source{Article: p.Article, Text: p.Chunk.Text, Start: p.Chunk.Start, Key: p.Article.ID}
	}
	return out
}

// citeOptions tunes checkCitations.
type citeOptions struct {
	// Verifier judges the claims; nil means LexicalVerifier with default
	// settings.
	Verifier Verifier
	// KeepNumbers keeps the source numbers instead of renumbering by
	// first use (summaries cite paragraph n as [n]).
	KeepNumbers bool
	// Question is what the text answers: the verifier weighs what the
	// question did not already say, and it picks the quote for claims
	// that have no content words.
	Question string
}

func (o citeOptions) verifier() Verifier {
	if o.Verifier != nil {
		return o.Verifier
	}
	return LexicalVerifier{}
}

// citeResult is generated text after its citations were checked.
type citeResult struct {
	// Text has clean "[n]" markers, renumbered; dropped markers are gone.
	Text      string
	Citations []Citation
	// Claims are the claims of Text with their verdicts.
	Claims []Claim
	// Invalid counts numbers that named no source, Unsupported those that
	// failed the support check.
	Invalid, Unsupported int
	// Markers counts the marker groups in the input.
	Markers int
	// Took is the time the check took, Usage the tokens the verifier
	// spent (zero offline).
	Took  time.Duration
	Usage Usage
}

// applyTo puts the checked text, citations and claims into ans, which is
// grounded when every claim that states a fact is supported.
func (r citeResult) applyTo(ans *Answer) {
	ans.Text = r.Text
	ans.Citations = r.Citations
	ans.Claims = r.Claims
	ans.Grounded = grounded(r.Claims)
	r.account(ans)
}

// account adds the check's time and tokens to ans, whether or not its
// result is used (a refusal drops it).
func (r citeResult) account(ans *Answer) {
	ans.Timings.Verify = r.Took
	ans.Usage = addUsage(ans.Usage, r.Usage)
}

// checkCitations turns generated text with [n] markers into checked
// citations: numbers naming no source are dropped, each cited claim is
// checked against its source (unsupported citations go, the sentence
// stays), sources with the same Key merge, numbers are reassigned by first
// use (or kept, with opts.KeepNumbers), and the text is rewritten with
// clean "[n]" markers. It fails only when the verifier does.
func checkCitations(ctx context.Context, text string, srcs []source, opts citeOptions) (citeResult, error) {
	start := time.Now()
	v := opts.verifier()
	claims := locateClaims(text, len(srcs))
	judgments, usage, err := verifyClaims(ctx, v, opts.Question, text, claims, srcs)
	if err != nil {
		return citeResult{}, fmt.Errorf("verify citations (%s): %w", v.Name(), err)
	}
	nums := renumber(claims, judgments, srcs, opts.KeepNumbers, contentTerms(opts.Question))
	out, offsets := rewriteMarkers(text, claims, nums.shown)
	res := citeResult{
		Text:      out,
		Citations: buildCitations(nums.cited, srcs, opts.KeepNumbers),
		Markers:   len(claims),
		Usage:     usage,
	}
	res.Claims = answerClaims(claimsInput{
		text: text, out: out, offsets: offsets, claims: claims, judgments: judgments,
		nums: nums, srcs: srcs, verifier: v.Name(),
	})
	for i, c := range claims {
		res.Invalid += c.Invalid
		for _, j := range judgments[i] {
			if !j.Supported {
				res.Unsupported++
			}
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// verifyClaims asks v about every claim that cites a source, in one call,
// and returns the judgments per claim (none for claims citing nothing) and
// the tokens v spent.
func verifyClaims(ctx context.Context, v Verifier, question, text string, claims []claim, srcs []source) ([][]Judgment, Usage, error) {
	var stmts []Statement
	var of []int // of[k] is the claim of stmts[k]
	for i, c := range claims {
		if len(c.Sources) == 0 {
			continue
		}
		sentence := strings.TrimSpace(stripMarkers(text[c.Sentence.Start:c.Sentence.End]))
		clause := sentence
		if c.Clause != c.Sentence {
			clause = strings.TrimSpace(stripMarkers(text[c.Clause.Start:c.Clause.End]))
		}
		stmts = append(stmts, Statement{Text: clause, Sentence: sentence, Cited: c.Sources})
		of = append(of, i)
	}
	out := make([][]Judgment, len(claims))
	if len(stmts) == 0 {
		return out, Usage{}, nil
	}
	passages := make([]string, len(srcs))
	for i, s := range srcs {
		passages[i] = s.Text
	}
	js, usage, err := verify(ctx, v, question, stmts, passages)
	if err != nil {
		return nil, usage, err
	}
	qterms := contentTerms(question)
	if len(js) != len(stmts) {
		return nil, usage, fmt.Errorf("%d judgment lists for %d claims", len(js), len(stmts))
	}
	for k, i := range of {
		if len(js[k]) != len(stmts[k].Cited) {
			return nil, usage, fmt.Errorf("claim %d: %d judgments for %d citations", k+1, len(js[k]), len(stmts[k].Cited))
		}
		for n, j := range js[k] {
			if j.Supported {
				pi := stmts[k].Cited[n]
				js[k][n].Quote = answeringQuote(qterms, stmts[k].Sentence, passages[pi], j.Quote)
			}
		}
		out[i] = js[k]
	}
	return out, usage, nil
}
