package answer

import (
	"regexp"
	"strings"

	"github.com/citebot/citebot/internal/attribution"
	"github.com/citebot/citebot/retrieval/prose"
)

// applyVerdicts turns the model's verdicts into judgments. A claim
// without a verdict keeps its offline judgments, marked as made by
// fallback; missing counts those claims.
func applyVerdicts(verdicts map[int]modelVerdict, claims []Statement, passages []string, offline [][]Judgment, fallback string) (out [][]Judgment, missing int) {
	out = make([][]Judgment, len(claims))
	for i, st := range claims {
		v, ok := verdicts[i+1]
		switch {
		case len(st.Cited) == 0:
			out[i] = offline[i]
		case !ok:
			out[i] = judgedBy(offline[i], fallback)
			missing++
		default:
			out[i] = modelJudgments(v, st, passages, offline[i])
		}
	}
	return out, missing
}

// modelJudgments are one claim's judgments under the model's verdict. A
// claim the model rejects is unsupported by every passage it cites. A
// claim it accepts is supported by the passage it names (scored 1, quoted
// where the model's quote really occurs in it, else where the offline
// check quoted it); the claim's other citations keep the offline verdict,
// since the model names one passage and says nothing of the others.
func modelJudgments(v modelVerdict, st Statement, passages []string, offline []Judgment) []Judgment {
	js := make([]Judgment, len(st.Cited))
	if !v.Supported.V {
		for k := range js {
			js[k] = Judgment{Quote: offline[k].Quote}
		}
		return js
	}
	copy(js, offline)
	k, quote := supportingPassage(v, st, passages, offline)
	js[k] = Judgment{Supported: true, Score: 1, Quote: quote}
	return js
}

// supportingPassage picks which citation of the claim the model's "yes"
// stands on, as an index into st.Cited, and its quote: the passage the
// model names if the claim cites it, else a cited passage holding the
// model's quote, else the one the offline check scores best.
func supportingPassage(v modelVerdict, st Statement, passages []string, offline []Judgment) (int, prose.Span) {
	for k, pi := range st.Cited {
		if pi+1 == v.Passage.N {
			if q, ok := findQuote(passages[pi], v.Quote); ok {
				return k, q
			}
			return k, offline[k].Quote
		}
	}
	for k, pi := range st.Cited {
		if q, ok := findQuote(passages[pi], v.Quote); ok {
			return k, q
		}
	}
	best := 0
	for k := range offline {
		if offline[k].Score > offline[best].Score {
			best = k
		}
	}
	return best, offline[best].Quote
}

// quoteMarks are the characters a model may put around a quote, or write
// for the passage's own quotation marks and apostrophes.
const quoteMarks = "\"'“”‘’«»"

// findQuote locates the model's quote in passage, ignoring case, the
// spacing between words and the style of quotation marks, and widens it
// to the sentences it falls in (as the offline check quotes). ok is false
// when the quote does not occur there or says nothing (no content word):
// a model's quote is shown to readers only if the passage really holds it.
func findQuote(passage, quote string) (prose.Span, bool) {
	quote = strings.Trim(strings.TrimSpace(quote), quoteMarks+" .…")
	words := strings.Fields(quote)
	if len(words) == 0 || !attribution.HasContent(quote) {
		return prose.Span{}, false
	}
	if i := strings.Index(passage, quote); i >= 0 {
		return widenToSentences(passage, prose.Span{Start: i, End: i + len(quote)}), true
	}
	for i, w := range words {
		words[i] = quoteMarkClass.ReplaceAllString(regexp.QuoteMeta(w), `["'“”‘’«»]`)
	}
	re, err := regexp.Compile(`(?i)` + strings.Join(words, `\s+`))
	if err != nil {
		return prose.Span{}, false
	}
	loc := re.FindStringIndex(passage)
	if loc == nil {
		return prose.Span{}, false
	}
	return widenToSentences(passage, prose.Span{Start: loc[0], End: loc[1]}), true
}

// quoteMarkClass matches one quotation mark or apostrophe of a quote.
var quoteMarkClass = regexp.MustCompile(`["'“”‘’«»]`)

// widenToSentences extends span q of text to the whole sentences it
// touches.
func widenToSentences(text string, q prose.Span) prose.Span {
	out := q
	for _, s := range passageSentences(text) {
		if s.Start <= q.Start && q.Start < s.End {
			out.Start = s.Start
		}
		if s.Start < q.End && q.End <= s.End {
			out.End = s.End
		}
	}
	return out
}
