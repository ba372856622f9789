package registry

// lru is a map bounded to limit entries: adding one to a full map drops the
// least recently used. It is not safe for concurrent use (cache.mu guards it).
type lru[K comparable, V any] struct {
	limit int
	items map[K]*lruEntry[K, V]
	// root is the sentinel of a circular list: root.next is the most recently
	// used entry, root.prev the least.
	root lruEntry[K, V]
}

type lruEntry[K comparable, V any] struct {
	key        K
	value      V
	prev, next *lruEntry[K, V]
}

func newLRU[K comparable, V any](limit int) *lru[K, V] {
	l := &lru[K, V]{limit: limit, items: map[K]*lruEntry[K, V]{}}
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

// put sets the value of k, most recently used, dropping the least recently
// used entry when the map is full.
func (l *lru[K, V]) put(k K, v V) {
	if e, ok := l.items[k]; ok {
		e.value = v
		l.unlink(e)
		l.pushFront(e)
		return
	}
	if len(l.items) >= l.limit {
		oldest := l.root.prev
		l.unlink(oldest)
		delete(l.items, oldest.key)
	}
	e := &lruEntry[K, V]{key: k, value: v}
	l.items[k] = e
	l.pushFront(e)
}

// remove drops k, if present.
func (l *lru[K, V]) remove(k K) {
	if e, ok := l.items[k]; ok {
		l.unlink(e)
		delete(l.items, k)
	}
}

// removeIf drops every entry whose key matches.
func (l *lru[K, V]) removeIf(match func(K) bool) {
	for k, e := range l.items {
		if match(k) {
			l.unlink(e)
			delete(l.items, k)
		}
	}
}

// len returns the number of entries.
func (l *lru[K, V]) len() int { return len(l.items) }

func (l *lru[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (l *lru[K, V]) pushFront(e *lruEntry[K, V]) {
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
}
