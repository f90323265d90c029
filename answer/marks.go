package answer

import (
	"fmt"
	"slices"
)

// Flagged reports whether a claim's verdict is one a reader must be warned
// about: the cited passages do not hold it, or it states a fact with no
// valid citation.
func (c Claim) Flagged() bool { return c.Verdict == Unsupported || c.Verdict == Uncited }

// MarkText returns the answer text with mark after every flagged claim, so
// each surface (terminal, Discord) warns at the very sentence. Marks go in
// from the end, so earlier offsets stay valid.
func MarkText(ans Answer, mark string) string {
	text := ans.Text
	claims := slices.Clone(ans.Claims)
	slices.SortFunc(claims, func(a, b Claim) int { return b.End - a.End })
	last := -1
	for _, c := range claims {
		if !c.Flagged() || c.End < 0 || c.End > len(text) || c.End == last {
			continue
		}
		last = c.End
		text = text[:c.End] + " " + mark + text[c.End:]
	}
	return text
}

// CheckedClaims counts the claims that state a fact and how many of them
// the verifier confirmed in the sources.
func CheckedClaims(ans Answer) (confirmed, checked int) {
	for _, c := range ans.Claims {
		switch c.Verdict {
		case Supported:
			confirmed++
			checked++
		case Unsupported, Uncited:
			checked++
		}
	}
	return confirmed, checked
}

// FlaggedNote is the one line under an answer with flagged claims, e.g.
// "⚠ 1 of 3 statements is not supported by the cited articles." ("" when
// nothing is flagged).
func FlaggedNote(ans Answer) string {
	confirmed, checked := CheckedClaims(ans)
	bad := checked - confirmed
	if bad == 0 {
		return ""
	}
	verb := "is"
	if bad > 1 {
		verb = "are"
	}
	noun := "statements"
	if checked == 1 {
		noun = "statement"
	}
	return fmt.Sprintf("⚠ %d of %d %s %s not supported by the cited articles.", bad, checked, noun, verb)
}
