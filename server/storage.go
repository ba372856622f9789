package server

import (
	"context"
	"net/http"
	"sync/atomic"
)

// storageFault remembers the last storage fault a request met, so that /readyz
// reports it (a load balancer then sends writes elsewhere) until the store has
// room again. The zero value is healthy.
type storageFault struct {
	// last is the fault's message; nil while healthy.
	last atomic.Pointer[string]
}

// note records err if it is a storage fault.
func (f *storageFault) note(err error) {
	if r := rowFor(err); r == errDiskFull || r == errReadOnly || r == errStorageUnavailable {
		msg := err.Error()
		f.last.Store(&msg)
	}
}

// clear forgets the fault: a write succeeded or a probe found room.
func (f *storageFault) clear() {
	if f.last.Load() != nil {
		f.last.Store(nil)
	}
}

// check is nil while healthy. After a fault it runs probe (nil: no probe) and
// clears the fault when the probe passes; otherwise it returns the error for
// /readyz, with the probe's reason when there is one.
func (f *storageFault) check(ctx context.Context, probe func(context.Context) error) error {
	last := f.last.Load()
	if last == nil {
		return nil
	}
	msg := *last
	if probe != nil {
		err := probe(ctx)
		if err == nil {
			f.clear()
			return nil
		}
		msg = err.Error()
	}
	return errNotReady.with("not ready: " + msg)
}

// isWrite reports whether a request method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}
