package bot

import (
	"context"
	"sync"
	"time"
)

// liveMessage throttles the edits of one message that changes while an
// answer streams: at most one edit per interval, always the newest state,
// and a final edit that is always sent (after the interval, in order after
// every interim edit).
type liveMessage struct {
	interval time.Duration
	edit     func(ctx context.Context, m outMessage, final bool) error

	mu       sync.Mutex
	pending  *outMessage
	lastSent time.Time
	sent     string // content of the last edit sent
	edits    int

	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	stopMu  sync.Once
}

// startLive starts the flusher. The caller must call finish (or stop).
func startLive(ctx context.Context, interval time.Duration, edit func(ctx context.Context, m outMessage, final bool) error) *liveMessage {
	l := &liveMessage{
		interval: interval,
		edit:     edit,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go l.loop(ctx)
	return l
}

// set records the newest interim state; it never blocks.
func (l *liveMessage) set(m outMessage) {
	l.mu.Lock()
	l.pending = &m
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *liveMessage) loop(ctx context.Context) {
	defer close(l.stopped)
	for {
		select {
		case <-l.wake:
		case <-l.done:
			return
		}
		if !l.waitInterval(l.done) {
			return
		}
		l.mu.Lock()
		m := l.pending
		l.pending = nil
		same := m != nil && m.Content == l.sent
		l.mu.Unlock()
		if m == nil || same {
			continue
		}
		// Interim edits are best effort: a failure or 429 is made good by
		// the next edit or the final one.
		err := l.edit(ctx, *m, false)
		l.mu.Lock()
		l.lastSent = time.Now()
		if err == nil {
			l.sent = m.Content
			l.edits++
		}
		l.mu.Unlock()
	}
}

// stop ends interim edits and waits for one in progress.
func (l *liveMessage) stop() {
	l.stopMu.Do(func() { close(l.done) })
	<-l.stopped
}

// finish stops interim edits, waits out the interval since the last one,
// and sends m.
func (l *liveMessage) finish(ctx context.Context, m outMessage) error {
	l.stop()
	l.waitInterval(ctx.Done())
	return l.edit(ctx, m, true)
}

// waitInterval sleeps until one interval has passed since the last edit.
// It returns false when cancel closes first.
func (l *liveMessage) waitInterval(cancel <-chan struct{}) bool {
	l.mu.Lock()
	wait := time.Until(l.lastSent.Add(l.interval))
	l.mu.Unlock()
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cancel:
		return false
	}
}

// interimEdits counts interim edits that went through.
func (l *liveMessage) interimEdits() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.edits
}
