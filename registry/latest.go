package registry

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxStaleness is how long, by default, a cached entry that another
// process's write can change is trusted (see ServiceConfig.MaxStaleness).
const DefaultMaxStaleness = time.Second

// DefaultSubjectCacheSize and DefaultSubjectCacheBytes bound, by default,
// each of the per-subject caches (latest versions; which version holds an
// id): 10,000 busy subjects, at about 300 bytes an entry.
const (
	DefaultSubjectCacheSize        = 10000
	DefaultSubjectCacheBytes int64 = 8 << 20
)

// subjectEntryCost estimates the bytes one per-subject entry keeps: the lru's
// entry and map slot, a VersionRecord, an expiry, and the names twice (in the
// key and in the record).
func subjectEntryCost(ctx, name string) int64 {
	return 256 + 2*int64(len(ctx)+len(name))
}

// subjectKey addresses a subject inside a context.
type subjectKey struct{ ctx, name string }

// stamped is a cached version with the time it stops being trusted.
type stamped struct {
	v       VersionRecord
	expires time.Time
}

// mutable caches what writes change, per subject: the latest live version of
// a subject (GET /subjects/{s}/versions/latest, what serializers with
// use.latest.version and the broker ask), and which version of a subject
// holds an id (GET /schemas/ids/{id}?subject=s, what confluent-kafka-go's
// deserializer asks). Unlike the by-id cache these go stale, three ways:
//
//   - this process writes: Service.update forgets what the transaction
//     changed before the write is answered (read-your-writes);
//   - another process writes to a shared store: the store's change
//     notifications (Changes, see Service.FollowChanges) forget it within
//     milliseconds;
//   - a notification is lost (the listener's connection dropped and the
//     store could not tell what it missed, or no listener runs): every entry
//     expires ttl after it was read, so nothing is served staler than that.
//
// A read fills an entry only if no change was applied while it read the
// store (gen), so a slow read never caches what a concurrent write replaced.
// Both caches are bounded by count and by estimated bytes.
type mutable struct {
	// ttl is ServiceConfig.MaxStaleness; negative keeps nothing.
	ttl time.Duration
	now func() time.Time
	// mu guards the rest; never held across a store call.
	mu      sync.Mutex
	latest  *lru[subjectKey, stamped]
	holders *lru[holderKey, stamped]
	// gen counts applied changes.
	gen uint64
}

func newMutable(ttl time.Duration, limit int, bytes int64, now func() time.Time) *mutable {
	return &mutable{ttl: ttl, now: now, latest: newLRU[subjectKey, stamped](limit, bytes), holders: newLRU[holderKey, stamped](limit, bytes)}
}

// generation returns the count to pass to a put of what is read next.
func (m *mutable) generation() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen
}

// fresh returns l's entry for k unless it expired (then dropped). m.mu is held.
func fresh[K comparable](m *mutable, l *lru[K, stamped], k K) (VersionRecord, bool) {
	e, ok := l.get(k)
	if !ok {
		return VersionRecord{}, false
	}
	if !m.now().Before(e.expires) {
		l.remove(k)
		return VersionRecord{}, false
	}
	return e.v, true
}

// fill stores v for k in l if no change was applied since gen. m.mu is held.
func fill[K comparable](m *mutable, l *lru[K, stamped], k K, v VersionRecord, gen uint64, cost int64) {
	if m.ttl < 0 || m.gen != gen {
		return
	}
	l.put(k, stamped{v: v, expires: m.now().Add(m.ttl)}, cost)
}

func (m *mutable) getLatest(k subjectKey) (VersionRecord, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fresh(m, m.latest, k)
}

func (m *mutable) putLatest(k subjectKey, v VersionRecord, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fill(m, m.latest, k, v, gen, subjectEntryCost(k.ctx, k.name))
}

// holder returns the cached holder of k, or the generation to pass to putHolder.
func (m *mutable) holder(k holderKey) (VersionRecord, bool, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := fresh(m, m.holders, k)
	return v, ok, m.gen
}

func (m *mutable) putHolder(k holderKey, v VersionRecord, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fill(m, m.holders, k, v, gen, subjectEntryCost(k.ctx, k.subject))
}

// forget drops the entries matching and counts a change.
func (m *mutable) forget(latest func(subjectKey) bool, holders func(holderKey) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.latest.removeIf(latest)
	m.holders.removeIf(holders)
}

// forgetSubject drops what is cached about one subject.
func (m *mutable) forgetSubject(ctx, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.latest.remove(subjectKey{ctx, name})
	m.holders.removeIf(func(k holderKey) bool { return k.ctx == ctx && k.subject == name })
}

// forgetID drops which versions hold an id whose content was removed.
func (m *mutable) forgetID(ctx string, id int) {
	m.forget(func(subjectKey) bool { return false }, func(k holderKey) bool { return k.ctx == ctx && k.id == id })
}

// forgetContext drops what is cached about a context's subjects.
func (m *mutable) forgetContext(ctx string) {
	m.forget(func(k subjectKey) bool { return k.ctx == ctx }, func(k holderKey) bool { return k.ctx == ctx })
}

// forgetAll drops every entry.
func (m *mutable) forgetAll() {
	m.forget(func(subjectKey) bool { return true }, func(holderKey) bool { return true })
}

// usage reports the entries of both caches, for tests.
func (m *mutable) usage() (latest, holders int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest.len(), m.holders.len()
}

// latestVersion serves Version(subject, Latest, false) from the latest cache,
// filling it on a miss. An alias subject (one read through its alias) is
// never cached: its answer depends on another subject's versions.
func (s *Service) latestVersion(ctx context.Context, subject string) (subjectName, VersionRecord, error) {
	sn, err := parseSubject(subject)
	if err != nil {
		return sn, VersionRecord{}, err
	}
	k := subjectKey{sn.ctx, sn.name}
	if v, ok := s.mut.getLatest(k); ok {
		return sn, v, nil
	}
	gen := s.mut.generation()
	got, v, err := s.findVersion(ctx, s.store, subject, Latest, false)
	if err == nil && got.ctx == sn.ctx && got.name == sn.name {
		s.mut.putLatest(k, v, gen)
	}
	return got, v, err
}
