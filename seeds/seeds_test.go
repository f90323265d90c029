package seeds_test

import (
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/seeds"
)

func TestEmbeddedSeedsLoad(t *testing.T) {
	var warnings []string
	list, err := article.LoadFS(seeds.FS, article.LoadOptions{}, func(path string, err error) {
		warnings = append(warnings, path+": "+err.Error())
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	var a retrieval.Article
	for _, x := range list {
		if x.ID == "austin-shoigu-call" {
			a = x
		}
	}
	if a.ID == "" {
		t.Fatalf("austin-shoigu-call not among %d embedded articles", len(list))
	}
	const title = "U.S. Defense Secretary Lloyd Austin Speaks With Russia Defense Minister for First Time Since Start of Ukraine War"
	if a.Title != title {
		t.Errorf("title = %q, want %q", a.Title, title)
	}
	if a.Author != "Mary Webber" || a.Publisher != "Latin Post" {
		t.Errorf("author, publisher = %q, %q; want Mary Webber, Latin Post", a.Author, a.Publisher)
	}
	if a.Published != "" || a.Source != "" {
		t.Errorf("published, source = %q, %q; the text states neither", a.Published, a.Source)
	}
	for _, want := range []string{
		"lasted about an hour",
		"\n\n## U.S. Defense Secretary Lloyd Austin Discussions With Russia\n\n",
		"\n\n## Russia-Ukraine War\n\n",
		"This article is owned by Latin Post.",
		"Written by: Mary Webber",
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.HasPrefix(a.Body, "---") || strings.Contains(a.Body, "publisher:") {
		t.Errorf("front matter leaked into the body: %.80q", a.Body)
	}
	if a.Hash == "" || a.Path != "" {
		t.Errorf("hash %q path %q: want a hash and no path for an embedded file", a.Hash, a.Path)
	}
}
