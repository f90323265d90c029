package answer

import (
	"testing"
	"time"
)

// lastWeek returns the test library's articles of the week before
// digestNow, dated.
func lastWeek(t *testing.T) []datedArticle {
	t.Helper()
	var out []datedArticle
	for _, a := range digestLibrary(t) {
		at, ok := a.PublishedTime()
		if ok && !at.Before(digestNow.Add(-7*24*time.Hour)) && at.Before(digestNow) {
			out = append(out, datedArticle{Article: a, at: at})
		}
	}
	return out
}

func groupARI(arts []datedArticle, groups []storyGroup) float64 {
	var truth, got []string
	for gi, g := range groups {
		for _, a := range g.articles {
			truth = append(truth, storyLabel(a.ID))
			got = append(got, string(rune('A'+gi)))
		}
	}
	return adjustedRand(truth, got)
}

// The grouping finds the test library's stories of the last week, with
// the library's own term rarity and without it; the log shows how the
// adjusted Rand index varies with the merge threshold.
func TestGroupStoriesMatchesLabels(t *testing.T) {
	arts := lastWeek(t)
	ix := realRetriever(t, digestLibrary(t)...)
	for _, c := range []struct {
		name   string
		rarity termRarer
	}{{"library rarity", ix}, {"local idf", nil}} {
		groups := groupStories(arts, c.rarity)
		ari := groupARI(arts, groups)
		t.Logf("%s: %d articles in %d stories, ARI %.3f", c.name, len(arts), len(groups), ari)
		if ari < 0.8 {
			for _, g := range groups {
				var ids []string
				for _, a := range g.articles {
					ids = append(ids, a.ID)
				}
				t.Logf("  %v", ids)
			}
			t.Errorf("%s: ARI %.3f, want at least 0.8", c.name, ari)
		}
	}
	vecs := articleVectors(arts, ix)
	sim := make([][]float64, len(arts))
	for i := range sim {
		sim[i] = make([]float64, len(arts))
		for j := range sim[i] {
			sim[i][j] = cosine(vecs[i], vecs[j])
		}
	}
	for _, th := range []float64{0.02, 0.05, 0.1, 0.15, 0.18, 0.2, 0.25, 0.3, 0.4, 0.5} {
		var truth, got []string
		for gi, g := range clusterAverage(sim, th) {
			for _, i := range g {
				truth = append(truth, storyLabel(arts[i].ID))
				got = append(got, string(rune('A'+gi)))
			}
		}
		t.Logf("threshold %.2f: ARI %.3f", th, adjustedRand(truth, got))
	}
}

// Stories with more articles come first; among equals, the newer.
func TestGroupStoriesOrder(t *testing.T) {
	groups := groupStories(lastWeek(t), nil)
	for i := 1; i < len(groups); i++ {
		a, b := groups[i-1], groups[i]
		if len(a.articles) < len(b.articles) || len(a.articles) == len(b.articles) && a.newest.Before(b.newest) {
			t.Errorf("story %d (%d articles, %s) before story %d (%d, %s)", i-1, len(a.articles), a.newest, i, len(b.articles), b.newest)
		}
	}
	if groups[0].articles[0].ID[:6] != "strike" {
		t.Errorf("first story is %s, want the strike (5 articles)", groups[0].articles[0].ID)
	}
}
