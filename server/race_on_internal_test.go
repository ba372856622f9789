//go:build race

package server

// raceEnabled: the race detector's instrumentation makes values escape that
// otherwise stay on the stack, so allocation counts are not measured under it.
const raceEnabled = true
