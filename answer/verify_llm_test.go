package answer

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/openai"
	"github.com/citebot/citebot/internal/openai/openaitest"
	"github.com/citebot/citebot/prompts"
)

// syncBuffer is a log sink the race detector accepts.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// warnings returns the WARN lines logged.
func (s *syncBuffer) warnings() []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	return out
}

// verifyLLM is the fake server's client as cmd/citebot adapts it, JSON
// completion included, with no retries (a failure falls back at once).
func verifyLLM(t *testing.T, srv *openaitest.Server) LLM {
	t.Helper()
	p := openai.ChatPolicy()
	p.MaxRetries = 0
	c, err := openai.NewChat(openai.ChatConfig{BaseURL: srv.URL(), APIKey: "sk-verifier-test-key-0123", Model: "test-model", Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	return jsonAdapter{chatAdapter{c}}
}

// jsonAdapter adds CompleteJSON to the test adapter.
type jsonAdapter struct{ chatAdapter }

func (a jsonAdapter) CompleteJSON(ctx context.Context, msgs []prompts.Message) (string, Usage, error) {
	text, u, err := a.Chat.CompleteJSON(ctx, msgs)
	return text, Usage(u), err
}

// plainLLM hides CompleteJSON.
type plainLLM struct{ LLM }

// llmVerifierEngine is an engine whose answers and verdicts both come from
// one fake server: answer(req) writes streamed answers and summaries,
// judge(req) the verify replies. It logs into the returned buffer.
func llmVerifierEngine(t *testing.T, wrap func(LLM) LLM, answer, judge func(openaitest.ChatRequest) string) (*Engine, *openaitest.Server, *syncBuffer) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.ChatFunc = func(req openaitest.ChatRequest) string {
		if isVerifyRequest(req) {
			return judge(req)
		}
		return answer(req)
	}
	llm := verifyLLM(t, srv)
	if wrap != nil {
		llm = wrap(llm)
	}
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	v, err := NewLLMVerifier(LLMVerifierConfig{LLM: llm, Prompts: renderer, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{Retriever: newFixedRetriever(callPassages()), LLM: llm, Prompts: renderer, Verifier: v, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return e, srv, logs
}

func isVerifyRequest(req openaitest.ChatRequest) bool {
	return len(req.Messages) > 0 && strings.HasPrefix(req.Messages[0].Content, "You check citations.")
}

func replyWith(s string) func(openaitest.ChatRequest) string {
	return func(openaitest.ChatRequest) string { return s }
}

const (
	callQuestion = "How long did Austin and Shoigu talk about Ukraine?"
	// negated: the lexical check supports it, the model must not.
	// sixty: the lexical check misses the paraphrase, the model must not.
	// bread: quoted word for word.
	negated       = "Austin did not urge a ceasefire"
	sixty         = "The defense chiefs spoke for roughly sixty minutes"
	bread         = "Sourdough bread rises slowly because wild yeast ferments the dough overnight"
	threeClaims   = negated + " [1]. " + sixty + " [1]. " + bread + " [2]."
	modelVerdicts = `{"verdicts": [
		{"claim": 1, "supported": false, "passage": 0, "quote": ""},
		{"claim": 2, "supported": true, "passage": 1, "quote": "talked for about an hour"},
		{"claim": 3, "supported": "yes", "passage": "2", "quote": "bread is baked from flour"}]}`
)

// The model's verdicts override the lexical check both ways, from one
// request that lists every claim.
func TestLLMVerifierJudgesAllClaimsInOneRequest(t *testing.T) {
	// What the lexical check alone says.
	lex, _ := llmEngine(t, newFixedRetriever(callPassages()), Config{}, replyWith(threeClaims))
	base, err := lex.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := verdictsOf(base); got != "supported unsupported supported" {
		t.Fatalf("lexical verdicts %q; the test needs supported unsupported supported", got)
	}

	e, srv, logs := llmVerifierEngine(t, nil, replyWith(threeClaims), replyWith(modelVerdicts))
	ans, err := e.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if srv.RequestCount() != 2 || len(reqs) != 2 || !reqs[0].Stream || !isVerifyRequest(reqs[1]) {
		t.Fatalf("%d requests; want the answer, then one verify request", srv.RequestCount())
	}
	vr := reqs[1]
	if vr.Stream || vr.ResponseFormat == nil || vr.ResponseFormat.Type != "json_object" || vr.Temperature == nil || *vr.Temperature != 0 {
		t.Errorf("verify request stream %v format %+v temperature %v; want JSON at 0", vr.Stream, vr.ResponseFormat, vr.Temperature)
	}
	prompt := allText(vr)
	for _, want := range []string{
		`<claim n="1" cites="1">` + "\n" + negated + ".\n</claim>",
		`<claim n="2" cites="1">` + "\n" + sixty + ".\n</claim>",
		`<claim n="3" cites="2">` + "\n" + bread + ".\n</claim>",
		`<passage n="1">`, `<passage n="2">`, "<question>\n" + callQuestion,
	} {
		if !strings.Contains(prompt, want) {
			t.Errorf("verify prompt lacks %q:\n%s", want, prompt)
		}
	}
	if strings.Contains(prompt, `<passage n="3">`) {
		t.Error("verify prompt shows a passage no claim cites")
	}

	if got, want := ans.Text, negated+". "+sixty+" [1]. "+bread+" [2]."; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	checkClaimSpans(t, ans)
	if got := verdictsOf(ans); got != "unsupported supported supported" || ans.Grounded {
		t.Fatalf("verdicts %q grounded %v; want the model's", got, ans.Grounded)
	}
	for _, c := range ans.Claims {
		if c.Verifier != "llm" {
			t.Errorf("claim %q judged by %q, want llm", c.Text, c.Verifier)
		}
	}
	if c := ans.Claims[1]; c.Quote != "The two men talked for about an hour about the war in Ukraine." || c.Score != 1 || c.QuoteOf != 1 {
		t.Errorf("paraphrase claim %+v; want the model's quote, widened to its sentence", c)
	}
	// The model's quote is not in the bread passage: the lexical one is shown.
	if c := ans.Claims[2]; c.Quote != bread+"." {
		t.Errorf("bread claim quote %q, want the offline quote", c.Quote)
	}
	if len(logs.warnings()) != 0 {
		t.Errorf("warnings logged: %s", logs)
	}

	// The verify request's tokens and time are the answer's.
	var want Usage
	for i, r := range reqs {
		reply := threeClaims
		if i == 1 {
			reply = modelVerdicts
		}
		p, c := len(strings.Fields(allText(r))), len(strings.Fields(reply))
		want = addUsage(want, Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c})
	}
	if ans.Usage != want {
		t.Errorf("usage %+v, want both requests' %+v", ans.Usage, want)
	}
	if ans.Timings.Verify <= 0 {
		t.Error("no verify time")
	}
}

// The answer streams before its claims are judged.
func TestLLMVerifierRunsAfterTheStream(t *testing.T) {
	var deltas, seen atomic.Int32
	e, _, _ := llmVerifierEngine(t, nil, replyWith(threeClaims), func(openaitest.ChatRequest) string {
		seen.Store(deltas.Load())
		return modelVerdicts
	})
	ans, err := e.Ask(context.Background(), callQuestion, nil, func(string) { deltas.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if n := seen.Load(); n <= 1 || n != deltas.Load() {
		t.Errorf("the verify request came after %d of %d deltas; want after all", n, deltas.Load())
	}
	if verdictsOf(ans) != "unsupported supported supported" {
		t.Errorf("verdicts %q", verdictsOf(ans))
	}
}

// A reply it cannot read, and a server error, leave every claim to the
// lexical check, with one warning.
func TestLLMVerifierFallsBack(t *testing.T) {
	lex, _ := llmEngine(t, newFixedRetriever(callPassages()), Config{}, replyWith(threeClaims))
	base, err := lex.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		judge string
		fail  int // HTTP status of the verify request
		log   string
	}{
		{"garbled", "Claim 1 looks fine to me, {claim: one} and so on.", 0, "no JSON verdicts"},
		{"no verdicts", `{"verdicts": []}`, 0, "no JSON verdicts"},
		{"server error", modelVerdicts, http.StatusInternalServerError, "HTTP 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srv *openaitest.Server
			e, srv, logs := llmVerifierEngine(t, nil, func(openaitest.ChatRequest) string {
				if tc.fail != 0 {
					srv.FailNext(1, tc.fail, "", "") // the request after this one
				}
				return threeClaims
			}, replyWith(tc.judge))
			ans, err := e.Ask(context.Background(), callQuestion, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if srv.RequestCount() != 2 {
				t.Errorf("%d requests, want the answer and one verify request", srv.RequestCount())
			}
			if ans.Text != base.Text || verdictsOf(ans) != verdictsOf(base) {
				t.Errorf("%q %q; want the lexical result %q %q", ans.Text, verdictsOf(ans), base.Text, verdictsOf(base))
			}
			for _, c := range ans.Claims {
				if c.Verifier != "lexical" {
					t.Errorf("claim %q judged by %q, want lexical", c.Text, c.Verifier)
				}
			}
			warns := logs.warnings()
			if len(warns) != 1 || !strings.Contains(warns[0], "model verifier failed") || !strings.Contains(warns[0], tc.log) {
				t.Fatalf("warnings %q; want one naming %q", warns, tc.log)
			}
			if strings.Contains(logs.String(), "sk-verifier-test-key") {
				t.Error("the API key was logged")
			}
		})
	}
}

// Claims the reply has no verdict for are judged offline, the others by
// the model.
func TestLLMVerifierMissingVerdicts(t *testing.T) {
	partial := "Here you go:\n```json\n" + `{"verdicts": [{"claim": "1", "supported": "no"}, {"claim": 3, "supported": "maybe"}]}` + "\n```"
	e, _, logs := llmVerifierEngine(t, nil, replyWith(threeClaims), replyWith(partial))
	ans, err := e.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ans.Claims {
		got = append(got, string(c.Verdict)+"/"+c.Verifier)
	}
	if strings.Join(got, " ") != "unsupported/llm unsupported/lexical supported/lexical" {
		t.Errorf("claims %q", got)
	}
	if warns := logs.warnings(); len(warns) != 1 || !strings.Contains(warns[0], "missing=2") {
		t.Errorf("warnings %q; want one counting 2 missing", warns)
	}
}

// A server that rejects response_format is asked again without it.
func TestLLMVerifierResponseFormatRejected(t *testing.T) {
	var srv *openaitest.Server
	e, srv, logs := llmVerifierEngine(t, nil, func(openaitest.ChatRequest) string {
		srv.FailNext(1, http.StatusBadRequest, openaitest.OpenAIError("Unrecognized request argument supplied: response_format", "invalid_request_error", nil), "")
		return threeClaims
	}, replyWith("Sure! "+modelVerdicts))
	ans, err := e.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests; want the answer, the rejected verify request and its retry", len(reqs))
	}
	if !bytes.Contains(reqs[1].Body, []byte(`"response_format"`)) || bytes.Contains(reqs[2].Body, []byte(`"response_format"`)) {
		t.Errorf("verify bodies %s, then %s; want response_format, then none", reqs[1].Body, reqs[2].Body)
	}
	if verdictsOf(ans) != "unsupported supported supported" || ans.Claims[0].Verifier != "llm" || len(logs.warnings()) != 0 {
		t.Errorf("verdicts %q by %q, warnings %q; want the model's", verdictsOf(ans), ans.Claims[0].Verifier, logs.warnings())
	}
}

// An LLM without CompleteJSON is asked with Complete.
func TestLLMVerifierPlainComplete(t *testing.T) {
	e, srv, _ := llmVerifierEngine(t, func(l LLM) LLM { return plainLLM{l} }, replyWith(threeClaims), replyWith(modelVerdicts))
	ans, err := e.Ask(context.Background(), callQuestion, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reqs := srv.ChatRequests(); len(reqs) != 2 || reqs[1].ResponseFormat != nil {
		t.Errorf("requests %+v; want one verify request without response_format", reqs)
	}
	if verdictsOf(ans) != "unsupported supported supported" {
		t.Errorf("verdicts %q", verdictsOf(ans))
	}
}

// Summaries the LLM writes are judged by the model, sentence by cited
// paragraph; extractive ones stay on the offline check.
func TestLLMVerifierSummaries(t *testing.T) {
	summary := "Austin and Shoigu spoke on Friday [1]. Austin did not urge a ceasefire [1]."
	e, srv, _ := llmVerifierEngine(t, nil, replyWith(summary), replyWith(
		`{"verdicts": [{"claim": 1, "supported": true, "passage": 1, "quote": "spoke with Russian Defense Minister Sergei Shoigu on Friday"}, {"claim": 2, "supported": false}]}`))
	ans, err := e.Summarize(context.Background(), "call", Short, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 || !isVerifyRequest(reqs[1]) || strings.Contains(allText(reqs[1]), "<question>") {
		t.Fatalf("%d requests; want the summary and one verify request without a question", len(reqs))
	}
	if got := verdictsOf(ans); got != "supported unsupported" || ans.Claims[0].Verifier != "llm" {
		t.Errorf("summary verdicts %q by %q", got, ans.Claims[0].Verifier)
	}

	// Offline, the same verifier makes no request.
	v := e.cfg.Verifier
	off, err := NewEngine(Config{Retriever: newFixedRetriever(callPassages()), Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	ans, err = off.Summarize(context.Background(), "call", Short, nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.RequestCount() != 2 || !ans.Grounded || ans.Claims[0].Verifier != "lexical" {
		t.Errorf("extractive summary: %d requests, grounded %v, verifier %q", srv.RequestCount()-2, ans.Grounded, ans.Claims[0].Verifier)
	}
}

func TestNewLLMVerifier(t *testing.T) {
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewLLMVerifier(LLMVerifierConfig{Prompts: renderer}); err == nil {
		t.Error("no LLM: no error")
	}
	if _, err := NewLLMVerifier(LLMVerifierConfig{LLM: failingLLM{}}); err == nil {
		t.Error("no prompts: no error")
	}
	v, err := NewLLMVerifier(LLMVerifierConfig{LLM: failingLLM{}, Prompts: renderer})
	if err != nil || v.Name() != "llm" || v.fallback.Name() != "lexical" || v.timeout != DefaultVerifyTimeout {
		t.Fatalf("defaults: %+v, %v", v, err)
	}
	// An engine gives it its own offline check to fall back on.
	e, err := NewEngine(Config{Retriever: newFixedRetriever(callPassages()), Verifier: v, SupportThreshold: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if fb, ok := e.cfg.Verifier.(*LLMVerifier).fallback.(LexicalVerifier); !ok || fb.Threshold != 0.3 {
		t.Errorf("engine fallback %+v", e.cfg.Verifier.(*LLMVerifier).fallback)
	}
	if lv, _ := v.fallback.(LexicalVerifier); lv.Threshold != 0 {
		t.Error("the engine changed the caller's verifier")
	}
	// One it was given stays.
	v2, _ := NewLLMVerifier(LLMVerifierConfig{LLM: failingLLM{}, Prompts: renderer, Fallback: VerifierOff})
	e, _ = NewEngine(Config{Retriever: newFixedRetriever(callPassages()), Verifier: v2})
	if e.cfg.Verifier.(*LLMVerifier).fallback != VerifierOff {
		t.Error("the engine replaced a configured fallback")
	}
}

// A model that does not answer in time leaves the claims to the offline
// check.
func TestLLMVerifierTimeout(t *testing.T) {
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.ChatDelay = time.Minute
	renderer, err := prompts.New("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	v, err := NewLLMVerifier(LLMVerifierConfig{LLM: verifyLLM(t, srv), Prompts: renderer, Timeout: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	passages := []string{callPassages()[0].Chunk.Text}
	claims := []Statement{{Text: negated, Sentence: negated + ".", Cited: []int{0}}}
	js, err := v.Verify(context.Background(), "", claims, passages)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := LexicalVerifier{}.Verify(context.Background(), "", claims, passages)
	if len(js) != 1 || len(js[0]) != 1 || js[0][0].Supported != want[0][0].Supported || js[0][0].Verifier != "lexical" {
		t.Errorf("judgments %+v, want the lexical %+v", js, want)
	}
	if warns := logs.warnings(); len(warns) != 1 || !strings.Contains(warns[0], "no verdicts within 20ms") {
		t.Errorf("warnings %q", warns)
	}
}
