package sqlite

import (
	"context"
	"testing"

	"github.com/citebot/citebot/retrieval/store"
)

// A person's second vote on an answer replaces the first (and may carry a
// comment); votes without an answer ID all stay.
func TestFeedbackOneVotePerPersonPerAnswer(t *testing.T) {
	ctx := context.Background()
	ix := openTestStore(t, t.TempDir())
	for _, f := range []store.Feedback{
		{UserHash: "h1", AnswerID: "a1", Vote: 1},
		{UserHash: "h2", AnswerID: "a1", Vote: 1},
		{UserHash: "h1", AnswerID: "a1", Vote: -1, Comment: "wrong date"},
		{UserHash: "h1", Vote: 1},
		{UserHash: "h1", Vote: 1},
	} {
		if err := ix.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ix.RecentFeedback(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d votes, want 4: %+v", len(got), got)
	}
	if f := got[2]; f.UserHash != "h1" || f.AnswerID != "a1" || f.Vote != -1 || f.Comment != "wrong date" {
		t.Errorf("replaced vote = %+v", f)
	}
}
