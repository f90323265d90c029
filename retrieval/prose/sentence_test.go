package prose

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func sentenceTexts(text string) []string {
	var out []string
	for _, s := range Sentences(text) {
		out = append(out, text[s.Start:s.End])
	}
	return out
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"white space", " \n\t ", nil},
		{"no punctuation", "  just words  ", []string{"just words"}},
		{"basic", "One two. Three four! Five six? Seven", []string{"One two.", "Three four!", "Five six?", "Seven"}},
		{"U.S.", "A U.S. official said so. The U.S. Defense Secretary spoke.", []string{"A U.S. official said so.", "The U.S. Defense Secretary spoke."}},
		{"U.S without final period", "Russia said the U.S initiated the call. CBS reported it.", []string{"Russia said the U.S initiated the call.", "CBS reported it."}},
		{"titles", "The head, Lt. Gen. Scott Berrier, spoke. Mr. Smith and Dr. Jones agreed.", []string{"The head, Lt. Gen. Scott Berrier, spoke.", "Mr. Smith and Dr. Jones agreed."}},
		{"initials", "John F. Kennedy and J. R. R. Tolkien met. Then nothing.", []string{"John F. Kennedy and J. R. R. Tolkien met.", "Then nothing."}},
		{"decimals", "It rose 3.5 percent to $1.25 billion. Then fell.", []string{"It rose 3.5 percent to $1.25 billion.", "Then fell."}},
		{"numbers end sentences", "It was founded in 1995. It grew.", []string{"It was founded in 1995.", "It grew."}},
		{"quote after period", `The tone was "professional." The official left.`, []string{`The tone was "professional."`, "The official left."}},
		{"curly quote and bracket", "He said “no.” (It was late.) Fine.", []string{"He said “no.”", "(It was late.)", "Fine."}},
		{"lowercase continues", `"Stop!" she said. e.g. this, i.e. that. Next.`, []string{`"Stop!" she said. e.g. this, i.e. that.`, "Next."}},
		{"e.g. before capital", "Cities, e.g. Paris, are big. Yes.", []string{"Cities, e.g. Paris, are big.", "Yes."}},
		{"ellipsis", "Wait... What? Really!? Yes…", []string{"Wait...", "What?", "Really!?", "Yes…"}},
		{"No. before number", "It was No. 1 in the U.K. charts. Then No. 2.", []string{"It was No. 1 in the U.K. charts.", "Then No. 2."}},
		{"URL and e-mail", "See example.com/a.b or a.b@c.de for more. Done.", []string{"See example.com/a.b or a.b@c.de for more.", "Done."}},
		{"paragraph break", "No period here\n\nNew paragraph", []string{"No period here", "New paragraph"}},
		{"paragraph break with spaces", "One\n  \t\nTwo", []string{"One", "Two"}},
		{"hard-wrapped prose", "The call between the two leaders on Friday\nlasted about an hour. Next.", []string{"The call between the two leaders on Friday\nlasted about an hour.", "Next."}},
		{"formula newline", "The molecule O\n2 is stable. Ozone is O\n3.", []string{"The molecule O\n2 is stable.", "Ozone is O\n3."}},
		{"numbered line in prose", "a gas stream that is 93% O\n2. Simultaneously, more.", []string{"a gas stream that is 93% O\n2.", "Simultaneously, more."}},
		{"markdown heading", "## Russia-Ukraine War\nKremlin warned.", []string{"## Russia-Ukraine War", "Kremlin warned."}},
		{"heading after text", "Last sentence without period\n# Next Section\nBody.", []string{"Last sentence without period", "# Next Section", "Body."}},
		{"title line", "The tone was professional.\nU.S. Defense Secretary Lloyd Austin Discussions With Russia\nRussia's Ministry said so.",
			[]string{"The tone was professional.", "U.S. Defense Secretary Lloyd Austin Discussions With Russia", "Russia's Ministry said so."}},
		{"title line first", "Russia-Ukraine War\nKremlin warned.", []string{"Russia-Ukraine War", "Kremlin warned."}},
		{"sentence-case line does not end", "The call took place as the\nDefense Department reviewed it.", []string{"The call took place as the\nDefense Department reviewed it."}},
		{"list", "Steps:\n- first step\n- second step\n1. one\n2. two", []string{"Steps:", "- first step", "- second step", "1. one", "2. two"}},
		{"CJK", "東京は大きい。大阪も大きい！本当？", []string{"東京は大きい。", "大阪も大きい！", "本当？"}},
		{"CRLF", "One.\r\nTwo.\r\n\r\nThree.", []string{"One.", "Two.", "Three."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sentenceTexts(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// checkSpans verifies the Sentences contract on text: spans in order,
// non-overlapping, inside text, trimmed, and covering every non-space byte.
func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	covered := make([]bool, len(text))
	prev := 0
	for _, s := range spans {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("bad span %v after %d in text of %d bytes", s, prev, len(text))
		}
		r, _ := utf8.DecodeRuneInString(text[s.Start:])
		l, _ := utf8.DecodeLastRuneInString(text[:s.End])
		if unicode.IsSpace(r) || unicode.IsSpace(l) {
			t.Fatalf("span %v %q not trimmed", s, text[s.Start:s.End])
		}
		for i := s.Start; i < s.End; i++ {
			covered[i] = true
		}
		prev = s.End
	}
	for i, r := range text {
		if !covered[i] && !unicode.IsSpace(r) {
			t.Fatalf("byte %d (%q) of %q is in no span", i, r, Shorten(text, 60))
		}
	}
}

func TestSentencesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		text := randomText(rng, rng.IntN(400))
		spans := Sentences(text)
		checkSpans(t, text, spans)
		if !slices.Equal(spans, Sentences(text)) {
			t.Fatal("not deterministic")
		}
	}
	for _, name := range []string{"013-oxygen.md", "017-amazon-rainforest.md"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		checkSpans(t, string(data), Sentences(string(data)))
	}
}

// randomText builds text from pieces that exercise the splitters: words,
// abbreviations, punctuation, quotes, headings, list items, line breaks,
// blank lines, multi-byte runes and long words.
func randomText(rng *rand.Rand, n int) string {
	pieces := []string{
		"word", "Word", "the", "U.S.", "Mr.", "Lt. Gen.", "3.5", "e.g.", "A.", "x", " ", " ", " ", ". ", "! ", "? ", "...", ".\" ",
		"”", "(", ")", "\n", "\n\n", "\n \n", "## Heading\n", "# H", "- item\n", "1. one\n", "\t", "\r\n", "é", "日本語", "。",
		"\u00a0", "\u2028", strings.Repeat("long", 30), strings.Repeat("é", 50), "Title Case Line\n", "\xff",
	}
	var b strings.Builder
	for range n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}
