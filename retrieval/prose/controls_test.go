package prose

import "testing"

func TestStripControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain title":                  "plain title",
		"\x1b[2Jcleared":               "[2Jcleared",
		"\x1b]0;owned\x07title":        "]0;ownedtitle",
		"keep\nlines\tand tabs":        "keep\nlines\tand tabs",
		"c1 \u009b31m csi":             "c1 31m csi",
		"del\x7f and bell\a and \r cr": "del and bell and  cr",
		"bad \xff byte":                "bad \uFFFD byte",
	} {
		if got := StripControls(in); got != want {
			t.Errorf("StripControls(%q) = %q, want %q", in, got, want)
		}
	}
}
