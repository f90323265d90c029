package answer

import "github.com/citebot/citebot/retrieval/prose"

// verifier is the check step of the citation pipeline: it judges whether
// each source a claim cites backs the claim. lexicalVerifier is today's;
// an entailment model or an LLM judge can take its place (a verifier that
// calls a model will want a context and an error return, which the
// pipeline's callers all have at hand). It is unexported because claims
// and sources are: the pipeline is internal to the engine.
type verifier interface {
	// verify returns one verdict list per claim: verdicts[i][j] judges
	// claims[i] against srcs[claims[i].Sources[j]]. Claim spans index text.
	verify(text string, claims []claim, srcs []source) [][]verdict
}

// verdict is a verifier's judgement of one claim against one cited source.
type verdict struct {
	// Supported is whether the citation stands.
	Supported bool
	// Score is how strongly the source backs the claim; when sources of
	// one article merge into one citation, the best-scored quote is shown.
	Score float64
	// Quote is the span of the source text that backs the claim best.
	Quote prose.Span
}

// minClauseTerms: a clause with fewer content words than this is judged by
// its whole sentence ("…, and in 1990 [2].").
const minClauseTerms = 3

// lexicalVerifier judges a claim by the share of its content words that
// the cited source holds (scoreSupport), for its sentence or, when the
// clause before the marker says enough on its own, that clause, whichever
// scores higher. A citation stands at Threshold or above.
type lexicalVerifier struct {
	Threshold float64
	// Question terms pick the quote for claims that have no content words.
	Question []string
}

func (v lexicalVerifier) verify(text string, claims []claim, srcs []source) [][]verdict {
	out := make([][]verdict, len(claims))
	for i, c := range claims {
		for _, s := range c.Sources {
			sup := v.score(c, srcs[s].Text)
			out[i] = append(out[i], verdict{Supported: sup.Score >= v.Threshold, Score: sup.Score, Quote: sup.Sentence})
		}
	}
	return out
}

func (v lexicalVerifier) score(c claim, text string) support {
	sup := scoreSupport(c.SentenceTerms, text, v.Question)
	if len(uniqueTerms(c.ClauseTerms)) >= minClauseTerms {
		if cl := scoreSupport(c.ClauseTerms, text, v.Question); cl.Score > sup.Score {
			sup = cl
		}
	}
	return sup
}
