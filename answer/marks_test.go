package answer

import "testing"

func TestMarkTextAndNote(t *testing.T) {
	text := "Austin urged a ceasefire. [1] The call lasted three days. Austin wore a red tie."
	ans := Answer{Text: text, Claims: []Claim{
		{Start: 0, End: 29, Verdict: Supported},
		{Start: 30, End: 57, Verdict: Uncited},
		{Start: 58, End: len(text), Verdict: Unsupported},
	}}
	got := MarkText(ans, "⚠")
	want := "Austin urged a ceasefire. [1] The call lasted three days. ⚠ Austin wore a red tie. ⚠"
	if got != want {
		t.Errorf("MarkText =\n%q\nwant\n%q", got, want)
	}
	if note := FlaggedNote(ans); note != "⚠ 2 of 3 statements are not supported by the cited articles." {
		t.Errorf("FlaggedNote = %q", note)
	}
	if c, n := CheckedClaims(ans); c != 1 || n != 3 {
		t.Errorf("CheckedClaims = %d, %d", c, n)
	}
	ans.Claims = ans.Claims[:1]
	if MarkText(ans, "⚠") != text || FlaggedNote(ans) != "" {
		t.Error("a fully supported answer got marks")
	}
	ans.Claims = []Claim{{Start: 0, End: 29, Verdict: Supported}, {Start: 30, End: 57, Verdict: Uncited}}
	if note := FlaggedNote(ans); note != "⚠ 1 of 2 statements is not supported by the cited articles." {
		t.Errorf("FlaggedNote = %q", note)
	}
}
