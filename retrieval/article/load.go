package article

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// DefaultMaxArticleBytes caps the size of one article file or download. An
// article is prose; anything bigger is almost certainly not one, and reading
// it whole would only waste memory.
const DefaultMaxArticleBytes = 5 << 20

// Sentinel errors for articles that cannot be loaded. Loaders wrap them with
// the file or URL and a reason, so callers can test with errors.Is and still
// print one clear sentence.
var (
	// ErrEmptyArticle: nothing but a header (or nothing at all).
	ErrEmptyArticle = errors.New("article has no body text")
	// ErrBinaryArticle: NUL bytes or many control characters, e.g. an
	// image or a PDF saved with a text extension.
	ErrBinaryArticle = errors.New("article looks like a binary file, not text")
	// ErrInvalidUTF8: text in another encoding (Latin-1, UTF-16, ...).
	ErrInvalidUTF8 = errors.New("article is not valid UTF-8 text")
	// ErrArticleTooLarge: over LoadOptions.MaxBytes / FetchOptions.MaxBytes.
	ErrArticleTooLarge = errors.New("article is too large")
	// ErrFrontMatter: a --- (YAML) or +++ (TOML) block that is not closed
	// or does not parse; the message names the line.
	ErrFrontMatter = errors.New("malformed front matter")
)

// LoadOptions configures the loaders. The zero value is ready to use.
type LoadOptions struct {
	// MaxBytes is the largest article file accepted; 0 means
	// DefaultMaxArticleBytes.
	MaxBytes int64
	// ParseTimeout bounds extracting one HTML article; 0 means
	// DefaultParseTimeout.
	ParseTimeout time.Duration
}

func (o LoadOptions) parseTimeout() time.Duration {
	if o.ParseTimeout <= 0 {
		return DefaultParseTimeout
	}
	return o.ParseTimeout
}

func (o LoadOptions) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxArticleBytes
	}
	return o.MaxBytes
}

// loaderFor returns the parser for a file name by its extension, or nil when
// the extension is not one we load.
func loaderFor(name string) func(id string, data []byte, opts LoadOptions) (retrieval.Article, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt":
		return ParseArticle
	case ".pdf":
		return ParsePDF
	case ".html", ".htm":
		return func(id string, data []byte, opts LoadOptions) (retrieval.Article, error) {
			return ParseHTML(id, data, "", opts)
		}
	}
	return nil
}

// articleID is the file name without its extension.
func articleID(name string) string {
	base := path.Base(filepath.ToSlash(name))
	return strings.TrimSuffix(base, path.Ext(base))
}

// LoadFile loads one article file, choosing the parser by extension (.md,
// .markdown, .txt, .html, .htm, .pdf). The size is checked before the file is read,
// so a huge file costs nothing.
func LoadFile(path string, opts LoadOptions) (retrieval.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("load %s: %w", path, withoutPath(err))
	}
	defer f.Close()
	a, err := loadOpened(f, path, opts)
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("load %s: %w", path, withoutPath(err))
	}
	a.Path = path
	return a, nil
}

// loadOpened checks the type and size of an opened file, reads at most
// MaxBytes+1 bytes of it and parses it according to name's extension.
func loadOpened(f fs.File, name string, opts LoadOptions) (retrieval.Article, error) {
	parse := loaderFor(name)
	if parse == nil {
		return retrieval.Article{}, fmt.Errorf("unsupported file type %q (want .md, .markdown, .txt, .html, .htm or .pdf)", path.Ext(name))
	}
	info, err := f.Stat()
	if err != nil {
		return retrieval.Article{}, err
	}
	if !info.Mode().IsRegular() {
		return retrieval.Article{}, fmt.Errorf("not a regular file")
	}
	limit := opts.maxBytes()
	if info.Size() > limit {
		return retrieval.Article{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrArticleTooLarge, info.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return retrieval.Article{}, err
	}
	if int64(len(data)) > limit { // the file grew after Stat
		return retrieval.Article{}, fmt.Errorf("%w: more than %d bytes", ErrArticleTooLarge, limit)
	}
	return parse(articleID(name), data, opts)
}

// withoutPath drops the operation and path of an *fs.PathError, which would
// repeat the file name the caller's message already gives ("load x: open x:
// ..."). errors.Is still sees the cause (fs.ErrNotExist, fs.ErrPermission).
// Only a PathError at the top is unwrapped: deeper ones carry their own
// context.
func withoutPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// LoadDir loads every article file under dir (recursively), sorted by ID.
// README files, hidden files and directories and unsupported extensions are
// skipped silently; files that fail to load are reported to warn (which may
// be nil) and skipped, so one bad file never stops the rest. Two files with
// the same ID: the first in path order is kept, the other reported to warn.
// The error is non-nil only when dir itself cannot be read.
func LoadDir(dir string, opts LoadOptions, warn func(path string, err error)) ([]retrieval.Article, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, withoutPath(err))
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("load %s: not a directory", dir)
	}
	list, err := loadFS(os.DirFS(dir), opts, warn, func(p string) string {
		return filepath.Join(dir, filepath.FromSlash(p))
	}, true, dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return list, nil
}

// LoadFS is LoadDir over an fs.FS, e.g. the seed articles embedded in the
// binary (package seeds). Article.Path stays empty: there is no file on disk
// to point at; warn receives paths inside fsys. An error (fsys's root cannot
// be read) is the file system's own, without a prefix: only the caller
// knows what fsys is called.
func LoadFS(fsys fs.FS, opts LoadOptions, warn func(path string, err error)) ([]retrieval.Article, error) {
	return loadFS(fsys, opts, warn, func(p string) string { return p }, false, "")
}

func loadFS(fsys fs.FS, opts LoadOptions, warn func(string, error), display func(string) string, setPath bool, root string) ([]retrieval.Article, error) {
	if warn == nil {
		warn = func(string, error) {}
	}
	var list []retrieval.Article
	seen := make(map[string]string) // ID → display path of the file kept
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			warn(display(p), err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if p != "." && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || skipFile(name) {
			return nil
		}
		if root != "" && d.Type()&fs.ModeSymlink != 0 {
			if err := insideRoot(root, display(p)); err != nil {
				warn(display(p), err)
				return nil
			}
		}
		a, err := loadFSFile(fsys, p, opts)
		if err != nil {
			warn(display(p), withoutPath(err))
			return nil
		}
		if first, dup := seen[a.ID]; dup {
			warn(display(p), fmt.Errorf("duplicate article ID %q (already loaded from %s); skipped", a.ID, first))
			return nil
		}
		seen[a.ID] = display(p)
		if setPath {
			a.Path = display(p)
		}
		list = append(list, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

// skipFile reports whether a file in an article directory is not an article:
// an unsupported extension or a README (which describes the directory).
func skipFile(name string) bool {
	if loaderFor(name) == nil {
		return true
	}
	return strings.EqualFold(articleID(name), "README")
}

// ErrOutsideFolder is reported for a symlink in a folder that points
// outside it: following it would index any file the process can read
// (/etc/passwd) as if it were an article of the folder.
var ErrOutsideFolder = errors.New("the link points outside the folder; skipped")

// insideRoot checks that the symlink at path resolves to a file inside root.
func insideRoot(root, path string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(realRoot, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ErrOutsideFolder
	}
	return nil
}

func loadFSFile(fsys fs.FS, p string, opts LoadOptions) (retrieval.Article, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return retrieval.Article{}, err
	}
	defer f.Close()
	return loadOpened(f, p, opts)
}
