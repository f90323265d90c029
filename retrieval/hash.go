package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// HashArticle returns the hex SHA-256 of an article's ID, metadata and body.
// Ingest compares it with the stored hash to skip unchanged articles, so it
// covers everything that reaches the index and nothing that does not (Path,
// Origin, Hash). Fields are length-prefixed so that moving text from one field to
// the next changes the hash.
func HashArticle(a Article) string {
	h := sha256.New()
	h.Write([]byte("citebot-article-v1\n"))
	for _, f := range []string{a.ID, a.Title, a.Source, a.Publisher, a.Author, a.Published, a.License, a.Body} {
		h.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	// The scope reaches the index (search filters on it). Shared articles
	// add nothing, so their hashes are what they were before scopes.
	if a.Scope != Shared {
		h.Write([]byte("\nscope:" + string(a.Scope)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
