package article

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/citebot/citebot/retrieval"
)

// WriteArticleFile writes a as dir/<ID>.md: "---" front matter with the
// non-empty metadata (the title always, the ID when there is none), then the
// body. ParseArticle reads the file back to the
// same article. The write is atomic: a temporary file in dir is written,
// synced and renamed over the target, so a crash leaves the old file or the
// new one, never half of it (articles are the source of truth; everything
// else is rebuilt from them). The temporary file's name starts with "." so
// loaders never pick it up.
func WriteArticleFile(dir string, a retrieval.Article) (path string, err error) {
	return writeArticleFile(dir, a, nil)
}

// writeArticleFile is WriteArticleFile with extra front matter lines.
func writeArticleFile(dir string, a retrieval.Article, extra []Field) (path string, err error) {
	if err := retrieval.ValidateID(a.ID); err != nil {
		return "", fmt.Errorf("write article: %w", err)
	}
	if strings.TrimSpace(a.Body) == "" {
		return "", fmt.Errorf("write article %s: %w", a.ID, ErrEmptyArticle)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	path = filepath.Join(dir, a.ID+".md")
	content := formatArticleFile(a, extra...)
	tmp, err := os.CreateTemp(dir, "."+a.ID+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(content); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	if err = tmp.Sync(); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	if err = tmp.Close(); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write article %s: %w", a.ID, err)
	}
	syncDir(dir) // make the rename itself durable
	return path, nil
}

// formatArticleFile renders the file WriteArticleFile writes.
func formatArticleFile(a retrieval.Article, extra ...Field) []byte {
	var b strings.Builder
	b.WriteString("---\n")
	fields := []Field{
		{"title", cmp.Or(strings.TrimSpace(a.Title), a.ID)}, {"source", a.Source}, {"publisher", a.Publisher},
		{"author", a.Author}, {"published", a.Published}, {"license", a.License}, {"origin", a.Origin},
	}
	for _, f := range append(fields, extra...) {
		if v := strings.TrimSpace(f.Value); v != "" {
			b.WriteString(f.Key + ": " + quoteValue(v) + "\n")
		}
	}
	b.WriteString("---\n\n")
	b.WriteString(strings.TrimSpace(a.Body))
	b.WriteString("\n")
	return []byte(b.String())
}

// syncDir fsyncs a directory where the platform allows it (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// quoteValue quotes a front matter value when reading it back plainly would
// change it (quotes, escapes, line breaks, a leading YAML indicator) or
// would not be valid YAML (": " inside, characters that are not printable).
// Go's double-quoted form is also a YAML double-quoted scalar.
func quoteValue(v string) string {
	if strings.ContainsAny(v, "\"'\\\n\r\t#") || strings.ContainsFunc(v, func(r rune) bool { return r != ' ' && !strconv.IsPrint(r) }) ||
		strings.ContainsAny(v[:1], "[]{}&*!|>%@`-?:,") || strings.HasSuffix(v, ":") || strings.Contains(v, ": ") {
		return strconv.Quote(v)
	}
	return v
}
