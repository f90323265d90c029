package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/library"
)

// env looks settings up in the process environment first and in the
// optional .env file second, so a real environment variable always wins.
type env struct {
	getenv func(string) string
	file   map[string]string
}

// loadEnv reads the .env file at path if it exists. A missing file is
// normal; a malformed one is an error, because silently ignoring it would
// run with settings the operator did not intend.
func loadEnv(getenv func(string) string, path string) (env, error) {
	e := env{getenv: getenv, file: map[string]string{}}
	if path == "" {
		return e, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return e, nil
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
type configError struct{ key, value, want string }

func (c *configError) Error() string {
	return fmt.Sprintf("setting %s=%q is not %s", c.key, c.value, c.want)
}

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

// optFloat returns nil when the key is unset, so "not set" and "0" differ
// (temperature 0 is a deliberate choice).
func (p *parser) optFloat(key string) *float32 {
	v := p.get(key)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 32)
	if err != nil {
		p.fail(key, v, "a number")
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
		p.fail(key, v, "a duration such as 30s or 2m")
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
}

// LLMEnabled reports whether a chat server is configured. Without one the
// engine answers extractively, offline.
func (c Config) LLMEnabled() bool { return c.ChatAPIKey != "" || c.ChatBaseURL != "" }

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
		VectorWeight:    p.float("CITEBOT_VECTOR_WEIGHT", fusionDefaults.VectorWeight),
		LexicalWeight:   p.float("CITEBOT_LEXICAL_WEIGHT", fusionDefaults.LexicalWeight),
		RRFK:            p.int("CITEBOT_RRF_K", fusionDefaults.RRFK),

		EmbedProvider:       p.oneOf("CITEBOT_EMBED_PROVIDER", "local", "local", "openai"),
		EmbedBaseURL:        firstNonEmpty(p.get("CITEBOT_EMBED_BASE_URL"), p.get("OPENAI_BASE_URL")),
		EmbedAPIKey:         firstNonEmpty(p.get("CITEBOT_EMBED_API_KEY"), p.get("OPENAI_API_KEY")),
		EmbedModel:          p.str("CITEBOT_EMBED_MODEL", openai.DefaultEmbedModel),
		EmbedBatchSize:      p.int("CITEBOT_EMBED_BATCH_SIZE", openai.DefaultEmbedBatchSize),
		EmbedConcurrency:    p.int("CITEBOT_EMBED_CONCURRENCY", openai.DefaultEmbedConcurrency),
		EmbedQueryPrefix:    e.getRaw("CITEBOT_EMBED_QUERY_PREFIX"),
		EmbedDocumentPrefix: e.getRaw("CITEBOT_EMBED_DOCUMENT_PREFIX"),
		EmbedTimeout:        p.duration("CITEBOT_EMBED_TIMEOUT", openai.EmbedPolicy().AttemptTimeout),

		ChatAPIKey:       p.get("OPENAI_API_KEY"),
		ChatBaseURL:      p.get("OPENAI_BASE_URL"),
		ChatModel:        p.str("CITEBOT_CHAT_MODEL", "gpt-4o-mini"),
		Temperature:      p.optFloat("CITEBOT_TEMPERATURE"),
		MaxTokens:        p.int("CITEBOT_MAX_TOKENS", 0),
		LLMTimeout:       p.duration("CITEBOT_LLM_TIMEOUT", openai.ChatPolicy().AttemptTimeout),
		LLMRetries:       p.int("CITEBOT_LLM_RETRIES", openai.ChatPolicy().MaxRetries),
		PromptsDir:       p.get("PROMPTS_DIR"),
		K:                p.int("CITEBOT_K", answer.DefaultK),
		PerArticle:       p.int("CITEBOT_PER_ARTICLE", 0),
		RefusalFloor:     p.float("CITEBOT_REFUSAL_FLOOR", answer.DefaultRefusalFloor),
		SupportThreshold: p.float("CITEBOT_SUPPORT_THRESHOLD", answer.DefaultSupportThreshold),
		ContextBudget:    p.int("CITEBOT_CONTEXT_BUDGET", answer.DefaultContextBudget),
		FetchTimeout:     p.duration("CITEBOT_FETCH_TIMEOUT", article.DefaultFetchTimeout),
		FetchAllowHosts:  p.list("CITEBOT_FETCH_ALLOW_HOSTS"),
		Verifier:         p.oneOf("CITEBOT_VERIFIER", "lexical", "lexical", "llm", "off"),
		SyncInterval:     p.duration("CITEBOT_SYNC_INTERVAL", index.DefaultSyncInterval),
		RescanInterval:   p.duration("CITEBOT_RESCAN_INTERVAL", library.DefaultRescanInterval),

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
	if c.K == 0 {
		p.fail("CITEBOT_K", "0", "a whole number ≥ 1")
	}
	if c.EmbedProvider == "openai" && c.EmbedBaseURL == "" && c.EmbedAPIKey == "" {
		p.fail("CITEBOT_EMBED_PROVIDER", "openai", "usable without OPENAI_API_KEY, CITEBOT_EMBED_API_KEY or CITEBOT_EMBED_BASE_URL")
	}
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

// redacted is the config as shown by `citebot config`: secrets are
// replaced, so the dump can be pasted into a bug report.
func (c Config) redacted() Config {
	r := c
	r.EmbedAPIKey = redact(c.EmbedAPIKey)
	r.ChatAPIKey = redact(c.ChatAPIKey)
	r.DiscordToken = redact(c.DiscordToken)
	r.FeedbackSalt = redact(c.FeedbackSalt)
	r.ChatBaseURL = redactURL(c.ChatBaseURL)
	r.EmbedBaseURL = redactURL(c.EmbedBaseURL)
	return r
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
