package library

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

// origin names what a source is, for messages and for telling sources
// apart (Source in reports, the ID suffix of a name clash).
type origin struct {
	kind  string // "seeds", "articles", "server", "folder"
	dir   string // "" for the built-in seeds
	fsys  fs.FS  // the built-in seeds
	scope retrieval.Scope
}

func (o origin) String() string {
	if o.dir == "" {
		return "the built-in seeds"
	}
	return o.dir
}

// serverIDPattern is what a Discord server ID looks like (a snowflake);
// anything else never becomes a directory name.
var serverIDPattern = regexp.MustCompile(`^[0-9]{1,20}$`)

// serverDir is where one server's saved articles live.
func (l *Library) serverDir(scope retrieval.Scope) (string, error) {
	if !serverIDPattern.MatchString(string(scope)) {
		return "", fmt.Errorf("%q is not a server ID", string(scope))
	}
	return filepath.Join(l.cfg.ServersDir, string(scope), "articles"), nil
}

// savedDir is where Add writes an article of scope.
func (l *Library) savedDir(scope retrieval.Scope) (string, error) {
	if scope.IsShared() {
		return l.cfg.ArticlesDir, nil
	}
	return l.serverDir(scope)
}

// origins lists the library's sources in the order their articles claim
// IDs: seeds, shared saved articles, each server's saved articles, then the
// registered folders oldest first.
func (l *Library) origins(ctx context.Context) ([]origin, error) {
	dir, fsys, err := l.seedsSource()
	if err != nil {
		return nil, err
	}
	var out []origin
	if dir != "" || fsys != nil {
		out = append(out, origin{kind: "seeds", dir: dir, fsys: fsys})
	}
	out = append(out, origin{kind: "articles", dir: l.cfg.ArticlesDir})
	if l.cfg.ServersDir != "" {
		entries, err := os.ReadDir(l.cfg.ServersDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", l.cfg.ServersDir, err)
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.IsDir() && serverIDPattern.MatchString(e.Name()) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, origin{kind: "server", dir: filepath.Join(l.cfg.ServersDir, n, "articles"), scope: retrieval.Scope(n)})
		}
	}
	srcs, err := l.store().Sources(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		if s.Kind == store.Folder {
			out = append(out, origin{kind: "folder", dir: s.Location, scope: retrieval.Scope(s.Scope)})
		}
	}
	return out, nil
}

// loadOrigin reads one source's articles, each in the source's scope. A
// source that is gone loads nothing: a registered folder that was deleted
// empties its part of the library (with a warning), the saved-articles
// folders may not exist yet.
func (l *Library) loadOrigin(o origin, warn func(string, error)) ([]retrieval.Article, error) {
	var list []retrieval.Article
	var err error
	switch {
	case o.fsys != nil:
		list, err = article.LoadFS(o.fsys, l.cfg.Load, warn)
		if err != nil {
			return nil, fmt.Errorf("load built-in seeds: %w", err)
		}
	default:
		list, err = article.LoadDir(o.dir, l.cfg.Load, warn)
		if errors.Is(err, fs.ErrNotExist) {
			if o.kind == "folder" || o.kind == "seeds" {
				warn(o.dir, errors.New("the folder is gone; its articles leave the library"))
			}
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	for i := range list {
		list[i].Scope = o.scope
	}
	return list, nil
}

// Renamed is an article whose natural ID another source already had: it
// was given an ID of its own, stable across syncs.
type Renamed struct {
	Path string `json:"path"`
	ID   string `json:"id"`
}

// claimIDs gives every article a unique ID: the first source to use an
// ID keeps it; a later article with the same ID from a different file
// gets the ID plus a short hash of its path (or origin), so it never
// replaces the other and keeps the same ID on every sync.
func claimIDs(list []retrieval.Article, renamed *[]Renamed) []retrieval.Article {
	owner := make(map[string]string, len(list)) // ID → what claimed it
	out := list[:0]
	for _, a := range list {
		key := cmp.Or(a.Path, a.Origin, a.ID)
		if prev, taken := owner[a.ID]; taken && prev != key {
			a.ID = distinctID(a.ID, key, owner)
			*renamed = append(*renamed, Renamed{Path: key, ID: a.ID})
		}
		owner[a.ID] = key
		out = append(out, a)
	}
	return out
}

// distinctID derives an ID for key that owner does not hold yet: the ID
// plus the first hex digits of key's SHA-256 (more digits only if those
// clash too).
func distinctID(id, key string, owner map[string]string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	for n := 8; n < len(h); n += 4 {
		cand := id + "-" + h[:n]
		if prev, taken := owner[cand]; !taken || prev == key {
			return cand
		}
	}
	return id + "-" + h
}
