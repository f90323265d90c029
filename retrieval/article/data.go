package article

import (
	"fmt"
	"path"
	"strings"

	"github.com/citebot/citebot/retrieval"
)

// ParseData parses an uploaded file (a Discord attachment) held in memory.
// name picks the parser by extension, as for files on disk, and gives the
// article ID: the base name without extension, reduced to lowercase
// letters, digits, '-' and '_', since an uploader chooses it freely.
func ParseData(name string, data []byte, opts LoadOptions) (retrieval.Article, error) {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	parse := loaderFor(base)
	if parse == nil {
		return retrieval.Article{}, fmt.Errorf("%s: unsupported file type %q (want .md, .markdown, .txt, .html, .htm or .pdf)", base, path.Ext(base))
	}
	if limit := opts.maxBytes(); int64(len(data)) > limit {
		return retrieval.Article{}, fmt.Errorf("%s: %w: %d bytes, the limit is %d", base, ErrArticleTooLarge, len(data), limit)
	}
	a, err := parse(uploadID(base), data, opts)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("%s: %w", base, err)
	}
	return a, nil
}

// uploadID makes a safe article ID from an uploaded file's name.
func uploadID(base string) string {
	stem := strings.TrimSuffix(base, path.Ext(base))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(stem) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	if b.Len() == 0 {
		return "upload"
	}
	return b.String()
}
