package registry

import (
	"context"
	"errors"
	"time"
)

// Observer is told of every call an Observed store makes to its engine: whether
// the call may write (Update), how long it took, and err when the engine
// failed. An answer about the data (a missing schema, config or mode, a
// conflicting write, a registration refused by the registry's rules) and the
// caller's cancellation are not failures: err is nil for them.
type Observer func(write bool, d time.Duration, err error)

// Observed returns st with every call timed and reported to observe, for the
// engine metrics. A store that follows other processes' changes (Changes)
// still does. observe nil returns st.
func Observed(st Store, observe Observer) Store {
	if observe == nil {
		return st
	}
	o := observedStore{st: st, observe: observe}
	if ch, ok := st.(Changes); ok {
		return observedChanges{observedStore: o, ch: ch}
	}
	return o
}

// engineFailure is err when it is the engine's failure, else nil.
func engineFailure(err error) error {
	var e *Error
	switch {
	case err == nil, errors.As(err, &e),
		errors.Is(err, ErrSchemaNotFound), errors.Is(err, ErrVersionNotFound), errors.Is(err, ErrSubjectNotFound),
		errors.Is(err, ErrSubjectConfigNotFound), errors.Is(err, ErrSubjectModeNotFound),
		errors.Is(err, ErrConflict), errors.Is(err, context.Canceled):
		return nil
	}
	return err
}

// observedStore is Observed's Store.
type observedStore struct {
	st      Store
	observe Observer
}

// observedChanges is Observed's Store for a store that implements Changes.
type observedChanges struct {
	observedStore
	ch Changes
}

// Listen implements Changes.
func (o observedChanges) Listen(ctx context.Context, fn func(Change)) error {
	return o.ch.Listen(ctx, fn)
}

// read times one read call.
func read[T any](o observedStore, call func() (T, error)) (T, error) {
	start := time.Now()
	v, err := call()
	o.observe(false, time.Since(start), engineFailure(err))
	return v, err
}

func (o observedStore) Update(ctx context.Context, fn func(tx Tx) error) error {
	start := time.Now()
	err := o.st.Update(ctx, fn)
	o.observe(true, time.Since(start), engineFailure(err))
	return err
}

func (o observedStore) Ping(ctx context.Context) error {
	_, err := read(o, func() (struct{}, error) { return struct{}{}, o.st.Ping(ctx) })
	return err
}

func (o observedStore) Schema(ctx context.Context, c string, id int) (SchemaRecord, error) {
	return read(o, func() (SchemaRecord, error) { return o.st.Schema(ctx, c, id) })
}

func (o observedStore) SchemaByHash(ctx context.Context, c, hash string) (SchemaRecord, error) {
	return read(o, func() (SchemaRecord, error) { return o.st.SchemaByHash(ctx, c, hash) })
}

func (o observedStore) SchemasByGUID(ctx context.Context, guid string) ([]SchemaRecord, error) {
	return read(o, func() ([]SchemaRecord, error) { return o.st.SchemasByGUID(ctx, guid) })
}

func (o observedStore) SubjectVersions(ctx context.Context, c, subject string) ([]VersionRecord, error) {
	return read(o, func() ([]VersionRecord, error) { return o.st.SubjectVersions(ctx, c, subject) })
}

func (o observedStore) VersionsByID(ctx context.Context, c string, id int) ([]VersionRecord, error) {
	return read(o, func() ([]VersionRecord, error) { return o.st.VersionsByID(ctx, c, id) })
}

func (o observedStore) ListVersions(ctx context.Context, c, subjectPrefix string) ([]VersionRecord, error) {
	return read(o, func() ([]VersionRecord, error) { return o.st.ListVersions(ctx, c, subjectPrefix) })
}

func (o observedStore) Referrers(ctx context.Context, target VersionKey) ([]VersionRecord, error) {
	return read(o, func() ([]VersionRecord, error) { return o.st.Referrers(ctx, target) })
}

func (o observedStore) Config(ctx context.Context, scope Scope) (Config, error) {
	return read(o, func() (Config, error) { return o.st.Config(ctx, scope) })
}

func (o observedStore) Mode(ctx context.Context, scope Scope) (Mode, error) {
	return read(o, func() (Mode, error) { return o.st.Mode(ctx, scope) })
}

func (o observedStore) Contexts(ctx context.Context) ([]string, error) {
	return read(o, func() ([]string, error) { return o.st.Contexts(ctx) })
}

func (o observedStore) MaxID(ctx context.Context, c string) (int, error) {
	return read(o, func() (int, error) { return o.st.MaxID(ctx, c) })
}
