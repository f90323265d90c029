package answer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/prompts"
)

// LLM client defaults.
const (
	// DefaultLLMTimeout bounds one request to the chat server, streaming
	// included.
	DefaultLLMTimeout = 2 * time.Minute
	// DefaultLLMMaxRetries is how often a request is retried (on 429, 5xx
	// and connection errors, and only before the first token arrived).
	DefaultLLMMaxRetries = 3
)

// LLMConfig configures a chat client for OpenAI or any OpenAI-compatible
// server (Ollama, vLLM, llama.cpp).
type LLMConfig struct {
	// BaseURL is the API root ending in /v1 ("" = https://api.openai.com/v1;
	// Ollama: http://localhost:11434/v1).
	BaseURL string
	// APIKey is sent as a bearer token; local servers may need none. It
	// never appears in errors or logs.
	APIKey string
	// Model is the chat model name, e.g. "gpt-4o-mini" or "llama3.2".
	Model string
	// Temperature nil leaves it to the server's default. A pointer to 0
	// sends exactly 0 (go-openai alone would drop it, see llm_transport.go).
	Temperature *float32
	// MaxTokens caps the reply length (0 = server default).
	MaxTokens int
	// Timeout bounds each attempt, streaming included (0 =
	// DefaultLLMTimeout).
	Timeout time.Duration
	// MaxRetries is how often a failed request is retried (0 =
	// DefaultLLMMaxRetries, negative = never).
	MaxRetries int
	// HTTPClient is the client to use; nil starts from a clone of
	// http.DefaultTransport, which honours HTTPS_PROXY and NO_PROXY. Its
	// transport is wrapped, never modified.
	HTTPClient *http.Client
	// Logger receives retry warnings (nil = slog.Default()).
	Logger *slog.Logger
}

// LLM is a chat client over go-openai with retries, streaming and errors
// that name the server and model. It is safe for concurrent use.
type LLM struct {
	client      *openai.Client
	httpClient  *http.Client // the client go-openai uses (wrapped transport)
	model, host string
	baseURL     *url.URL
	key         string // only to redact it from server messages
	temperature *float32
	maxTokens   int
	// completionTokens sends MaxTokens as max_completion_tokens (OpenAI,
	// reasoning models) instead of max_tokens (what compatible servers read).
	completionTokens bool
	timeout          time.Duration
	maxRetries       int
	log              *slog.Logger

	// Retry timing; tests shorten it.
	backoffBase, backoffMax time.Duration
	// maxRetryAfter is the longest Retry-After the client waits for; a
	// server asking for more fails the request at once.
	maxRetryAfter time.Duration
	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewLLM checks cfg and builds a client. It makes no request.
func NewLLM(cfg LLMConfig) (*LLM, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: no chat model configured")
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	u, err := url.Parse(oc.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base URL %q is not an http(s) URL", redactURL(oc.BaseURL))
	}
	if cfg.APIKey == "" && u.Hostname() == "api.openai.com" {
		return nil, errors.New("llm: api.openai.com needs an API key (set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server)")
	}
	if t := cfg.Temperature; t != nil && (*t < 0 || *t > 2) {
		return nil, fmt.Errorf("llm: temperature %g is outside 0..2", *t)
	}
	if cfg.MaxTokens < 0 {
		return nil, fmt.Errorf("llm: max tokens %d is negative", cfg.MaxTokens)
	}

	c := &LLM{
		model:            cfg.Model,
		host:             u.Host,
		baseURL:          u,
		key:              cfg.APIKey,
		temperature:      cfg.Temperature,
		maxTokens:        cfg.MaxTokens,
		completionTokens: usesMaxCompletionTokens(u.Hostname(), cfg.Model),
		timeout:          cfg.Timeout,
		maxRetries:       cfg.MaxRetries,
		log:              cfg.Logger,
		backoffBase:      500 * time.Millisecond,
		backoffMax:       8 * time.Second,
		maxRetryAfter:    time.Minute,
		sleep:            sleepCtx,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultLLMTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultLLMMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.log == nil {
		c.log = slog.Default()
	}

	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	hc.Transport = &llmTransport{
		base:            hc.Transport,
		zeroTemperature: cfg.Temperature != nil && *cfg.Temperature == 0,
	}
	oc.HTTPClient = &hc
	c.httpClient = &hc
	c.client = openai.NewClientWithConfig(oc)
	return c, nil
}

// String names the client for messages: "MODEL at HOST". It never holds
// the key.
func (c *LLM) String() string {
	if c == nil || c.model == "" {
		return "no LLM"
	}
	return c.model + " at " + c.host
}

// Stream sends msgs and streams the reply: every piece of text is passed to
// onDelta (which may be nil) as it arrives. It returns the whole reply and
// the token usage the server reported in its final chunk.
//
// A failure before the first piece of text is retried (429, 5xx,
// connection errors) with backoff, honouring Retry-After; after it nothing
// is retried, since the caller has already shown the text: Stream then
// returns the text received so far with an *LLMError whose CutOff is true.
func (c *LLM) Stream(ctx context.Context, msgs []prompts.Message, onDelta DeltaFunc) (string, Usage, error) {
	req := c.request(msgs)
	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}

	var (
		text  strings.Builder
		usage Usage
	)
	err := c.retry(ctx, func(actx context.Context) (bool, error) {
		usage = Usage{}
		stream, err := c.client.CreateChatCompletionStream(actx, req)
		if err != nil {
			return false, err
		}
		defer stream.Close()
		finished := false
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				if !finished {
					// The body ended without a finish_reason: the server
					// or a proxy closed the stream early.
					return text.Len() > 0, errStreamIncomplete
				}
				return text.Len() > 0, nil
			}
			if err != nil {
				return text.Len() > 0, err
			}
			if resp.Usage != nil {
				usage = fromOpenAIUsage(*resp.Usage)
			}
			for _, ch := range resp.Choices {
				if ch.Index != 0 {
					continue
				}
				if ch.Delta.Content != "" {
					text.WriteString(ch.Delta.Content)
					if onDelta != nil {
						onDelta(ch.Delta.Content)
					}
				}
				if ch.FinishReason != "" {
					finished = true
					c.noteFinish(ch.FinishReason)
				}
			}
		}
	})
	if err != nil {
		var le *LLMError
		if errors.As(err, &le) && le.CutOff {
			le.Received = text.Len()
		}
		return text.String(), usage, err
	}
	return text.String(), usage, nil
}

// Complete sends msgs and returns the whole reply at once (no streaming);
// the engine uses it where nobody watches the text arrive, such as
// rewriting follow-up questions. Failures are retried like Stream's.
func (c *LLM) Complete(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	req := c.request(msgs)
	var (
		text  string
		usage Usage
	)
	err := c.retry(ctx, func(actx context.Context) (bool, error) {
		resp, err := c.client.CreateChatCompletion(actx, req)
		if err != nil {
			return false, err
		}
		usage = fromOpenAIUsage(resp.Usage)
		if len(resp.Choices) == 0 {
			return false, errNoChoices
		}
		text = resp.Choices[0].Message.Content
		c.noteFinish(resp.Choices[0].FinishReason)
		return false, nil
	})
	if err != nil {
		return "", usage, err
	}
	return text, usage, nil
}

// request builds the chat request common to Stream and Complete.
func (c *LLM) request(msgs []prompts.Message) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: c.model}
	req.Messages = make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		req.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	if c.temperature != nil {
		// 0 is dropped by omitempty here and put back on the wire by
		// llmTransport.
		req.Temperature = *c.temperature
	}
	if c.maxTokens > 0 {
		if c.completionTokens {
			req.MaxCompletionTokens = c.maxTokens
		} else {
			req.MaxTokens = c.maxTokens
		}
	}
	return req
}

// noteFinish logs a reply that stopped for another reason than its end.
func (c *LLM) noteFinish(r openai.FinishReason) {
	switch r {
	case "", openai.FinishReasonStop:
	case openai.FinishReasonLength:
		c.log.Warn("LLM reply cut at the token limit", "llm", c.String(), "max_tokens", c.maxTokens)
	default:
		c.log.Debug("LLM reply finished", "llm", c.String(), "reason", string(r))
	}
}

// usesMaxCompletionTokens reports whether the token cap must be sent as
// max_completion_tokens: OpenAI deprecated max_tokens and its reasoning
// models reject it (go-openai refuses it for them before sending), while
// Ollama, vLLM and llama.cpp read max_tokens.
func usesMaxCompletionTokens(host, model string) bool {
	if host == "api.openai.com" {
		return true
	}
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func fromOpenAIUsage(u openai.Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}
