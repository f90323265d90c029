package answer

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
	articlefile "github.com/citebot/citebot/retrieval/article"
)

// digestNow is the clock of the digest tests: the test library's last
// week is 7 to 14 March 2026.
var digestNow = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)

// digestLibrary loads testdata/digest: 40 dated articles in 9 stories
// (8 in the last week, one only older), several publishers each; a
// file's story is its name up to the last "-" (strike-3 → strike). The
// items under feeds/wire/ are what the poller of feed "wire" saved.
func digestLibrary(t testing.TB) []retrieval.Article {
	t.Helper()
	as, err := articlefile.LoadDir(filepath.Join("testdata", "digest"), articlefile.LoadOptions{}, func(p string, err error) {
		t.Fatalf("load %s: %v", p, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 40 {
		t.Fatalf("test library has %d articles, want 40", len(as))
	}
	return as
}

// storyLabel is the story an article of the test library belongs to.
func storyLabel(id string) string {
	if i := strings.LastIndex(id, "-"); i > 0 {
		return id[:i]
	}
	return id
}

// adjustedRand is the adjusted Rand index of a clustering against the
// true labels of the same items: 1 for identical partitions, about 0 for
// a random one (Hubert and Arabie, 1985).
func adjustedRand(truth, got []string) float64 {
	choose2 := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	type pair struct{ a, b string }
	cells := map[pair]int{}
	rows, cols := map[string]int{}, map[string]int{}
	for i := range truth {
		cells[pair{truth[i], got[i]}]++
		rows[truth[i]]++
		cols[got[i]]++
	}
	var index, a, b float64
	for _, n := range cells {
		index += choose2(n)
	}
	for _, n := range rows {
		a += choose2(n)
	}
	for _, n := range cols {
		b += choose2(n)
	}
	expected := a * b / choose2(len(truth))
	max := (a + b) / 2
	if max == expected {
		return 1
	}
	return (index - expected) / (max - expected)
}

// digestARI scores a digest's stories against the test library's labels.
func digestARI(stories []Story) float64 {
	var truth, got []string
	for si, s := range stories {
		for _, id := range s.Articles {
			truth = append(truth, storyLabel(id))
			got = append(got, string(rune('A'+si)))
		}
	}
	return adjustedRand(truth, got)
}

func TestAdjustedRand(t *testing.T) {
	for _, c := range []struct {
		truth, got []string
		want       float64
	}{
		{[]string{"a", "a", "b", "b"}, []string{"x", "x", "y", "y"}, 1},
		{[]string{"a", "a", "b", "b"}, []string{"y", "y", "x", "x"}, 1},
		{[]string{"a", "a", "a", "b", "b", "b"}, []string{"x", "y", "z", "x", "y", "z"}, -4.0 / 11},
	} {
		if got := adjustedRand(c.truth, c.got); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("ARI(%v, %v) = %v, want %v", c.truth, c.got, got, c.want)
		}
	}
}
