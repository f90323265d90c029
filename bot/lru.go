package bot

import (
	"container/list"
	"sync"
)

// lru is a small bounded map with least-recently-used eviction, safe for
// concurrent use. The bot keeps its caches (messages, answer records,
// threads, article lists) in these so memory stays bounded however long
// it runs.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *lruEntry
	items map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), items: map[K]*list.Element{}}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[K, V]).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value.(*lruEntry[K, V]).val = v
		c.order.MoveToFront(e)
		return
	}
	c.addLocked(k, v)
}

// update applies f (which must be quick and must not use the cache) to
// the value under k, the zero value if absent, and stores the result,
// atomically.
func (c *lru[K, V]) update(k K, f func(V) V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		ent := e.Value.(*lruEntry[K, V])
		ent.val = f(ent.val)
		c.order.MoveToFront(e)
		return
	}
	var zero V
	c.addLocked(k, f(zero))
}

// addLocked inserts a new key as the most recent and evicts the least
// recent beyond max. Callers hold c.mu.
func (c *lru[K, V]) addLocked(k K, v V) {
	c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry[K, V]).key)
	}
}

// remove forgets k, if present.
func (c *lru[K, V]) remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.Remove(e)
		delete(c.items, k)
	}
}
