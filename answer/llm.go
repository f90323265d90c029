package answer

import (
	"context"

	"github.com/citebot/citebot/prompts"
)

// LLM is the chat model the engine writes answers with. The engine needs
// no more than this, so it knows nothing of HTTP or of any vendor's client:
// cmd/citebot adapts the OpenAI-compatible client to it, tests use fakes.
type LLM interface {
	// Stream sends msgs and passes every piece of the reply to onDelta
	// (which may be nil) as it arrives. It returns the whole reply and the
	// token usage; on failure after some text, the text received so far.
	Stream(ctx context.Context, msgs []prompts.Message, onDelta DeltaFunc) (string, Usage, error)
	// Complete sends msgs and returns the whole reply at once, where
	// nobody watches the text arrive (follow-up rewrites, partial
	// summaries).
	Complete(ctx context.Context, msgs []prompts.Message) (string, Usage, error)
	// String names the model and server for messages, never a key.
	String() string
}

// JSONCompleter is an LLM that can be asked for a reply that is one JSON
// object (structured output, at temperature 0). The model verifier uses it
// when the LLM offers it, since a server that enforces the format spares
// it replies it cannot read; with a plain LLM it uses Complete and relies
// on the prompt and a tolerant parser.
type JSONCompleter interface {
	CompleteJSON(ctx context.Context, msgs []prompts.Message) (string, Usage, error)
}

// ModelError is a failure of the language model, as opposed to the index
// or the prompts: the engine wraps every error of an LLM call in it (unless
// the caller's context ended), so that callers can tell a user "the
// language model is not responding" without knowing which client failed.
type ModelError struct {
	// Model is the LLM's String(): "MODEL at HOST".
	Model string
	// Err is the client's error; its message names the model and server.
	Err error
}

func (e *ModelError) Error() string {
	if e.Err == nil {
		return "the language model " + e.Model + " failed"
	}
	return e.Err.Error()
}

func (e *ModelError) Unwrap() error { return e.Err }

// stream calls the LLM's Stream and marks its failure as the model's.
func (e *Engine) stream(ctx context.Context, msgs []prompts.Message, onDelta DeltaFunc) (string, Usage, error) {
	text, usage, err := e.cfg.LLM.Stream(ctx, msgs, onDelta)
	return text, usage, e.modelError(ctx, err)
}

// complete calls the LLM's Complete and marks its failure as the model's.
func (e *Engine) complete(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	text, usage, err := e.cfg.LLM.Complete(ctx, msgs)
	return text, usage, e.modelError(ctx, err)
}

// modelError wraps err in *ModelError, unless there is none or the
// caller's context ended (a cancelled answer is not the model's fault).
func (e *Engine) modelError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	return &ModelError{Model: e.cfg.LLM.String(), Err: err}
}
