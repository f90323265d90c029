package answer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
)

// llmEngine returns an engine whose LLM is the fake OpenAI-compatible
// server; reply decides each chat reply (req.Stream is true for answers
// and final summaries, false for rewrites and partial summaries).
func llmEngine(t *testing.T, r Retriever, cfg Config, reply func(req openaitest.ChatRequest) string) (*Engine, *openaitest.Server) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.ChatFunc = reply
	llm := chatLLM(t, srv.URL())
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

// chatLLM is the OpenAI-compatible client for baseURL, adapted to LLM as
// cmd/citebot does, retrying once.
func chatLLM(tb testing.TB, baseURL string) LLM {
	tb.Helper()
	p := openai.ChatPolicy()
	p.MaxRetries = 1
	c, err := openai.NewChat(openai.ChatConfig{BaseURL: baseURL, APIKey: "test-key", Model: "test-model", Policy: &p})
	if err != nil {
		tb.Fatal(err)
	}
	return chatAdapter{c}
}

// chatAdapter turns the client's Usage into the engine's.
type chatAdapter struct{ *openai.Chat }

func (a chatAdapter) Stream(ctx context.Context, msgs []prompts.Message, onDelta DeltaFunc) (string, Usage, error) {
	text, u, err := a.Chat.Stream(ctx, msgs, onDelta)
	return text, Usage(u), err
}

func (a chatAdapter) Complete(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	text, u, err := a.Chat.Complete(ctx, msgs)
	return text, Usage(u), err
}

// allText joins the messages of a chat request.
func allText(req openaitest.ChatRequest) string {
	var b strings.Builder
	for _, m := range req.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// failingLLM fails every call with err.
type failingLLM struct{ err error }

func (f failingLLM) Stream(context.Context, []prompts.Message, DeltaFunc) (string, Usage, error) {
	return "", Usage{}, f.err
}

func (f failingLLM) Complete(context.Context, []prompts.Message) (string, Usage, error) {
	return "", Usage{}, f.err
}

func (failingLLM) String() string { return "broken-model at 127.0.0.1:1" }

func TestLLMFailureIsModelError(t *testing.T) {
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("broken-model at 127.0.0.1:1 failed: HTTP 500 Internal Server Error: boom")
	e, err := NewEngine(Config{Retriever: newFixedRetriever(testPassages()), LLM: failingLLM{cause}, Prompts: renderer, NoFallback: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Ask(context.Background(), austinQuestion, nil, nil)
	var me *ModelError
	if !errors.As(err, &me) || me.Model != "broken-model at 127.0.0.1:1" || !errors.Is(err, cause) {
		t.Fatalf("error %v (%T), want a *ModelError wrapping the client's", err, err)
	}
	if got, want := err.Error(), "answer: "+cause.Error(); got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	// A cancelled question is the caller's doing, not the model's.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.cfg.LLM = failingLLM{context.Canceled}
	if _, err := e.Ask(ctx, austinQuestion, nil, nil); errors.As(err, &me) {
		t.Errorf("a cancelled Ask gave a *ModelError: %v", err)
	}
}

func TestLLMFailureFallsBackToExtractive(t *testing.T) {
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("broken-model at 127.0.0.1:1 failed: timeout awaiting response headers")
	e, err := NewEngine(Config{Retriever: newFixedRetriever(testPassages()), LLM: failingLLM{cause}, Prompts: renderer})
	if err != nil {
		t.Fatal(err)
	}
	var streamed string
	ans, err := e.Ask(context.Background(), austinQuestion, nil, func(d string) { streamed += d })
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Fallback || !ans.Extractive || !strings.Contains(ans.FallbackError, "timeout") {
		t.Errorf("fallback %v extractive %v error %q", ans.Fallback, ans.Extractive, ans.FallbackError)
	}
	if ans.Refused || len(ans.Citations) == 0 || ans.Text == "" || streamed != ans.Text {
		t.Errorf("answer %q (streamed %q) citations %d refused %v", ans.Text, streamed, len(ans.Citations), ans.Refused)
	}
	// A cancelled question is still the caller's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.cfg.LLM = failingLLM{context.Canceled}
	if ans, err := e.Ask(ctx, austinQuestion, nil, nil); err == nil || ans.Fallback {
		t.Errorf("a cancelled Ask answered %+v, %v", ans, err)
	}
}

func TestModelErrorThroughTheClient(t *testing.T) {
	e, srv := llmEngine(t, newFixedRetriever(testPassages()), Config{NoFallback: true}, func(openaitest.ChatRequest) string { return "" })
	srv.FailNext(10, 500, "", "")
	_, err := e.Ask(context.Background(), austinQuestion, nil, nil)
	var me *ModelError
	var ce *openai.Error
	if !errors.As(err, &me) || !errors.As(err, &ce) || ce.Status != 500 || ce.Attempts != 2 {
		t.Fatalf("error %v", err)
	}
	if strings.Count(err.Error(), "test-model at ") != 1 {
		t.Errorf("error %q names the model other than once", err)
	}
}

func TestSummarizeFallsBackToExtractive(t *testing.T) {
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{Retriever: newFixedRetriever(testPassages()), LLM: failingLLM{errors.New("timeout")}, Prompts: renderer})
	if err != nil {
		t.Fatal(err)
	}
	id := testPassages()[0].Article.ID
	ans, err := e.Summarize(context.Background(), id, Short, nil)
	if err != nil {
		t.Fatalf("summarize %q: %v", id, err)
	}
	if !ans.Fallback || !ans.Extractive || ans.Text == "" {
		t.Errorf("summary fallback %v extractive %v text %q", ans.Fallback, ans.Extractive, ans.Text)
	}
}
