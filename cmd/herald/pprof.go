package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves the Go runtime's profiles (net/http/pprof: heap, CPU,
// goroutines, allocations) on addr until ctx ends, on a listener of its own so
// that they never share the API's port, auth or middleware. addr must be a
// loopback address: profiles show a process's memory and code paths, which
// are nobody else's business. It returns the address it listens on.
func servePprof(ctx context.Context, addr string, log *slog.Logger) (string, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", usageErrorf("--pprof %q: %v", addr, err)
	}
	if !isLoopback(addr) {
		return "", usageErrorf("--pprof %q: the profiles are served on a loopback address only (127.0.0.1:6060, [::1]:6060, localhost:6060)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", usageErrorf("--pprof: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close() // profiles in flight are cut short at shutdown
	}()
	log.Info("profiles served", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return ln.Addr().String(), nil
}
