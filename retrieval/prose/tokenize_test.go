package prose

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ...  ", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"Austin's call lasted about an hour.", []string{"austin", "s", "call", "last", "about", "an", "hour"}},
		{"U.S. Defense Secretary", []string{"u", "s", "defens", "secretary"}},
		{"in 2023, 1990s prices", []string{"in", "2023", "1990", "pric"}},
		{"Straße ÉCOLE naïve", []string{"straß", "écol", "naïv"}},
		{"Москва столица", []string{"москва", "столица"}},
		{"was is this has", []string{"was", "is", "this", "has"}},
	} {
		if got := Tokenize(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestStemConflation checks that the forms of a word meet at one stem and
// that distinct short words are left alone.
func TestStemConflation(t *testing.T) {
	groups := [][]string{
		{"talk", "talks", "talked", "talking"},
		{"hope", "hopes", "hoped", "hoping"},
		{"stop", "stops", "stopped", "stopping"},
		{"study", "studies", "studied", "studying"},
		{"class", "classes"},
		{"agree", "agrees", "agreed", "agreeing"},
		{"make", "makes", "making"},
		{"urge", "urges", "urged", "urging"},
		{"ceasefire", "ceasefires"},
		{"quick", "quickly"},
		{"fall", "falls", "falling"},
		{"negotiate", "negotiates", "negotiated", "negotiating"},
	}
	for _, g := range groups {
		want := Tokenize(g[0])
		for _, w := range g[1:] {
			if got := Tokenize(w); !slices.Equal(got, want) {
				t.Errorf("%q → %q, but %q → %q", w, got, g[0], want)
			}
		}
	}
	for _, w := range []string{"was", "has", "bus", "news", "is", "us", "the", "analysis", "red", "need"} {
		got := Tokenize(w)
		if len(got) != 1 || len(got[0]) < 3 && got[0] != w {
			t.Errorf("Tokenize(%q) = %q", w, got)
		}
	}
	if slices.Equal(Tokenize("use"), Tokenize("us")) {
		t.Error(`"use" and "us" must not meet`)
	}
}

func TestTokenizeInvariants(t *testing.T) {
	inputs := []string{
		"Mixed CASE and ünïcödé, with 123 numbers; and ... punctuation!",
		"\xff\xfe invalid utf8 \xc3",
		strings.Repeat("word ", 1000),
		"tabs\tand\nnewlines\r\n",
	}
	for _, in := range inputs {
		for _, tok := range Tokenize(in) {
			if tok == "" || !utf8.ValidString(tok) || strings.ToLower(tok) != tok {
				t.Errorf("bad token %q from %q", tok, in)
			}
			if strings.ContainsAny(tok, " \t\n.,;!") {
				t.Errorf("token %q holds a separator", tok)
			}
		}
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add("The call lasted about an hour.")
	f.Add("ÉCOLE \xff studies")
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokenize(s)
		for _, tok := range toks {
			if tok == "" {
				t.Fatal("empty token")
			}
		}
		// Tokenizing is idempotent on its own output for words that
		// stemming no longer changes.
		again := Tokenize(strings.Join(toks, " "))
		if len(again) != len(toks) {
			t.Fatalf("re-tokenizing changed the count: %q → %q", toks, again)
		}
	})
}
