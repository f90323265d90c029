package answer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// verdictString sums up parsed verdicts as "1:true:2:quote 2:false:0:".
func verdictString(vs map[int]modelVerdict) string {
	var out []string
	for n, v := range vs {
		out = append(out, fmt.Sprintf("%d:%v:%d:%s", n, v.Supported.V, v.Passage.N, v.Quote))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestParseVerdicts(t *testing.T) {
	for _, tc := range []struct{ name, reply, want string }{
		{"plain", `{"verdicts": [{"claim": 1, "supported": true, "passage": 2, "quote": "q"}, {"claim": 2, "supported": false, "passage": 0, "quote": ""}]}`,
			"1:true:2:q 2:false:0:"},
		{"fenced", "```json\n{\"verdicts\": [{\"claim\": 1, \"supported\": true, \"passage\": 1, \"quote\": \"q\"}]}\n```", "1:true:1:q"},
		{"prose around", "Here are my verdicts {as asked}:\n{\"verdicts\": [{\"claim\": 1, \"supported\": false}]}\nHope this helps!", "1:false:0:"},
		{"strings", `{"verdicts": [{"claim": "2", "supported": "Yes", "passage": "[3]", "quote": "q"}, {"claim": "claim 1", "supported": "no", "passage": null}]}`,
			"1:false:0: 2:true:3:q"},
		{"numbers", `{"verdicts": [{"claim": 1.0, "supported": 1}, {"claim": 2, "supported": 0}]}`, "1:true:0: 2:false:0:"},
		{"bare array", `[{"claim": 1, "supported": "supported"}]`, "1:true:0:"},
		{"one verdict", `{"claim": 1, "supported": "unsupported"}`, "1:false:0:"},
		{"nested", `{"result": {"verdicts": [{"claim": 1, "supported": true}]}}`, "1:true:0:"},
		{"keys in capitals", `{"Verdicts": [{"Claim": 1, "Supported": true, "Passage": 1, "Quote": "q"}]}`, "1:true:1:q"},
		{"bad ones skipped", `{"verdicts": [{"claim": 1, "supported": "maybe"}, {"supported": true}, {"claim": 0, "supported": true}, {"claim": 2, "supported": true, "quote": 5}, {"claim": 3, "supported": true}]}`,
			"3:true:0:"},
		{"first wins", `{"verdicts": [{"claim": 1, "supported": false}, {"claim": 1, "supported": true}]}`, "1:false:0:"},
		{"one per line", "{\"claim\": 1, \"supported\": true}\n{\"claim\": 2, \"supported\": false}", "1:true:0: 2:false:0:"},
		{"cut at the token limit", `{"verdicts": [{"claim": 1, "supported": true}, {"claim": 2, "supported": false}, {"claim": 3, "supp`, "1:true:0: 2:false:0:"},
	} {
		vs, err := parseVerdicts(tc.reply)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := verdictString(vs); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, bad := range []string{
		"", "All claims are supported.", `{"verdicts": []}`, `{"answer": "yes"}`, `{"verdicts": [{"claim": 1}]}`, `[1, 2]`,
	} {
		if vs, err := parseVerdicts(bad); err == nil {
			t.Errorf("%q: verdicts %v, want an error", bad, verdictString(vs))
		}
	}
	if _, err := parseVerdicts(strings.Repeat("x", 500)); err == nil || len(err.Error()) > 200 {
		t.Errorf("a long unreadable reply: error %v; want one with the reply's start", err)
	}
}

func TestFindQuote(t *testing.T) {
	passage := "Defense Secretary Lloyd Austin spoke with Shoigu on Friday. The men didn’t agree on “the terms”,  officials said. Austin urged a ceasefire."
	for _, tc := range []struct{ quote, want string }{
		{"spoke with Shoigu", "Defense Secretary Lloyd Austin spoke with Shoigu on Friday."},
		{`"Austin urged a ceasefire."`, "Austin urged a ceasefire."},
		{"the men DIDN'T agree on \"the terms\", officials", "The men didn’t agree on “the terms”,  officials said."},
		{"on Friday. The men", "Defense Secretary Lloyd Austin spoke with Shoigu on Friday. The men didn’t agree on “the terms”,  officials said."},
		{"Austin urged a ceasefire...", "Austin urged a ceasefire."},
	} {
		q, ok := findQuote(passage, tc.quote)
		if !ok || passage[q.Start:q.End] != tc.want {
			t.Errorf("findQuote(%q) = %q, %v; want %q", tc.quote, passage[q.Start:q.End], ok, tc.want)
		}
	}
	for _, quote := range []string{"", "   ", "Austin demanded peace", "the", "ceasefire in Ukraine", "(.*)"} {
		if q, ok := findQuote(passage, quote); ok {
			t.Errorf("findQuote(%q) found %q", quote, passage[q.Start:q.End])
		}
	}
}

// A claim citing two passages: the model's "yes" stands on the one it
// names, the other keeps the offline verdict.
func TestModelJudgmentsSeveralCitations(t *testing.T) {
	ps := callPassages()
	passages := []string{ps[0].Chunk.Text, ps[1].Chunk.Text, ps[2].Chunk.Text}
	st := Statement{Text: "Austin urged an immediate ceasefire.", Sentence: "Austin urged an immediate ceasefire.", Cited: []int{2, 0}}
	offline, err := LexicalVerifier{}.Verify(context.Background(), "", []Statement{st}, passages)
	if err != nil {
		t.Fatal(err)
	}
	if offline[0][0].Supported || !offline[0][1].Supported {
		t.Fatalf("offline %+v; the test needs the Moon unsupported, the call supported", offline[0])
	}
	// The model names passage 3 (the Moon) and quotes the call: the quote
	// is not in the Moon passage, so the lexical quote of it is kept.
	js := modelJudgments(modelVerdict{Supported: looseBool{true, true}, Passage: looseInt{3}, Quote: "urged an immediate ceasefire"}, st, passages, offline[0])
	if !js[0].Supported || js[0].Score != 1 || js[0].Quote != offline[0][0].Quote || js[1] != offline[0][1] {
		t.Errorf("named passage: %+v", js)
	}
	// No passage named: the one holding the quote.
	js = modelJudgments(modelVerdict{Supported: looseBool{true, true}, Quote: "urged an immediate ceasefire"}, st, passages, offline[0])
	if js[0] != offline[0][0] || !js[1].Supported || passages[0][js[1].Quote.Start:js[1].Quote.End] != "Austin urged an immediate ceasefire." {
		t.Errorf("quoted passage: %+v", js)
	}
	// Rejected: unsupported by both, whatever the offline check said.
	js = modelJudgments(modelVerdict{Supported: looseBool{false, true}}, st, passages, offline[0])
	if js[0].Supported || js[1].Supported || js[1].Score != 0 {
		t.Errorf("rejected: %+v", js)
	}
}
