package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const cliFeed = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Harbour Gazette</title>
<item><title>Ferry &lt;em&gt;timetable&lt;/em&gt; changes</title><guid>ferry-1</guid>
<link>/ferry.html</link>
<pubDate>Fri, 13 May 2022 09:00:00 GMT</pubDate><author>ann@harbour.example (Ann Quay)</author>
<description>The ferry timetable changes on Monday.</description></item>
</channel></rss>`

// feedSite is a loopback publisher for the CLI tests: a feed with one
// item whose page holds the full story, and feeds that fail in the ways
// feeds list must explain.
func feedSite(t *testing.T) (*httptest.Server, *sync.Map) {
	t.Helper()
	var hits sync.Map
	count := func(p string) {
		n, _ := hits.LoadOrStore(p, new(int))
		*n.(*int)++
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		count(r.URL.Path)
		if r.Header.Get("If-None-Match") == `"1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(cliFeed))
	})
	mux.HandleFunc("/ferry.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><title>Ferry</title></head><body><article><h1>Ferry timetable changes</h1>
<p>From Monday the harbour ferry leaves every forty minutes instead of every half hour, the operator said.</p>
<p>The last crossing of the day moves to 22:40.</p></article></body></html>`))
	})
	mux.HandleFunc("/down.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	mux.HandleFunc("/busy.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>Just a page.</p></body></html>"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestFeedsCLI(t *testing.T) {
	srv, hits := feedSite(t)
	env := offlineEnv(t)
	env["CITEBOT_FETCH_ALLOW_HOSTS"] = srv.Listener.Addr().String()
	env["CITEBOT_FEED_KEEP"] = "3650d" // the test item is from 2022

	r := runCLI(t, env, "feeds", "add", srv.URL+"/feed.xml", "--every", "15m")
	if r.code != 0 || !strings.Contains(r.stdout, "following feed ") || !strings.Contains(r.stdout, "(shared, every 15m): 1 new, 0 updated articles") {
		t.Fatalf("feeds add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "ask", "How often does the harbour ferry leave from Monday?")
	if !strings.Contains(r.stdout, "Ferry timetable changes (Ann Quay, Harbour Gazette · 13 May 2022)") || !strings.Contains(r.stdout, "forty minutes") {
		t.Errorf("ask does not cite the feed item with its date:\n%s%s", r.stdout, r.stderr)
	}
	r = runCLI(t, env, "ask", "--json", "How often does the harbour ferry leave from Monday?")
	var ans struct {
		Citations []struct {
			Article map[string]any `json:"article"`
		} `json:"citations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ans); err != nil || len(ans.Citations) == 0 || ans.Citations[0].Article["published"] != "2022-05-13T09:00:00Z" {
		t.Errorf("ask --json: %v %+v", err, ans)
	}

	r = runCLI(t, env, "feeds", "poll")
	if r.code != 0 || !strings.Contains(r.stdout, "no feed is due") {
		t.Errorf("feeds poll right after add: %s%s", r.stdout, r.stderr)
	}
	if n, _ := hits.Load("/feed.xml"); *n.(*int) != 1 {
		t.Errorf("the feed was fetched %d times", *n.(*int))
	}

	r = runCLI(t, env, "feeds", "add", srv.URL+"/down.xml")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: the first poll failed (server answered 500 Internal Server Error)") {
		t.Errorf("a feed that is down for now stays followed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runCLI(t, env, "feeds", "add", srv.URL+"/busy.xml")
	r = runCLI(t, env, "feeds", "add", srv.URL+"/page.html")
	if r.code != 1 || !strings.Contains(r.stderr, "not following "+srv.URL+"/page.html: the download is not an RSS, Atom or JSON feed") {
		t.Errorf("an HTML page is not followed: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, env, "feeds", "add", srv.URL+"/feed.xml", "--every", "1m")
	if r.code != 2 || !strings.Contains(r.stderr, "at least 5m") {
		t.Errorf("--every 1m: exit %d %s", r.code, r.stderr)
	}

	r = runCLI(t, env, "feeds", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("feeds list:\n%s%s", r.stdout, r.stderr)
	}
	for i, want := range []string{
		srv.URL + "/feed.xml  shared  15m    1      20",
		srv.URL + "/down.xml  shared  30m    0      -",
		srv.URL + "/busy.xml  shared  30m    0      -",
	} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d %q does not contain %q", i+1, lines[i+1], want)
		}
	}
	if !strings.HasSuffix(lines[1], "0         -") || !strings.HasSuffix(lines[2], "1         server answered 500 Internal Server Error") ||
		!strings.HasSuffix(lines[3], "1         the server asked to slow down (429 Too Many Requests); waiting 1h0m0s as it said") {
		t.Errorf("feeds list errors:\n%s", r.stdout)
	}

	r = runCLI(t, env, "feeds", "list", "--json")
	var list struct {
		Feeds []feedJSON `json:"feeds"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Feeds) != 3 || list.Feeds[0].Items != 1 ||
		list.Feeds[0].Title != "Harbour Gazette" || list.Feeds[0].IntervalSeconds != 900 || list.Feeds[1].Failures != 1 {
		t.Fatalf("feeds list --json: %v\n%s", err, r.stdout)
	}
	id := list.Feeds[0].ID
	dir := filepath.Join(env["CITEBOT_DATA_DIR"], "articles", "feeds", id)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("items folder: %v", err)
	}

	r = runCLI(t, env, "feeds", "remove", id)
	if r.code != 0 || !strings.Contains(r.stdout, "removed feed "+id+" "+srv.URL+"/feed.xml (1 articles removed)") {
		t.Errorf("feeds remove: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the items folder is still there: %v", err)
	}
	if r = runCLI(t, env, "articles"); strings.Contains(r.stdout, "Ferry") {
		t.Errorf("the item is still listed:\n%s", r.stdout)
	}
	if r = runCLI(t, env, "feeds", "remove", srv.URL+"/nothing.xml"); r.code != 1 || !strings.Contains(r.stderr, "no such feed") {
		t.Errorf("removing an unknown feed: exit %d %s", r.code, r.stderr)
	}
}

func TestFeedsOfAServerStayInIt(t *testing.T) {
	srv, _ := feedSite(t)
	env := offlineEnv(t)
	env["CITEBOT_FETCH_ALLOW_HOSTS"] = srv.Listener.Addr().String()
	if r := runCLI(t, env, "feeds", "add", srv.URL+"/feed.xml"); !strings.Contains(r.stdout, "0 new, 0 updated articles (1 items older than CITEBOT_FEED_KEEP left out)") {
		t.Errorf("an item older than the retention: %s%s", r.stdout, r.stderr)
	}
	runCLI(t, env, "feeds", "remove", srv.URL+"/feed.xml")
	env["CITEBOT_FEED_KEEP"] = "off"
	if r := runCLI(t, env, "feeds", "add", "--guild", "42", srv.URL+"/feed.xml"); r.code != 0 || !strings.Contains(r.stdout, "(server 42, every 30m)") {
		t.Fatalf("feeds add --guild: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, "articles", "--guild", "42"); !strings.Contains(r.stdout, "Ferry timetable changes") {
		t.Errorf("the server's view lacks the item:\n%s", r.stdout)
	}
	if r := runCLI(t, env, "articles"); strings.Contains(r.stdout, "Ferry") {
		t.Errorf("the shared library shows a server's feed item:\n%s", r.stdout)
	}
	matches, _ := filepath.Glob(filepath.Join(env["CITEBOT_DATA_DIR"], "servers", "42", "articles", "feeds", "*", "*.md"))
	if len(matches) != 1 {
		t.Errorf("item files %v", matches)
	}
}

func TestFeedKeepSetting(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 90 * 24 * time.Hour, "7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "off": -1, "0": -1} {
		p := &parser{env: env{getenv: func(string) string { return v }, file: map[string]string{}}}
		if got := p.keep("CITEBOT_FEED_KEEP", 90*24*time.Hour); got != want || p.err != nil {
			t.Errorf("CITEBOT_FEED_KEEP=%q: %v, %v; want %v", v, got, p.err, want)
		}
	}
	env := offlineEnv(t)
	env["CITEBOT_FEED_KEEP"] = "soon"
	if r := runCLI(t, env, "feeds", "poll"); r.code != 2 || !strings.Contains(r.stderr, "CITEBOT_FEED_KEEP") {
		t.Errorf("a bad CITEBOT_FEED_KEEP: exit %d %s", r.code, r.stderr)
	}
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", time.Hour: "1h", 90 * time.Minute: "1h30m", 48 * time.Hour: "2d", 90 * time.Second: "1m30s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
