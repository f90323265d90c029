package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/prompts"
)

// CompleteJSON is Complete for a reply that must be one JSON object, such
// as a verifier's verdicts. It asks for structured output
// (response_format json_object) and temperature 0, whatever the client's
// temperature, since a judgment should not change from one run to the
// next. Servers that do not know response_format (older llama.cpp, some
// proxies) answer 400: the request is then sent once more without it, and
// the client stops sending it, so the caller's parser must cope with a
// reply that wraps its JSON in prose or a code fence.
func (ch *Chat) CompleteJSON(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	ctx = withZeroTemperatureRequest(ctx)
	if !ch.noResponseFormat.Load() {
		text, usage, err := ch.complete(ctx, ch.jsonRequest(msgs, true))
		if !rejectsResponseFormat(err) {
			return text, usage, err
		}
		ch.noResponseFormat.Store(true)
		ch.c.log.Info("the server does not take response_format; asking for JSON without it", "llm", ch.String())
	}
	return ch.complete(ctx, ch.jsonRequest(msgs, false))
}

// jsonRequest is the request of CompleteJSON: temperature left at 0 (the
// transport writes it), and response_format json_object when format is
// set.
func (ch *Chat) jsonRequest(msgs []prompts.Message, format bool) goopenai.ChatCompletionRequest {
	req := ch.request(msgs)
	req.Temperature = 0
	if format {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}

// rejectsResponseFormat reports whether err is a 400 whose message is
// about response_format ("Unrecognized request argument supplied:
// response_format", "json_object is not supported").
func rejectsResponseFormat(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(e.Message)
	return strings.Contains(msg, "response_format") || strings.Contains(msg, "response format") ||
		strings.Contains(msg, "json_object")
}
