package feeds

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

func TestRSSItemsBecomeDatedArticles(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/rss.xml", &route{body: rssFeed, etag: `"r1"`})
	fs.set("/articles/austin.html", page("Austin Speaks With Shoigu", "The call lasted about an hour, a Pentagon official said."))
	r := newRig(t, fs, 0)
	f := r.add(t, fs.url("/rss.xml"), "")
	res := r.poll(t, f.ID)
	o := outcome(t, res, f.ID)
	if o.Status != NewItems || o.Added != 3 || !res.Changed() {
		t.Fatalf("first poll: %+v", o)
	}
	if h := fs.sent("/rss.xml"); !strings.HasPrefix(h.Get("User-Agent"), "citebot") {
		t.Errorf("User-Agent %q does not name citebot", h.Get("User-Agent"))
	}
	arts := r.articles(t, f)
	if len(arts) != 3 {
		t.Fatalf("articles %v: want 3 (the duplicate GUID counts once)", keys(arts))
	}
	austin := arts["Austin speaks with Shoigu & urges ceasefire"]
	if austin.ID == "" || austin.Author != "Mary Webber" || austin.Publisher != "Latin Post" ||
		austin.Published != "2022-05-13T10:00:00Z" || austin.Source != fs.url("/articles/austin.html") ||
		!strings.Contains(austin.Body, "lasted about an hour") {
		t.Errorf("summary-only item with a relative link: want the linked page's text, got %+v", austin)
	}
	bakery := arts["Bakery opens on Main Street"]
	if !strings.Contains(bakery.Body, "A new bakery opened") || !strings.Contains(bakery.Body, "Summary only: citebot could not fetch the full article at "+fs.url("/articles/missing.html")) {
		t.Errorf("item whose page is gone keeps its summary and says so: %q", bakery.Body)
	}
	council := arts["Council approves the budget"]
	if !strings.Contains(council.Body, "voted 7 to 2") || !strings.Contains(council.Body, "new bus lines") || strings.Contains(council.Body, "<p>") {
		t.Errorf("full content becomes the body as text: %q", council.Body)
	}
	if council.Published != "2022-05-13T12:00:00Z" { // no date in the item or the feed: the fetch time
		t.Errorf("undated item published %q, want the fetch time", council.Published)
	}
	file, _ := os.ReadFile(council.Path)
	if !strings.Contains(string(file), "published_from: fetch time") || !strings.Contains(string(file), "feed: "+fs.url("/rss.xml")) {
		t.Errorf("the file does not say where its date came from:\n%s", file)
	}
	if got := r.feed(t, f.ID); got.Title != "Latin Post" || got.Items != 3 || got.ETag != `"r1"` || got.Failures != 0 {
		t.Errorf("stored feed %+v", got)
	}

	// The second poll sends the validators and costs one request.
	r.clock.advance(15 * time.Minute)
	before, _ := fs.count("/articles/austin.html")
	o = outcome(t, r.poll(t), f.ID)
	if o.Status != NotModified || fs.sent("/rss.xml").Get("If-None-Match") != `"r1"` {
		t.Fatalf("second poll %+v, sent %v", o, fs.sent("/rss.xml"))
	}
	if after, _ := fs.count("/articles/austin.html"); after != before {
		t.Error("a 304 fetched item pages again")
	}
	// A full download of the same document writes nothing.
	fs.set("/rss.xml", &route{body: rssFeed, etag: `"r2"`})
	r.clock.advance(15 * time.Minute)
	if o = outcome(t, r.poll(t), f.ID); o.Status != Unchanged || o.Added+o.Updated != 0 {
		t.Fatalf("same items again: %+v", o)
	}
}

func TestAtomItemUpdatedInPlaceReplacesItsArticle(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/atom", &route{body: atomFeed("2"), contentType: "application/atom+xml"})
	r := newRig(t, fs, 0)
	f := r.add(t, fs.url("/atom"), "")
	if o := outcome(t, r.poll(t, f.ID), f.ID); o.Added != 2 {
		t.Fatalf("first poll %+v", o)
	}
	arts := r.articles(t, f)
	ferry, light := arts["Ferry timetable changes"], arts["Lighthouse repainted"]
	if ferry.Published != "2022-05-12T09:00:00Z" || ferry.Author != "Ann Quay" || ferry.Publisher != "Harbour Gazette" || !strings.Contains(ferry.Body, "at 2 o'clock") {
		t.Errorf("ferry %+v", ferry)
	}
	if light.Published != "2022-05-12T08:00:00Z" || light.Body != "The lighthouse was repainted red and white." {
		t.Errorf("an undated entry takes the feed's date: %+v", light)
	}
	fs.set("/atom", &route{body: atomFeed("4"), contentType: "application/atom+xml"})
	r.clock.advance(15 * time.Minute)
	o := outcome(t, r.poll(t), f.ID)
	if o.Status != NewItems || o.Added != 0 || o.Updated != 1 {
		t.Fatalf("updated entry: %+v", o)
	}
	again := r.articles(t, f)
	if len(again) != 2 || again["Ferry timetable changes"].ID != ferry.ID || !strings.Contains(again["Ferry timetable changes"].Body, "at 4 o'clock") ||
		again["Ferry timetable changes"].Published != "2022-05-14T09:00:00Z" {
		t.Errorf("the update must replace the article under the same ID: %+v", again["Ferry timetable changes"])
	}
}

func TestJSONFeedAndGuildScope(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/feed.json", &route{body: jsonFeed, contentType: "application/feed+json"})
	r := newRig(t, fs, 0)
	f := r.add(t, fs.url("/feed.json"), "1234")
	if o := outcome(t, r.poll(t, f.ID), f.ID); o.Added != 2 {
		t.Fatalf("poll %+v", o)
	}
	arts := r.articles(t, f)
	dam := arts["Dam inspection passes"]
	if dam.Published != "2022-05-11T07:30:00+02:00" || dam.Author != "Jo River" || dam.Body != "Inspectors found the dam sound.\n\nRepairs to the spillway start in June." {
		t.Errorf("dam %+v", dam)
	}
	if m := arts["Market day moves"]; !strings.Contains(m.Body, "Market day moves to Saturday.") || !strings.Contains(m.Body, "no link to the full article") {
		t.Errorf("summary-only item without a link: %q", m.Body)
	}
	if !strings.Contains(dam.Path, "/servers/1234/articles/feeds/"+f.ID+"/") {
		t.Errorf("a server's feed writes into that server's folder: %s", dam.Path)
	}
	if _, _, err := r.p.Add(context.Background(), fs.url("/x"), "not-a-server", 0); err == nil {
		t.Error("a scope that is not a server ID was accepted")
	}
}

func TestRedirectMovesTheFeed(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/old.xml", &route{redirect: "/new.xml"})
	fs.set("/new.xml", &route{body: versionedRSS(1), etag: `"n1"`})
	r := newRig(t, fs, 0)
	f := r.add(t, fs.url("/old.xml"), "")
	if o := outcome(t, r.poll(t, f.ID), f.ID); o.Status != NewItems || o.Feed.URL != fs.url("/new.xml") {
		t.Fatalf("301: %+v", o)
	}
	r.clock.advance(15 * time.Minute)
	r.poll(t)
	if old, _ := fs.count("/old.xml"); old != 1 {
		t.Errorf("the old URL was asked %d times; a permanent redirect moves the feed", old)
	}
	if got := r.feed(t, f.ID); got.URL != fs.url("/new.xml") || got.ID != f.ID {
		t.Errorf("stored %+v", got)
	}
}

func TestFailuresBackOffAndRecover(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/flaky", &route{body: versionedRSS(1), script: []int{500}})
	fs.set("/busy", &route{body: versionedRSS(1), script: []int{429}, retryAfter: "7200"})
	fs.set("/huge", &route{size: 50 << 20})
	fs.set("/broken", &route{body: "<rss><channel><title>Broken</title><item><title>x</ite"})
	fs.set("/html", &route{body: "<!DOCTYPE html><html><body><p>Not a feed.</p></body></html>", contentType: "text/html"})
	r := newRig(t, fs, 0)
	start := r.clock.Now()
	ids := map[string]string{}
	for _, p := range []string{"/flaky", "/busy", "/huge", "/broken", "/html"} {
		ids[p] = r.add(t, fs.url(p), "").ID
	}
	res := r.poll(t)
	for p, want := range map[string]string{
		"/flaky":  "server answered 500 Internal Server Error",
		"/busy":   "the server asked to slow down (429 Too Many Requests); waiting 2h0m0s as it said",
		"/huge":   "the response is larger than 10 MB",
		"/broken": "not an RSS, Atom or JSON feed",
		"/html":   "not an RSS, Atom or JSON feed",
	} {
		o := outcome(t, res, ids[p])
		got := r.feed(t, ids[p])
		if o.Status != Failed || got.Failures != 1 || !strings.Contains(got.LastError, want) || !got.LastSuccess.IsZero() {
			t.Errorf("%s: status %s, failures %d, error %q; want it to contain %q", p, o.Status, got.Failures, got.LastError, want)
		}
	}
	if o := outcome(t, res, ids["/broken"]); !errors.Is(o.Err, ErrNotFeed) {
		t.Errorf("invalid XML: %v, want ErrNotFeed", o.Err)
	}
	var refused *article.FetchRefused
	if o := outcome(t, res, ids["/huge"]); !errors.As(o.Err, &refused) {
		t.Errorf("50 MB feed: %v, want a refusal", o.Err)
	}
	if due := r.feed(t, ids["/flaky"]).NextDue; !due.Equal(start.Add(30 * time.Minute)) {
		t.Errorf("after one failure the feed waits twice its interval: due %v", due.Sub(start))
	}
	if due := r.feed(t, ids["/busy"]).NextDue; !due.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("Retry-After 7200 s: due %v", due.Sub(start))
	}
	r.clock.advance(30 * time.Minute)
	res = r.poll(t)
	if len(res.Feeds) != 4 { // all but busy are due again
		t.Errorf("polled %d feeds at +30m, want 4", len(res.Feeds))
	}
	if got := r.feed(t, ids["/flaky"]); got.Failures != 0 || got.LastError != "" || got.Items != 1 || !got.LastSuccess.Equal(r.clock.Now()) {
		t.Errorf("recovered feed %+v", got)
	}
	if got := r.feed(t, ids["/huge"]); got.Failures != 2 || !got.NextDue.Equal(r.clock.Now().Add(time.Hour)) {
		t.Errorf("second failure waits four intervals: failures %d, due in %v", got.Failures, got.NextDue.Sub(r.clock.Now()))
	}
	if backoff(15*time.Minute, 20) != MaxBackoff {
		t.Error("backoff is not capped")
	}
}

func TestRetentionPrunesOnlyFeedItemsAndTheyStayGone(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/rss", &route{body: versionedRSS(2)}) // items dated 13 May 2022
	r := newRig(t, fs, 48*time.Hour)
	f := r.add(t, fs.url("/rss"), "")
	r.poll(t, f.ID)
	hand := r.root + "/data/articles/hand-added.md"
	if err := os.WriteFile(hand, []byte("---\ntitle: Hand\npublished: 2000-01-01\n---\nOld but kept.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.clock.advance(72 * time.Hour)
	res := r.poll(t)
	if res.Pruned != 2 || len(r.articles(t, f)) != 0 {
		t.Fatalf("pruned %d, left %v", res.Pruned, keys(r.articles(t, f)))
	}
	if _, err := os.Stat(hand); err != nil {
		t.Errorf("a hand-added article was pruned: %v", err)
	}
	if got := r.feed(t, f.ID); got.Items != 0 {
		t.Errorf("items after pruning %d", got.Items)
	}
	r.clock.advance(time.Hour)
	if o := outcome(t, r.poll(t), f.ID); o.Added != 0 || len(r.articles(t, f)) != 0 {
		t.Errorf("pruned items came back: %+v", o)
	}
	// A new feed does not bring in items older than the retention.
	g := r.add(t, fs.url("/rss")+"?again", "")
	if o := outcome(t, r.poll(t, g.ID), g.ID); o.Added != 0 {
		t.Errorf("old items added: %+v", o)
	}
}

func TestRemoveDeletesTheItemsAndStopsPolling(t *testing.T) {
	fs := newFeedServer(t)
	fs.set("/rss", &route{body: versionedRSS(3)})
	r := newRig(t, fs, -1)
	f := r.add(t, fs.url("/rss"), "")
	r.poll(t, f.ID)
	if len(r.articles(t, f)) != 3 {
		t.Fatal("no items")
	}
	if _, err := r.p.Remove(context.Background(), fs.url("/rss"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.root + "/data/articles/feeds/" + f.ID); !os.IsNotExist(err) {
		t.Errorf("the feed's folder is still there: %v", err)
	}
	r.clock.advance(time.Hour)
	if res := r.poll(t); len(res.Feeds) != 0 {
		t.Errorf("a removed feed was polled: %+v", res)
	}
	if _, err := r.p.Remove(context.Background(), f.ID, ""); !errors.Is(err, store.ErrFeedNotFound) {
		t.Errorf("removing again: %v", err)
	}
}

func TestAddRefusesWhatItCannotPollPolitely(t *testing.T) {
	fs := newFeedServer(t)
	r := newRig(t, fs, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		url   string
		every time.Duration
	}{
		{"ftp://example.com/feed", 0},
		{"https://user:secret@example.com/feed", 0},
		{"https://example.com/feed", time.Minute},
	} {
		if _, _, err := r.p.Add(ctx, tc.url, "", tc.every); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("Add(%q, %v) = %v", tc.url, tc.every, err)
		}
	}
	f, added, err := r.p.Add(ctx, "https://Example.com/feed#top", "", 0)
	if err != nil || !added || f.URL != "https://example.com/feed" || f.Interval != DefaultInterval {
		t.Fatalf("Add = %+v, %v, %v", f, added, err)
	}
	if g, added, _ := r.p.Add(ctx, "https://example.com/feed", "", time.Hour); added || g.ID != f.ID || g.Interval != time.Hour {
		t.Errorf("adding again: %+v, %v", g, added)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
