package answer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// errStreamIncomplete reports a stream whose body ended without a
// finish_reason: the connection was closed before the reply was complete.
var errStreamIncomplete = errors.New("the stream ended before the reply was complete")

// errNoChoices reports a completion without any choice.
var errNoChoices = errors.New("the reply holds no choices")

// retry runs attempt until it succeeds, fails for good, or the retry
// budget is spent. Each attempt gets its own timeout and a respInfo for
// llmTransport to fill. attempt reports whether output already reached
// the caller; then nothing is retried, so streamed text is never
// repeated.
func (c *LLM) retry(ctx context.Context, attempt func(context.Context) (started bool, err error)) error {
	for try := 1; ; try++ {
		info := &respInfo{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, respInfoKey{}, info), c.timeout)
		started, err := attempt(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", c, ctx.Err())
		}
		le := c.newError(err, info, try, timedOut)
		if started {
			le.CutOff = true
			le.retryable = false
			return le
		}
		if !le.retryable || try > c.maxRetries {
			return le
		}
		wait := c.backoff(try)
		if info.retryAfter > 0 {
			if info.retryAfter > c.maxRetryAfter {
				le.RetryAfter = info.retryAfter
				return le
			}
			wait = info.retryAfter
		}
		c.log.Warn("LLM request failed; retrying", "llm", c.String(), "attempt", try,
			"status", le.Status, "error", le.Message, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
	}
}

// backoff is the wait before retry number try (1-based): exponential from
// backoffBase, capped at backoffMax, with jitter over its upper half so
// that clients which failed together do not retry together.
func (c *LLM) backoff(try int) time.Duration {
	d := c.backoffBase
	for i := 1; i < try && d < c.backoffMax; i++ {
		d *= 2
	}
	d = min(d, c.backoffMax)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

// retryableStatus is true for the statuses worth retrying: rate limits
// and server errors.
func retryableStatus(code int) bool {
	return code == 429 || code >= 500
}

// retryableErr classifies an error without an HTTP status: a server that
// reported an error inside the stream, or a connection that failed.
func retryableErr(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		// An error event inside an SSE stream carries no status.
		return apiErr.Type == "server_error"
	}
	return isConnError(err)
}

// isConnError reports whether err is a transient connection failure:
// refused, reset, or closed early. Certificate errors and unknown hosts
// are not transient.
func isConnError(err error) bool {
	if errors.Is(err, errStreamIncomplete) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
