package answer

import (
	"github.com/citebot/citebot/retrieval"
)

// Checking the citations of generated text is a pipeline of four steps:
//
//  1. locateClaims finds the marker groups ("[1][3]") and, for each, the
//     sentence and clause it vouches for and the sources it names;
//  2. a verifier judges each claim against each source it cites (today
//     lexicalVerifier: shared content words against a threshold);
//  3. renumber numbers the sources that back their claims by first use,
//     merging sources of one article;
//  4. rewriteMarkers and buildCitations turn that into clean text and
//     the citation list.
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
	// Threshold is the support score a cited claim needs to keep its
	// citation (see scoreSupport); negative keeps every valid citation.
	Threshold float64
	// KeepNumbers keeps the source numbers instead of renumbering by
	// first use (summaries cite paragraph n as [n]).
	KeepNumbers bool
	// Question terms pick the quote for claims that have no content words.
	Question []string
	// Verifier judges the claims; nil means the lexical check with
	// Threshold and Question.
	Verifier verifier
}

func (o citeOptions) verifier() verifier {
	if o.Verifier != nil {
		return o.Verifier
	}
	return lexicalVerifier{Threshold: o.Threshold, Question: o.Question}
}

// citeResult is generated text after its citations were checked.
type citeResult struct {
	// Text has clean "[n]" markers, renumbered; dropped markers are gone.
	Text      string
	Citations []Citation
	// Invalid counts numbers that named no source, Unsupported those that
	// failed the support check.
	Invalid, Unsupported int
	// Markers counts the marker groups in the input.
	Markers int
}

// applyTo puts the checked text and its citations into ans. An answer is
// grounded when at least one citation survived.
func (r citeResult) applyTo(ans *Answer) {
	ans.Text = r.Text
	ans.Citations = r.Citations
	ans.Grounded = len(r.Citations) > 0
}

// checkCitations turns generated text with [n] markers into checked
// citations: numbers naming no source are dropped, each cited claim is
// checked against its source (unsupported citations go), sources with the
// same Key merge, numbers are reassigned by first use (or kept, with
// opts.KeepNumbers), and the text is rewritten with clean "[n]" markers.
func checkCitations(text string, srcs []source, opts citeOptions) citeResult {
	claims := locateClaims(text, len(srcs))
	verdicts := opts.verifier().verify(text, claims, srcs)
	nums := renumber(claims, verdicts, srcs, opts.KeepNumbers)
	res := citeResult{
		Text:      rewriteMarkers(text, claims, nums.shown),
		Citations: buildCitations(nums.cited, srcs, opts.KeepNumbers),
		Markers:   len(claims),
	}
	for i, c := range claims {
		res.Invalid += c.Invalid
		for _, v := range verdicts[i] {
			if !v.Supported {
				res.Unsupported++
			}
		}
	}
	return res
}
