package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// testPassages returns passages numbered 1..5: two from the Austin article
// (1 and 3), one each from three unrelated articles.
func testPassages() []retrieval.Passage {
	austin := retrieval.Article{ID: "austin", Title: "Austin speaks with Shoigu", Author: "Mary Webber"}
	body := "Lloyd Austin and Sergei Shoigu held their first talks since the war began. " +
		"Austin urged an immediate ceasefire in Ukraine.\n\n" +
		"The call between the two leaders on Friday lasted about an hour. The tone was professional."
	cut := strings.Index(body, "The call")
	mk := func(a retrieval.Article, text string, start int) retrieval.Passage {
		return retrieval.Passage{Article: a, Chunk: retrieval.Chunk{ArticleID: a.ID, Start: start, End: start + len(text), Text: text}}
	}
	bread := retrieval.Article{ID: "bread", Title: "Baking bread"}
	tides := retrieval.Article{ID: "tides", Title: "Tides"}
	moon := retrieval.Article{ID: "moon", Title: "The Moon"}
	return []retrieval.Passage{
		mk(austin, body[:cut-2], 0),
		mk(bread, "Sourdough bread rises slowly because wild yeast ferments the dough overnight.", 0),
		mk(austin, body[cut:], cut),
		mk(tides, "Tides are caused mainly by the gravitational pull of the Moon on the oceans.", 0),
		mk(moon, "The Moon orbits the Earth about once every 27 days.", 0),
	}
}

func check(text string) citeResult {
	return checkWith(text, citeOptions{})
}

// checkWith checks text against testPassages with opts.
func checkWith(text string, opts citeOptions) citeResult {
	res, err := checkCitations(context.Background(), text, passageSources(testPassages()), opts)
	if err != nil {
		panic(err) // the offline verifiers never fail
	}
	return res
}

func TestCheckCitationsDropsOutOfRange(t *testing.T) {
	res := check("Austin urged an immediate ceasefire in Ukraine [7]. The call lasted about an hour [3][0].")
	if strings.Contains(res.Text, "[7]") || strings.Contains(res.Text, "[0]") {
		t.Errorf("text keeps an out-of-range marker: %q", res.Text)
	}
	want := "Austin urged an immediate ceasefire in Ukraine. The call lasted about an hour [1]."
	if res.Text != want {
		t.Errorf("text = %q, want %q", res.Text, want)
	}
	if res.Invalid != 2 || len(res.Citations) != 1 || res.Citations[0].N != 1 || res.Citations[0].Article.ID != "austin" {
		t.Errorf("invalid %d citations %+v", res.Invalid, res.Citations)
	}
}

func TestCheckCitationsMergesAndRenumbers(t *testing.T) {
	res := check("Tides come from the Moon's pull on the oceans [4]. " +
		"Austin urged an immediate ceasefire [1]; the call lasted about an hour [3]. " +
		"The Moon orbits the Earth every 27 days [5][4].")
	want := "Tides come from the Moon's pull on the oceans [1]. " +
		"Austin urged an immediate ceasefire [2]; the call lasted about an hour [2]. " +
		"The Moon orbits the Earth every 27 days [3]."
	if res.Text != want {
		t.Errorf("text =\n%q, want\n%q", res.Text, want)
	}
	var ids []string
	for i, c := range res.Citations {
		if c.N != i+1 {
			t.Errorf("citation %d has N %d", i, c.N)
		}
		ids = append(ids, c.Article.ID)
	}
	if strings.Join(ids, ",") != "tides,austin,moon" {
		t.Errorf("citation order %v, want tides, austin, moon (first use; passages 1 and 3 merged)", ids)
	}
	// "[5][4]": passage 4 does not support the Moon's orbit, so only [5]
	// (renumbered 3) stays, and there is no duplicate marker.
	if res.Unsupported != 1 {
		t.Errorf("unsupported = %d, want 1", res.Unsupported)
	}
}

func TestCheckCitationsQuoteAndOffsets(t *testing.T) {
	ps := testPassages()
	res := check("The call lasted about an hour [3].")
	if len(res.Citations) != 1 {
		t.Fatalf("citations %+v", res.Citations)
	}
	c := res.Citations[0]
	if c.Quote != "The call between the two leaders on Friday lasted about an hour." {
		t.Errorf("quote = %q", c.Quote)
	}
	if c.Passage != ps[2].Chunk.Text || c.Article.Author != "Mary Webber" {
		t.Errorf("citation passage/article wrong: %+v", c)
	}
	// Offsets point into the article body.
	body := ps[0].Chunk.Text + "\n\n" + ps[2].Chunk.Text
	if body[c.Start:c.End] != c.Quote {
		t.Errorf("body[%d:%d] = %q, want the quote", c.Start, c.End, body[c.Start:c.End])
	}
}

func TestCheckCitationsUnsupportedMakesUngrounded(t *testing.T) {
	res := check("Austin urged an immediate ceasefire in Ukraine [2]. Bread needs flour [5].")
	if len(res.Citations) != 0 || res.Unsupported != 2 {
		t.Fatalf("citations %+v unsupported %d; want none kept", res.Citations, res.Unsupported)
	}
	if res.Text != "Austin urged an immediate ceasefire in Ukraine. Bread needs flour." {
		t.Errorf("text = %q", res.Text)
	}
}

func TestCheckCitationsMarkerPlacement(t *testing.T) {
	// A marker after the full stop, opening the next sentence, still
	// belongs to the sentence before it.
	res := check("Austin urged an immediate ceasefire in Ukraine. [1] The Moon orbits the Earth every 27 days. [5]")
	if len(res.Citations) != 2 || res.Unsupported != 0 {
		t.Fatalf("citations %+v unsupported %d", res.Citations, res.Unsupported)
	}
	// A clause judged on its own: the first clause is about tides, the
	// second about the Moon's orbit.
	res = check("Tides come from the Moon's pull on the oceans [4], and the Moon orbits the Earth every 27 days [5].")
	if len(res.Citations) != 2 {
		t.Errorf("clause citations %+v", res.Citations)
	}
	// No markers: nothing cited, text unchanged.
	res = check("Plain text.")
	if res.Text != "Plain text." || len(res.Citations) != 0 || res.Markers != 0 {
		t.Errorf("plain: %+v", res)
	}
}

func TestCheckCitationsNoThreshold(t *testing.T) {
	res := checkWith("Bread needs flour [5].", citeOptions{Verifier: VerifierOff})
	if len(res.Citations) != 1 || res.Text != "Bread needs flour [1]." {
		t.Errorf("with no threshold every valid citation stays: %+v", res)
	}
}

// FuzzCheckCitations feeds arbitrary model output through the citation
// check: it must not panic, every marker left in the text must name a
// citation, and every citation must quote its passage.
func FuzzCheckCitations(f *testing.F) {
	for _, s := range []string{
		"Austin urged an immediate ceasefire in Ukraine [1][7]. The call lasted about an hour [3, 9].",
		"[1] Leading marker. Tides [4], and the Moon [5].",
		"【2】[[3]][^4][1-5][Passage 2]",
		"no markers", "", "[", "[1", "。[1]。[2]",
	} {
		f.Add(s)
	}
	ps := testPassages()
	srcs := passageSources(ps)
	f.Fuzz(func(t *testing.T, text string) {
		res, err := checkCitations(context.Background(), text, srcs, citeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ParseCitations(res.Text) {
			for _, n := range m.Numbers {
				if n < 1 || n > len(res.Citations) {
					t.Fatalf("text %q keeps marker [%d] with %d citations (input %q)", res.Text, n, len(res.Citations), text)
				}
			}
		}
		for i, c := range res.Citations {
			if c.N != i+1 || !strings.Contains(c.Passage, c.Quote) || c.End < c.Start {
				t.Fatalf("bad citation %+v", c)
			}
		}
	})
}

func TestLocateClaims(t *testing.T) {
	text := "Austin urged an immediate ceasefire [1], and the call lasted about an hour [3][9]. Tides [0]."
	claims := locateClaims(text, 5)
	if len(claims) != 3 {
		t.Fatalf("claims %+v", claims)
	}
	span := func(s prose.Span) string { return strings.TrimSpace(text[s.Start:s.End]) }
	c := claims[1]
	if span(c.Marker) != "[3][9]" || len(c.Sources) != 1 || c.Sources[0] != 2 || c.Invalid != 1 {
		t.Errorf("second claim: marker %q sources %v invalid %d", span(c.Marker), c.Sources, c.Invalid)
	}
	if got := span(c.Clause); got != ", and the call lasted about an hour" {
		t.Errorf("clause %q", got)
	}
	if got := span(c.Sentence); !strings.HasPrefix(got, "Austin urged") || !strings.HasSuffix(got, "[9].") {
		t.Errorf("sentence %q", got)
	}
	if c := claims[2]; len(c.Sources) != 0 || c.Invalid != 1 {
		t.Errorf("third claim: %+v", c)
	}
}

// onlyVerifier supports exactly the citations of one source.
type onlyVerifier struct{ source int }

func (onlyVerifier) Name() string { return "only" }

func (v onlyVerifier) Verify(_ context.Context, _ string, claims []Statement, passages []string) ([][]Judgment, error) {
	out := make([][]Judgment, len(claims))
	for i, c := range claims {
		for _, s := range c.Cited {
			out[i] = append(out[i], Judgment{Supported: s == v.source, Score: 1, Quote: prose.Span{End: len(passages[s])}})
		}
	}
	return out, nil
}

// The verifier is the only judge of support: the rest of the pipeline
// renumbers and rewrites whatever it keeps.
func TestCheckCitationsUsesVerifier(t *testing.T) {
	ps := testPassages()
	res := checkWith("Bread needs flour [2]. Austin urged an immediate ceasefire [1][5].", citeOptions{Verifier: onlyVerifier{source: 4}})
	if want := "Bread needs flour. Austin urged an immediate ceasefire [1]."; res.Text != want {
		t.Errorf("text = %q, want %q", res.Text, want)
	}
	if res.Unsupported != 2 || len(res.Citations) != 1 || res.Citations[0].Article.ID != "moon" || res.Citations[0].Quote != ps[4].Chunk.Text {
		t.Errorf("unsupported %d citations %+v", res.Unsupported, res.Citations)
	}
}
