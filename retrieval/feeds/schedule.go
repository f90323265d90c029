package feeds

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

// succeeded records a poll that worked (a 304 too): the failure count
// resets and the feed is due again after its interval, with jitter.
func (p *Poller) succeeded(f *store.Feed, now time.Time) {
	f.LastSuccess = now
	f.Failures = 0
	f.LastError = ""
	f.NextDue = now.Add(p.jitter(f.Interval))
}

// failed records a poll that did not work: the feed waits its interval
// times 2^failures (at most MaxBackoff), or longer when the server said so
// with Retry-After.
func (p *Poller) failed(f *store.Feed, now time.Time, why string, retryAfter time.Duration) {
	f.Failures++
	f.LastError = why
	wait := max(p.jitter(backoff(f.Interval, f.Failures)), retryAfter)
	f.NextDue = now.Add(wait)
}

// backoff is the wait after the given number of failures in a row.
func backoff(interval time.Duration, failures int) time.Duration {
	wait := interval
	for range min(failures, 16) {
		wait *= 2
		if wait >= MaxBackoff {
			return max(MaxBackoff, interval)
		}
	}
	return wait
}

// jitter spreads d over ±10%, so feeds added together drift apart and a
// publisher never sees all of its feeds polled in the same second.
func (p *Poller) jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*p.cfg.Jitter()))
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) as a
// wait from now; 0 when there is none or it makes no sense.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var wait time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		wait = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		wait = t.Sub(now)
	}
	return min(max(wait, 0), maxRetryAfter)
}

// StatusError is a feed server's answer that is neither a feed nor a 304.
type StatusError struct {
	// Code is the HTTP status.
	Code int
	// Wait is what the server's Retry-After asked for (0: nothing).
	Wait time.Duration
}

// Error says in one sentence why the feed was not read and what happens
// next, for `feeds list`.
func (e *StatusError) Error() string {
	resp, wait := e.Code, e.Wait
	text := strings.TrimSpace(strconv.Itoa(resp) + " " + http.StatusText(resp))
	switch {
	case resp == http.StatusTooManyRequests && wait > 0:
		return "the server asked to slow down (" + text + "); waiting " + wait.Round(time.Second).String() + " as it said"
	case resp == http.StatusTooManyRequests:
		return "the server asked to slow down (" + text + ")"
	case resp == http.StatusGone:
		return "the feed is gone (" + text + "); remove it with `citebot feeds remove`"
	case wait > 0:
		return "server answered " + text + "; it asked to retry after " + wait.Round(time.Second).String()
	}
	return "server answered " + text
}
