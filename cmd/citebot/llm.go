package main

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/prompts"
)

// chatLLM adapts the OpenAI-compatible chat client to answer.LLM: the
// engine has its own Usage type, so that it depends on no client package.
type chatLLM struct{ *openai.Chat }

func (c chatLLM) Stream(ctx context.Context, msgs []prompts.Message, onDelta answer.DeltaFunc) (string, answer.Usage, error) {
	text, u, err := c.Chat.Stream(ctx, msgs, onDelta)
	return text, answer.Usage(u), err
}

func (c chatLLM) Complete(ctx context.Context, msgs []prompts.Message) (string, answer.Usage, error) {
	text, u, err := c.Chat.Complete(ctx, msgs)
	return text, answer.Usage(u), err
}

// CompleteJSON makes the chat client an answer.JSONCompleter, so the
// model verifier asks for structured output.
func (c chatLLM) CompleteJSON(ctx context.Context, msgs []prompts.Message) (string, answer.Usage, error) {
	text, u, err := c.Chat.CompleteJSON(ctx, msgs)
	return text, answer.Usage(u), err
}

// chatModel builds the chat client from the configuration: the chat
// policy, with CITEBOT_LLM_RETRIES retries (0 = none) and
// CITEBOT_LLM_TIMEOUT per attempt (0 = the default).
func (a *app) chatModel() (answer.LLM, error) {
	p := openai.ChatPolicy()
	p.MaxRetries = a.cfg.LLMRetries
	if a.cfg.LLMTimeout > 0 {
		p.AttemptTimeout = a.cfg.LLMTimeout
	}
	c, err := openai.NewChat(openai.ChatConfig{
		BaseURL:     a.cfg.ChatBaseURL,
		APIKey:      a.cfg.ChatAPIKey,
		Model:       a.cfg.ChatModel,
		Temperature: a.cfg.Temperature,
		MaxTokens:   a.cfg.MaxTokens,
		Policy:      &p,
		Logger:      a.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("configure chat model: %w", err)
	}
	return chatLLM{c}, nil
}
