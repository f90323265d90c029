package answer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/citebot/citebot/prompts"
)

// DefaultVerifyTimeout bounds the model verifier's request. The answer's
// text has already reached the reader by then; its verdicts should not
// keep them waiting longer than this, and the offline check is ready.
const DefaultVerifyTimeout = time.Minute

// LLMVerifierConfig sets up an LLMVerifier.
type LLMVerifierConfig struct {
	// LLM judges the claims; required. When it is a JSONCompleter the
	// verifier asks for structured output.
	LLM LLM
	// Prompts renders the verify prompt (verify.tmpl); required.
	Prompts *prompts.Renderer
	// Fallback judges the claims the model gives no usable verdict for,
	// and supplies quotes the model's do not match. Nil means
	// LexicalVerifier; an Engine then uses its own offline check (its
	// SupportThreshold and the library's term rarity).
	Fallback Verifier
	// Timeout bounds the request (DefaultVerifyTimeout when 0).
	Timeout time.Duration
	// Logger receives one warning per answer the model could not judge
	// (nil = silent).
	Logger *slog.Logger
}

// LLMVerifier is the model verifier (CITEBOT_VERIFIER=llm): it asks the
// chat model to judge every cited claim of an answer against the passages
// each cites, all in one request at temperature 0, and reads a JSON reply.
// A model reads paraphrase, negation and inference that word overlap
// misses, at the price of one request per answer. It never fails: when
// the request fails or the reply cannot be read, every claim gets the
// fallback's verdict; when the reply lacks a verdict for some claims,
// those claims get it. Claims judged by the fallback record its name.
type LLMVerifier struct {
	llm             LLM
	prompts         *prompts.Renderer
	fallback        Verifier
	defaultFallback bool // the engine may replace it with its own
	timeout         time.Duration
	log             *slog.Logger
}

// NewLLMVerifier checks cfg and fills in defaults.
func NewLLMVerifier(cfg LLMVerifierConfig) (*LLMVerifier, error) {
	if cfg.LLM == nil {
		return nil, errors.New("llm verifier: no chat model configured")
	}
	if cfg.Prompts == nil {
		return nil, errors.New("llm verifier: no prompt templates (LLMVerifierConfig.Prompts)")
	}
	v := &LLMVerifier{llm: cfg.LLM, prompts: cfg.Prompts, fallback: cfg.Fallback, timeout: cfg.Timeout, log: cfg.Logger}
	if v.fallback == nil {
		v.fallback, v.defaultFallback = LexicalVerifier{}, true
	}
	if v.timeout <= 0 {
		v.timeout = DefaultVerifyTimeout
	}
	if v.log == nil {
		v.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return v, nil
}

// withFallback returns a copy of v that falls back on f, when v was given
// no fallback of its own.
func (v *LLMVerifier) withFallback(f Verifier) *LLMVerifier {
	if !v.defaultFallback {
		return v
	}
	c := *v
	c.fallback = f
	return &c
}

// Name is "llm".
func (*LLMVerifier) Name() string { return "llm" }

// Verify judges the claims; see VerifyMetered.
func (v *LLMVerifier) Verify(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, error) {
	js, _, err := v.VerifyMetered(ctx, question, claims, passages)
	return js, err
}

// VerifyMetered judges all claims in one model request and returns the
// tokens it took. It fails only when the fallback does.
func (v *LLMVerifier) VerifyMetered(ctx context.Context, question string, claims []Statement, passages []string) ([][]Judgment, Usage, error) {
	offline, err := v.fallback.Verify(ctx, question, claims, passages)
	if err == nil {
		err = checkShape(offline, claims)
	}
	if err != nil {
		return nil, Usage{}, fmt.Errorf("fallback check (%s): %w", v.fallback.Name(), err)
	}
	if !anyCited(claims) {
		return offline, Usage{}, nil
	}
	verdicts, usage, err := v.ask(ctx, question, claims, passages)
	if err != nil {
		v.log.Warn("model verifier failed; the offline check judged every claim",
			"llm", v.llm.String(), "fallback", v.fallback.Name(), "claims", len(claims), "error", err.Error())
		for i := range offline {
			offline[i] = judgedBy(offline[i], v.fallback.Name())
		}
		return offline, usage, nil
	}
	out, missing := applyVerdicts(verdicts, claims, passages, offline, v.fallback.Name())
	if missing > 0 {
		v.log.Warn("model verifier gave no verdict for some claims; the offline check judged them",
			"llm", v.llm.String(), "fallback", v.fallback.Name(), "missing", missing, "claims", len(claims))
	}
	return out, usage, nil
}

// ask sends the verify prompt and reads the verdicts of the reply, by
// claim number (from 1).
func (v *LLMVerifier) ask(ctx context.Context, question string, claims []Statement, passages []string) (map[int]modelVerdict, Usage, error) {
	msgs, err := v.prompts.Verify(verifyData(question, claims, passages))
	if err != nil {
		return nil, Usage{}, fmt.Errorf("render verify prompt: %w", err)
	}
	tctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	var (
		reply string
		usage Usage
	)
	if jc, ok := v.llm.(JSONCompleter); ok {
		reply, usage, err = jc.CompleteJSON(tctx, msgs)
	} else {
		reply, usage, err = v.llm.Complete(tctx, msgs)
	}
	if err != nil {
		if tctx.Err() != nil && ctx.Err() == nil {
			return nil, usage, fmt.Errorf("no verdicts within %s: %w", v.timeout, err)
		}
		return nil, usage, err
	}
	verdicts, err := parseVerdicts(reply)
	return verdicts, usage, err
}

// verifyData numbers the claims from 1 and shows each passage some claim
// cites once, by the number the answer cited it with (its index + 1).
func verifyData(question string, claims []Statement, passages []string) prompts.VerifyData {
	d := prompts.VerifyData{Question: question}
	shown := make([]bool, len(passages))
	for i, st := range claims {
		if len(st.Cited) == 0 {
			continue // nothing to judge it against
		}
		c := prompts.VerifyClaim{N: i + 1, Text: st.Text, Sentence: st.Sentence}
		if wholeSentence(st) {
			c.Text, c.Sentence = st.Sentence, ""
		}
		for _, pi := range st.Cited {
			c.Passages = append(c.Passages, pi+1)
			shown[pi] = true
		}
		d.Claims = append(d.Claims, c)
	}
	for pi, ok := range shown {
		if ok {
			d.Passages = append(d.Passages, prompts.VerifyPassage{N: pi + 1, Text: passages[pi]})
		}
	}
	return d
}

// wholeSentence reports whether a claim is its whole sentence: the
// clause before a marker that closes the sentence ("… ceasefire [1].")
// lacks only the final punctuation.
func wholeSentence(st Statement) bool {
	const closing = " .!?…\"'”’)"
	return strings.TrimRight(st.Text, closing) == strings.TrimRight(st.Sentence, closing)
}

func anyCited(claims []Statement) bool {
	for _, st := range claims {
		if len(st.Cited) > 0 {
			return true
		}
	}
	return false
}

// judgedBy marks one claim's judgments as made by the named check.
func judgedBy(js []Judgment, name string) []Judgment {
	for j := range js {
		js[j].Verifier = name
	}
	return js
}

// checkShape reports a fallback whose judgments do not match the claims,
// which applyVerdicts would index out of range.
func checkShape(js [][]Judgment, claims []Statement) error {
	if len(js) != len(claims) {
		return fmt.Errorf("%d judgment lists for %d claims", len(js), len(claims))
	}
	for i, st := range claims {
		if len(js[i]) != len(st.Cited) {
			return fmt.Errorf("claim %d: %d judgments for %d citations", i+1, len(js[i]), len(st.Cited))
		}
	}
	return nil
}
