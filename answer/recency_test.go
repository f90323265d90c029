package answer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

var recencyNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func recencyEngine(t *testing.T, arts ...retrieval.Article) *Engine {
	t.Helper()
	e, err := NewEngine(Config{Retriever: newSpyIndex(t, arts...), Now: func() time.Time { return recencyNow }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Items about the harbour crane dated across months, one undated, and a
// newer item about something else.
var craneItems = []retrieval.Article{
	{ID: "crane-may", Title: "Crane ordered", Published: "2026-05-04", Body: "The harbour crane was ordered from a shipyard in Gdansk for four million euros."},
	{ID: "crane-aug", Title: "Crane shipped", Published: "2026-08-17T08:00:00Z", Body: "The harbour crane left the shipyard in Gdansk on a barge bound for the port."},
	{ID: "crane-nov", Title: "Crane arrives", Published: "2026-11-20", Body: "The harbour crane arrived at the port and will lift its first containers in January."},
	{ID: "crane-undated", Title: "Crane history", Body: "The harbour crane harbour crane story began when the port authority asked for a new harbour crane."},
	{ID: "bakery", Title: "Bakery opens", Published: "2026-11-29", Body: "A bakery opened on the high street selling rye bread and pastries."},
}

func citedIDs(ans Answer) []string {
	var ids []string
	for _, c := range ans.Citations {
		ids = append(ids, c.Article.ID)
	}
	return ids
}

func TestAskLatestCitesTheNewestRelevantItem(t *testing.T) {
	e := recencyEngine(t, craneItems...)
	for _, q := range []string{"What is the latest on the harbour crane?", "What is the most recent news about the harbour crane?"} {
		ans, err := e.Ask(context.Background(), q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Refused {
			t.Fatalf("%q refused: %s", q, ans.Text)
		}
		if ids := citedIDs(ans); len(ids) == 0 || ids[0] != "crane-nov" || len(ids) != 1 {
			t.Errorf("%q cites %v, want crane-nov only", q, ids)
		}
		if !strings.HasPrefix(ans.Text, "As of 20 November 2026, ") {
			t.Errorf("%q: %q does not say the date", q, ans.Text)
		}
		if strings.Contains(ans.Text, "Note:") {
			t.Errorf("%q: a recent source got the stale note: %q", q, ans.Text)
		}
		for _, c := range ans.Claims {
			if c.Start < 0 || c.End > len(ans.Text) || c.Start > c.End {
				t.Errorf("claim offsets %d..%d outside the text", c.Start, c.End)
			}
		}
	}
}

func TestAskLatestNeverPicksAnUndatedArticle(t *testing.T) {
	e := recencyEngine(t, craneItems[0], craneItems[3])
	ans, err := e.Ask(context.Background(), "What is the latest on the harbour crane?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range citedIDs(ans) {
		if id == "crane-undated" {
			t.Errorf("the undated article was cited as the latest: %q", ans.Text)
		}
	}
	if !strings.HasPrefix(ans.Text, "As of 4 May 2026, ") {
		t.Errorf("answer %q does not date the newest dated item", ans.Text)
	}
	// Only undated articles: no date is claimed.
	e = recencyEngine(t, craneItems[3])
	ans, err = e.Ask(context.Background(), "What is the latest on the harbour crane?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(ans.Text, "As of") {
		t.Errorf("an undated article was dated: %q", ans.Text)
	}
}

func TestAskAboutThePresentFromOldArticlesSaysSo(t *testing.T) {
	old := retrieval.Article{ID: "old", Title: "Crane", Published: "2022-05-13", Body: "The harbour crane is operated by the port authority and lifts containers."}
	e := recencyEngine(t, old)
	for _, q := range []string{"Who currently operates the harbour crane?", "What is the latest on the harbour crane?"} {
		ans, err := e.Ask(context.Background(), q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(ans.Text, "\n\nNote: the newest source cited is from 13 May 2022.") {
			t.Errorf("%q: %q lacks the stale note", q, ans.Text)
		}
	}
	// A question not about the present gets no note.
	ans, _ := e.Ask(context.Background(), "Who operates the harbour crane?", nil, nil)
	if strings.Contains(ans.Text, "Note:") {
		t.Errorf("timeless question got the stale note: %q", ans.Text)
	}
	// StaleAfter < 0 turns it off.
	e2, _ := NewEngine(Config{Retriever: newSpyIndex(t, old), Now: func() time.Time { return recencyNow }, StaleAfter: -1})
	ans, _ = e2.Ask(context.Background(), "Who currently operates the harbour crane?", nil, nil)
	if strings.Contains(ans.Text, "Note:") {
		t.Errorf("StaleAfter -1 still noted: %q", ans.Text)
	}
}

func TestAskInsideAWindow(t *testing.T) {
	e := recencyEngine(t, craneItems...)
	ans, err := e.Ask(context.Background(), "What happened to the harbour crane since August?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ans.Text, "In articles since 1 August 2026: ") {
		t.Errorf("answer %q does not name the window", ans.Text)
	}
	since := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range ans.Passages {
		if d, ok := p.Article.PublishedTime(); !ok || d.Before(since) {
			t.Errorf("passage of %s (%q) is outside the window", p.Article.ID, p.Article.Published)
		}
	}
	if len(ans.Citations) == 0 {
		t.Errorf("no citations: %q", ans.Text)
	}
	// The view's window overrides the question's and applies to Search.
	w := e.Window(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	ans, err = w.Ask(context.Background(), "Where was the harbour crane ordered?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := citedIDs(ans); len(ids) != 1 || ids[0] != "crane-may" {
		t.Errorf("window view cites %v", ids)
	}
	if !strings.HasPrefix(ans.Text, "In articles from 1 May 2026 to 31 May 2026: ") {
		t.Errorf("window view answer %q", ans.Text)
	}
	ps, err := w.Search(context.Background(), "harbour crane", 5)
	if err != nil || len(ps) != 1 || ps[0].Article.ID != "crane-may" {
		t.Errorf("window view Search = %d passages, %v", len(ps), err)
	}
}
