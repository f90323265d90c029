package store

import (
	"context"
	"errors"
	"time"
)

// ErrFeedNotFound is returned (wrapped) for a feed the store does not hold.
var ErrFeedNotFound = errors.New("no such feed")

// Feed is a news feed the library follows, with what the poller needs to
// be polite to its publisher: the validators of the last download, when it
// is due next and how often it failed in a row. It is user data: no
// migration or recovery drops it.
type Feed struct {
	// ID is short and stable (it names the feed's folder of articles and
	// is what `feeds remove` takes); it survives a permanent redirect.
	ID string
	// URL is where the feed is fetched; a permanent redirect updates it.
	URL string
	// Scope is the library the feed's items join ("" = shared).
	Scope string
	// Title is the feed's own title, once it was read.
	Title string
	// Interval is how often the feed is polled when all is well.
	Interval time.Duration
	// ETag and LastModified are the validators of the last full download,
	// sent back as If-None-Match and If-Modified-Since.
	ETag, LastModified string
	// Added is when the feed was registered.
	Added time.Time
	// LastAttempt and LastSuccess are the last poll and the last poll that
	// worked (a 304 counts); zero when there was none.
	LastAttempt, LastSuccess time.Time
	// NextDue is when the feed may be polled next.
	NextDue time.Time
	// Failures counts the polls that failed in a row (0 after a success).
	Failures int
	// LastError says why the last poll failed ("" after a success).
	LastError string
	// Channel is the Discord channel where new items are announced ("" =
	// none); AddFeed sets it, polls leave it alone.
	Channel string
	// Items is how many of the feed's items are in the library now; the
	// store counts it when listing, writes ignore it.
	Items int
}

// FeedItem is one item of a feed that became an article: how the feed
// names it (Key), the article it became and a fingerprint of the item as
// last seen, so that an unchanged item costs nothing and an updated one
// replaces its article.
type FeedItem struct {
	FeedID string
	// Key is "guid:…", "link:…" or "hash:…", whichever the item offers
	// first; unique within its feed.
	Key string
	// ArticleID is the article the item became; it stays the same when
	// the item is updated.
	ArticleID string
	// Path is the article file; "" once retention removed it (the row stays
	// while the feed still lists the item, so that it does not come back).
	Path string
	// Fingerprint changes whenever the item's text, title, link or date does.
	Fingerprint string
	// Published is the date the article carries; retention compares it.
	Published time.Time
	// Seen is when the item was last written.
	Seen time.Time
}

// FeedClaim asks for the feeds due for a poll, leased to one poller so no
// other poller (in this process or another) polls them at the same time.
type FeedClaim struct {
	// Owner names the poller; ReleaseFeed must name it again.
	Owner string
	// Now is the poller's clock: feeds with NextDue ≤ Now whose lease
	// expired before Now are claimed.
	Now time.Time
	// Lease is how long the claim holds if the poller never releases it
	// (it crashed): long enough for one poll of one feed.
	Lease time.Duration
	// IDs, when not empty, limits the claim to these feeds, due or not
	// (a first poll right after `feeds add`); leased ones are still skipped.
	IDs []string
	// Limit caps how many feeds one claim takes; 0 means no cap.
	Limit int
}

// FeedStore keeps the feeds a library follows and the items they brought.
// The SQLite store implements it; a second backend must too, with claims
// that are atomic across processes.
type FeedStore interface {
	// Feeds lists every feed, oldest first, with its item count.
	Feeds(ctx context.Context) ([]Feed, error)
	// AddFeed registers f, due at once. A feed with the same URL and
	// scope is not added again: it is returned with added false, its
	// interval set to f's.
	AddFeed(ctx context.Context, f Feed) (stored Feed, added bool, err error)
	// RemoveFeed unregisters a feed and forgets its items; it returns the
	// feed as it was, or an error wrapping ErrFeedNotFound.
	RemoveFeed(ctx context.Context, id string) (Feed, error)
	// ClaimFeeds leases the feeds c asks for, in one transaction, and
	// returns them.
	ClaimFeeds(ctx context.Context, c FeedClaim) ([]Feed, error)
	// ReleaseFeed saves the outcome of a poll (URL, title, validators,
	// times, failures, error) and ends the lease, provided owner still
	// holds it; it reports false when the lease was lost or the feed is
	// gone, and then saves nothing.
	ReleaseFeed(ctx context.Context, f Feed, owner string) (bool, error)
	// FeedItems lists the items of one feed, pruned ones included.
	FeedItems(ctx context.Context, feedID string) ([]FeedItem, error)
	// PutFeedItems adds or replaces items (by feed and key) in one
	// transaction.
	PutFeedItems(ctx context.Context, items []FeedItem) error
	// DeleteFeedItems forgets items of one feed by key.
	DeleteFeedItems(ctx context.Context, feedID string, keys []string) error
	// ExpiredFeedItems lists the items, of every feed, that still have a
	// file and were published before t: what retention removes.
	ExpiredFeedItems(ctx context.Context, before time.Time) ([]FeedItem, error)
}
