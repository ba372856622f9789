package registry

// ParsedCacheUsage reports how many parsed schemas the cache holds and their
// estimated bytes, for the tests of package registry_test.
func (s *Service) ParsedCacheUsage() (entries int, bytes int64) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.parsed.len(), s.cache.parsed.totalCost()
}
