package answer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// When is the time a question asks about, as ParseWhen reads it.
type When struct {
	// Since and Until bound the articles to search (Since inclusive, Until
	// exclusive); the zero time leaves a side open. Both zero: no window.
	Since, Until time.Time
	// Latest is set by "latest", "most recent", "newest": the answer
	// should come from the newest relevant article.
	Latest bool
	// Present is set when the question is about now ("latest", "today",
	// "now", "current", "this week"...): an answer only from old articles
	// says how old its newest source is.
	Present bool
	// Phrase is the expression found, as written ("" when none).
	Phrase string
	// Rest is the question without Phrase, for retrieval.
	Rest string
}

// Windowed reports whether w bounds the articles by date.
func (w When) Windowed() bool { return !w.Since.IsZero() || !w.Until.IsZero() }

var months = map[string]time.Month{
	"january": time.January, "february": time.February, "march": time.March, "april": time.April,
	"may": time.May, "june": time.June, "july": time.July, "august": time.August,
	"september": time.September, "october": time.October, "november": time.November, "december": time.December,
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April, "jun": time.June,
	"jul": time.July, "aug": time.August, "sep": time.September, "sept": time.September, "oct": time.October,
	"nov": time.November, "dec": time.December,
}

const monthRE = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`

// whenRules are tried in order; the first that matches wins. Each gets the
// submatches and now, and fills in w.
var whenRules = []struct {
	re *regexp.Regexp
	fn func(m []string, now time.Time, w *When) bool
}{
	{regexp.MustCompile(`\b(?:in\s+the\s+)?(?:last|past)\s+(\d{1,4}|a|an|one)\s+(hours?|days?|weeks?|months?|years?)\b`), func(m []string, now time.Time, w *When) bool {
		n := 1
		if v, err := strconv.Atoi(m[1]); err == nil {
			n = v
		}
		if n <= 0 {
			return false
		}
		switch strings.TrimSuffix(m[2], "s") {
		case "hour":
			w.Since = now.Add(-time.Duration(n) * time.Hour)
		case "day":
			w.Since = now.AddDate(0, 0, -n)
		case "week":
			w.Since = now.AddDate(0, 0, -7*n)
		case "month":
			w.Since = now.AddDate(0, -n, 0)
		case "year":
			w.Since = now.AddDate(-n, 0, 0)
		}
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\bsince\s+(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?` + monthRE + `(?:\s+(\d{1,2})(?:st|nd|rd|th)?)?(?:,?\s+(\d{4}))?\b`), func(m []string, now time.Time, w *When) bool {
		day := 1
		if m[1] != "" {
			day, _ = strconv.Atoi(m[1])
		} else if m[3] != "" {
			day, _ = strconv.Atoi(m[3])
		}
		mon := months[m[2]]
		year := now.Year()
		if m[4] != "" {
			year, _ = strconv.Atoi(m[4])
		}
		t := time.Date(year, mon, day, 0, 0, 0, 0, now.Location())
		if t.Month() != mon { // 31 February
			return false
		}
		if m[4] == "" && t.After(now) {
			t = t.AddDate(-1, 0, 0)
		}
		w.Since = t
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\bsince\s+(\d{4})\b`), func(m []string, now time.Time, w *When) bool {
		y, _ := strconv.Atoi(m[1])
		w.Since = time.Date(y, 1, 1, 0, 0, 0, 0, now.Location())
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\bin\s+` + monthRE + `,?\s+(\d{4})\b`), func(m []string, now time.Time, w *When) bool {
		y, _ := strconv.Atoi(m[2])
		w.Since = time.Date(y, months[m[1]], 1, 0, 0, 0, 0, now.Location())
		w.Until = w.Since.AddDate(0, 1, 0)
		return true
	}},
	{regexp.MustCompile(`\bin\s+((?:19|20)\d\d)\b`), func(m []string, now time.Time, w *When) bool {
		y, _ := strconv.Atoi(m[1])
		w.Since = time.Date(y, 1, 1, 0, 0, 0, 0, now.Location())
		w.Until = w.Since.AddDate(1, 0, 0)
		return true
	}},
	{regexp.MustCompile(`\b(?:so\s+far\s+)?this\s+year(?:\s+so\s+far)?\b`), func(m []string, now time.Time, w *When) bool {
		w.Since = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\b(?:so\s+far\s+)?this\s+month\b`), func(m []string, now time.Time, w *When) bool {
		w.Since = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\blast\s+month\b`), func(m []string, now time.Time, w *When) bool {
		w.Until = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
		w.Since = w.Until.AddDate(0, -1, 0)
		return true
	}},
	{regexp.MustCompile(`\bthis\s+week\b`), func(m []string, now time.Time, w *When) bool {
		w.Since = weekStart(now)
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\blast\s+week\b`), func(m []string, now time.Time, w *When) bool {
		w.Until = weekStart(now)
		w.Since = w.Until.AddDate(0, 0, -7)
		return true
	}},
	{regexp.MustCompile(`\btoday(?:'s)?\b`), func(m []string, now time.Time, w *When) bool {
		w.Since = dayStart(now)
		w.Present = true
		return true
	}},
	{regexp.MustCompile(`\byesterday(?:'s)?\b`), func(m []string, now time.Time, w *When) bool {
		w.Until = dayStart(now)
		w.Since = w.Until.AddDate(0, 0, -1)
		return true
	}},
	{regexp.MustCompile(`\b(?:the\s+)?(?:latest|most\s+recent|newest)\b`), func(m []string, now time.Time, w *When) bool {
		w.Latest, w.Present = true, true
		return true
	}},
}

// presentRE marks a question about now that sets no window.
var presentRE = regexp.MustCompile(`\b(?:now|currently|current|at the moment|right now|these days|recent|recently)\b`)

// ParseWhen finds the date expression of a question, relative to now:
// "latest", "today", "this week", "since 1 May", "in March 2023", "past 24
// hours"... It returns a window (When.Since/Until), whether the question
// wants the latest news, and the question without the expression. A
// question with none gives the zero window (Rest is the question).
func ParseWhen(question string, now time.Time) When {
	w := When{Rest: question}
	lower := strings.ToLower(question)
	for _, r := range whenRules {
		loc := r.re.FindStringSubmatchIndex(lower)
		if loc == nil {
			continue
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = lower[loc[2*i]:loc[2*i+1]]
			}
		}
		var got When
		if !r.fn(m, now, &got) {
			continue
		}
		got.Phrase = question[loc[0]:loc[1]]
		got.Rest = strings.Join(strings.Fields(question[:loc[0]]+" "+question[loc[1]:]), " ")
		if strings.Trim(got.Rest, " ?.!,") == "" {
			got.Rest = question
		}
		// "the latest ... this week" is both: the window from one rule
		// and the wish for the newest from the other.
		if !got.Latest && latestRE.MatchString(lower) {
			got.Latest = true
		}
		w = got
		break
	}
	if presentRE.MatchString(lower) {
		w.Present = true
	}
	return w
}

var latestRE = regexp.MustCompile(`\b(?:latest|most\s+recent|newest)\b`)

func dayStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// weekStart is the Monday that starts t's week.
func weekStart(t time.Time) time.Time {
	d := dayStart(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

var durationRE = regexp.MustCompile(`^(\d{1,5})\s*(h|d|w|m|y)$`)

// ParseSince reads a --since/--until value as a person types it: a date
// (2026-05-01) or a duration back from now (24h, 7d, 2w, 3m, 1y). "" is
// the zero time (open).
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if m := durationRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "h":
			return now.Add(-time.Duration(n) * time.Hour), nil
		case "d":
			return now.AddDate(0, 0, -n), nil
		case "w":
			return now.AddDate(0, 0, -7*n), nil
		case "m":
			return now.AddDate(0, -n, 0), nil
		case "y":
			return now.AddDate(-n, 0, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a date: use YYYY-MM-DD or a duration like 24h, 7d, 2w", s)
}
