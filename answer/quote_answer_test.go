package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// seedCall is seed-like text: two sentences about the same call, one of
// which answers "How long did the call last?".
const seedCall = `According to the U.S. Department of Defense, Austin urged an "immediate ceasefire" in Ukraine. Al Jazeera reported that Austin confirmed the call in a tweet on Friday, saying he spoke with Shoigu for the first time since February 18.

Lloyd Austin has tried multiple times to talk with Shoigu since Moscow's invasion of Ukraine started on February 24. However, officials said the Russian side had appeared uninterested.

A U.S. official, who agreed to speak on the condition of anonymity, told reporters that the call between the two leaders on Friday lasted about an hour.

However, the official noted that it did not solve any specific issues.`

func TestCitationQuotesTheAnsweringSentence(t *testing.T) {
	p := retrieval.Passage{Article: retrieval.Article{ID: "call", Title: "Austin and Shoigu"}, Chunk: retrieval.Chunk{ArticleID: "call", Text: seedCall, Start: 10}}
	for _, text := range []string{
		// Two claims cite one article: the merged citation quotes the one
		// that answers the question.
		"Austin spoke with Shoigu for the first time since February 18 [1]. The call lasted about an hour [1].",
		// One claim backed by two sentences: quote the answering one.
		"Austin spoke with Shoigu on Friday, the first time since February 18, and the call lasted about an hour [1].",
	} {
		res, err := checkCitations(context.Background(), text, passageSources([]retrieval.Passage{p}), citeOptions{Question: "How long did the call last?"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Citations) != 1 {
			t.Fatalf("%q: citations %+v", text, res.Citations)
		}
		c := res.Citations[0]
		if !strings.Contains(c.Quote, "lasted about an hour") {
			t.Errorf("%q: quote %q, want the sentence that answers", text, c.Quote)
		}
		if seedCall[c.Start-10:c.End-10] != c.Quote {
			t.Errorf("offsets %d..%d do not hold the quote", c.Start, c.End)
		}
	}
	// Without a question the verifier's best sentence stands.
	res, err := checkCitations(context.Background(), "Austin spoke with Shoigu for the first time since February 18 [1].", passageSources([]retrieval.Passage{p}), citeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Citations) != 1 || !strings.Contains(res.Citations[0].Quote, "February 18") {
		t.Errorf("citations %+v", res.Citations)
	}
}

func TestAnsweringQuoteNeedsNewSupport(t *testing.T) {
	passage := "Officials said the talks were useful. The call lasted an hour, officials said."
	cur := passageSentences(passage)[0]
	// The other sentence holds the question's words but adds nothing of
	// the claim the current quote lacks ("officials", "said"): keep it.
	got := answeringQuote(contentTerms("How long did the call last?"), "Officials said the talks were useful.", passage, cur)
	if got != cur {
		t.Errorf("quote moved to %q", passage[got.Start:got.End])
	}
}
