package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// ErrAmbiguous is returned (wrapped) by Find for a URL followed in more
// than one library: the feed's ID (or the scope) tells which.
var ErrAmbiguous = errors.New("the URL is followed in more than one library")

// feedIDPattern is what a feed ID looks like; nothing else ever names a
// folder that Remove deletes.
var feedIDPattern = regexp.MustCompile(`^[0-9a-f]{8,64}$`)

// NormalizeURL checks a feed URL given by a person and returns the form
// that is stored: http or https with a host, without a fragment. URLs with
// a user name or password are refused: they would be stored in clear.
func NormalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("feed URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("feed URL %q is not an http or https URL", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("feed URL %s has a user name or password, which citebot would store in clear; use a feed that needs none", u.Redacted())
	}
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// feedID is a feed's short ID: the start of the SHA-256 of its scope and
// URL, so the same URL in two libraries gets two IDs.
func feedID(scope retrieval.Scope, u string) string {
	sum := sha256.Sum256([]byte(string(scope) + "\n" + u))
	return hex.EncodeToString(sum[:4])
}

// Add follows the feed at rawURL in scope's library, polled every every
// (DefaultInterval when 0). It is due at once; Poll with its ID polls it
// now. A feed followed already is returned with added false and the new
// interval.
func (p *Poller) Add(ctx context.Context, rawURL string, scope retrieval.Scope, every time.Duration) (store.Feed, bool, error) {
	return p.add(ctx, rawURL, scope, every, "", 0)
}

// addGrace is how long a feed AddAnnounced registered waits for its
// caller's first poll before other pollers may take it.
const addGrace = time.Minute

// AddAnnounced is Add for a feed whose new items are announced in a
// Discord channel (channel "" = none). A feed followed already gets the
// new interval and channel. The caller polls it at once (Poll with its
// ID); it is due for other pollers only a minute later, so that a running
// poller does not take (and announce) its first items.
func (p *Poller) AddAnnounced(ctx context.Context, rawURL string, scope retrieval.Scope, every time.Duration, channel string) (store.Feed, bool, error) {
	return p.add(ctx, rawURL, scope, every, channel, addGrace)
}

// add registers a feed, due after grace.
func (p *Poller) add(ctx context.Context, rawURL string, scope retrieval.Scope, every time.Duration, channel string, grace time.Duration) (store.Feed, bool, error) {
	u, err := NormalizeURL(rawURL)
	if err != nil {
		return store.Feed{}, false, err
	}
	if every == 0 {
		every = DefaultInterval
	}
	if every < MinInterval {
		return store.Feed{}, false, fmt.Errorf("a feed is polled at most every %s, not every %s", MinInterval, every)
	}
	if _, err := p.cfg.Dir(scope); err != nil {
		return store.Feed{}, false, err // "x" is not a server ID
	}
	now := p.now()
	f, added, err := p.cfg.Store.AddFeed(ctx, store.Feed{
		ID: feedID(scope, u), URL: u, Scope: string(scope), Interval: every, Added: now, NextDue: now.Add(grace), Channel: channel,
	})
	if err != nil {
		return store.Feed{}, false, err
	}
	if added {
		p.log.Info("following feed", "feed", f.ID, "url", f.URL, "scope", f.Scope, "every", every.String())
	}
	return f, added, nil
}

// List returns every feed, oldest first, with its item count and state.
func (p *Poller) List(ctx context.Context) ([]store.Feed, error) {
	return p.cfg.Store.Feeds(ctx)
}

// Find returns the feed that ref names: its ID, or its URL in scope's
// library (in any library when only one follows it).
func (p *Poller) Find(ctx context.Context, ref string, scope retrieval.Scope) (store.Feed, error) {
	all, err := p.List(ctx)
	if err != nil {
		return store.Feed{}, err
	}
	u, _ := NormalizeURL(ref)
	var byURL []store.Feed
	for _, f := range all {
		if f.ID == strings.ToLower(strings.TrimSpace(ref)) {
			return f, nil
		}
		if u != "" && f.URL == u {
			byURL = append(byURL, f)
		}
	}
	for _, f := range byURL {
		if f.Scope == string(scope) {
			return f, nil
		}
	}
	switch len(byURL) {
	case 0:
		return store.Feed{}, fmt.Errorf("%q: %w", ref, store.ErrFeedNotFound)
	case 1:
		return byURL[0], nil
	}
	return store.Feed{}, fmt.Errorf("%s: %w; give its ID (see `citebot feeds list`)", ref, ErrAmbiguous)
}

// Remove stops following the feed ref names (see Find) and deletes the
// folder of its items; the caller syncs the library, which drops their
// articles.
func (p *Poller) Remove(ctx context.Context, ref string, scope retrieval.Scope) (store.Feed, error) {
	f, err := p.Find(ctx, ref, scope)
	if err != nil {
		return store.Feed{}, err
	}
	if f, err = p.cfg.Store.RemoveFeed(ctx, f.ID); err != nil {
		return store.Feed{}, err
	}
	if err := p.removeFolder(f); err != nil {
		return f, err
	}
	p.log.Info("feed removed", "feed", f.ID, "url", f.URL, "scope", f.Scope)
	return f, nil
}

// folder is where a feed's item files are.
func (p *Poller) folder(f store.Feed) (string, error) {
	if !feedIDPattern.MatchString(f.ID) {
		return "", fmt.Errorf("feed ID %q is not a feed ID", f.ID)
	}
	dir, err := p.cfg.Dir(retrieval.Scope(f.Scope))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "feeds", f.ID), nil
}

// removeFolder deletes a feed's item files.
func (p *Poller) removeFolder(f store.Feed) error {
	dir, err := p.folder(f)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("delete the items of feed %s: %w", f.ID, err)
	}
	return nil
}
