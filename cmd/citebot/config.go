package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/feeds"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
)

// env looks settings up in the process environment first and in the
// optional .env file second, so a real environment variable always wins.
type env struct {
	getenv func(string) string
	file   map[string]string
	// environ are the names of the process's environment variables that
	// getenv answers for, for the unknown-key warnings.
	environ []string
}

// loadEnv reads the .env file at path if it exists. A missing file is
// normal; a malformed one is an error, because silently ignoring it would
// run with settings the operator did not intend.
//
// The default file, .env, may be missing; any other file (--env-file
// PATH) was asked for by name, so a missing one is an error.
func loadEnv(getenv func(string) string, path string) (env, error) {
	e := env{getenv: getenv, file: map[string]string{}}
	for _, kv := range os.Environ() {
		if k, _, ok := strings.Cut(kv, "="); ok && getenv(k) != "" {
			e.environ = append(e.environ, k)
		}
	}
	if path == "" {
		return e, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if path == defaultEnvFile {
			return e, nil
		}
		return e, &configError{key: "--env-file", value: path, want: "an existing file", msg: fmt.Sprintf("--env-file %s does not exist", path)}
	}
	m, err := godotenv.Read(path)
	if pe, ok := err.(*fs.PathError); ok {
		err = pe.Err // "open PATH: ..." would name the file twice
	}
	if err != nil {
		return e, fmt.Errorf("read env file %s: %w", path, err)
	}
	e.file = m
	return e, nil
}

func (e env) get(key string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return strings.TrimSpace(e.file[key])
}

func (e env) str(key, def string) string {
	if v := e.get(key); v != "" {
		return v
	}
	return def
}

// configError collects the first malformed setting so the user sees which
// key is wrong instead of a silent fallback to the default.
type configError struct {
	key, value, want string
	// msg, when set, is the whole message.
	msg string
}

func (c *configError) Error() string {
	if c.msg != "" {
		return c.msg
	}
	return fmt.Sprintf("%s must be %s, not %q", c.key, c.want, c.value)
}

// defaultEnvFile is --env-file's default: optional, unlike a file named
// explicitly.
const defaultEnvFile = ".env"

type parser struct {
	env
	err error
}

func (p *parser) int(key string, def int) int {
	v := p.get(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(key, v, "a whole number ≥ 0")
		return def
	}
	return n
}

func (p *parser) float(key string, def float64) float64 {
	v := p.get(key)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.fail(key, v, "a number")
		return def
	}
	return f
}

// floatIn is float limited to [lo, hi]: a value outside is an error
// naming the key, never a silent clamp.
func (p *parser) floatIn(key string, def, lo, hi float64) float64 {
	f := p.float(key, def)
	if f < lo || f > hi {
		want := fmt.Sprintf("a number from %g to %g", lo, hi)
		if math.IsInf(hi, 1) {
			want = fmt.Sprintf("a number ≥ %g", lo)
		}
		p.fail(key, p.get(key), want)
		return def
	}
	return f
}

// intIn is int limited to [lo, hi].
func (p *parser) intIn(key string, def, lo, hi int) int {
	v := p.get(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(key, v, fmt.Sprintf("a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

// baseURL is an http(s) URL such as http://localhost:11434/v1; the
// message shows what was typed and the likely fix.
func (p *parser) baseURL(key string) string {
	v := p.get(key)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := v
		if i := strings.LastIndex(shown, "@"); i >= 0 {
			shown = "…@" + shown[i+1:] // never echo credentials
		}
		msg := fmt.Sprintf("%s must be a URL starting with http:// or https://, not %q", key, shown)
		if !strings.Contains(v, "://") {
			msg += fmt.Sprintf(" (try http://%s)", shown)
		}
		if p.err == nil {
			p.err = &configError{key: key, value: shown, msg: msg}
		}
	}
	return v
}

// optFloat returns nil when the key is unset, so "not set" and "0" differ
// (temperature 0 is a deliberate choice).
func (p *parser) optFloat(key string) *float32 {
	v := p.get(key)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 32)
	if err != nil || f < 0 || f > 2 {
		p.fail(key, v, "a number from 0 to 2")
		return nil
	}
	f32 := float32(f)
	return &f32
}

func (p *parser) bool(key string, def bool) bool {
	v := p.get(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, v, "true or false")
		return def
	}
	return b
}

func (p *parser) duration(key string, def time.Duration) time.Duration {
	v := p.get(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(key, v, "a duration ≥ 0 such as 30s or 2m")
		return def
	}
	return d
}

func (p *parser) list(key string) []string {
	var out []string
	for _, part := range strings.Split(p.get(key), ",") {
		if s := strings.TrimSpace(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) oneOf(key, def string, allowed ...string) string {
	v := strings.ToLower(p.str(key, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(key, v, "one of "+strings.Join(allowed, ", "))
	return def
}

func (p *parser) fail(key, value, want string) {
	if p.err == nil {
		p.err = &configError{key: key, value: value, want: want}
	}
}

// Config is every setting the binary reads, from flags, the environment
// and the .env file. Each key is documented in .env.example.
type Config struct {
	DataDir  string
	SeedsDir string
	// SeedsExplicit is true when the seeds dir came from a flag or the
	// environment; otherwise a missing ./seeds falls back to the articles
	// compiled into the binary.
	SeedsExplicit bool

	MaxArticleBytes int64
	ChunkTarget     int
	ChunkOverlap    int
	ChunkMax        int

	VectorWeight  float64
	LexicalWeight float64
	RRFK          int

	EmbedProvider       string // local | openai
	EmbedBaseURL        string
	EmbedAPIKey         string
	EmbedModel          string
	EmbedDimensions     int // 0 = the model's own size
	EmbedBatchSize      int
	EmbedConcurrency    int
	EmbedQueryPrefix    string
	EmbedDocumentPrefix string
	EmbedTimeout        time.Duration

	ChatAPIKey       string
	ChatBaseURL      string
	ChatModel        string
	Temperature      *float32
	MaxTokens        int
	LLMTimeout       time.Duration
	LLMRetries       int
	PromptsDir       string
	K                int
	PerArticle       int
	RefusalFloor     float64
	SupportThreshold float64
	ContextBudget    int

	FetchTimeout time.Duration
	// Verifier is the citation check: "lexical" (offline, default), "llm"
	// (one extra request to the chat model per answer, falling back to
	// lexical) or "off" (keep every valid citation).
	Verifier string
	// FetchAllowHosts are hosts (host or host:port) that URL ingestion may
	// reach although they resolve to a private or loopback address.
	FetchAllowHosts []string
	// SyncInterval is how often a running bot reads the store's change log
	// for articles other processes added or removed.
	SyncInterval time.Duration
	// StaleAfter is the age beyond which an answer about the present that
	// cites only older sources says how old its newest source is.
	StaleAfter time.Duration
	// DigestMaxArticles caps the articles one digest covers
	// (CITEBOT_DIGEST_MAX_ARTICLES): the newest are kept.
	DigestMaxArticles int
	// RescanInterval is how often a running bot rescans the library's
	// folders even without change notifications.
	RescanInterval time.Duration

	DiscordToken           string
	DiscordGuildID         string
	DiscordAllowedChannels []string
	DiscordAllowedRoles    []string
	DiscordCuratorRoles    []string
	DiscordAskChannels     []string
	DiscordAutoThread      bool
	DiscordMessageContent  bool
	DiscordRatePerMinute   int
	DiscordMaxQuestion     int
	DiscordMaxConcurrent   int
	FeedbackSalt           string

	// HTTPAddr is where serve answers /healthz and /metrics
	// (CITEBOT_HTTP_ADDR, host:port); empty serves neither.
	HTTPAddr string

	LogLevel slog.Level
	// LogFormat is "text" (default) or "json" (CITEBOT_LOG_FORMAT).
	LogFormat string

	// FeedKeep (CITEBOT_FEED_KEEP, negative = for ever) and FeedMaxBytes
	// (CITEBOT_FEED_MAX_BYTES) are read here too, so `citebot config`
	// shows them and a bad value fails at startup.
	FeedKeep     time.Duration
	FeedMaxBytes int64

	// origins maps each key to where its value came from: "default",
	// ".env", "environment" or "flag".
	origins map[string]string
	// warnings name unknown CITEBOT_* and DISCORD_* keys.
	warnings []string
}

// LLMEnabled reports whether a chat server is configured. Without one the
// engine answers extractively, offline.
func (c Config) LLMEnabled() bool { return c.ChatAPIKey != "" || c.ChatBaseURL != "" }

// loadConfig is long on purpose: it is the one table of settings, one
// line per key (its env name, default and parser), so that every setting
// the binary reads is visible in one place; splitting it would scatter
// that table.
func loadConfig(e env, dataFlag, seedsFlag string) (Config, error) {
	p := &parser{env: e}
	chunkDefaults := retrieval.DefaultChunkOptions()
	fusionDefaults := index.DefaultFusionOptions()
	c := Config{
		DataDir:         firstNonEmpty(dataFlag, p.get("CITEBOT_DATA_DIR"), "data"),
		SeedsDir:        firstNonEmpty(seedsFlag, p.get("CITEBOT_SEEDS_DIR"), "seeds"),
		SeedsExplicit:   seedsFlag != "" || p.get("CITEBOT_SEEDS_DIR") != "",
		MaxArticleBytes: int64(p.int("CITEBOT_MAX_ARTICLE_BYTES", article.DefaultMaxArticleBytes)),
		ChunkTarget:     p.int("CITEBOT_CHUNK_TARGET", chunkDefaults.Target),
		ChunkOverlap:    p.int("CITEBOT_CHUNK_OVERLAP", chunkDefaults.Overlap),
		ChunkMax:        p.int("CITEBOT_CHUNK_MAX", chunkDefaults.Max),
		VectorWeight:    p.floatIn("CITEBOT_VECTOR_WEIGHT", fusionDefaults.VectorWeight, 0, math.Inf(1)),
		LexicalWeight:   p.floatIn("CITEBOT_LEXICAL_WEIGHT", fusionDefaults.LexicalWeight, 0, math.Inf(1)),
		RRFK:            p.int("CITEBOT_RRF_K", fusionDefaults.RRFK),

		EmbedProvider:       p.oneOf("CITEBOT_EMBED_PROVIDER", "local", "local", "openai"),
		EmbedBaseURL:        firstNonEmpty(p.baseURL("CITEBOT_EMBED_BASE_URL"), p.get("OPENAI_BASE_URL")),
		EmbedAPIKey:         firstNonEmpty(p.get("CITEBOT_EMBED_API_KEY"), p.get("OPENAI_API_KEY")),
		EmbedModel:          p.str("CITEBOT_EMBED_MODEL", openai.DefaultEmbedModel),
		EmbedDimensions:     p.intIn("CITEBOT_EMBED_DIMENSIONS", 0, 0, 1<<16),
		EmbedBatchSize:      p.int("CITEBOT_EMBED_BATCH_SIZE", openai.DefaultEmbedBatchSize),
		EmbedConcurrency:    p.int("CITEBOT_EMBED_CONCURRENCY", openai.DefaultEmbedConcurrency),
		EmbedQueryPrefix:    e.getRaw("CITEBOT_EMBED_QUERY_PREFIX"),
		EmbedDocumentPrefix: e.getRaw("CITEBOT_EMBED_DOCUMENT_PREFIX"),
		EmbedTimeout:        p.duration("CITEBOT_EMBED_TIMEOUT", openai.EmbedPolicy().AttemptTimeout),

		ChatAPIKey:       p.get("OPENAI_API_KEY"),
		ChatBaseURL:      p.baseURL("OPENAI_BASE_URL"),
		ChatModel:        p.str("CITEBOT_CHAT_MODEL", "gpt-4o-mini"),
		Temperature:      p.optFloat("CITEBOT_TEMPERATURE"),
		MaxTokens:        p.int("CITEBOT_MAX_TOKENS", 0),
		LLMTimeout:       p.duration("CITEBOT_LLM_TIMEOUT", openai.ChatPolicy().AttemptTimeout),
		LLMRetries:       p.int("CITEBOT_LLM_RETRIES", openai.ChatPolicy().MaxRetries),
		PromptsDir:       p.get("PROMPTS_DIR"),
		K:                p.intIn("CITEBOT_K", answer.DefaultK, 1, retrieval.MaxK),
		PerArticle:       p.int("CITEBOT_PER_ARTICLE", 0),
		RefusalFloor:     p.floatIn("CITEBOT_REFUSAL_FLOOR", answer.DefaultRefusalFloor, 0, 1),
		SupportThreshold: p.floatIn("CITEBOT_SUPPORT_THRESHOLD", answer.DefaultSupportThreshold, 0, 1),
		ContextBudget:    p.int("CITEBOT_CONTEXT_BUDGET", answer.DefaultContextBudget),
		FetchTimeout:     p.duration("CITEBOT_FETCH_TIMEOUT", article.DefaultFetchTimeout),
		FetchAllowHosts:  p.list("CITEBOT_FETCH_ALLOW_HOSTS"),
		Verifier:         p.oneOf("CITEBOT_VERIFIER", "lexical", "lexical", "llm", "off"),
		SyncInterval:     p.duration("CITEBOT_SYNC_INTERVAL", index.DefaultSyncInterval),
		RescanInterval:   p.duration("CITEBOT_RESCAN_INTERVAL", library.DefaultRescanInterval),
		StaleAfter:       p.duration("CITEBOT_STALE_AFTER", answer.DefaultStaleAfter),

		DigestMaxArticles: p.intIn("CITEBOT_DIGEST_MAX_ARTICLES", answer.DefaultDigestMaxArticles, 1, 1000),

		DiscordToken:           p.get("DISCORD_TOKEN"),
		DiscordGuildID:         p.get("DISCORD_GUILD_ID"),
		DiscordAllowedChannels: p.list("DISCORD_ALLOWED_CHANNELS"),
		DiscordAllowedRoles:    p.list("DISCORD_ALLOWED_ROLES"),
		DiscordCuratorRoles:    p.list("DISCORD_CURATOR_ROLES"),
		DiscordAskChannels:     p.list("DISCORD_ASK_CHANNELS"),
		DiscordAutoThread:      p.bool("DISCORD_AUTO_THREAD", false),
		DiscordMessageContent:  p.bool("DISCORD_MESSAGE_CONTENT", true),
		DiscordRatePerMinute:   p.int("DISCORD_RATE_PER_MINUTE", bot.DefaultRatePerMinute),
		DiscordMaxQuestion:     p.int("DISCORD_MAX_QUESTION", bot.DefaultMaxQuestion),
		DiscordMaxConcurrent:   p.int("DISCORD_MAX_CONCURRENT", bot.DefaultMaxConcurrent),
		FeedbackSalt:           p.get("CITEBOT_FEEDBACK_SALT"),
		HTTPAddr:               p.addr("CITEBOT_HTTP_ADDR"),
		LogFormat:              p.oneOf("CITEBOT_LOG_FORMAT", "text", "text", "json"),
		FeedKeep:               p.keep("CITEBOT_FEED_KEEP", feeds.DefaultKeep),
		FeedMaxBytes:           int64(p.int("CITEBOT_FEED_MAX_BYTES", feeds.DefaultMaxFeedBytes)),
	}
	switch lvl := strings.ToLower(p.str("CITEBOT_LOG_LEVEL", "info")); lvl {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		p.fail("CITEBOT_LOG_LEVEL", lvl, "one of debug, info, warn, error")
	}
	if c.EmbedProvider == "openai" && c.EmbedBaseURL == "" && c.EmbedAPIKey == "" {
		p.fail("CITEBOT_EMBED_PROVIDER", "openai", "usable without OPENAI_API_KEY, CITEBOT_EMBED_API_KEY or CITEBOT_EMBED_BASE_URL")
	}
	c.origins = origins(e, dataFlag, seedsFlag)
	c.warnings = unknownKeys(e)
	return c, p.err
}

// getRaw keeps surrounding spaces, which matter for embedding prefixes
// such as "search_query: ".
func (e env) getRaw(key string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return e.file[key]
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// setting is one key as `citebot config` shows it.
type setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Origin string `json:"origin"`
}

// settingDef is one known key and how its effective value is shown.
type settingDef struct {
	key  string
	show func(Config) string
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func list(l []string) string { return strings.Join(l, ",") }

// settingDefs are every key citebot reads, in .env.example's order, with
// the effective value (after defaults) and secrets redacted.
var settingDefs = []settingDef{
	{"CITEBOT_DATA_DIR", func(c Config) string { return c.DataDir }},
	{"CITEBOT_SEEDS_DIR", func(c Config) string {
		if !c.SeedsExplicit {
			if _, err := os.Stat(c.SeedsDir); err != nil {
				return "(built-in seeds)"
			}
		}
		return c.SeedsDir
	}},
	{"CITEBOT_MAX_ARTICLE_BYTES", func(c Config) string { return strconv.FormatInt(c.MaxArticleBytes, 10) }},
	{"CITEBOT_FETCH_TIMEOUT", func(c Config) string { return c.FetchTimeout.String() }},
	{"CITEBOT_FETCH_ALLOW_HOSTS", func(c Config) string { return list(c.FetchAllowHosts) }},
	{"CITEBOT_SYNC_INTERVAL", func(c Config) string { return c.SyncInterval.String() }},
	{"CITEBOT_RESCAN_INTERVAL", func(c Config) string { return c.RescanInterval.String() }},
	{"CITEBOT_FEED_KEEP", func(c Config) string {
		if c.FeedKeep < 0 {
			return "off"
		}
		return c.FeedKeep.String()
	}},
	{"CITEBOT_FEED_MAX_BYTES", func(c Config) string { return strconv.FormatInt(c.FeedMaxBytes, 10) }},
	{"CITEBOT_LOG_LEVEL", func(c Config) string { return strings.ToLower(c.LogLevel.String()) }},
	{"CITEBOT_LOG_FORMAT", func(c Config) string { return c.LogFormat }},
	{"OPENAI_API_KEY", func(c Config) string { return redact(c.ChatAPIKey) }},
	{"OPENAI_BASE_URL", func(c Config) string { return redactURL(c.ChatBaseURL) }},
	{"CITEBOT_CHAT_MODEL", func(c Config) string { return c.ChatModel }},
	{"CITEBOT_TEMPERATURE", func(c Config) string {
		if c.Temperature == nil {
			return "(server default)"
		}
		return strconv.FormatFloat(float64(*c.Temperature), 'g', -1, 32)
	}},
	{"CITEBOT_MAX_TOKENS", func(c Config) string { return itoa(c.MaxTokens) }},
	{"CITEBOT_LLM_TIMEOUT", func(c Config) string { return c.LLMTimeout.String() }},
	{"CITEBOT_LLM_RETRIES", func(c Config) string { return itoa(c.LLMRetries) }},
	{"PROMPTS_DIR", func(c Config) string { return c.PromptsDir }},
	{"CITEBOT_EMBED_PROVIDER", func(c Config) string { return c.EmbedProvider }},
	{"CITEBOT_EMBED_BASE_URL", func(c Config) string { return redactURL(c.EmbedBaseURL) }},
	{"CITEBOT_EMBED_API_KEY", func(c Config) string { return redact(c.EmbedAPIKey) }},
	{"CITEBOT_EMBED_MODEL", func(c Config) string { return c.EmbedModel }},
	{"CITEBOT_EMBED_DIMENSIONS", func(c Config) string {
		if c.EmbedDimensions == 0 {
			return "0 (the model's own)"
		}
		return itoa(c.EmbedDimensions)
	}},
	{"CITEBOT_EMBED_BATCH_SIZE", func(c Config) string { return itoa(c.EmbedBatchSize) }},
	{"CITEBOT_EMBED_CONCURRENCY", func(c Config) string { return itoa(c.EmbedConcurrency) }},
	{"CITEBOT_EMBED_TIMEOUT", func(c Config) string { return c.EmbedTimeout.String() }},
	{"CITEBOT_EMBED_QUERY_PREFIX", func(c Config) string { return c.EmbedQueryPrefix }},
	{"CITEBOT_EMBED_DOCUMENT_PREFIX", func(c Config) string { return c.EmbedDocumentPrefix }},
	{"CITEBOT_CHUNK_TARGET", func(c Config) string { return itoa(c.ChunkTarget) }},
	{"CITEBOT_CHUNK_OVERLAP", func(c Config) string { return itoa(c.ChunkOverlap) }},
	{"CITEBOT_CHUNK_MAX", func(c Config) string { return itoa(c.ChunkMax) }},
	{"CITEBOT_VECTOR_WEIGHT", func(c Config) string { return ftoa(c.VectorWeight) }},
	{"CITEBOT_LEXICAL_WEIGHT", func(c Config) string { return ftoa(c.LexicalWeight) }},
	{"CITEBOT_RRF_K", func(c Config) string { return itoa(c.RRFK) }},
	{"CITEBOT_K", func(c Config) string { return itoa(c.K) }},
	{"CITEBOT_PER_ARTICLE", func(c Config) string { return itoa(c.PerArticle) }},
	{"CITEBOT_REFUSAL_FLOOR", func(c Config) string { return ftoa(c.RefusalFloor) }},
	{"CITEBOT_SUPPORT_THRESHOLD", func(c Config) string { return ftoa(c.SupportThreshold) }},
	{"CITEBOT_VERIFIER", func(c Config) string { return c.Verifier }},
	{"CITEBOT_CONTEXT_BUDGET", func(c Config) string { return itoa(c.ContextBudget) }},
	{"CITEBOT_STALE_AFTER", func(c Config) string { return c.StaleAfter.String() }},
	{"CITEBOT_DIGEST_MAX_ARTICLES", func(c Config) string { return itoa(c.DigestMaxArticles) }},
	{"DISCORD_TOKEN", func(c Config) string { return redact(c.DiscordToken) }},
	{"DISCORD_GUILD_ID", func(c Config) string { return c.DiscordGuildID }},
	{"DISCORD_ALLOWED_CHANNELS", func(c Config) string { return list(c.DiscordAllowedChannels) }},
	{"DISCORD_ALLOWED_ROLES", func(c Config) string { return list(c.DiscordAllowedRoles) }},
	{"DISCORD_CURATOR_ROLES", func(c Config) string { return list(c.DiscordCuratorRoles) }},
	{"DISCORD_ASK_CHANNELS", func(c Config) string { return list(c.DiscordAskChannels) }},
	{"DISCORD_AUTO_THREAD", func(c Config) string { return strconv.FormatBool(c.DiscordAutoThread) }},
	{"DISCORD_MESSAGE_CONTENT", func(c Config) string { return strconv.FormatBool(c.DiscordMessageContent) }},
	{"DISCORD_RATE_PER_MINUTE", func(c Config) string { return itoa(c.DiscordRatePerMinute) }},
	{"DISCORD_MAX_QUESTION", func(c Config) string { return itoa(c.DiscordMaxQuestion) }},
	{"DISCORD_MAX_CONCURRENT", func(c Config) string { return itoa(c.DiscordMaxConcurrent) }},
	{"CITEBOT_FEEDBACK_SALT", func(c Config) string { return redact(c.FeedbackSalt) }},
	{"CITEBOT_HTTP_ADDR", func(c Config) string { return c.HTTPAddr }},
}

// devKeys are read by tests and benchmarks only; they draw no warning.
var devKeys = map[string]bool{
	"CITEBOT_BENCH_CHUNKS": true, "CITEBOT_BENCH_DIR": true, "CITEBOT_CORPUS_DIR": true,
	"CITEBOT_HELPER_ARGS": true, "CITEBOT_ATTRIBUTION": true, "CITEBOT_EVAL_GRID": true,
}

// settings is the effective configuration, one entry per known key.
func (c Config) settings() []setting {
	out := make([]setting, 0, len(settingDefs))
	for _, d := range settingDefs {
		origin := c.origins[d.key]
		if origin == "" {
			origin = "default"
		}
		out = append(out, setting{Key: d.key, Value: d.show(c), Origin: origin})
	}
	return out
}

// origins records where each known key's value came from.
func origins(e env, dataFlag, seedsFlag string) map[string]string {
	m := map[string]string{}
	for _, d := range settingDefs {
		switch {
		case strings.TrimSpace(e.getenv(d.key)) != "":
			m[d.key] = "environment"
		case strings.TrimSpace(e.file[d.key]) != "":
			m[d.key] = ".env"
		default:
			m[d.key] = "default"
		}
	}
	if dataFlag != "" {
		m["CITEBOT_DATA_DIR"] = "flag"
	}
	if seedsFlag != "" {
		m["CITEBOT_SEEDS_DIR"] = "flag"
	}
	return m
}

// unknownKeys warns about CITEBOT_* and DISCORD_* keys in the environment
// or the .env file that citebot does not read, naming the closest known
// key: a typo would otherwise be silently ignored.
func unknownKeys(e env) []string {
	known := map[string]bool{}
	for _, d := range settingDefs {
		known[d.key] = true
	}
	var out []string
	check := func(key, where string) {
		if known[key] || devKeys[key] || !(strings.HasPrefix(key, "CITEBOT_") || strings.HasPrefix(key, "DISCORD_")) {
			return
		}
		best, bestD := "", -1
		for _, d := range settingDefs {
			if dist := editDistance(key, d.key); bestD < 0 || dist < bestD {
				best, bestD = d.key, dist
			}
		}
		out = append(out, fmt.Sprintf("unknown setting %s in %s; did you mean %s?", key, where, best))
	}
	envKeys := append([]string(nil), e.environ...)
	sort.Strings(envKeys)
	for _, k := range envKeys {
		check(k, "the environment")
	}
	fileKeys := make([]string, 0, len(e.file))
	for k := range e.file {
		fileKeys = append(fileKeys, k)
	}
	sort.Strings(fileKeys)
	for _, k := range fileKeys {
		check(k, "the .env file")
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// redactURL hides what a URL may carry as credentials: the user
// information (user:password@) and every query value (api-key=…).
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[redacted: not a valid URL]"
	}
	if u.User != nil {
		u.User = url.User("[redacted]")
	}
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			q.Set(k, "[redacted]")
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// loadedEnvFile is the .env file whose settings were read, "" when there
// was none.
func (a *app) loadedEnvFile() string {
	if a.envFile == "" {
		return ""
	}
	if st, err := os.Stat(a.envFile); err != nil || st.IsDir() {
		return ""
	}
	return a.envFile
}
