// Package openai is citebot's one client for OpenAI-compatible APIs
// (OpenAI, Ollama's /v1, vLLM, llama.cpp server, LocalAI): an Embedder and
// a Chat client over github.com/sashabaranov/go-openai that share one
// transport, one retry Policy, one error classifier and one redacting
// *Error, so that a failing server is treated the same way whether it was
// asked for vectors or for an answer. It is the only package of citebot
// that imports go-openai.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
)

// DefaultBaseURL is OpenAI's API, used when no base URL is configured.
const DefaultBaseURL = "https://api.openai.com/v1"

// client is what Embedder and Chat share: the go-openai client over our
// transport, the names used in messages, the key to redact and the retry
// policy.
type client struct {
	api        *goopenai.Client
	httpClient *http.Client // the one go-openai uses (wrapped transport)
	model      string
	host       string
	base       *url.URL
	key        string // only to redact it from messages
	policy     Policy
	log        *slog.Logger
}

// clientConfig is the part of EmbedderConfig and ChatConfig that client
// needs.
type clientConfig struct {
	baseURL, apiKey, model string
	httpClient             *http.Client
	policy                 Policy
	logger                 *slog.Logger
	zeroTemperature        bool
}

// newClient checks the base URL and builds the client. It makes no
// request.
func newClient(cfg clientConfig) (*client, error) {
	base := strings.TrimRight(cfg.baseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL (want http(s)://host[:port]/v1)", redactURL(base))
	}
	if cfg.apiKey == "" && u.Hostname() == "api.openai.com" {
		return nil, errors.New("api.openai.com needs an API key (or set a base URL for a local server)")
	}
	oc := goopenai.DefaultConfig(cfg.apiKey)
	oc.BaseURL = base
	oc.HTTPClient = newHTTPClient(cfg.httpClient, cfg.zeroTemperature)
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &client{
		api:        goopenai.NewClientWithConfig(oc),
		httpClient: oc.HTTPClient.(*http.Client),
		model:      cfg.model,
		host:       u.Host,
		base:       u,
		key:        cfg.apiKey,
		policy:     cfg.policy,
		log:        log,
	}, nil
}

// String names the model and server for messages: "MODEL at HOST". It
// never holds the key.
func (c *client) String() string { return c.model + " at " + c.host }

// attemptFunc makes one request. started reports whether output already
// reached the caller (a streamed token); such an attempt is never retried,
// so that nothing the caller has shown is sent twice.
type attemptFunc func(ctx context.Context) (started bool, err error)

// do runs attempt until it succeeds, fails for good, or the policy's
// retries are spent. Each attempt gets the policy's timeout and an
// exchange for the transport to fill. A failure is an *Error, except when
// the caller's ctx ended: then the error wraps its cause.
func (c *client) do(ctx context.Context, attempt attemptFunc) error {
	for try := 1; ; try++ {
		x := &exchange{}
		actx, cancel := withAttemptTimeout(withExchange(ctx, x), c.policy)
		started, err := attempt(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// Our caller gave up: say so plainly, not as a server error.
			return fmt.Errorf("%s: %w", c, context.Cause(ctx))
		}
		e := c.newError(err, x, try, timedOut)
		if started {
			e.CutOff = true
			return e
		}
		if !e.transient || try > c.policy.MaxRetries {
			return e
		}
		wait, ok := c.policy.wait(try, x.retryAfter)
		if !ok {
			e.RetryAfter = x.retryAfter
			return e
		}
		c.log.Warn("request failed; retrying", "model", c.model, "server", c.host,
			"attempt", try, "status", e.Status, "error", e.Message, "wait", wait)
		if err := c.policy.sleep(ctx, wait); err != nil {
			if ctx.Err() != nil {
				err = context.Cause(ctx)
			}
			return fmt.Errorf("%s: %w", c, err)
		}
	}
}

// withAttemptTimeout bounds one attempt by the policy's AttemptTimeout,
// when it has one.
func withAttemptTimeout(ctx context.Context, p Policy) (context.Context, context.CancelFunc) {
	if p.AttemptTimeout > 0 {
		return context.WithTimeout(ctx, p.AttemptTimeout)
	}
	return context.WithCancel(ctx)
}
