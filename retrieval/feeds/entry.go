package feeds

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

// entry is one feed item read for writing: how it is keyed and
// fingerprinted, and its metadata as the article will carry it.
type entry struct {
	item        *gofeed.Item
	key         string
	fingerprint string
	title       string
	link        string // absolute http(s), or ""
	author      string
	publisher   string
}

// Where an article's date came from, written as published_from when it is
// not the item's own.
const (
	fromItem  = "item"
	fromFeed  = "feed"
	fromFetch = "fetch time"
)

// newEntry reads it; base resolves relative links (the feed's own URL).
func newEntry(it *gofeed.Item, doc *gofeed.Feed, base *url.URL) entry {
	e := entry{item: it, link: resolveLink(base, it.Link)}
	e.title = plainText(it.Title)
	e.publisher = cmp.Or(plainText(doc.Title), base.Hostname())
	e.author = authorOf(it)
	e.key = itemKey(it, e.link)
	e.fingerprint = hashHex(it.Title, e.link, it.Description, it.Content, it.Updated, it.Published)[:16]
	return e
}

// itemKey is how an item is told apart from the others of its feed: its
// GUID (or Atom id, JSON id), else its link, else a hash of its text.
func itemKey(it *gofeed.Item, link string) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		if len(g) > 200 {
			return "guid:" + hashHex(g)
		}
		return "guid:" + g
	}
	if link != "" {
		return "link:" + link
	}
	return "hash:" + hashHex(it.Title, it.Description, it.Content)[:16]
}

// needsPage reports whether the article's body has to come from the
// linked page: the feed carries no content of its own.
func (e entry) needsPage() bool {
	return strings.TrimSpace(e.item.Content) == "" && e.link != ""
}

// date is the article's publication date and where it came from: the
// item's, else the feed's, else when citebot first saw the item (kept
// across updates).
func (e entry) date(doc *gofeed.Feed, prev store.FeedItem, known bool, now time.Time) (time.Time, string) {
	for _, t := range []*time.Time{e.item.PublishedParsed, e.item.UpdatedParsed} {
		if t != nil && !t.IsZero() {
			return *t, fromItem
		}
	}
	for _, t := range []*time.Time{doc.PublishedParsed, doc.UpdatedParsed} {
		if t != nil && !t.IsZero() {
			return *t, fromFeed
		}
	}
	if known && !prev.Published.IsZero() {
		return prev.Published, fromFetch
	}
	return now, fromFetch
}

// authorOf names the item's authors.
func authorOf(it *gofeed.Item) string {
	var names []string
	for _, a := range it.Authors {
		if a != nil {
			if n := plainText(cmp.Or(a.Name, a.Email)); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 && it.Author != nil {
		names = append(names, plainText(cmp.Or(it.Author.Name, it.Author.Email)))
	}
	return strings.Join(names, ", ")
}

// resolveLink makes an item link absolute against the feed's URL; only
// http and https links are kept, without credentials.
func resolveLink(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return article.WithoutUserinfo(u.String())
}

// itemID is the article ID of a new item: a slug of its title (readable
// in `articles` and `forget`) and a hash of its feed and key (unique).
func itemID(feedID, key, title string) string {
	h := hashHex(feedID, key)[:8]
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			if b.Len() >= 60 {
				break
			}
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "item-" + h
	}
	return b.String() + "-" + h
}

// hashHex is the hex SHA-256 of the parts, each ended by a NUL.
func hashHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
