// Package answer is the question-answering engine: it retrieves passages,
// renders prompts, calls an LLM (or answers extractively offline), and turns
// the model's [n] markers into checked citations. It knows nothing about
// Discord.
package answer

import (
	"fmt"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// Turn is one earlier exchange in a conversation, oldest first.
type Turn struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Length is the size of a summary.
type Length string

// Summary lengths.
const (
	Short  Length = "short"
	Medium Length = "medium"
	Long   Length = "long"
)

// ParseLength reads a summary length as a user types it: "short",
// "medium" or "long" in any case, or "" for Medium. It is the one check
// for every front end, so they all accept and reject the same words.
func ParseLength(s string) (Length, error) {
	switch l := Length(strings.ToLower(strings.TrimSpace(s))); l {
	case "":
		return Medium, nil
	case Short, Medium, Long:
		return l, nil
	}
	return "", fmt.Errorf("unknown summary length %q: use short, medium or long", s)
}

// Citation is one numbered source of an answer. Several passages of one
// article are merged into one citation.
type Citation struct {
	// N is the number shown in the text: renumbered by first use in
	// answers, the paragraph number in summaries.
	N int `json:"n"`
	// Article carries id, title, source, author and published.
	Article retrieval.Article `json:"article"`
	// Quote is the sentence of the passage that best supports the claim.
	Quote string `json:"quote"`
	// Passage is the full text of the supporting chunk.
	Passage string `json:"passage"`
	// Start and End are byte offsets of Quote in Article.Body.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Verdict is what the citation check found for one claim of an answer.
type Verdict string

// Verdicts.
const (
	// Supported: a passage the claim cites holds it.
	Supported Verdict = "supported"
	// Unsupported: the claim cites passages, none of which holds it; its
	// citations were dropped, the sentence kept.
	Unsupported Verdict = "unsupported"
	// Uncited: the claim states a fact and cites no passage that exists.
	Uncited Verdict = "uncited"
)

// Claim is one checked statement of an answer: a sentence, or a clause
// with its own citation marker, or a sentence that states a fact without
// citing anything. Renderers mark the claims that are not Supported.
type Claim struct {
	// Text is the claim's words, markers removed. Start and End delimit
	// it in Answer.Text (byte offsets): the whole sentence, its markers
	// included, or for a sentence with several markers the clause before
	// the claim's own marker.
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Cited are the citation numbers the claim shows in Answer.Text: the
	// citations that survived the check (none when Unsupported).
	Cited   []int   `json:"cited"`
	Verdict Verdict `json:"verdict"`
	// Score is the verifier's best support score over the passages cited
	// (0 when Uncited).
	Score float64 `json:"score"`
	// Quote is the passage text that supports the claim (Supported only):
	// bytes QuoteStart..QuoteEnd of the body of the article of citation
	// QuoteOf.
	Quote      string `json:"quote"`
	QuoteOf    int    `json:"quote_of,omitempty"`
	QuoteStart int    `json:"quote_start,omitempty"`
	QuoteEnd   int    `json:"quote_end,omitempty"`
	// Verifier names the check that judged it: "lexical", "llm", "off".
	Verifier string `json:"verifier"`
}

// Usage is the token usage reported by the LLM (zero offline).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Timings splits the time an answer took.
type Timings struct {
	Retrieval time.Duration `json:"retrieval_ns"`
	LLM       time.Duration `json:"llm_ns"`
	// Verify is the time the citation check took.
	Verify time.Duration `json:"verify_ns"`
	Total  time.Duration `json:"total_ns"`
}

// Answer is the result of Ask or Summarize.
type Answer struct {
	// Text is the final answer with renumbered [n] markers.
	Text      string     `json:"answer"`
	Citations []Citation `json:"citations"`
	// Claims are the statements of Text with their verdicts, in order.
	Claims []Claim `json:"claims"`
	// Grounded is true when every claim that states a fact is supported
	// by a passage it cites (and there is at least one); every renderer
	// must show a visible warning when it is false.
	Grounded bool `json:"grounded"`
	// Refused is true when the articles do not hold the answer; a refusal
	// carries no citations.
	Refused bool `json:"refused"`
	// Suggestions are titles of the closest articles, offered on refusal.
	// They are not citations.
	Suggestions []string `json:"suggestions,omitempty"`
	// Extractive is true when the answer was composed offline from article
	// sentences instead of by an LLM.
	Extractive bool `json:"extractive"`
	// Fallback is true when the LLM failed (down, timed out) and this is
	// the offline extractive answer instead; FallbackError says why.
	// Renderers should say so.
	Fallback      bool                `json:"fallback,omitempty"`
	FallbackError string              `json:"fallback_error,omitempty"`
	Passages      []retrieval.Passage `json:"passages"`
	Usage         Usage               `json:"usage"`
	Timings       Timings             `json:"timings"`
}

// DeltaFunc receives streamed answer text as it arrives. It may be nil.
// The text streamed is the model's raw output; the final Answer.Text is the
// cleaned, renumbered version that renderers should show at the end.
type DeltaFunc func(delta string)
