package feeds

import (
	"context"
	"net/url"
	"strings"
	"sync"
)

// hostLimit lets at most n requests of one poller reach one host at a
// time: 200 feeds of one publisher are polled two by two, not all at once.
type hostLimit struct {
	n     int
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func newHostLimit(n int) *hostLimit {
	return &hostLimit{n: n, slots: map[string]chan struct{}{}}
}

// acquire waits for a slot of rawURL's host (until ctx ends) and returns
// the function that gives it back.
func (h *hostLimit) acquire(ctx context.Context, rawURL string) (func(), error) {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		host = strings.ToLower(u.Host)
	}
	h.mu.Lock()
	slot, ok := h.slots[host]
	if !ok {
		slot = make(chan struct{}, h.n)
		h.slots[host] = slot
	}
	h.mu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
