package main

import (
	"fmt"

	"github.com/heraldhq/herald/server"
)

// defaultAuthFailureLimit is how many failed authentications per minute one
// address may make before its credentials are refused unchecked (429).
const defaultAuthFailureLimit = 10

// openAuditLog opens Config.AuditLog, or returns nil when there is none. A
// file is opened for appending and synced after every batch of lines, before
// their requests are answered; standard output is not synced (whoever reads
// the pipe owns its durability). It is closed after the HTTP server has
// stopped, since closers run after Shutdown, and before its file.
func (m *Main) openAuditLog() (*server.AuditLog, error) {
	// 0600: the log names principals, subjects and client addresses.
	return openLog(m, m.cfg.AuditLog, "audit log", 0o600, server.NewAuditLog)
}

// newRateLimiter builds the limiter of --rate-limit and --auth-failure-limit,
// or nil when both are off.
func (m *Main) newRateLimiter() (*server.RateLimiter, error) {
	failures := m.cfg.AuthFailureLimit
	switch {
	case failures == 0:
		failures = defaultAuthFailureLimit
	case failures < 0:
		failures = 0
	}
	if m.cfg.RateLimit < 0 {
		return nil, fmt.Errorf("--rate-limit %v: want requests per second per principal, or 0 for no limit", m.cfg.RateLimit)
	}
	if m.cfg.RateLimit == 0 && failures == 0 {
		return nil, nil
	}
	l, err := server.NewRateLimiter(server.RateLimits{PerPrincipal: m.cfg.RateLimit, AuthFailures: failures})
	if err != nil {
		return nil, fmt.Errorf("--rate-limit: %w", err)
	}
	return l, nil
}
