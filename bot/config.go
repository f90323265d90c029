// Package bot is citebot on Discord: slash commands (/ask, /summarize,
// /digest, /articles, /search, /help), mentions and reply chains as conversations,
// answers streamed by editing one message, rendered within Discord's limits
// with numbered citations and a Sources embed, 👍/👎 feedback, and guard
// rails (allowed channels and roles, per-user rate limits, a bounded LLM
// queue, panic recovery, deadlines on every Discord call).
//
// Every request is answered from the library of the place it came from: in
// a server, the shared articles plus that server's; in a DM, the shared
// ones only (Config.EngineFor).
//
// With a Config.Library, curators change their own server's library from
// Discord (curate.go): /ingest adds a link or an attached file, the
// "Add to library" message command adds a message's links and files
// (curate_message.go), /forget removes one of the server's own articles
// (forget.go). Curators are members with Manage Server or a curator role;
// the commands are registered for Manage Server and servers only, and
// checked again on every use. Each is acknowledged privately at once and
// answered with one sentence (a line per item for a message). Files are
// checked by type and declared size, then downloaded from Discord's CDN
// with a cap (attachments.go); the library does the fetching, parsing
// and indexing behind the small Library interface, and says what went
// wrong in a UserError's sentence.
//
// A question's way through: a gateway handler runs under serve (in flight,
// deadline, panic recovery); interactions.go and messages.go read the
// request and apply the guard rails (accessRefusal, questionRefusal); then
// runJob (job.go) takes it through the queue, the engine, rendering and
// delivery on a surface (surface.go: an interaction response or a channel
// message), streaming through liveMessage (stream.go).
//
// With a Config.Digester, /digest summarizes the articles of a window as
// cited stories (digest.go, rendered by digest_render.go); with
// Config.DigestSchedules, curators subscribe channels to a daily digest,
// which the scheduler (digest_scheduler.go) posts once a day, claiming
// each day in the store before it posts.
//
// For operations, Config.Metrics receives each event worth counting
// (metrics.go: questions, outcomes, stage latencies, rate limits, votes,
// reconnects) through a small interface, so the bot needs no metrics
// library, and Bot.Health says whether it can answer now (health.go).
//
// It is the only package that imports discordgo. It talks to the answer
// engine through the small Engine interface, hands votes to a
// FeedbackStore as its own Feedback and library changes to a Library, so
// tests run it with the real engine or a fake, against the fake Discord in
// bot/discordtest.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// Engine is what the bot needs from the answer engine. *answer.Engine
// satisfies it.
type Engine interface {
	Ask(ctx context.Context, question string, history []answer.Turn, onDelta answer.DeltaFunc) (answer.Answer, error)
	Summarize(ctx context.Context, ref string, length answer.Length, onDelta answer.DeltaFunc) (answer.Answer, error)
	Search(ctx context.Context, query string, k int) ([]retrieval.Passage, error)
	Articles(ctx context.Context) ([]retrieval.Article, error)
}

// FeedbackStore keeps 👍/👎 votes. The bot defines the vote it hands over
// (Feedback) so it does not depend on where votes are kept; the caller
// adapts it to its store.
type FeedbackStore interface {
	AddFeedback(ctx context.Context, f Feedback) error
}

// Defaults for the zero values of Config.
const (
	DefaultRatePerMinute   = 6
	DefaultMaxQuestion     = 500
	DefaultMaxConcurrent   = 4
	DefaultEditInterval    = time.Second
	DefaultRESTTimeout     = 10 * time.Second
	DefaultAnswerTimeout   = 5 * time.Minute
	DefaultShutdownTimeout = 30 * time.Second
	DefaultHistoryDepth    = 10
	DefaultSearchK         = 5
	DefaultPageSize        = 10
	DefaultRateLimitRetry  = 3
	// DefaultDigestCheckEvery: a scheduled digest goes out within a
	// minute of its hour.
	DefaultDigestCheckEvery = time.Minute
	// DefaultMaxArticleBytes caps a file attached to /ingest or to a
	// message added to the library: an article is prose, anything bigger
	// is almost certainly not one.
	DefaultMaxArticleBytes = 5 << 20
)

// Config is everything the bot needs. Zero values mean the documented
// defaults; only Token and an engine (Engine or EngineFor) are required.
type Config struct {
	// Token is the bot token from the Developer Portal (DISCORD_TOKEN),
	// with or without the "Bot " prefix. It is never logged.
	Token string
	// GuildID registers the slash commands to one server, where they
	// appear at once (DISCORD_GUILD_ID); empty registers them globally.
	GuildID string

	// Engine answers every request when EngineFor is nil.
	Engine Engine
	// EngineFor returns the engine that answers requests from scope: a
	// server's (retrieval.GuildScope of its ID) or, for direct messages,
	// retrieval.Shared. It is how each server sees the shared library
	// plus its own articles and no other server's; with *answer.Engine it
	// is func(s retrieval.Scope) bot.Engine { return eng.In(s) }. It is
	// called for every request, so it must be cheap, and must not return
	// nil. nil means Engine for every scope.
	EngineFor func(scope retrieval.Scope) Engine
	// LibraryVersion, if set, returns a number that changes whenever the
	// library does (an article added, replaced or removed, here or by
	// another process), so cached article lists (autocomplete, /articles)
	// are refetched at once instead of when they expire.
	LibraryVersion func() int64
	// Feedback stores votes; nil means the buttons thank the user but
	// nothing is kept.
	Feedback FeedbackStore
	// FeedbackSalt is mixed into the SHA-256 of user IDs stored with
	// feedback (CITEBOT_FEEDBACK_SALT). Empty means a random salt per
	// process: votes stay anonymous but cannot be linked across restarts.
	FeedbackSalt string

	// AllowedChannels and AllowedRoles restrict where and by whom the
	// bot may be used (empty = everywhere / everyone). Threads count as
	// their parent channel. When either is set, direct messages are not
	// served (roles cannot be checked there).
	AllowedChannels []string
	AllowedRoles    []string
	// Library, when set, lets curators change their server's library
	// from Discord: /ingest, the "Add to library" message command and
	// /forget. nil leaves those commands out of the registration
	// entirely, so servers never see commands that cannot work.
	Library Library
	// Feeds, when set, lets curators follow news feeds for their server
	// with /feeds add, list and remove (same permission as /ingest); nil
	// means no /feeds command.
	Feeds Feeds
	// Digester, when set, adds /digest: cited digests of the articles of
	// a time window (optionally a topic or one feed), answered from the
	// asker's scope as EngineFor's engines are; with *answer.Engine it is
	// func(s retrieval.Scope) bot.Digester { return eng.In(s) }. It is
	// called for every digest, so it must be cheap. nil means no /digest.
	Digester func(scope retrieval.Scope) Digester
	// DigestSchedules, when set with Digester, lets curators subscribe a
	// channel to a daily digest (/digest schedule:daily) and keeps the
	// subscriptions, so they survive restarts; nil leaves the schedule
	// options out of /digest.
	DigestSchedules DigestSchedules
	// DigestCheckEvery is how often the scheduler looks for digests that
	// are due (DefaultDigestCheckEvery); a digest goes out within this
	// long after its hour.
	DigestCheckEvery time.Duration
	// Now is the clock of digests and their schedule (nil = time.Now), so
	// tests can move a day forward without waiting for it.
	Now func() time.Time
	// CuratorRoles are role IDs (DISCORD_CURATOR_ROLES) whose members
	// may change their server's library without the Manage Server
	// permission. The commands are registered for Manage Server only, so
	// Discord shows them to these roles once a server administrator
	// allows the roles under Server Settings → Integrations; the bot
	// checks on every use either way.
	CuratorRoles []string
	// MaxArticleBytes caps one attached file, checked against the size
	// Discord declares before downloading and again while reading;
	// DefaultMaxArticleBytes when 0.
	MaxArticleBytes int64

	// AskChannels are channels where every message ending in "?" is
	// answered without a mention (needs the message content intent). A
	// forum may be one: each new post in it is answered in its thread.
	AskChannels []string
	// AutoThread opens a thread for each question asked by mention or in
	// an ask channel; follow-ups inside the thread need no mention.
	AutoThread bool
	// NoMessageContent leaves out the privileged message content intent.
	// Slash commands, mentions, replies to the bot and DMs still work;
	// AskChannels and thread follow-ups without a mention do not.
	NoMessageContent bool

	// RatePerMinute is each user's question budget (token bucket with a
	// burst of the same size), DefaultRatePerMinute.
	RatePerMinute int
	// MaxQuestion is the longest question accepted, in characters.
	MaxQuestion int
	// MaxConcurrent bounds answers generated at once; the rest queue.
	MaxConcurrent int
	// EditInterval is the minimum time between edits of one streamed
	// message (DefaultEditInterval; tests use a few milliseconds).
	EditInterval time.Duration
	// RESTTimeout bounds each Discord REST call.
	RESTTimeout time.Duration
	// AnswerTimeout bounds one answer (the interaction token lasts 15
	// minutes).
	AnswerTimeout time.Duration
	// ShutdownTimeout is how long answers in flight may take to finish
	// after shutdown begins.
	ShutdownTimeout time.Duration
	// HistoryDepth bounds how many earlier messages of a reply chain or
	// thread are read as conversation history.
	HistoryDepth int
	// SearchK is how many passages /search shows.
	SearchK int
	// PageSize is how many articles /articles shows per page.
	PageSize int
	// RateLimitRetries bounds retries of one REST call answered with 429
	// (discordgo's own retry is unbounded, so it is switched off).
	RateLimitRetries int

	// HTTPClient carries Discord REST calls; nil means a client on a clone
	// of http.DefaultTransport (proxy settings honoured). Tests pass the
	// fake's client.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Metrics receives the bot's events (questions, answers, latencies,
	// rate limits, reconnects) for monitoring; nil records nothing.
	Metrics Metrics
}

// withDefaults fills in the zero values.
func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.RatePerMinute, DefaultRatePerMinute)
	setInt(&c.MaxQuestion, DefaultMaxQuestion)
	setInt(&c.MaxConcurrent, DefaultMaxConcurrent)
	setInt(&c.HistoryDepth, DefaultHistoryDepth)
	setInt(&c.SearchK, DefaultSearchK)
	setInt(&c.PageSize, DefaultPageSize)
	setInt(&c.RateLimitRetries, DefaultRateLimitRetry)
	setDur(&c.EditInterval, DefaultEditInterval)
	setDur(&c.RESTTimeout, DefaultRESTTimeout)
	setDur(&c.AnswerTimeout, DefaultAnswerTimeout)
	setDur(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDur(&c.DigestCheckEvery, DefaultDigestCheckEvery)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxArticleBytes <= 0 {
		c.MaxArticleBytes = DefaultMaxArticleBytes
	}
	if c.SearchK > 25 {
		c.SearchK = 25 // one embed field per passage
	}
	if c.PageSize > 25 {
		c.PageSize = 25
	}
	if c.AnswerTimeout > 14*time.Minute {
		c.AnswerTimeout = 14 * time.Minute // the interaction token dies at 15
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	c.Token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Token), "Bot "))
	if c.Token == "Bot" {
		c.Token = ""
	}
	return c
}

// ErrNoToken is returned when no bot token is configured.
var ErrNoToken = errors.New("DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal, copy its token and set DISCORD_TOKEN")

// ErrTokenRejected is returned when Discord refuses the token.
var ErrTokenRejected = errors.New("Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the bot token in the Developer Portal and update DISCORD_TOKEN")

// ErrIntentsDisallowed is returned when the gateway refuses a privileged
// intent that is not enabled for the application.
var ErrIntentsDisallowed = errors.New("Discord refused the Message Content intent: enable it under Bot → Privileged Gateway Intents in the Developer Portal, or set DISCORD_MESSAGE_CONTENT=false")

func (c Config) validate() error {
	if c.Token == "" {
		return ErrNoToken
	}
	if c.Engine == nil && c.EngineFor == nil {
		return errors.New("bot: no answer engine configured")
	}
	return nil
}

// InvitePermissions is the permission integer for the invite URL: View
// Channels (1<<10), Send Messages (1<<11), Embed Links (1<<14), Read
// Message History (1<<16), Create Public Threads (1<<35) and Send Messages
// in Threads (1<<38). Slash command replies need none of them; mentions,
// reply chains, ask channels and auto threads do.
const InvitePermissions int64 = 1<<10 | 1<<11 | 1<<14 | 1<<16 | 1<<35 | 1<<38

// InviteURL is the OAuth2 URL that adds the bot to a server with the
// scopes bot and applications.commands and InvitePermissions.
func InviteURL(appID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + appID +
		"&scope=bot+applications.commands&permissions=" + itoa64(InvitePermissions)
}
