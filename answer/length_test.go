package answer

import (
	"strings"
	"testing"
)

func TestParseLength(t *testing.T) {
	for in, want := range map[string]Length{
		"": Medium, "short": Short, "Medium": Medium, " LONG ": Long,
	} {
		if got, err := ParseLength(in); err != nil || got != want {
			t.Errorf("ParseLength(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseLength("huge")
	if err == nil {
		t.Fatal(`ParseLength("huge"): no error`)
	}
	for _, s := range []string{`"huge"`, "short", "medium", "long"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
}
