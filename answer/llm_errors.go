package answer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// LLMError is a failed chat request. Its message names the model and the
// server (host only) and carries the server's own message; the API key
// never appears in it.
type LLMError struct {
	// Model and Host name what failed.
	Model, Host string
	// Status is the HTTP status, 0 when there was no response.
	Status int
	// Message is the server's message or the transport error.
	Message string
	// Attempts is how many requests were made.
	Attempts int
	// Timeout is set when an attempt ran out of time.
	Timeout time.Duration
	// RetryAfter is set when the server asked for a longer wait than the
	// client is willing to make.
	RetryAfter time.Duration
	// CutOff is true when the failure came after part of the reply had
	// been delivered; Received is how many bytes of text arrived.
	CutOff   bool
	Received int
	// Err is the underlying error (*openai.RequestError,
	// *openai.APIError, a net error...).
	Err error

	retryable bool
	hint      string
}

func (e *LLMError) Error() string {
	var b strings.Builder
	who := e.Model + " at " + e.Host
	switch {
	case e.CutOff:
		fmt.Fprintf(&b, "the answer stream from %s was cut off after %d bytes: ", who, e.Received)
	case e.Timeout > 0:
		fmt.Fprintf(&b, "%s did not answer within %s", who, e.Timeout)
	case e.Status > 0:
		fmt.Fprintf(&b, "%s failed: HTTP %d %s: ", who, e.Status, http.StatusText(e.Status))
	case isConnError(e.Err):
		fmt.Fprintf(&b, "cannot reach %s: ", who)
	default:
		fmt.Fprintf(&b, "%s failed: ", who)
	}
	if e.Timeout == 0 || e.CutOff {
		b.WriteString(e.Message)
	}
	if e.hint != "" {
		b.WriteString(" (" + e.hint + ")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (the server asks to retry after %s)", e.RetryAfter.Round(time.Second))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *LLMError) Unwrap() error { return e.Err }

// newError classifies err from one attempt. *openai.RequestError is
// checked before *openai.APIError: an error body that is not OpenAI's
// {"error":{"message":...}} shape (Ollama's {"error":"..."}, a proxy's
// HTML page) comes back as a RequestError, possibly wrapping an APIError
// with nothing in it.
func (c *LLM) newError(err error, info *respInfo, attempts int, timedOut bool) *LLMError {
	le := &LLMError{Model: c.model, Host: c.host, Attempts: attempts, Err: err}
	var (
		reqErr *openai.RequestError
		apiErr *openai.APIError
	)
	switch {
	case timedOut:
		le.Timeout = c.timeout
		le.Message = "timed out"
	case errors.As(err, &reqErr):
		le.Status = reqErr.HTTPStatusCode
		le.Message = bodyMessage(reqErr.Body)
		if le.Message == "" && reqErr.Err != nil {
			le.Message = reqErr.Err.Error()
		}
		le.retryable = retryableStatus(le.Status)
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0:
		le.Status = apiErr.HTTPStatusCode
		le.Message = apiErr.Message
		le.retryable = retryableStatus(le.Status)
	case errors.As(err, &apiErr):
		le.Message = apiErr.Message
		le.retryable = retryableErr(err)
	default:
		le.Message = err.Error()
		le.retryable = retryableErr(err)
	}
	if le.Status == 0 && info.status >= 400 {
		le.Status = info.status
	}
	if le.Message == "" {
		le.Message = http.StatusText(le.Status)
	}
	le.Message = c.redact(oneLine(le.Message, 300))
	switch le.Status {
	case http.StatusNotFound:
		if !strings.HasSuffix(strings.TrimRight(c.baseURL.Path, "/"), "/v1") {
			le.hint = "the base URL of an OpenAI-compatible server usually ends in /v1"
		} else {
			le.hint = "is the model name right?"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		le.hint = "check the API key"
	}
	return le
}

// bodyMessage pulls the message out of an error body in any of the
// shapes OpenAI-compatible servers use, else returns the body itself.
func bodyMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		var obj struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s // Ollama, llama.cpp: {"error":"..."}
		case json.Unmarshal(v.Error, &obj) == nil && obj.Message != "":
			return obj.Message
		case v.Message != "":
			return v.Message
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			return s // FastAPI: {"detail":"..."}
		}
	}
	return string(body)
}

// redact removes the API key from text a server sent back (some servers
// echo the key they rejected).
func (c *LLM) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	return s
}

// oneLine collapses white space and cuts s to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// redactURL drops user info and query from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}
