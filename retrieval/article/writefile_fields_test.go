package article

import (
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestWriteArticleFileWithKeepsExtraLinesAndTheArticle(t *testing.T) {
	dir := t.TempDir()
	a := retrieval.Article{ID: "item-1", Title: "Item", Published: "2022-05-13T10:00:00Z", Body: "Body text."}
	path, err := WriteArticleFileWith(dir, a, []Field{{"feed", "https://example.com/feed.xml"}, {"published_from", "fetch time"}, {"empty", ""}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "feed: https://example.com/feed.xml\npublished_from: fetch time\n---") || strings.Contains(string(data), "empty:") {
		t.Fatalf("file:\n%s", data)
	}
	back, err := LoadFile(path, LoadOptions{})
	if err != nil || back.Title != "Item" || back.Published != a.Published || back.Body != a.Body {
		t.Fatalf("read back %+v, %v", back, err)
	}
	for _, bad := range []string{"title", "source", "no spaces", ""} {
		if _, err := WriteArticleFileWith(dir, a, []Field{{bad, "x"}}); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}
