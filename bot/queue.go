package bot

import (
	"context"
	"sync"
)

// queue bounds how many answers are generated at once. Waiters are served
// first come, first served and told their place in line whenever it
// changes, so the "you're #3 in line" message can be edited in place.
type queue struct {
	mu      sync.Mutex
	limit   int
	active  int
	waiters []*waiter
	// depth, if set, is told the number waiting whenever it changes
	// (under mu, so readings arrive in order).
	depth func(n int)
}

type waiter struct {
	ready  chan struct{}
	notify func(pos int)
}

func newQueue(limit int, depth func(n int)) *queue { return &queue{limit: limit, depth: depth} }

// changedLocked reports the number waiting to depth; q.mu is held.
func (q *queue) changedLocked() {
	if q.depth != nil {
		q.depth(len(q.waiters))
	}
}

// acquire takes a slot, waiting in line if all are busy. notify (which
// must not block) gets the 1-based position whenever it changes. The
// returned release must be called exactly once; calling it again is a
// no-op.
func (q *queue) acquire(ctx context.Context, notify func(pos int)) (release func(), err error) {
	q.mu.Lock()
	if q.active < q.limit && len(q.waiters) == 0 {
		q.active++
		q.mu.Unlock()
		return q.releaser(), nil
	}
	w := &waiter{ready: make(chan struct{}), notify: notify}
	q.waiters = append(q.waiters, w)
	pos := len(q.waiters)
	q.changedLocked()
	q.mu.Unlock()
	notify(pos)

	select {
	case <-w.ready:
		return q.releaser(), nil
	case <-ctx.Done():
		q.mu.Lock()
		for i, x := range q.waiters {
			if x == w {
				q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
				rest := append([]*waiter(nil), q.waiters[i:]...)
				q.changedLocked()
				q.mu.Unlock()
				for j, r := range rest {
					r.notify(i + j + 1)
				}
				return nil, ctx.Err()
			}
		}
		q.mu.Unlock()
		// The slot was handed over just as ctx ended: give it back.
		q.releaser()()
		return nil, ctx.Err()
	}
}

func (q *queue) releaser() func() {
	var once sync.Once
	return func() { once.Do(q.release) }
}

// release hands the slot to the first waiter, or frees it.
func (q *queue) release() {
	q.mu.Lock()
	if len(q.waiters) == 0 {
		q.active--
		q.mu.Unlock()
		return
	}
	next := q.waiters[0]
	q.waiters = q.waiters[1:]
	rest := append([]*waiter(nil), q.waiters...)
	q.changedLocked()
	q.mu.Unlock()
	close(next.ready)
	for i, w := range rest {
		w.notify(i + 1)
	}
}

// length is the number waiting.
func (q *queue) length() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiters)
}
