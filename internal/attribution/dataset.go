// Package attribution measures and fits citebot's offline citation check:
// is a claim supported by the passages it cites? It holds the one feature
// pipeline the product's lexical verifier uses (package answer scores
// claims with it), a reader for AttributionBench-style JSON lines, the
// metrics the project reports (accuracy, macro-F1, per-label F1,
// confusion, per source) and the logistic-regression fit that produced the
// verifier's weights, so that anyone can rerun the fit (see TestFit).
//
// It depends on nothing but retrieval/prose, so the answer engine can
// import it without pulling in the index or any client.
package attribution

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/citebot/citebot/retrieval/prose"
)

// Labels of AttributionBench.
const (
	LabelAttributable    = "attributable"
	LabelNotAttributable = "not attributable"
)

// Example is one labelled claim: part of a generated answer and the
// passages it cites.
type Example struct {
	ID         string   `json:"id"`
	Source     string   `json:"src_dataset"`
	Question   string   `json:"question"`
	Claim      string   `json:"claim"`
	References []string `json:"references"`
	Label      string   `json:"attribution_label"`
}

// Attributable reports whether people judged the claim supported.
func (e Example) Attributable() bool { return e.Label == LabelAttributable }

// Read reads JSON lines of examples. Blank lines are skipped; a line that
// is not a JSON object with a claim, at least one reference and a known
// label is an error naming its line number.
func Read(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var ex Example
		if err := json.Unmarshal([]byte(text), &ex); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON example: %w", line, err)
		}
		if err := ex.check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read examples: %w", err)
	}
	return out, nil
}

func (e Example) check() error {
	switch {
	case strings.TrimSpace(e.Claim) == "":
		return fmt.Errorf("no \"claim\"")
	case len(e.References) == 0:
		return fmt.Errorf("no \"references\"")
	case e.Label != LabelAttributable && e.Label != LabelNotAttributable:
		return fmt.Errorf("\"attribution_label\" is %q, want %q or %q", e.Label, LabelAttributable, LabelNotAttributable)
	}
	return nil
}

// benchMarker is how benchmark claims cite their references ("[3]").
var benchMarker = regexp.MustCompile(`\s*\[\d+\]`)

// enumerator matches a list item's number or letter standing alone: "1.",
// "4)", "b.".
var enumerator = regexp.MustCompile(`^\s*(?:\d{1,3}|[A-Za-z])[.)]\s*$`)

// Statements returns the sentences of the claim that say something, with
// its "[n]" markers removed: a claim is attributable when each of them is
// supported by some reference. A list item's number alone ("1." before
// "Choose a location") says nothing. A claim whose sentences all lack content
// words is one statement, the whole claim.
func (e Example) Statements() []string {
	claim := benchMarker.ReplaceAllString(e.Claim, "")
	var out []string
	for _, s := range prose.Sentences(claim) {
		if t := claim[s.Start:s.End]; HasContent(t) && !enumerator.MatchString(t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = append(out, strings.TrimSpace(claim))
	}
	return out
}
