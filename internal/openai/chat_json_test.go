package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// wireBody decodes the JSON body of a recorded request.
func wireBody(t *testing.T, r openaitest.Request) map[string]json.RawMessage {
	t.Helper()
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("request body %s: %v", r.Body, err)
	}
	return body
}

func TestChatCompleteJSON(t *testing.T) {
	warm := float32(0.7)
	c, srv, _ := testChat(t, ChatConfig{Temperature: &warm})
	srv.ChatFunc = func(openaitest.ChatRequest) string { return `{"verdicts": []}` }
	text, usage, err := c.CompleteJSON(context.Background(), testMsgs)
	if err != nil {
		t.Fatal(err)
	}
	if text != `{"verdicts": []}` || usage.TotalTokens == 0 {
		t.Errorf("text %q usage %+v", text, usage)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 || reqs[0].Stream {
		t.Fatalf("want one request without streaming, got %+v", reqs)
	}
	if f := reqs[0].ResponseFormat; f == nil || f.Type != "json_object" {
		t.Errorf("response_format %+v, want json_object", f)
	}
	if got := string(wireBody(t, srv.Requests()[0])["temperature"]); got != "0" {
		t.Errorf("temperature %q, want 0 although the client's is 0.7", got)
	}
	// The client's other requests keep its temperature and send no format.
	if _, _, err := c.Complete(context.Background(), testMsgs); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[1]
	if body := wireBody(t, last); string(body["temperature"]) != "0.7" || body["response_format"] != nil {
		t.Errorf("Complete after CompleteJSON sent %s", last.Body)
	}
}

func TestChatCompleteJSONWithoutResponseFormat(t *testing.T) {
	var logs bytes.Buffer
	c, srv, w := testChat(t, ChatConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv.FailNext(1, http.StatusBadRequest, openaitest.OpenAIError("Unrecognized request argument supplied: response_format", "invalid_request_error", nil), "")
	text, _, err := c.CompleteJSON(context.Background(), testMsgs)
	if err != nil || text != testReply {
		t.Fatalf("CompleteJSON = %q, %v; want the reply of the request without response_format", text, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || len(w.get()) != 0 {
		t.Fatalf("%d requests, waits %v; want the 400, then one more at once", len(reqs), w.get())
	}
	if wireBody(t, reqs[0])["response_format"] == nil || wireBody(t, reqs[1])["response_format"] != nil {
		t.Errorf("bodies %s then %s; want response_format, then none", reqs[0].Body, reqs[1].Body)
	}
	if got := string(wireBody(t, reqs[1])["temperature"]); got != "0" {
		t.Errorf("retry temperature %q, want 0", got)
	}
	if !strings.Contains(logs.String(), "response_format") {
		t.Errorf("no log line about the format: %q", logs.String())
	}
	// The client remembers: the next call sends no format at all.
	if _, _, err := c.CompleteJSON(context.Background(), testMsgs); err != nil {
		t.Fatal(err)
	}
	if reqs := srv.Requests(); len(reqs) != 3 || wireBody(t, reqs[2])["response_format"] != nil {
		t.Errorf("next CompleteJSON sent %d requests, last %s", len(reqs)-2, reqs[len(reqs)-1].Body)
	}
}

func TestChatCompleteJSONOtherBadRequest(t *testing.T) {
	c, srv, _ := testChat(t, ChatConfig{})
	srv.FailNext(1, http.StatusBadRequest, openaitest.OpenAIError("'messages' is too long", "invalid_request_error", nil), "")
	_, _, err := c.CompleteJSON(context.Background(), testMsgs)
	if e := asError(t, err); e.Status != http.StatusBadRequest || srv.RequestCount() != 1 {
		t.Errorf("error %v after %d requests; want the 400, not retried", err, srv.RequestCount())
	}
	// The format is still asked for next time.
	if _, _, err := c.CompleteJSON(context.Background(), testMsgs); err != nil {
		t.Fatal(err)
	}
	if f := srv.ChatRequests()[0].ResponseFormat; f == nil || f.Type != "json_object" {
		t.Errorf("response_format %+v after an unrelated 400", f)
	}
}
