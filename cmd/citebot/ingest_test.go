package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func articleIDs(t *testing.T, env map[string]string, extra ...string) []string {
	t.Helper()
	r := runCLI(t, env, append(extra, "articles", "--json")...)
	if r.code != 0 {
		t.Fatalf("articles: exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Articles []struct{ ID string } `json:"articles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("articles --json: %v\n%s", err, r.stdout)
	}
	var ids []string
	for _, a := range got.Articles {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestIngestFileAndURLAreSavedAndSearchable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Bridge closes for repairs</title></head><body><article>
<h1>Bridge closes for repairs</h1>
<p>The old river bridge will close for six weeks from March while engineers replace its corroded cables.</p>
<p>Ferries will run every twenty minutes during the closure, the city transport office said on Tuesday.</p>
<p>Residents asked for a footbridge, but the council said a temporary crossing would cost too much.</p>
</article></body></html>`)
	}))
	defer srv.Close()
	outside := filepath.Join(t.TempDir(), "festival.md")
	writeFile(t, outside, "# Lantern festival returns\nAuthor: K. Reporter\n\nThousands of lanterns lit the canal on Saturday as the festival returned after four years.\n")
	env := offlineEnv(t)
	env["CITEBOT_FETCH_ALLOW_HOSTS"] = strings.TrimPrefix(srv.URL, "http://") // the test server is on loopback
	r := runCLI(t, env, "ingest", outside, srv.URL+"/news/bridge-closes")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	saved, err := filepath.Glob(filepath.Join(env["CITEBOT_DATA_DIR"], "articles", "*.md"))
	if err != nil || len(saved) != 2 {
		t.Fatalf("saved files %v (%v), want 2", saved, err)
	}
	ids := strings.Join(articleIDs(t, env), ",")
	if !strings.Contains(ids, "festival") || !strings.Contains(ids, "austin-shoigu-call") || !strings.Contains(ids, "bridge") {
		t.Fatalf("indexed %s; want the seed, the file and the URL article", ids)
	}
	r = runCLI(t, env, "search", "-k", "1", "how often will ferries run during the bridge closure")
	if r.code != 0 || !strings.Contains(r.stdout, "twenty minutes") {
		t.Fatalf("URL article not searchable (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestIngestMissingPathAndBadScheme(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "ingest", filepath.Join(t.TempDir(), "missing.md"))
	if r.code != 1 || !strings.Contains(r.stderr, "missing.md") {
		t.Errorf("missing file: exit %d stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, env, "ingest", "ftp://example.com/article.txt")
	if r.code == 0 || !strings.Contains(r.stderr, "ftp://example.com/article.txt") {
		t.Errorf("ftp URL: exit %d stderr %q", r.code, r.stderr)
	}
}

// A password in an ingested URL is never stored, saved or shown.
func TestIngestURLDropsCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Harbour crane returns</title></head><body><article><h1>Harbour crane returns</h1>
<p>The harbour crane was repaired and lifts containers again from Monday, the port authority said.</p></article></body></html>`)
	}))
	defer srv.Close()
	env := offlineEnv(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	env["CITEBOT_FETCH_ALLOW_HOSTS"] = host
	r := runCLI(t, env, "ingest", "http://alice:s3cr3tpass@"+host+"/a.html")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	saved, _ := filepath.Glob(filepath.Join(env["CITEBOT_DATA_DIR"], "articles", "*.md"))
	for _, p := range saved {
		data, _ := os.ReadFile(p)
		if strings.Contains(string(data), "s3cr3tpass") || strings.Contains(string(data), "alice") {
			t.Errorf("%s keeps the credentials:\n%s", p, data)
		}
	}
	ask := runCLI(t, env, "ask", "When does the harbour crane lift containers again?")
	if strings.Contains(ask.stdout+ask.stderr+r.stdout+r.stderr, "s3cr3tpass") {
		t.Errorf("the password is shown:\n%s%s", r.stdout, ask.stdout)
	}
	if !strings.Contains(ask.stdout, host+"/a.html") {
		t.Errorf("Sources does not name the page:\n%s", ask.stdout)
	}
}

// Odd file names in a folder never stop the rest of it.
func TestIngestFolderWithOddNames(t *testing.T) {
	env := offlineEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, `a\b.md`), "# Backslash\n\nA file whose name has a backslash.\n")
	long := strings.Repeat("x", 251) + ".md" // 254 bytes
	writeFile(t, filepath.Join(dir, long), "# Long\n\nA file with a very long name.\n")
	writeFile(t, filepath.Join(dir, "z.md"), "# Zed\n\nThe last file, about zebras.\n")
	r := runCLI(t, env, "ingest", "--json", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct{ Added []string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !slices.Contains(got.Added, "z") || len(got.Added) < 2 {
		t.Errorf("added %v, want z and the odd names too", got.Added)
	}
}

// Only ingest changes how the store is built: other commands warn once and
// answer from the store as built; ingest re-embeds.
func TestOnlyIngestRebuildsTheStore(t *testing.T) {
	env := offlineEnv(t)
	if r := runCLI(t, env, "ingest"); r.code != 0 {
		t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
	}
	env["CITEBOT_CHUNK_TARGET"] = "300"
	r := runCLI(t, env, "search", "--json", "ceasefire")
	if r.code != 0 || strings.Count(r.stderr, "warning: the store was built with other") != 1 || !strings.Contains(r.stderr, "citebot ingest --reembed") {
		t.Fatalf("search with other chunking: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "ceasefire") {
		t.Errorf("search did not answer from the store as built:\n%s", r.stdout)
	}
	r = runCLI(t, env, "ingest", "--json")
	var got struct{ Updated []string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("ingest with new chunking: %v, exit %d: %s", err, r.code, r.stderr)
	}
	if len(got.Updated) == 0 {
		t.Errorf("ingest did not re-embed: %s", r.stdout)
	}
	if r := runCLI(t, env, "search", "ceasefire"); strings.Contains(r.stderr, "warning") {
		t.Errorf("still warns after the rebuild: %s", r.stderr)
	}
}
