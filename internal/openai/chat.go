package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/prompts"
)

// ChatConfig configures a chat client for OpenAI or any OpenAI-compatible
// server (Ollama, vLLM, llama.cpp).
type ChatConfig struct {
	// BaseURL is the API root ending in /v1 ("" = DefaultBaseURL; Ollama:
	// http://localhost:11434/v1).
	BaseURL string
	// APIKey is sent as a bearer token; local servers may need none. It
	// never appears in errors or logs.
	APIKey string
	// Model is the chat model name, e.g. "gpt-4o-mini" or "llama3.2".
	Model string
	// Temperature nil leaves it to the server's default. A pointer to 0
	// sends exactly 0 (go-openai alone would drop it, see transport).
	Temperature *float32
	// MaxTokens caps the reply length (0 = server default).
	MaxTokens int
	// Policy is how failed requests are retried (nil = ChatPolicy()).
	// Its AttemptTimeout bounds each attempt, streaming included.
	Policy *Policy
	// HTTPClient is the client to use; nil starts from a clone of
	// http.DefaultTransport. Its transport is wrapped, never modified.
	HTTPClient *http.Client
	// Logger receives retry and finish-reason messages (nil = silent).
	Logger *slog.Logger
}

// Usage is the token usage a server reported for one request.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Chat is a chat client with streaming, retries under its Policy and
// errors that name the server and model. It is safe for concurrent use.
type Chat struct {
	c           *client
	temperature *float32
	maxTokens   int
	// completionTokens sends MaxTokens as max_completion_tokens (OpenAI,
	// reasoning models) instead of max_tokens (what compatible servers read).
	completionTokens bool
	// noResponseFormat is set once the server has rejected
	// response_format, so CompleteJSON stops sending it.
	noResponseFormat atomic.Bool
}

// errNoChoices reports a completion without any choice.
var errNoChoices = errors.New("the reply holds no choices")

// NewChat checks cfg and builds a client. It makes no request.
func NewChat(cfg ChatConfig) (*Chat, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("chat config: no chat model configured")
	}
	if t := cfg.Temperature; t != nil && (*t < 0 || *t > 2) {
		return nil, fmt.Errorf("chat config: temperature %g is outside 0..2", *t)
	}
	if cfg.MaxTokens < 0 {
		return nil, fmt.Errorf("chat config: max tokens %d is negative", cfg.MaxTokens)
	}
	policy := ChatPolicy()
	if cfg.Policy != nil {
		policy = *cfg.Policy
	}
	c, err := newClient(clientConfig{
		baseURL:         cfg.BaseURL,
		apiKey:          cfg.APIKey,
		model:           cfg.Model,
		httpClient:      cfg.HTTPClient,
		policy:          policy,
		logger:          cfg.Logger,
		zeroTemperature: cfg.Temperature != nil && *cfg.Temperature == 0,
	})
	if err != nil {
		return nil, fmt.Errorf("chat config: %w", err)
	}
	return &Chat{
		c:                c,
		temperature:      cfg.Temperature,
		maxTokens:        cfg.MaxTokens,
		completionTokens: usesMaxCompletionTokens(c.base.Hostname(), cfg.Model),
	}, nil
}

// String names the client for messages: "MODEL at HOST". It never holds
// the key.
func (ch *Chat) String() string {
	if ch == nil {
		return "no chat model"
	}
	return ch.c.String()
}

// Stream sends msgs and streams the reply: every piece of text is passed to
// onDelta (which may be nil) as it arrives. It returns the whole reply and
// the token usage the server reported in its final chunk.
//
// A failure before the first piece of text is retried under the policy;
// after it nothing is retried, since the caller has already shown the
// text: Stream then returns the text received so far with an *Error whose
// CutOff is true.
func (ch *Chat) Stream(ctx context.Context, msgs []prompts.Message, onDelta func(string)) (string, Usage, error) {
	req := ch.request(msgs)
	req.Stream = true
	req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}

	var (
		text  strings.Builder
		usage Usage
	)
	err := ch.c.do(ctx, func(actx context.Context) (bool, error) {
		usage = Usage{}
		stream, err := ch.c.api.CreateChatCompletionStream(actx, req)
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
			for _, c := range resp.Choices {
				if c.Index != 0 {
					continue
				}
				if c.Delta.Content != "" {
					text.WriteString(c.Delta.Content)
					if onDelta != nil {
						onDelta(c.Delta.Content)
					}
				}
				if c.FinishReason != "" {
					finished = true
					ch.noteFinish(c.FinishReason)
				}
			}
		}
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.CutOff {
			e.Received = text.Len()
		}
		return text.String(), usage, err
	}
	return text.String(), usage, nil
}

// Complete sends msgs and returns the whole reply at once (no streaming),
// for callers where nobody watches the text arrive, such as rewriting
// follow-up questions. Failures are retried like Stream's.
func (ch *Chat) Complete(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	return ch.complete(ctx, ch.request(msgs))
}

// complete sends one non-streamed request under the retry policy.
func (ch *Chat) complete(ctx context.Context, req goopenai.ChatCompletionRequest) (string, Usage, error) {
	var (
		text  string
		usage Usage
	)
	err := ch.c.do(ctx, func(actx context.Context) (bool, error) {
		resp, err := ch.c.api.CreateChatCompletion(actx, req)
		if err != nil {
			return false, err
		}
		usage = fromOpenAIUsage(resp.Usage)
		if len(resp.Choices) == 0 {
			return false, errNoChoices
		}
		text = resp.Choices[0].Message.Content
		ch.noteFinish(resp.Choices[0].FinishReason)
		return false, nil
	})
	if err != nil {
		return "", usage, err
	}
	return text, usage, nil
}

// request builds the chat request common to Stream and Complete.
func (ch *Chat) request(msgs []prompts.Message) goopenai.ChatCompletionRequest {
	req := goopenai.ChatCompletionRequest{Model: ch.c.model}
	req.Messages = make([]goopenai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		req.Messages[i] = goopenai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	if ch.temperature != nil {
		// 0 is dropped by omitempty here and put back on the wire by the
		// transport.
		req.Temperature = *ch.temperature
	}
	if ch.maxTokens > 0 {
		if ch.completionTokens {
			req.MaxCompletionTokens = ch.maxTokens
		} else {
			req.MaxTokens = ch.maxTokens
		}
	}
	return req
}

// noteFinish logs a reply that stopped for another reason than its end.
func (ch *Chat) noteFinish(r goopenai.FinishReason) {
	switch r {
	case "", goopenai.FinishReasonStop:
	case goopenai.FinishReasonLength:
		ch.c.log.Warn("chat reply cut at the token limit", "llm", ch.String(), "max_tokens", ch.maxTokens)
	default:
		ch.c.log.Debug("chat reply finished", "llm", ch.String(), "reason", string(r))
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

func fromOpenAIUsage(u goopenai.Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}
