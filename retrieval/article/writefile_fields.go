package article

import (
	"fmt"

	"github.com/citebot/citebot/retrieval"
)

// Field is one more front matter line of an article file: a key the
// loaders do not read (feed, published_from) that tells a person where the
// file came from. Empty values are left out.
type Field struct{ Key, Value string }

// WriteArticleFileWith is WriteArticleFile with extra front matter lines
// after the article's own, in order. A key must be a plain front matter key
// (letters, digits, '_' or '-') that is not one of the article's fields, so
// that reading the file back gives the same article.
func WriteArticleFileWith(dir string, a retrieval.Article, extra []Field) (string, error) {
	for _, f := range extra {
		var probe retrieval.Article
		if !isKey(f.Key) || fieldFor(&probe, f.Key) != nil {
			return "", fmt.Errorf("write article %s: %q is not a free front matter key", a.ID, f.Key)
		}
	}
	return writeArticleFile(dir, a, extra)
}
