package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAskOfflineCitesSeedArticle(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "ask", "What did Lloyd Austin urge during his call with Sergei Shoigu?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	answerPart, sources, ok := strings.Cut(r.stdout, "Sources:")
	if !ok {
		t.Fatalf("no Sources: section in\n%s", r.stdout)
	}
	if !strings.Contains(answerPart, "immediate ceasefire") || !strings.Contains(answerPart, "[1]") {
		t.Errorf("answer lacks \"immediate ceasefire\" with [1]:\n%s", answerPart)
	}
	if !strings.Contains(sources, "[1] U.S. Defense Secretary Lloyd Austin Speaks With Russia Defense Minister") {
		t.Errorf("Sources do not name the seed article:\n%s", sources)
	}
	if !strings.Contains(r.stdout, "extractive") {
		t.Errorf("offline answer does not say it is extractive:\n%s", r.stdout)
	}
}

func TestAskJSONShape(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "ask", "--json", "How long did the call between Austin and Shoigu last?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Question  string `json:"question"`
		Answer    string `json:"answer"`
		Grounded  *bool  `json:"grounded"`
		Refused   *bool  `json:"refused"`
		Citations []struct {
			N       int `json:"n"`
			Article struct {
				ID, Title, Source, Author, Published string
			} `json:"article"`
			Quote   string `json:"quote"`
			Passage string `json:"passage"`
			Start   int    `json:"start"`
			End     int    `json:"end"`
		} `json:"citations"`
		Passages []json.RawMessage `json:"passages"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got.Grounded == nil || got.Refused == nil || !*got.Grounded || *got.Refused {
		t.Fatalf("grounded/refused wrong: %s", r.stdout)
	}
	if len(got.Citations) == 0 || got.Citations[0].N != 1 || got.Citations[0].Article.Author != "Mary Webber" {
		t.Fatalf("citations wrong: %+v", got.Citations)
	}
	c := got.Citations[0]
	if !strings.Contains(got.Answer, "about an hour") || !strings.Contains(c.Passage, c.Quote) || c.End <= c.Start {
		t.Errorf("answer/quote wrong: answer %q quote %q (%d..%d)", got.Answer, c.Quote, c.Start, c.End)
	}
	if len(got.Passages) == 0 {
		t.Error("no passages in --json output")
	}
}

func TestAskFarOutsideTheArticlesIsRefused(t *testing.T) {
	env := offlineEnv(t)
	for _, q := range []string{
		"Who won the 2018 FIFA World Cup final?",
		"How do I bake sourdough bread at home?",
		"What was Apple's closing stock price yesterday?",
	} {
		r := runCLI(t, env, "ask", "--json", q)
		if r.code != 0 {
			t.Fatalf("%q: exit %d: %s", q, r.code, r.stderr)
		}
		var got struct {
			Refused   bool              `json:"refused"`
			Citations []json.RawMessage `json:"citations"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Refused || len(got.Citations) != 0 {
			t.Errorf("%q: refused=%v citations=%d; want a refusal without sources", q, got.Refused, len(got.Citations))
		}
	}
}

func TestSummarizeSeedArticle(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "summarize", "--length", "short", "austin-shoigu-call")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "[1]") || !strings.Contains(r.stdout, "Sources:") {
		t.Errorf("summary is not cited:\n%s", r.stdout)
	}
}

func TestSummarizeUnknownArticle(t *testing.T) {
	env := offlineEnv(t)
	r := runCLI(t, env, "summarize", "no-such-article")
	if r.code != 1 || !strings.Contains(r.stderr, "no-such-article") {
		t.Fatalf("exit %d stderr %q; want 1 naming the article", r.code, r.stderr)
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("want one line on stderr, got %q", r.stderr)
	}
}

func TestChatKeepsHistoryAndQuits(t *testing.T) {
	env := offlineEnv(t)
	input := "What did Lloyd Austin urge during his call with Sergei Shoigu?\nHow long did it last?\n/quit\nnot read\n"
	r := runCLIInput(t, env, input, "chat")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Count(r.stdout, "Sources:") != 2 {
		t.Errorf("want two cited answers:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "about an hour") {
		t.Errorf("follow-up not answered from the same article:\n%s", r.stdout)
	}
}

func TestChatEndsOnEOF(t *testing.T) {
	env := offlineEnv(t)
	r := runCLIInput(t, env, "", "chat")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}
