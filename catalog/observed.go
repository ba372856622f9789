package catalog

import (
	"context"
	"errors"
	"time"
)

// ObservedStore returns st with its calls timed and reported to observe, for the
// engine metrics: Load as a read, Save as a write (one transaction), and err
// only when the engine failed (a cancellation is the caller's). observe nil
// returns st.
func ObservedStore(st Store, observe func(write bool, d time.Duration, err error)) Store {
	if observe == nil {
		return st
	}
	return observedStore{st: st, observe: observe}
}

// observedStore is ObservedStore's Store.
type observedStore struct {
	st      Store
	observe func(write bool, d time.Duration, err error)
}

func (o observedStore) report(write bool, start time.Time, err error) {
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	o.observe(write, time.Since(start), err)
}

func (o observedStore) Load(ctx context.Context) (*Document, Revision, error) {
	start := time.Now()
	doc, rev, err := o.st.Load(ctx)
	o.report(false, start, err)
	return doc, rev, err
}

func (o observedStore) Save(ctx context.Context, doc *Document) (Revision, error) {
	start := time.Now()
	rev, err := o.st.Save(ctx, doc)
	o.report(true, start, err)
	return rev, err
}
