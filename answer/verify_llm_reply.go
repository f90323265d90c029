package answer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The model verifier's reply is read tolerantly, since models (and servers
// that ignore response_format) wrap JSON in ```json fences or prose, write
// numbers as strings and booleans as "yes". Each verdict is read on its
// own: one malformed verdict costs its claim, not the whole reply.

// modelVerdict is one verdict of the reply.
type modelVerdict struct {
	Claim     looseInt  `json:"claim"`
	Supported looseBool `json:"supported"`
	Passage   looseInt  `json:"passage"`
	Quote     string    `json:"quote"`
}

// maxJSONStarts bounds how many "{" or "[" of a reply are tried as the
// start of its JSON.
const maxJSONStarts = 64

// parseVerdicts reads the verdicts of a reply by claim number: the first
// JSON value in it that is {"verdicts": [...]} or a bare array of
// verdicts, else the verdicts that stand alone. Verdicts without a claim number or a readable
// "supported" are skipped; the first verdict of a claim wins.
func parseVerdicts(reply string) (map[int]modelVerdict, error) {
	list, ok := findVerdictList(reply)
	if !ok {
		return nil, fmt.Errorf("the reply holds no JSON verdicts: %q", clipReply(reply))
	}
	out := make(map[int]modelVerdict, len(list))
	for _, raw := range list {
		var v modelVerdict
		if json.Unmarshal(raw, &v) != nil || v.Claim.N <= 0 || !v.Supported.Set {
			continue
		}
		if _, dup := out[v.Claim.N]; !dup {
			out[v.Claim.N] = v
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the reply's %d verdicts are unreadable: %q", len(list), clipReply(reply))
	}
	return out, nil
}

// findVerdictList finds the list of raw verdicts in reply: it tries each
// "{" or "[" in turn as the start of a JSON value, and returns the first
// list of verdicts. Failing one, it collects the verdict objects that
// stand alone: one verdict, one per line, or those complete before a
// reply cut at the token limit.
func findVerdictList(reply string) ([]json.RawMessage, bool) {
	var alone []json.RawMessage
	tries := 0
	for i := 0; i < len(reply) && tries < maxJSONStarts; i++ {
		if reply[i] != '{' && reply[i] != '[' {
			continue
		}
		tries++
		var raw json.RawMessage
		if json.NewDecoder(strings.NewReader(reply[i:])).Decode(&raw) != nil {
			continue
		}
		// A value of another shape may hold the verdicts further in
		// ({"result": {"verdicts": ...}}): the next start is tried.
		list, single := verdictList(raw)
		switch {
		case len(list) > 0:
			return list, true
		case single:
			alone = append(alone, raw)
			i += len(raw) - 1
		}
	}
	return alone, len(alone) > 0
}

// verdictList reads one JSON value as a list of verdicts, or reports that
// it is a single verdict.
func verdictList(raw json.RawMessage) (list []json.RawMessage, single bool) {
	if raw[0] == '[' {
		if json.Unmarshal(raw, &list) != nil {
			return nil, false
		}
		return list, false
	}
	var obj struct {
		Verdicts []json.RawMessage `json:"verdicts"`
		Claim    json.RawMessage   `json:"claim"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	return obj.Verdicts, len(obj.Verdicts) == 0 && obj.Claim != nil
}

// clipReply is the start of a reply, for error messages.
func clipReply(s string) string {
	const n = 120
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return cutAtRune(s, n) + "…"
}

// looseInt reads a number written as 2, 2.0, "2", "claim 2" or "[2]";
// null leaves it 0.
type looseInt struct{ N int }

func (n *looseInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var f float64
	if json.Unmarshal(b, &f) == nil {
		if f != float64(int(f)) {
			return fmt.Errorf("%s is not a whole number", b)
		}
		n.N = int(f)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s is neither a number nor a string", b)
	}
	digits := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if len(digits) == 0 {
		return nil // "none", "": no number
	}
	v, err := strconv.Atoi(digits[0])
	if err != nil {
		return fmt.Errorf("number %q: %w", s, err)
	}
	n.N = v
	return nil
}

// looseBool reads true, "yes", "supported" (and their opposites), 1 or 0;
// Set tells a verdict that has one from one that does not.
type looseBool struct{ V, Set bool }

var errNotBool = errors.New("not a yes or no")

func (v *looseBool) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	switch x := x.(type) {
	case nil:
		return nil
	case bool:
		v.V, v.Set = x, true
	case float64:
		if x != 0 && x != 1 {
			return errNotBool
		}
		v.V, v.Set = x == 1, true
	case string:
		switch strings.ToLower(strings.Trim(strings.TrimSpace(x), ".!")) {
		case "true", "yes", "y", "supported":
			v.V, v.Set = true, true
		case "false", "no", "n", "unsupported", "not supported":
			v.V, v.Set = false, true
		default:
			return errNotBool
		}
	default:
		return errNotBool
	}
	return nil
}
