package retrieval

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry defaults for remote embedding calls. Rate limits (429) and
// overloaded servers (503, Ollama loading a model) usually clear within
// seconds, so a few doublings from half a second cover them without
// stalling an ingest for long when the server is really down.
const (
	defaultMaxRetries = 5
	defaultMinBackoff = 500 * time.Millisecond
	defaultMaxBackoff = 30 * time.Second
	// maxRetryAfter caps how long a server's Retry-After may make us wait
	// before one attempt; a longer request is better reported than obeyed.
	maxRetryAfter = 2 * time.Minute
)

// backoff computes the wait before retry number attempt (from 1):
// exponential from min, capped at max, with "equal jitter" (a random point
// in the upper half of the interval) so that concurrent workers hitting
// the same rate limit do not retry in lockstep. A server's Retry-After
// is a floor: we never come back sooner than the server asked.
type backoff struct {
	min, max time.Duration
}

func (b backoff) delay(attempt int, retryAfter time.Duration) time.Duration {
	d := b.min
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	if d > 0 {
		half := d / 2
		d = half + time.Duration(rand.Int64N(int64(d-half)+1))
	}
	if retryAfter > 0 {
		d = max(d, min(retryAfter, maxRetryAfter))
	}
	return d
}

// parseRetryAfter reads a Retry-After header value: either delay seconds
// ("2") or an HTTP date. It reports false for a missing or unreadable
// value; a date in the past means "now" (0, true).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs > maxRetryAfter.Seconds()*10 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// sleepCtx waits d or until ctx is done, whichever comes first, so that a
// cancelled ingest never sits out a backoff.
func sleepCtx(ctx context.Context, d time.Duration) error {
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

// retryableStatus reports whether an HTTP status is worth retrying: rate
// limits, request timeouts and server-side failures.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}
