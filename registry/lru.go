package registry

// lru is a map bounded to limit entries and to maxCost total cost (each entry's
// cost is given by the caller, e.g. its estimated bytes): adding an entry drops
// the least recently used ones until both bounds hold. An entry costing more
// than maxCost on its own is not kept at all. It is not safe for concurrent use
// (cache.mu guards it).
type lru[K comparable, V any] struct {
	limit   int
	maxCost int64
	cost    int64 // sum of the entries' costs
	items   map[K]*lruEntry[K, V]
	// root is the sentinel of a circular list: root.next is the most recently
	// used entry, root.prev the least.
	root lruEntry[K, V]
}

type lruEntry[K comparable, V any] struct {
	key        K
	value      V
	cost       int64
	prev, next *lruEntry[K, V]
}

// newLRU returns an lru of at most limit entries costing at most maxCost in all.
func newLRU[K comparable, V any](limit int, maxCost int64) *lru[K, V] {
	l := &lru[K, V]{limit: limit, maxCost: maxCost, items: map[K]*lruEntry[K, V]{}}
	l.root.prev, l.root.next = &l.root, &l.root
	return l
}

// get returns the value of k and marks it most recently used.
func (l *lru[K, V]) get(k K) (V, bool) {
	e, ok := l.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	l.unlink(e)
	l.pushFront(e)
	return e.value, true
}

// put sets the value of k, most recently used, with its cost, then drops the
// least recently used entries until the bounds hold. It reports whether k was
// kept: false when its cost alone exceeds maxCost (an old value of k is
// dropped too, so a lookup never returns a stale value).
func (l *lru[K, V]) put(k K, v V, cost int64) bool {
	l.remove(k)
	if cost > l.maxCost {
		return false
	}
	e := &lruEntry[K, V]{key: k, value: v, cost: cost}
	l.items[k] = e
	l.cost += cost
	l.pushFront(e)
	for len(l.items) > l.limit || l.cost > l.maxCost {
		l.drop(l.root.prev)
	}
	return true
}

// remove drops k, if present.
func (l *lru[K, V]) remove(k K) {
	if e, ok := l.items[k]; ok {
		l.drop(e)
	}
}

// removeIf drops every entry whose key matches.
func (l *lru[K, V]) removeIf(match func(K) bool) {
	for k, e := range l.items {
		if match(k) {
			l.drop(e)
		}
	}
}

// len returns the number of entries.
func (l *lru[K, V]) len() int { return len(l.items) }

// totalCost returns the sum of the entries' costs.
func (l *lru[K, V]) totalCost() int64 { return l.cost }

func (l *lru[K, V]) drop(e *lruEntry[K, V]) {
	l.unlink(e)
	delete(l.items, e.key)
	l.cost -= e.cost
}

func (l *lru[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (l *lru[K, V]) pushFront(e *lruEntry[K, V]) {
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
}
