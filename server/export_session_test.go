package server

import "time"

// SetSessionClock replaces the clock sessions and sign-ins are checked
// against, so that tests move time instead of sleeping.
func SetSessionClock(s *Server, now func() time.Time) { s.sessions.now = now }
