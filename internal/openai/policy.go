package openai

import (
	"context"
	"math/rand/v2"
	"time"
)

// DefaultMaxRetryAfter is the longest wait a server's Retry-After (or
// Retry-After-Ms) may impose in the default policies. A server asking for
// longer fails the request at once: a long request is better reported
// than obeyed, by an ingest as by a user waiting for an answer.
const DefaultMaxRetryAfter = time.Minute

// Policy is how a client retries: one set of rules for the embedder and the
// chat client, so that the same failure is treated the same way by both.
// Only failures the classifier calls transient are retried (429 without
// insufficient_quota, 408, 5xx, refused or reset connections, EOF, attempt
// timeouts), and never an attempt that has already delivered output to the
// caller (a chat stream after its first token).
//
// Field values are taken literally; EmbedPolicy and ChatPolicy are the
// values the callers start from.
type Policy struct {
	// MaxRetries is how many times a failed attempt is retried; 0 or less
	// means never.
	MaxRetries int
	// MinBackoff is the wait before the first retry; each further retry
	// doubles it, up to MaxBackoff (a MaxBackoff below MinBackoff means no
	// growth). The wait is jittered over its upper half so that clients
	// which failed together do not come back together.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest wait a server's Retry-After or
	// Retry-After-Ms may ask for; the client never comes back sooner than
	// asked, and a longer ask fails the request at once with
	// Error.RetryAfter set. 0 ignores the headers (backoff alone).
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds each attempt, streaming included; 0 means only
	// the caller's context bounds it.
	AttemptTimeout time.Duration
	// Sleep waits d or until ctx is done. Nil uses a timer; tests inject a
	// function that records the waits instead of sitting them out.
	Sleep func(ctx context.Context, d time.Duration) error
}

// EmbedPolicy is the embedder's default: an ingest can afford to wait out a
// rate limit or a model that is loading (5 retries, up to 30 s apart), and
// a batch of 64 texts gets a minute per attempt.
func EmbedPolicy() Policy {
	return Policy{
		MaxRetries:     5,
		MinBackoff:     500 * time.Millisecond,
		MaxBackoff:     30 * time.Second,
		MaxRetryAfter:  DefaultMaxRetryAfter,
		AttemptTimeout: time.Minute,
	}
}

// ChatPolicy is the chat client's default: a user is waiting, so fewer
// retries (3) closer together (at most 8 s apart); an attempt, streaming
// included, may take two minutes.
func ChatPolicy() Policy {
	return Policy{
		MaxRetries:     3,
		MinBackoff:     500 * time.Millisecond,
		MaxBackoff:     8 * time.Second,
		MaxRetryAfter:  DefaultMaxRetryAfter,
		AttemptTimeout: 2 * time.Minute,
	}
}

// backoff is the wait before retry number retry (from 1): exponential from
// MinBackoff, capped at MaxBackoff, with "equal jitter" (a random point in
// the upper half).
func (p Policy) backoff(retry int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < retry && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(p.MaxBackoff, p.MinBackoff))
	if d <= 1 {
		return max(d, 0)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// wait is the pause before retry number retry, given the server's
// Retry-After (0 = none): the backoff, but never less than the server asked
// for. ok is false when the server asks for more than MaxRetryAfter.
func (p Policy) wait(retry int, retryAfter time.Duration) (d time.Duration, ok bool) {
	d = p.backoff(retry)
	if p.MaxRetryAfter <= 0 || retryAfter <= 0 {
		return d, true
	}
	if retryAfter > p.MaxRetryAfter {
		return 0, false
	}
	return max(d, retryAfter), true
}

// sleep waits d with the policy's Sleep, or a timer that stops when ctx is
// done, so that a cancelled request never sits out a backoff.
func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
