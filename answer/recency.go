package answer

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval"
)

// DefaultStaleAfter is the age past which the newest source of an answer
// about the present is pointed out (Config.StaleAfter).
const DefaultStaleAfter = 30 * 24 * time.Hour

// Window returns a view of the engine whose questions search only the
// articles published in since..until (since inclusive, until exclusive;
// a zero time leaves that side open; undated articles never match a
// bounded window). It overrides a date expression in the question.
func (e *Engine) Window(since, until time.Time) *Engine {
	v := *e
	v.since, v.until = since, until
	return &v
}

// now is the engine's clock.
func (e *Engine) now() time.Time {
	if e.cfg.Now != nil {
		return e.cfg.Now()
	}
	return time.Now()
}

// askWhen is the time a question asks about: its own date expression,
// with the view's window (see Window) in place of the question's when
// one is set.
func (e *Engine) askWhen(question string) When {
	w := ParseWhen(question, e.now())
	if !e.since.IsZero() || !e.until.IsZero() {
		w.Since, w.Until = e.since, e.until
	}
	return w
}

// latestPassages keeps, of the passages relevant to the question, those of
// the newest dated article (all of that day's articles): an undated
// article is never the latest. ok is false when no relevant passage is
// dated; the passages are then returned as they were.
func latestPassages(ps []retrieval.Passage, focus []string, floor float64) (out []retrieval.Passage, newest time.Time, ok bool) {
	if floor < 0 {
		floor = 0
	}
	relevant := func(p retrieval.Passage) bool {
		return len(focus) == 0 || evidenceTerms(focus, []retrieval.Passage{p}) >= floor
	}
	for _, p := range ps {
		if t, dated := p.Article.PublishedTime(); dated && relevant(p) && (!ok || dayStart(t).After(newest)) {
			newest, ok = dayStart(t), true
		}
	}
	if !ok {
		return ps, time.Time{}, false
	}
	for _, p := range ps {
		if t, dated := p.Article.PublishedTime(); dated && dayStart(t).Equal(newest) && relevant(p) {
			out = append(out, p)
		}
	}
	return out, newest, true
}

// windowPhrase names a window for the answer's opening words: "since 1
// May 2026", "from 1 March 2023 to 31 March 2023", "before 1 May 2026".
func windowPhrase(since, until time.Time) string {
	const layout = "2 January 2006"
	last := until
	if !until.IsZero() && until.Equal(dayStart(until)) {
		last = until.AddDate(0, 0, -1) // until is exclusive
	}
	switch {
	case !since.IsZero() && !until.IsZero():
		return "from " + since.Format(layout) + " to " + last.Format(layout)
	case !since.IsZero():
		return "since " + since.Format(layout)
	case !until.IsZero():
		return "up to " + last.Format(layout)
	}
	return ""
}

// openingDate opens an answer with the date it speaks from: "As of 3
// March 2026, " for the latest news, "In articles since 1 May 2026: " for
// a window.
func openingDate(w When, newest time.Time, latest bool) string {
	if latest {
		return "As of " + newest.Format("2 January 2006") + ", "
	}
	if w.Windowed() {
		return "In articles " + windowPhrase(w.Since, w.Until) + ": "
	}
	return ""
}

// prependText puts prefix before ans.Text and moves the claim offsets
// with it. After "As of …, " the answer's first word is lowercased when it
// is a common word ("The", "It"), never a name.
func prependText(ans *Answer, prefix string) {
	if prefix == "" || ans.Text == "" {
		return
	}
	text := ans.Text
	if strings.HasSuffix(prefix, ", ") {
		first, _, _ := strings.Cut(text, " ")
		switch first {
		case "The", "A", "An", "It", "There", "This", "These", "Those", "In", "On", "At", "According":
			r, size := utf8.DecodeRuneInString(text)
			text = string(unicode.ToLower(r)) + text[size:]
		}
	}
	ans.Text = prefix + text
	for i := range ans.Claims {
		ans.Claims[i].Start += len(prefix)
		ans.Claims[i].End += len(prefix)
	}
}

// staleNote is the line an answer about the present gets when every
// article it cites is older than staleAfter: "Note: the newest source
// cited is from 13 May 2022." "" when a cited article is recent, none is
// dated, or the check is off (staleAfter < 0).
func staleNote(cites []Citation, now time.Time, staleAfter time.Duration) string {
	if staleAfter < 0 || len(cites) == 0 {
		return ""
	}
	var newest time.Time
	var found bool
	for _, c := range cites {
		t, ok := c.Article.PublishedTime()
		if !ok {
			continue
		}
		if !found || t.After(newest) {
			newest, found = t, true
		}
	}
	if !found || now.Sub(newest) <= staleAfter {
		return ""
	}
	return "Note: the newest source cited is from " + newest.Format("2 January 2006") + "."
}

// dateAnswer adds what the question's time asks for to a finished answer:
// the opening date and, for a question about the present answered from
// old articles only, the stale note.
func (e *Engine) dateAnswer(ans *Answer, w When, newest time.Time, latest bool) {
	if ans.Refused {
		return
	}
	prependText(ans, openingDate(w, newest, latest))
	if !w.Present {
		return
	}
	if note := staleNote(ans.Citations, e.now(), e.cfg.StaleAfter); note != "" {
		ans.Text = strings.TrimRight(ans.Text, "\n ") + "\n\n" + note
	}
}
