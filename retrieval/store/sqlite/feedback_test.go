package sqlite

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

func TestFeedbackRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := openTestStore(t, dir)
	if got, err := ix.RecentFeedback(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("fresh store feedback = %v, %v", got, err)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600))
	in := []store.Feedback{
		{Time: at, Scope: "g1", Place: "c1", UserHash: "h1", Question: "How long?", Answer: "About an hour [1].",
			Citations: []string{"austin-shoigu-call"}, Vote: 1},
		{Time: at.Add(time.Minute), Scope: "g1", Place: "c2", UserHash: "h2", Question: "Q2 \"quoted\" 😀",
			Answer: "A2", Vote: -1},
	}
	for _, f := range in {
		if err := ix.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.AddFeedback(ctx, store.Feedback{Question: "no time", Vote: 1}); err != nil {
		t.Fatal(err)
	}
	// Feedback survives a reopen.
	ix.Close()
	ix = openTestStore(t, dir)
	got, err := ix.RecentFeedback(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("RecentFeedback(2) returned %d", len(got))
	}
	if got[0].Question != "no time" || got[0].Time.IsZero() || time.Since(got[0].Time) > time.Hour {
		t.Errorf("newest = %+v, want the one stamped now", got[0])
	}
	f := got[1]
	want := in[1]
	if !f.Time.Equal(want.Time) || f.Scope != want.Scope || f.Place != want.Place || f.UserHash != want.UserHash ||
		f.Question != want.Question || f.Answer != want.Answer || f.Vote != want.Vote || len(f.Citations) != 0 || f.Citations == nil {
		t.Errorf("round trip = %+v, want %+v", f, want)
	}
	all, err := ix.RecentFeedback(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("RecentFeedback(0) = %d, %v", len(all), err)
	}
	if c := all[2].Citations; len(c) != 1 || c[0] != "austin-shoigu-call" || !all[2].Time.Equal(at) {
		t.Errorf("oldest = %+v", all[2])
	}
}

func openTestStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
