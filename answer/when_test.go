package answer

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	// Tuesday 1 December 2026, 10:30 UTC.
	now := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	var open time.Time
	for _, tc := range []struct {
		q              string
		since, until   time.Time
		latest, presnt bool
		rest           string
	}{
		{q: "What is the latest on the harbour?", latest: true, presnt: true, rest: "What is on the harbour?"},
		{q: "most recent news about Mars", latest: true, presnt: true, rest: "news about Mars"},
		{q: "Newest article on fusion", latest: true, presnt: true},
		{q: "What happened today?", since: d(2026, 12, 1), presnt: true},
		{q: "What happened yesterday?", since: d(2026, 11, 30), until: d(2026, 12, 1)},
		{q: "floods this week", since: d(2026, 11, 30), presnt: true},
		{q: "floods last week", since: d(2026, 11, 23), until: d(2026, 11, 30)},
		{q: "prices this month", since: d(2026, 12, 1), presnt: true},
		{q: "prices last month", since: d(2026, 11, 1), until: d(2026, 12, 1)},
		{q: "rates so far this year", since: d(2026, 1, 1), presnt: true, rest: "rates"},
		{q: "rates this year", since: d(2026, 1, 1), presnt: true},
		{q: "strikes since May", since: d(2026, 5, 1), presnt: true, rest: "strikes"},
		{q: "strikes since 1 May", since: d(2026, 5, 1), presnt: true},
		{q: "strikes since May 12", since: d(2026, 5, 12), presnt: true},
		{q: "strikes since May 2024", since: d(2024, 5, 1), presnt: true},
		{q: "strikes since December", since: d(2026, 12, 1), presnt: true},
		{q: "what changed since 2020", since: d(2020, 1, 1), presnt: true},
		{q: "elections in 2022", since: d(2022, 1, 1), until: d(2023, 1, 1), rest: "elections"},
		{q: "elections in March 2023", since: d(2023, 3, 1), until: d(2023, 4, 1)},
		{q: "quakes in the last 3 days", since: d(2026, 11, 28).Add(10*time.Hour + 30*time.Minute), presnt: true, rest: "quakes"},
		{q: "quakes in the past 24 hours", since: now.Add(-24 * time.Hour), presnt: true},
		{q: "the latest this week on quakes", since: d(2026, 11, 30), latest: true, presnt: true},
		{q: "Who is the current mayor?", presnt: true},
		{q: "What did the mayor say about the harbour?", since: open},
		{q: "Who may run in the election?", since: open},
		{q: "strikes since 31 February", since: open},
	} {
		w := ParseWhen(tc.q, now)
		if !w.Since.Equal(tc.since) || !w.Until.Equal(tc.until) || w.Latest != tc.latest || w.Present != tc.presnt {
			t.Errorf("%q: since %v until %v latest %v present %v; want %v %v %v %v",
				tc.q, w.Since, w.Until, w.Latest, w.Present, tc.since, tc.until, tc.latest, tc.presnt)
		}
		if tc.rest != "" && w.Rest != tc.rest {
			t.Errorf("%q: rest %q, want %q", tc.q, w.Rest, tc.rest)
		}
		if w.Phrase == "" && w.Rest != tc.q {
			t.Errorf("%q: no phrase but rest %q", tc.q, w.Rest)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "", want: time.Time{}},
		{in: "2026-05-01", want: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "2w", want: now.AddDate(0, 0, -14)},
		{in: "yesterday", err: true},
		{in: "7", err: true},
	} {
		got, err := ParseSince(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}
