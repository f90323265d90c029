package answer

import (
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/prompts"
	"github.com/citebot/citebot/retrieval/openaitest"
)

// llmEngine returns an engine whose LLM is the fake OpenAI-compatible
// server; reply decides each chat reply (req.Stream is true for answers
// and final summaries, false for rewrites and partial summaries).
func llmEngine(t *testing.T, r Retriever, cfg Config, reply func(req openai.ChatCompletionRequest) string) (*Engine, *openaitest.Server) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.ChatFunc = reply
	llm, err := NewLLM(LLMConfig{BaseURL: srv.URL(), APIKey: "test-key", Model: "test-model", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retriever, cfg.LLM, cfg.Prompts = r, llm, renderer
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, srv
}

// allText joins the messages of a chat request.
func allText(req openai.ChatCompletionRequest) string {
	var b strings.Builder
	for _, m := range req.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}
