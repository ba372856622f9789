package registry

import "time"

// ParsedCacheUsage reports how many parsed schemas the cache holds and their
// estimated bytes, for the tests of package registry_test.
func (s *Service) ParsedCacheUsage() (entries int, bytes int64) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.parsed.len(), s.cache.parsed.totalCost()
}

// SetClock makes the Service read the time from now, for tests of
// MaxStaleness that must not sleep.
func (s *Service) SetClock(now func() time.Time) { s.mut.now = now }

// Apply applies a change as a notification from another process would.
func (s *Service) Apply(c Change) { s.apply(c) }

// SubjectCacheUsage reports how many latest versions and id holders are cached.
func (s *Service) SubjectCacheUsage() (latest, holders int) { return s.mut.usage() }

// HoldWrites takes the write lock until the returned function is called, so
// that a test can make registrations queue for one group transaction.
func (s *Service) HoldWrites() (release func()) {
	s.writeMu.Lock()
	return s.writeMu.Unlock
}

// UnansweredRegistrations reports how many registrations wait for their
// group transaction or for its commit.
func (s *Service) UnansweredRegistrations() int {
	s.regs.mu.Lock()
	defer s.regs.mu.Unlock()
	return s.regs.unanswered
}
