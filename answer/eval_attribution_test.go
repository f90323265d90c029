package answer

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// attributionLines are hand-written claims in AttributionBench's format:
// two supported (one paraphrased, one with a "[1]" marker), two not (a
// wrong number, a passage on the same subject that lacks the detail).
const attributionLines = `{"id": "a1", "src_dataset": "News", "question": "How long did the call last?", "claim": "The call between Austin and Shoigu lasted about an hour.", "references": ["Lloyd Austin spoke with Sergei Shoigu on Friday. The call between the two leaders lasted about an hour."], "attribution_label": "attributable"}
{"id": "a2", "src_dataset": "News", "question": "Why does sourdough rise slowly?", "claim": "Sourdough rises slowly because wild yeast ferments the dough overnight [1].", "references": ["[1] Sourdough bread rises slowly because wild yeast ferments the dough overnight."], "attribution_label": "attributable"}

{"id": "a3", "src_dataset": "Science", "question": "How often does the Moon orbit the Earth?", "claim": "The Moon orbits the Earth once every 45 days.", "references": ["The Moon orbits the Earth about once every 27 days."], "attribution_label": "not attributable"}
{"id": "a4", "src_dataset": "Science", "question": "What causes tides?", "claim": "Tides are strongest in February because of volcanic heat under the seabed.", "references": ["Tides are caused mainly by the gravitational pull of the Moon on the oceans."], "attribution_label": "not attributable"}
`

func TestEvaluateAttribution(t *testing.T) {
	var calls []int
	rep, err := EvaluateAttribution(context.Background(), LexicalVerifier{}, strings.NewReader(attributionLines),
		func(done, total int) { calls = append(calls, done*10+total) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 4 || rep.Accuracy != 1 || rep.MacroF1 != 1 || rep.Confusion.TP != 2 || rep.Confusion.TN != 2 {
		t.Errorf("report %+v, want all four right", rep)
	}
	if s := rep.BySource["Science"]; s.N != 2 || s.Accuracy != 1 {
		t.Errorf("by source %+v", rep.BySource)
	}
	if len(calls) != 4 || calls[3] != 44 {
		t.Errorf("progress calls %v", calls)
	}
	// VerifierOff keeps every citation: right on the attributable half
	// only.
	off, err := EvaluateAttribution(context.Background(), VerifierOff, strings.NewReader(attributionLines), nil)
	if err != nil {
		t.Fatal(err)
	}
	if off.Confusion.TP != 2 || off.Confusion.FP != 2 || off.F1NotAttributable != 0 {
		t.Errorf("off: %+v", off)
	}
	// The report marshals with the field names the CLI prints.
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"n":4`, `"accuracy"`, `"macro_f1"`, `"f1_attributable"`, `"f1_not_attributable"`,
		`"confusion":{"tp":2,"fp":0,"tn":2,"fn":0}`, `"by_source":{"News":{"n":2,"macro_f1"`, `"p50_ms"`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("JSON %s lacks %s", data, k)
		}
	}
}

func TestEvaluateAttributionMalformed(t *testing.T) {
	for _, tc := range []struct{ input, want string }{
		{attributionLines + "{not json\n", "line 6"},
		{`{"id": "x", "claim": "A claim.", "references": [], "attribution_label": "attributable"}`, `line 1: no "references"`},
		{"\n" + `{"id": "x", "claim": "A claim.", "references": ["A."], "attribution_label": "maybe"}`, "line 2"},
	} {
		_, err := EvaluateAttribution(context.Background(), LexicalVerifier{}, strings.NewReader(tc.input), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %q", err, tc.want)
		}
	}
}

// TestEvaluateAttributionDev runs the shipped lexical verifier on the
// AttributionBench dev claims, the product path whose macro-F1 the
// weights' comment reports. It is optional:
//
//	CITEBOT_ATTRIBUTION=../shared/attribution/dev.jsonl go test ./answer -run TestEvaluateAttributionDev -v
func TestEvaluateAttributionDev(t *testing.T) {
	path := os.Getenv("CITEBOT_ATTRIBUTION")
	if path == "" {
		t.Skip("set CITEBOT_ATTRIBUTION to AttributionBench-format JSON lines to run the evaluation")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := EvaluateAttribution(context.Background(), LexicalVerifier{}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("%s", data)
}
