package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

const testKey = "sk-test-secret-key-0123456789"

func TestAskThroughChatModel(t *testing.T) {
	srv := openaitest.NewServer()
	defer srv.Close()
	srv.ChatFunc = func(req openaitest.ChatRequest) string {
		return `Austin urged an "immediate ceasefire" in Ukraine [1]. He also wanted a pony [9].`
	}
	env := offlineEnv(t)
	env["OPENAI_BASE_URL"] = srv.URL()
	env["OPENAI_API_KEY"] = testKey
	r := runCLI(t, env, "ask", "--json", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Answer     string `json:"answer"`
		Grounded   bool   `json:"grounded"`
		Extractive bool   `json:"extractive"`
		Citations  []struct {
			N       int
			Article struct{ ID string }
		} `json:"citations"`
		Claims []struct {
			Text, Verdict, Quote, Verifier string
			Start, End                     int
			Cited                          []int
		} `json:"claims"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// The pony's [9] points at no passage: that statement is uncited, so
	// the answer is not grounded; the ceasefire stays confirmed.
	if got.Extractive || got.Grounded || len(got.Citations) != 1 || got.Citations[0].Article.ID != "austin-shoigu-call" {
		t.Fatalf("unexpected answer: %+v", got)
	}
	if len(got.Claims) != 2 || got.Claims[0].Verdict != "supported" || got.Claims[0].Quote == "" || got.Claims[0].Verifier != "lexical" ||
		got.Claims[1].Verdict != "uncited" || !strings.Contains(got.Claims[1].Text, "pony") {
		t.Fatalf("claims = %+v", got.Claims)
	}
	text := runCLI(t, env, "ask", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	if !strings.Contains(text.stdout, "pony. ⚠") || !strings.Contains(text.stdout, "⚠ 1 of 2 statements is not supported by the cited articles.") {
		t.Errorf("text output does not mark the uncited statement:\n%s", text.stdout)
	}
	if strings.Contains(got.Answer, "[9]") || !strings.Contains(got.Answer, "[1]") {
		t.Errorf("citation [9] names no passage and must be dropped: %q", got.Answer)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 || !reqs[0].Stream {
		t.Fatalf("want one streamed chat request per ask, got %d", len(reqs))
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization header = %q", got)
	}
}

func TestDeadChatModelIsOneSentenceWithoutTheKey(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String() + "/v1"
	ln.Close() // nothing listens here any more: connection refused
	env := offlineEnv(t)
	env["OPENAI_BASE_URL"] = deadURL
	env["OPENAI_API_KEY"] = testKey
	env["CITEBOT_LLM_RETRIES"] = "0"
	// ask and summarize fall back to an offline answer (unless
	// answer.Config.NoFallback) and say why on stderr; a command that
	// fails says it in one line. Either way the server is named and the
	// key never shown.
	for _, args := range [][]string{
		{"ask", "What did Lloyd Austin urge during his call with Sergei Shoigu?"},
		{"summarize", "austin-shoigu-call"},
	} {
		r := runCLI(t, env, args...)
		if strings.Contains(r.stdout+r.stderr, testKey) {
			t.Fatalf("%s: the API key leaked into the output:\n%s%s", args[0], r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "127.0.0.1") {
			t.Errorf("%s: stderr %q does not say which server failed", args[0], r.stderr)
		}
		switch r.code {
		case 0:
			if strings.TrimSpace(r.stdout) == "" {
				t.Errorf("%s: exit 0 without an offline answer", args[0])
			}
		case 1:
			if !strings.HasPrefix(r.stderr, "citebot: ") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s: error is not one line: %q", args[0], r.stderr)
			}
		default:
			t.Errorf("%s: exit %d; stderr %q", args[0], r.code, r.stderr)
		}
	}
}

func TestRateLimitedChatModelIsRetried(t *testing.T) {
	srv := openaitest.NewServer()
	defer srv.Close()
	srv.ChatFunc = func(openaitest.ChatRequest) string {
		return `Austin urged an "immediate ceasefire" in Ukraine [1].`
	}
	srv.FailNext(1, 429, `{"error":{"message":"slow down","type":"rate_limit"}}`, "0")
	env := offlineEnv(t)
	env["OPENAI_BASE_URL"] = srv.URL()
	r := runCLI(t, env, "ask", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	if r.code != 0 || !strings.Contains(r.stdout, "immediate ceasefire") {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if n := srv.RequestCount(); n != 2 {
		t.Errorf("requests = %d, want 2 (429, then success)", n)
	}
}

func TestServeWithoutTokenFails(t *testing.T) {
	r := runCLI(t, offlineEnv(t), "serve")
	if r.code != 1 || !strings.Contains(r.stderr, "DISCORD_TOKEN") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

// CITEBOT_VERIFIER=llm: one extra request judges the answer's statements,
// and its verdict is what the answer shows.
func TestAskWithTheModelVerifier(t *testing.T) {
	srv := openaitest.NewServer()
	defer srv.Close()
	srv.ChatFunc = func(req openaitest.ChatRequest) string {
		if req.ResponseFormat != nil {
			return `{"verdicts": [{"claim": 1, "supported": false}]}`
		}
		return `Austin urged an "immediate ceasefire" in Ukraine [1].`
	}
	env := offlineEnv(t)
	env["OPENAI_BASE_URL"] = srv.URL()
	env["CITEBOT_VERIFIER"] = "llm"
	r := runCLI(t, env, "ask", "--json", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Grounded bool `json:"grounded"`
		Claims   []struct{ Verdict, Verifier string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Grounded || len(got.Claims) != 1 || got.Claims[0].Verdict != "unsupported" || got.Claims[0].Verifier != "llm" {
		t.Errorf("answer = %+v", got)
	}
	if n := len(srv.ChatRequests()); n != 2 {
		t.Errorf("%d chat requests, want the answer and one verification", n)
	}
	delete(env, "OPENAI_BASE_URL")
	if r := runCLI(t, env, "ask", "x"); r.code != 2 || !strings.Contains(r.stderr, "CITEBOT_VERIFIER=llm needs a chat model") {
		t.Errorf("llm verifier without a model: exit %d, %q", r.code, r.stderr)
	}
}
