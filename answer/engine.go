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
	"github.com/citebot/citebot/retrieval"
)

// Retriever is what the engine needs from the index. *index.Index
// satisfies it (and also offers TermRarity, which the extractive reader
// and the lexical verifier use when present). Engines take the interface
// so that package answer does not import the index and its SQLite store.
type Retriever interface {
	Search(ctx context.Context, query string, opts retrieval.SearchOptions) ([]retrieval.Passage, error)
	Article(ctx context.Context, id string) (retrieval.Article, error)
	Articles(ctx context.Context) ([]retrieval.Article, error)
}

// Defaults for the zero values of Config.
const (
	DefaultK = 5
	// DefaultSupportThreshold is the probability of support (as the
	// lexical verifier models it) a citation needs to stand: the threshold
	// fitted with the weights (verify_weights.go), which maximized macro-F1
	// on AttributionBench dev, where the verifier scores 0.725 (0.715
	// cross-validated).
	DefaultSupportThreshold = lexicalThreshold
	// DefaultContextBudget is how many bytes of article text one summary
	// request may carry; longer articles are summarized map-reduce.
	DefaultContextBudget = 24000
)

// Config sets up an Engine. Zero values mean the documented defaults.
type Config struct {
	Retriever Retriever
	// LLM writes answers; nil means the offline extractive mode.
	LLM LLM
	// Prompts renders the chat messages; required with an LLM.
	Prompts *prompts.Renderer
	// K is how many passages an answer draws on (DefaultK).
	K int
	// PerArticle caps the passages from one article (0 = no cap).
	PerArticle int
	// RefusalFloor is the Evidence below which Ask refuses without an LLM
	// call (DefaultRefusalFloor). Negative means never refuse early.
	RefusalFloor float64
	// Verifier checks that cited passages hold the claims citing them,
	// in answers and summaries the LLM wrote: nil means LexicalVerifier
	// with SupportThreshold and the retriever's term rarity; VerifierOff
	// keeps every valid citation; an *LLMVerifier asks the model, falling
	// back on that lexical check. Extractive answers and summaries, which
	// quote passages verbatim, are always checked offline.
	Verifier Verifier
	// SupportThreshold is the lexical verifier's probability of support a
	// citation needs to stand (DefaultSupportThreshold). Negative means
	// VerifierOff.
	SupportThreshold float64
	// ContextBudget is the byte size above which summaries map-reduce
	// (DefaultContextBudget).
	ContextBudget int
	// StaleAfter is the age past which, when every article an answer
	// about the present cites is older, the answer says how old its
	// newest source is (DefaultStaleAfter). Negative means never.
	StaleAfter time.Duration
	// Now is the clock date expressions are read against (time.Now).
	Now func() time.Time
	// NoFallback makes Ask fail with the *ModelError when the LLM does;
	// by default it answers offline instead (Answer.Fallback).
	NoFallback bool
	Logger     *slog.Logger
}

// Engine answers questions and summarizes articles with checked citations.
// It is safe for concurrent use.
type Engine struct {
	cfg Config
	log *slog.Logger
	// scope is the view questions are asked from (see In).
	scope retrieval.Scope
	// since and until are the view's date window (see Window).
	since, until time.Time
}

// ErrEmptyQuestion is returned by Ask for a blank question.
var ErrEmptyQuestion = errors.New("the question is empty")

// errUnusableRewrite marks a follow-up rewrite that cannot serve as a query.
var errUnusableRewrite = errors.New("the model's rewrite is empty or too long to use as a query")

// NewEngine checks cfg and fills in defaults.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Retriever == nil {
		return nil, errors.New("answer engine: no retriever configured")
	}
	if cfg.LLM != nil && cfg.Prompts == nil {
		return nil, errors.New("answer engine: an LLM needs prompt templates (Config.Prompts)")
	}
	if cfg.K <= 0 {
		cfg.K = DefaultK
	}
	if cfg.PerArticle < 0 {
		cfg.PerArticle = 0
	}
	if cfg.RefusalFloor == 0 {
		cfg.RefusalFloor = DefaultRefusalFloor
	}
	if cfg.SupportThreshold == 0 {
		cfg.SupportThreshold = DefaultSupportThreshold
	}
	if cfg.ContextBudget <= 0 {
		cfg.ContextBudget = DefaultContextBudget
	}
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{cfg: cfg, log: log}
	if lv, ok := cfg.Verifier.(*LLMVerifier); ok {
		// The model verifier falls back on the engine's offline check,
		// which weighs words by their rarity in the library.
		e.cfg.Verifier = lv.withFallback(e.offlineVerifier())
	}
	return e, nil
}

// In returns a view of the engine that answers from scope: it searches,
// lists and summarizes only the articles scope Sees (the shared library plus
// that server's). The engine itself answers from the shared view. Views are
// cheap and share everything else with e.
func (e *Engine) In(scope retrieval.Scope) *Engine {
	v := *e
	v.scope = scope
	return &v
}

// Search returns the k best passages for query (the engine's K when k <=
// 0), with the engine's per-article cap, inside the view's date window.
func (e *Engine) Search(ctx context.Context, query string, k int) ([]retrieval.Passage, error) {
	return e.search(ctx, query, k, e.since, e.until)
}

func (e *Engine) search(ctx context.Context, query string, k int, since, until time.Time) ([]retrieval.Passage, error) {
	if k <= 0 {
		k = e.cfg.K
	}
	ps, err := e.cfg.Retriever.Search(ctx, query, retrieval.SearchOptions{K: k, PerArticle: e.cfg.PerArticle, Scope: e.scope, Since: since, Until: until})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return ps, nil
}

// Articles lists the indexed articles the engine's scope sees (metadata
// only).
func (e *Engine) Articles(ctx context.Context) ([]retrieval.Article, error) {
	as, err := e.cfg.Retriever.Articles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	visible := as[:0:0]
	for _, a := range as {
		if e.scope.Sees(a.Scope) {
			visible = append(visible, a)
		}
	}
	return visible, nil
}

// Ask answers question from the articles. history holds earlier turns of
// the conversation, oldest first; a follow-up is first condensed into a
// standalone query. Streamed text goes to onDelta (may be nil): the model's
// raw output with an LLM, the composed answer offline. The returned
// Answer.Text is the checked text with renumbered citations.
//
// When the best passage covers too little of the question (see Evidence
// and Config.RefusalFloor) Ask refuses without calling the LLM and offers
// the closest article titles instead.
func (e *Engine) Ask(ctx context.Context, question string, history []Turn, onDelta DeltaFunc) (Answer, error) {
	start := time.Now()
	question = strings.TrimSpace(question)
	if question == "" {
		return Answer{}, ErrEmptyQuestion
	}
	// A date expression ("latest", "since May") bounds the search and is
	// left out of the query; the view's window (Window) overrides it.
	when := e.askWhen(question)
	q := e.standaloneQuery(ctx, when.Rest, history)
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	rstart := time.Now()
	passages, newest, latest, err := e.retrieveFor(ctx, q, when)
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{Passages: passages, Usage: q.Usage}
	ans.Timings.Retrieval = time.Since(rstart)

	if e.refuseEarly(q, passages) {
		ans = e.refusal(ans, "")
		emit(onDelta, ans.Text)
		ans.Timings.Total = time.Since(start)
		return ans, nil
	}
	streamed := false
	if e.cfg.LLM == nil {
		ans, err = e.extractive(ctx, ans, q)
	} else {
		ans, streamed, err = e.askLLM(ctx, ans, q, question, history, onDelta)
	}
	if err != nil {
		return Answer{}, err
	}
	e.dateAnswer(&ans, when, newest, latest)
	if !streamed {
		emit(onDelta, ans.Text)
	}
	ans.Timings.Total = time.Since(start)
	return ans, nil
}

// retrieveFor searches for q inside when's window. For "latest" with no
// window it reads more candidates and keeps the newest dated article
// among the relevant ones (latest reports whether one was found, newest
// its date).
func (e *Engine) retrieveFor(ctx context.Context, q query, when When) (passages []retrieval.Passage, newest time.Time, latest bool, err error) {
	k := e.cfg.K
	pickLatest := when.Latest && !when.Windowed()
	if pickLatest {
		k = min(3*k, retrieval.MaxK) // candidates to find the newest among
	}
	passages, err = e.search(ctx, q.Text, k, when.Since, when.Until)
	if err != nil || !pickLatest {
		return passages, newest, false, err
	}
	focus := q.Focus
	if len(focus) == 0 {
		focus = contentTerms(q.Text)
	}
	passages, newest, latest = latestPassages(passages, focus, e.cfg.RefusalFloor)
	if len(passages) > e.cfg.K {
		passages = passages[:e.cfg.K]
	}
	return passages, newest, latest, nil
}

// refuseEarly reports whether the passages cover too little of the
// question to answer at all (see Evidence and Config.RefusalFloor).
func (e *Engine) refuseEarly(q query, passages []retrieval.Passage) bool {
	evidence := evidenceTerms(q.Focus, passages)
	if len(q.Focus) == 0 {
		// A question of stop words only ("What is it?") is judged by the
		// whole query.
		evidence = evidenceTerms(contentTerms(q.Text), passages)
	}
	refuse := len(passages) == 0 || (e.cfg.RefusalFloor >= 0 && evidence < e.cfg.RefusalFloor)
	if refuse {
		e.log.Debug("refusing early", "evidence", evidence, "floor", e.cfg.RefusalFloor, "passages", len(passages))
	}
	return refuse
}

// askLLM writes the answer with the chat model, streaming its raw output
// to onDelta (streamed is true), and checks its citations. When the model
// is down or times out it answers offline from the passages instead
// (streamed is false: the caller emits the text).
func (e *Engine) askLLM(ctx context.Context, ans Answer, q query, question string, history []Turn, onDelta DeltaFunc) (Answer, bool, error) {
	msgs, err := e.cfg.Prompts.Answer(prompts.AnswerData{
		Question: question,
		History:  promptTurns(history),
		Passages: promptPassages(ans.Passages),
		Today:    e.now().Format("2 January 2006"),
	})
	if err != nil {
		return Answer{}, false, fmt.Errorf("render answer prompt: %w", err)
	}
	lstart := time.Now()
	raw, usage, err := e.stream(ctx, msgs, onDelta)
	ans.Timings.LLM = time.Since(lstart)
	ans.Usage = addUsage(ans.Usage, usage)
	var me *ModelError
	if err != nil && errors.As(err, &me) && !e.cfg.NoFallback {
		e.log.Warn("language model failed; answering offline", "err", err)
		off, ferr := e.extractive(ctx, ans, q)
		if ferr != nil {
			return Answer{}, false, fmt.Errorf("answer: %w", err)
		}
		off.Fallback, off.FallbackError = true, err.Error()
		return off, false, nil
	}
	if err != nil {
		return Answer{}, false, fmt.Errorf("answer: %w", err)
	}
	ans, err = e.finishLLMAnswer(ctx, ans, raw, q.Text)
	return ans, true, err
}

// finishLLMAnswer checks the citations of the model's output.
func (e *Engine) finishLLMAnswer(ctx context.Context, ans Answer, raw, question string) (Answer, error) {
	res, err := checkCitations(ctx, raw, passageSources(ans.Passages), citeOptions{
		Verifier: e.verifier(),
		Question: question,
	})
	if err != nil {
		return Answer{}, err
	}
	if res.Invalid > 0 || res.Unsupported > 0 {
		e.log.Debug("citations dropped", "invalid", res.Invalid, "unsupported", res.Unsupported, "kept", len(res.Citations))
	}
	if len(res.Citations) == 0 && isRefusal(raw) {
		res.account(&ans)
		text := strings.TrimSpace(stripMarkers(raw))
		return e.refusal(ans, text), nil
	}
	res.applyTo(&ans)
	return ans, nil
}

// refusal turns ans into a refusal: no citations, suggestions from the
// retrieved passages. text replaces RefusalText when the model phrased its
// own refusal.
func (e *Engine) refusal(ans Answer, text string) Answer {
	if text == "" {
		text = RefusalText
	}
	ans.Text = text
	ans.Refused = true
	ans.Grounded = false
	ans.Citations = nil
	ans.Suggestions = suggestions(ans.Passages)
	return ans
}

// verifier returns the citation check for model output (Config.Verifier).
func (e *Engine) verifier() Verifier {
	if e.cfg.Verifier != nil {
		return e.cfg.Verifier
	}
	return e.offlineVerifier()
}

// offlineVerifier returns the check for text quoted from the passages:
// VerifierOff when verification is off, else the lexical verifier, which
// supports verbatim quotes.
func (e *Engine) offlineVerifier() Verifier {
	if e.cfg.Verifier == VerifierOff || e.cfg.SupportThreshold < 0 {
		return VerifierOff
	}
	v := LexicalVerifier{Threshold: e.cfg.SupportThreshold}
	if r, ok := e.cfg.Retriever.(termRarer); ok {
		v.Rarity = r
	}
	return v
}

// promptPassages numbers passages 1..n for the answer prompt.
func promptPassages(ps []retrieval.Passage) []prompts.Passage {
	out := make([]prompts.Passage, len(ps))
	for i, p := range ps {
		out[i] = prompts.Passage{
			N:         i + 1,
			Title:     p.Article.Title,
			Author:    p.Article.Author,
			Published: p.Article.Published,
			Source:    p.Article.Source,
			Text:      p.Chunk.Text,
		}
	}
	return out
}

func emit(onDelta DeltaFunc, text string) {
	if onDelta != nil && text != "" {
		onDelta(text)
	}
}

func addUsage(a, b Usage) Usage {
	return Usage{
		PromptTokens:     a.PromptTokens + b.PromptTokens,
		CompletionTokens: a.CompletionTokens + b.CompletionTokens,
		TotalTokens:      a.TotalTokens + b.TotalTokens,
	}
}
