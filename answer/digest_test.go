package answer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// digestEngine is an offline engine over the test library (plus extra
// articles) with the digest tests' clock.
func digestEngine(t testing.TB, extra ...retrieval.Article) *Engine {
	t.Helper()
	ix := realRetriever(t, append(digestLibrary(t), extra...)...)
	eng, err := NewEngine(Config{Retriever: ix, Now: func() time.Time { return digestNow }})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// lastWeekRequest asks for the 7 days before digestNow.
func lastWeekRequest() DigestRequest {
	return DigestRequest{Since: digestNow.Add(-7 * 24 * time.Hour), Until: digestNow, MaxArticles: 40}
}

// checkDigestInvariants fails t unless every sentence of d is cited and
// supported, every article is cited once under one number, every cited
// article is of the window, and the stories tile the text.
func checkDigestInvariants(t *testing.T, d Digest) {
	t.Helper()
	if !d.Grounded {
		t.Errorf("digest not grounded:\n%s", d.Text)
	}
	for _, c := range d.Claims {
		if c.Verdict != Supported || len(c.Cited) == 0 {
			t.Errorf("claim %q: verdict %s, cites %v", c.Text, c.Verdict, c.Cited)
		}
	}
	seen := map[string]bool{}
	for i, c := range d.Citations {
		if c.N != i+1 {
			t.Errorf("citation %d is numbered %d", i+1, c.N)
		}
		if seen[c.Article.ID] {
			t.Errorf("article %s cited twice", c.Article.ID)
		}
		seen[c.Article.ID] = true
		at, ok := c.Article.PublishedTime()
		if !ok || at.Before(d.Since) || !at.Before(d.Until) {
			t.Errorf("cited %s (%s) is outside %s..%s", c.Article.ID, c.Article.Published, d.Since, d.Until)
		}
		if c.Quote == "" || !strings.Contains(c.Passage, c.Quote) {
			t.Errorf("citation %d: quote %q not in its paragraph %q", c.N, c.Quote, c.Passage)
		}
	}
	paras := strings.Split(d.Text, "\n\n")
	if len(paras) != len(d.Stories) {
		t.Fatalf("%d paragraphs for %d stories:\n%s", len(paras), len(d.Stories), d.Text)
	}
	for i, s := range d.Stories {
		if d.Text[s.Start:s.End] != paras[i] {
			t.Errorf("story %d spans %q, want %q", i, d.Text[s.Start:s.End], paras[i])
		}
	}
}

// The offline digest of the last week groups the test library into its 8
// stories, cites and supports every sentence, and cites no older article.
func TestDigestOfflineLastWeek(t *testing.T) {
	eng := digestEngine(t)
	var streamed strings.Builder
	d, err := eng.Digest(context.Background(), lastWeekRequest(), func(s string) { streamed.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	ari := digestARI(d.Stories)
	t.Logf("%d articles in %d stories, ARI %.3f; %d citations\n%s", d.Considered, len(d.Stories), ari, len(d.Citations), d.Text)
	if ari < 0.8 {
		t.Errorf("stories %v: ARI %.3f, want at least 0.8", d.Stories, ari)
	}
	if d.Considered != 33 || d.LeftOut != 0 || len(d.Stories) != 8 || d.StoriesLeftOut != 0 {
		t.Errorf("considered %d, left out %d, %d stories (%d left out); want 33, 0, 8, 0",
			d.Considered, d.LeftOut, len(d.Stories), d.StoriesLeftOut)
	}
	if !d.Extractive || d.Requests != 0 {
		t.Errorf("offline digest: extractive %v, %d requests", d.Extractive, d.Requests)
	}
	checkDigestInvariants(t, d)
	if streamed.String() != d.Text {
		t.Errorf("streamed %q, want the final text %q", streamed.String(), d.Text)
	}
	if got := len(d.Claims); got != 2*len(d.Stories) {
		t.Errorf("%d sentences for %d medium stories, want 2 each", got, len(d.Stories))
	}
	if s := d.Stories[0]; storyLabel(s.Articles[0]) != "strike" || len(s.Articles) != 5 {
		t.Errorf("first story %v, want the 5 strike articles", s.Articles)
	}
}

// The cap keeps the newest articles and says how many it left out;
// Length sets the sentences per story and the stories shown.
func TestDigestCapAndLength(t *testing.T) {
	eng := digestEngine(t)
	req := lastWeekRequest()
	req.MaxArticles, req.Length = 0, Short
	d, err := eng.Digest(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Considered != 33 || d.LeftOut != 33-DefaultDigestMaxArticles {
		t.Errorf("considered %d, left out %d; want 33, %d", d.Considered, d.LeftOut, 33-DefaultDigestMaxArticles)
	}
	if len(d.Stories) != 5 || d.StoriesLeftOut != 3 || len(d.Claims) != 5 {
		t.Errorf("short: %d stories (%d left out), %d sentences; want 5 (3), 5", len(d.Stories), d.StoriesLeftOut, len(d.Claims))
	}
	checkDigestInvariants(t, d)
	oldest := digestNow
	for _, s := range d.Stories {
		for _, id := range s.Articles {
			a, _ := eng.cfg.Retriever.Article(context.Background(), id)
			if at, _ := a.PublishedTime(); at.Before(oldest) {
				oldest = at
			}
		}
	}
	if want := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC); !oldest.After(want) {
		t.Errorf("the cap kept an article of %s; the oldest (8 March) should go first", oldest)
	}
	req.Length = Long
	d, err = eng.Digest(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Claims); n <= 2*len(d.Stories) {
		t.Errorf("long digest has %d sentences for %d stories, want more than 2 each", n, len(d.Stories))
	}
}

// A topic keeps the articles retrieval finds about it.
func TestDigestTopic(t *testing.T) {
	eng := digestEngine(t)
	for topic, want := range map[string]string{"Zipway data breach": "breach", "dengue vaccine": "vaccine", "port strike": "strike"} {
		req := lastWeekRequest()
		req.Topic = topic
		d, err := eng.Digest(context.Background(), req, nil)
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		checkDigestInvariants(t, d)
		for _, s := range d.Stories {
			for _, id := range s.Articles {
				if storyLabel(id) != want {
					t.Errorf("topic %q: story has %s", topic, id)
				}
			}
		}
		if len(d.Stories) != 1 || d.Considered < 4 {
			t.Errorf("topic %q: %d stories of %d articles, want 1 story of all %s articles", topic, len(d.Stories), d.Considered, want)
		}
	}
}

// A feed keeps only its items.
func TestDigestFeed(t *testing.T) {
	eng := digestEngine(t)
	req := lastWeekRequest()
	req.Feed = "wire"
	d, err := eng.Digest(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkDigestInvariants(t, d)
	got := map[string]bool{}
	for _, s := range d.Stories {
		for _, id := range s.Articles {
			got[id] = true
		}
	}
	if len(got) != 3 || !got["breach-3"] || !got["breach-4"] || !got["vaccine-4"] {
		t.Errorf("feed wire digest covers %v, want breach-3, breach-4, vaccine-4", got)
	}
	req.Feed = "nosuchfeed"
	if _, err := eng.Digest(context.Background(), req, nil); !errors.Is(err, ErrNoDigestArticles) {
		t.Errorf("unknown feed: error %v, want ErrNoDigestArticles", err)
	}
}

// A server's private article is in that server's digest only.
func TestDigestScope(t *testing.T) {
	private := retrieval.Article{ID: "lighthouse-1", Title: "Harbour lighthouse relit after restoration", Scope: retrieval.GuildScope("g1"),
		Published: "2026-03-13", Body: "The old harbour lighthouse at Kelby Point was relit on Friday after a two-year restoration paid for by local donations.\n\nVolunteers repainted the tower and replaced the lamp with a modern LED lantern."}
	eng := digestEngine(t, private)
	cites := func(e *Engine) bool {
		req := lastWeekRequest()
		req.Length = Long // 9 stories: medium would show 8
		d, err := e.Digest(context.Background(), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Stories {
			for _, id := range s.Articles {
				if id == private.ID {
					return true
				}
			}
		}
		return false
	}
	if cites(eng) {
		t.Error("the shared view's digest covers server g1's article")
	}
	if cites(eng.In(retrieval.GuildScope("g2"))) {
		t.Error("server g2's digest covers server g1's article")
	}
	if !cites(eng.In(retrieval.GuildScope("g1"))) {
		t.Error("server g1's digest leaves out its own article")
	}
}

// An empty window is one clear sentence.
func TestDigestEmptyWindow(t *testing.T) {
	eng := digestEngine(t)
	req := DigestRequest{Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 1, 8, 0, 0, 0, 0, time.UTC)}
	_, err := eng.Digest(context.Background(), req, nil)
	if !errors.Is(err, ErrNoDigestArticles) {
		t.Fatalf("error %v, want ErrNoDigestArticles", err)
	}
	if want := "No articles were published between 1 January 2025 and 8 January 2025."; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	req = DigestRequest{Topic: "volcano eruption"} // the last 24 hours by default
	_, err = eng.Digest(context.Background(), req, nil)
	if want := `No articles about "volcano eruption" were published between 13 March 2026 18:00 and 14 March 2026 18:00.`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := eng.Digest(context.Background(), DigestRequest{Length: "huge"}, nil); err == nil {
		t.Error("unknown length: no error")
	}
}

func TestFitShares(t *testing.T) {
	for _, c := range []struct {
		lens   []int
		budget int
		want   []int
	}{
		{[]int{100, 100}, 1000, []int{100, 100}},
		{[]int{100, 5000, 5000}, 1000, []int{100, 450, 450}},
		{[]int{3000, 3000}, 1000, []int{500, 500}},
	} {
		got := fitShares(c.lens, c.budget)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("fitShares(%v, %d) = %v, want %v", c.lens, c.budget, got, c.want)
				break
			}
		}
	}
}

// A library without a single dated article says why a digest of it is
// empty, and what to do.
func TestDigestOfUndatedLibrarySaysWhy(t *testing.T) {
	ix := realRetriever(t,
		retrieval.Article{ID: "one", Title: "One", Body: "The harbour reopened after the storm."},
		retrieval.Article{ID: "two", Title: "Two", Body: "The ferries sailed again at noon."})
	eng, err := NewEngine(Config{Retriever: ix, Now: func() time.Time { return digestNow }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.Digest(context.Background(), DigestRequest{}, nil)
	if !errors.Is(err, ErrNoDigestArticles) || !strings.Contains(err.Error(), "none of the library's 2 articles has a date") ||
		!strings.Contains(err.Error(), "published:") {
		t.Errorf("error %v, want one saying the articles are undated", err)
	}
}
