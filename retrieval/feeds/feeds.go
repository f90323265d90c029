// Package feeds follows news feeds (RSS 0.9x, 1.0 and 2.0, Atom, JSON Feed)
// so that the library stays current: each new item becomes a dated
// Markdown article in the feed's folder of the saved articles
// (DATA/articles/feeds/<feed ID>/, or a server's), which the library then
// indexes like any other saved article. It is the only importer of gofeed.
//
// Polling is what a publisher would accept: every request names citebot,
// sends the validators of the last download (a 304 costs one request and
// nothing else), honours 429 and Retry-After, backs off exponentially while
// a feed fails, and never polls one feed twice at once, also across
// processes (a lease in the store). Every request, feeds and linked pages
// alike, goes through the guarded client of package article.
//
// The package knows nothing about the index: Poll reports whether files
// changed and the caller syncs the library.
package feeds

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	mathrand "math/rand/v2"
	"time"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/store"
)

// Defaults and limits.
const (
	// DefaultInterval is how often a feed is polled when `feeds add` is
	// given no --every: news sites update a few times an hour.
	DefaultInterval = 30 * time.Minute
	// MinInterval is the shortest interval accepted; more often than this
	// is not what a publisher would accept.
	MinInterval = 5 * time.Minute
	// DefaultKeep is how long feed items stay in the library
	// (CITEBOT_FEED_KEEP).
	DefaultKeep = 90 * 24 * time.Hour
	// DefaultMaxFeedBytes caps one feed download (CITEBOT_FEED_MAX_BYTES):
	// a feed with full texts of 50 items is about 1 MB.
	DefaultMaxFeedBytes = 10 << 20
	// MaxBackoff is the longest wait after failures, whatever the count.
	MaxBackoff = 24 * time.Hour
	// maxRetryAfter caps what a server's Retry-After can ask for.
	maxRetryAfter = 7 * 24 * time.Hour
	// DefaultLease is how long a claimed feed stays claimed if its poller
	// dies: longer than one poll of one feed.
	DefaultLease = 15 * time.Minute
	// DefaultWorkers is how many feeds one poller polls at once.
	DefaultWorkers = 4
	// DefaultPerHost is how many requests one poller sends to one host at
	// once.
	DefaultPerHost = 2
	// maxPagesPerPoll caps the linked pages fetched for one feed in one
	// poll; the rest wait for the next poll (which then downloads the
	// feed again instead of sending validators).
	maxPagesPerPoll = 20
	// UserAgent names citebot in every feed request, so a publisher can
	// see who polls and find out why.
	UserAgent = "citebot-feeds/1 (+https://github.com/citebot/citebot)"
)

// ErrNotFeed is returned (wrapped) for a download that is not a feed
// (invalid XML, an HTML page, an unknown format).
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// Config is what a Poller needs.
type Config struct {
	// Store keeps the feeds and their items.
	Store store.FeedStore
	// Dir returns the saved-articles folder of a scope (the library's
	// SavedDir); a feed's items go to Dir(scope)/feeds/<feed ID>, so the
	// folder decides their scope as for every saved article.
	Dir func(scope retrieval.Scope) (string, error)
	// Fetch is the guarded client's policy, for feeds and linked pages.
	Fetch article.FetchOptions
	// MaxFeedBytes caps a feed download; 0 means DefaultMaxFeedBytes.
	MaxFeedBytes int64
	// Load configures turning HTML into text.
	Load article.LoadOptions
	// Keep is how long items stay (by their date); 0 means DefaultKeep, a
	// negative value keeps them for ever.
	Keep time.Duration
	// Workers and PerHost bound concurrency; 0 means the defaults.
	Workers, PerHost int
	// Lease is how long a claim holds; 0 means DefaultLease.
	Lease time.Duration
	// Now is the clock; nil means time.Now. Tests simulate days with it.
	Now func() time.Time
	// Jitter returns a number in [0, 1) that spreads polls over ±10% of
	// the interval; nil means math/rand.
	Jitter func() float64
	// Logger receives one line per poll that changed something or failed;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Poller polls feeds and writes their items as article files. Its methods
// may be called from several goroutines.
type Poller struct {
	cfg    Config
	owner  string // names this poller's leases
	client *article.Client
	hosts  *hostLimit
	log    *slog.Logger
}

// New checks cfg and returns a Poller. Close it when done.
func New(cfg Config) (*Poller, error) {
	if cfg.Store == nil || cfg.Dir == nil {
		return nil, errors.New("feeds: no store or articles folder configured")
	}
	if cfg.Keep == 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.MaxFeedBytes <= 0 {
		cfg.MaxFeedBytes = DefaultMaxFeedBytes
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PerHost <= 0 {
		cfg.PerHost = DefaultPerHost
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = mathrand.Float64
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	feedFetch := cfg.Fetch
	feedFetch.MaxBytes = cfg.MaxFeedBytes
	return &Poller{
		cfg:    cfg,
		owner:  randomOwner(),
		client: article.NewClient(feedFetch),
		hosts:  newHostLimit(cfg.PerHost),
		log:    log,
	}, nil
}

// Close releases the connections the poller keeps.
func (p *Poller) Close() { p.client.CloseIdleConnections() }

// now is the poller's clock.
func (p *Poller) now() time.Time { return p.cfg.Now() }

// randomOwner names a poller uniquely, across processes too.
func randomOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}
