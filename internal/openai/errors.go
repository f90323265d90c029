package openai

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"
)

// MinSecretLen is the shortest API key that is redacted from messages.
// Real keys are 20 bytes and more; local servers accept placeholders such
// as "x" or "ollama", and replacing those everywhere would mangle the
// message ("lookup" with a key of "k" would read "loo[redacted]up") while
// protecting nothing.
const MinSecretLen = 8

// MaxMessageBytes is how much of a server's message an Error keeps. The
// whole message is redacted first and cut afterwards, so a key echoed
// across the cut cannot leave its first characters behind.
const MaxMessageBytes = 300

// Error is a failed request to an OpenAI-compatible server. Its message
// names the model and the server (host only, never the URL or the key) and
// carries the server's own message, with the API key removed.
type Error struct {
	// Model and Host name what failed.
	Model, Host string
	// Status is the HTTP status: 0 when there was no response (or the
	// failure came inside a stream), 2xx when a response was unusable.
	Status int
	// Message is the server's message (OpenAI's {"error":{"message":...}},
	// Ollama's {"error":"..."}, or the body itself) or the transport error,
	// redacted and cut to MaxMessageBytes.
	Message string
	// Attempts is how many requests were made.
	Attempts int
	// Timeout is set when the last attempt ran out of time.
	Timeout time.Duration
	// RetryAfter is set when the server asked for a longer wait than the
	// policy allows; the request then fails without waiting.
	RetryAfter time.Duration
	// CutOff is true when a chat stream failed after part of the reply had
	// been delivered; Received is how many bytes of text arrived.
	CutOff   bool
	Received int
	// Err is the underlying error (*goopenai.APIError,
	// *goopenai.RequestError, a net error...). Its text may hold what the
	// server sent unredacted: show Error(), not Err.
	Err error

	transient   bool
	unreachable bool
	hint        string
}

func (e *Error) Error() string {
	var b strings.Builder
	who := e.Model + " at " + e.Host
	switch {
	case e.CutOff:
		fmt.Fprintf(&b, "the answer stream from %s was cut off after %d bytes: %s", who, e.Received, e.Message)
	case e.Timeout > 0:
		fmt.Fprintf(&b, "%s did not answer within %s", who, e.Timeout)
	case e.Status >= 400:
		fmt.Fprintf(&b, "%s failed: HTTP %d %s: %s", who, e.Status, http.StatusText(e.Status), e.Message)
	case e.Status > 0:
		fmt.Fprintf(&b, "%s sent an unreadable response (HTTP %d): %s", who, e.Status, e.Message)
	case e.unreachable:
		fmt.Fprintf(&b, "cannot reach %s: %s", who, e.Message)
	default:
		fmt.Fprintf(&b, "%s failed: %s", who, e.Message)
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

func (e *Error) Unwrap() error { return e.Err }

// errStreamIncomplete reports a stream whose body ended without a
// finish_reason: the connection was closed before the reply was complete.
var errStreamIncomplete = errors.New("the stream ended before the reply was complete")

// newError classifies err from one attempt; x is what the transport saw.
// This is the one classifier of the package: transient failures (429 other
// than an exhausted quota, 408, 5xx, refused or reset connections, EOF,
// attempt timeouts, a server_error event inside a stream) are worth a
// retry; everything else (other 4xx, unknown hosts, certificate errors,
// unreadable 200s) is final.
func (c *client) newError(err error, x *exchange, attempts int, timedOut bool) *Error {
	e := &Error{Model: c.model, Host: c.host, Attempts: attempts, Err: err}
	var (
		reqErr *goopenai.RequestError
		apiErr *goopenai.APIError
		said   errorBody
	)
	// A body that is not OpenAI's shape (Ollama's {"error":"..."}, a
	// proxy's HTML page) comes back as a RequestError, so it is checked
	// before APIError.
	switch {
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
	case errors.As(err, &apiErr):
		e.Status = apiErr.HTTPStatusCode
		said = errorBody{message: apiErr.Message, code: fmt.Sprint(apiErr.Code), typ: apiErr.Type}
	}
	if e.Status == 0 && x.status >= 400 {
		e.Status = x.status
	}
	if len(x.body) > 0 {
		said = parseErrorBody(x.body)
	}
	msg := said.message

	switch {
	case timedOut:
		e.Status = 0
		e.Timeout = c.policy.AttemptTimeout
		msg = "timed out"
		e.transient = true
	case e.Status >= 400:
		// An exhausted quota is a 429 that waiting does not fix.
		quota := said.code == "insufficient_quota" || said.typ == "insufficient_quota"
		e.transient = transientStatus(e.Status) && !quota
	case apiErr != nil:
		// An error event inside an SSE stream carries no status.
		e.transient = apiErr.Type == "server_error"
	default:
		e.unreachable, e.transient = netFailure(err)
		if !e.unreachable && x.status >= 200 && x.status < 300 {
			e.Status = x.status // answered, but not in a shape we can read
		}
	}
	if msg == "" {
		msg = transportMessage(err)
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	e.Message = clip(redact(msg, c.key), MaxMessageBytes)
	switch e.Status {
	case http.StatusNotFound:
		if !strings.HasSuffix(strings.TrimRight(c.base.Path, "/"), "/v1") {
			e.hint = "the base URL of an OpenAI-compatible server usually ends in /v1"
		} else {
			e.hint = "is the model name right?"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		e.hint = "check the API key"
	}
	return e
}

// failure is a final error of the client's own making (a response that
// decoded but makes no sense), in the same shape as a server's.
func (c *client) failure(format string, args ...any) *Error {
	msg := clip(redact(fmt.Sprintf(format, args...), c.key), MaxMessageBytes)
	return &Error{Model: c.model, Host: c.host, Message: msg, Attempts: 1}
}

// transientStatus reports whether an HTTP status is worth retrying: rate
// limits, request timeouts and server-side failures.
func transientStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

// netFailure reports whether err is a network failure (the server could
// not be reached, or the connection broke) and whether it is transient:
// refused, reset or closed early is; an unknown host or a certificate that
// does not verify is not, since waiting does not fix it.
func netFailure(err error) (network, transient bool) {
	var certErr *tls.CertificateVerificationError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &certErr):
		return true, false
	case errors.As(err, &dnsErr):
		return true, !dnsErr.IsNotFound
	case errors.Is(err, errStreamIncomplete), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true, true
	case errors.As(err, &opErr):
		return true, true
	}
	return false, false
}

// transportMessage is err's text without the request URL that *url.Error
// puts in front (the URL is the caller's business, and may carry
// credentials).
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// errorBody is what an error response says.
type errorBody struct {
	message, code, typ string
}

// parseErrorBody reads an error body in any of the shapes
// OpenAI-compatible servers use; a body in none of them is the message
// itself.
func parseErrorBody(body []byte) errorBody {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		var obj struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		}
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return errorBody{message: s} // Ollama, llama.cpp: {"error":"..."}
		case json.Unmarshal(v.Error, &obj) == nil && obj.Message != "":
			// OpenAI: code is a string, a number or null.
			return errorBody{message: obj.Message, code: strings.Trim(string(obj.Code), `"`), typ: obj.Type}
		case v.Message != "":
			return errorBody{message: v.Message}
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			return errorBody{message: s} // FastAPI: {"detail":"..."}
		}
	}
	return errorBody{message: string(body)}
}

// redact replaces every occurrence of key in s, when key is long enough to
// be a secret (MinSecretLen); some servers echo the key they rejected.
func redact(s, key string) string {
	if len(key) < MinSecretLen {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

// clip collapses white space, replaces invalid UTF-8 and cuts s to at most
// n bytes on a character boundary. Redact before clipping.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

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
