package registry

import (
	"context"
	"fmt"
)

// ChangeKind is what a committed write changed, as far as caches care.
type ChangeKind uint8

// Change kinds. The zero value is ChangeAll, so a Change that lost its kind
// (an unreadable notification) errs on the side of dropping everything.
const (
	// ChangeAll: anything may have changed (notifications were missed, or one
	// could not be read): every cache entry goes, by-id ones included, since
	// a missed hard delete would otherwise keep its id readable.
	ChangeAll ChangeKind = iota
	// ChangeSubject: a version of Context/Subject was added.
	ChangeSubject
	// ChangeDelete: a version of Context/Subject was soft-deleted, restored
	// or removed.
	ChangeDelete
	// ChangeConfig: the config at scope Context/Subject was set or removed.
	ChangeConfig
	// ChangeMode: the mode at scope Context/Subject was set or removed.
	ChangeMode
	// ChangeSchema: the content of id ID in Context was removed (a hard
	// delete), so the id may later hold other content (an import).
	ChangeSchema
	// ChangeContext: the context Context was deleted with its configs and modes.
	ChangeContext
)

var changeKindNames = [...]string{
	ChangeAll: "all", ChangeSubject: "subject", ChangeDelete: "delete", ChangeConfig: "config",
	ChangeMode: "mode", ChangeSchema: "schema", ChangeContext: "context",
}

// String returns the kind's name, as notifications spell it.
func (k ChangeKind) String() string {
	if int(k) >= len(changeKindNames) {
		return fmt.Sprintf("ChangeKind(%d)", int(k))
	}
	return changeKindNames[k]
}

// MarshalText implements encoding.TextMarshaler.
func (k ChangeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. An unknown name is an
// error: the caller should treat the change as ChangeAll.
func (k *ChangeKind) UnmarshalText(b []byte) error {
	for i, n := range changeKindNames {
		if n == string(b) {
			*k = ChangeKind(i)
			return nil
		}
	}
	return fmt.Errorf("registry: unknown change kind %q", b)
}

// Change is one thing a committed write transaction changed. Context and
// Subject are unqualified (Subject "" for a context-wide or global scope);
// ID is set for ChangeSchema.
type Change struct {
	Kind    ChangeKind `json:"k"`
	Context string     `json:"c,omitempty"`
	Subject string     `json:"s,omitempty"`
	ID      int        `json:"i,omitempty"`
}

// Changes is implemented by a Store that several processes share: it reports
// the changes every process commits, so that each Service can drop what its
// caches hold about them. A single-process store (SQLite) need not implement
// it: every write there goes through the one Service, which invalidates its
// own caches.
type Changes interface {
	// Listen calls fn with every change committed to the store (this
	// process's included), in commit order, until ctx ends; then it returns
	// nil. It reconnects by itself when its connection drops, and then calls
	// fn with a ChangeAll, since changes committed meanwhile were missed. It
	// returns an error only when it cannot listen at all (fn is never called
	// then). fn runs on Listen's goroutine and must not block.
	Listen(ctx context.Context, fn func(Change)) error
}

// NoteChanges returns tx with every write it is asked to make reported to
// note first, as the Change it makes: the Service uses it to invalidate its
// own caches after commit, and a Store that several processes share to tell
// the others. Writes that no cache depends on (new ids, new content) are not
// reported.
func NoteChanges(tx Tx, note func(Change)) Tx { return noteTx{Tx: tx, note: note} }

// noteTx is NoteChanges's Tx. A write is reported before it is made, whatever
// its outcome: a failed write usually aborts the transaction, and an
// invalidation too many only costs a cache miss.
type noteTx struct {
	Tx
	note func(Change)
}

// then reports c, then makes the write.
func (t noteTx) then(c Change, write func() error) error {
	t.note(c)
	return write()
}

func (t noteTx) InsertVersion(ctx context.Context, v VersionRecord) error {
	return t.then(Change{Kind: ChangeSubject, Context: v.Context, Subject: v.Subject}, func() error { return t.Tx.InsertVersion(ctx, v) })
}

func (t noteTx) SetDeleted(ctx context.Context, k VersionKey, deleted bool) error {
	return t.then(Change{Kind: ChangeDelete, Context: k.Context, Subject: k.Subject}, func() error { return t.Tx.SetDeleted(ctx, k, deleted) })
}

func (t noteTx) DeleteVersion(ctx context.Context, k VersionKey) error {
	return t.then(Change{Kind: ChangeDelete, Context: k.Context, Subject: k.Subject}, func() error { return t.Tx.DeleteVersion(ctx, k) })
}

func (t noteTx) DeleteSchema(ctx context.Context, c string, id int) error {
	return t.then(Change{Kind: ChangeSchema, Context: c, ID: id}, func() error { return t.Tx.DeleteSchema(ctx, c, id) })
}

func (t noteTx) PutConfig(ctx context.Context, sc Scope, cfg Config) error {
	return t.then(Change{Kind: ChangeConfig, Context: sc.Context, Subject: sc.Subject}, func() error { return t.Tx.PutConfig(ctx, sc, cfg) })
}

func (t noteTx) DeleteConfig(ctx context.Context, sc Scope) error {
	return t.then(Change{Kind: ChangeConfig, Context: sc.Context, Subject: sc.Subject}, func() error { return t.Tx.DeleteConfig(ctx, sc) })
}

func (t noteTx) PutMode(ctx context.Context, sc Scope, m Mode) error {
	return t.then(Change{Kind: ChangeMode, Context: sc.Context, Subject: sc.Subject}, func() error { return t.Tx.PutMode(ctx, sc, m) })
}

func (t noteTx) DeleteMode(ctx context.Context, sc Scope) error {
	return t.then(Change{Kind: ChangeMode, Context: sc.Context, Subject: sc.Subject}, func() error { return t.Tx.DeleteMode(ctx, sc) })
}

func (t noteTx) DeleteContext(ctx context.Context, name string) error {
	return t.then(Change{Kind: ChangeContext, Context: name}, func() error { return t.Tx.DeleteContext(ctx, name) })
}

// update runs fn in one store transaction and, whatever the outcome (a
// commit can fail after the database applied it), then forgets what the
// transaction's writes changed, before the caller answers: an instance that
// has answered a write never serves older data for it (read-your-writes).
// The caller holds writeMu.
func (s *Service) update(ctx context.Context, fn func(tx Tx) error) error {
	var changes []Change
	err := s.store.Update(ctx, func(tx Tx) error {
		changes = changes[:0] // a store may run fn again
		return fn(NoteChanges(tx, func(c Change) { changes = append(changes, c) }))
	})
	for _, c := range changes {
		s.apply(c)
	}
	return err
}

// apply drops what a change makes stale.
func (s *Service) apply(c Change) {
	switch c.Kind {
	case ChangeSubject, ChangeDelete:
		s.mut.forgetSubject(c.Context, c.Subject)
	case ChangeConfig:
		// Only a subject's own config (its alias) steers reads of it; the
		// latest cache keeps only subjects read as themselves, so this is
		// belt and braces.
		if c.Subject != "" {
			s.mut.forgetSubject(c.Context, c.Subject)
		}
	case ChangeMode:
		// Modes only govern writes, which read them inside their transaction:
		// nothing cached depends on them.
	case ChangeSchema:
		s.cache.evict(idKey{c.Context, c.ID})
		s.mut.forgetID(c.Context, c.ID)
	case ChangeContext:
		s.cache.evictContext(c.Context)
		s.mut.forgetContext(c.Context)
	default:
		// Changes were missed, so a hard delete may have been: by-id entries
		// go too (rare: a reconnect, or one transaction changing more than a
		// store announces one by one), and are read again on demand.
		s.cache.evictAll()
		s.mut.forgetAll()
	}
}

// FollowChanges keeps the Service's caches in step with the writes other
// processes commit to a shared store, until ctx ends: it returns at once
// (nil) when the store does not implement Changes (one process per
// database), and otherwise runs the store's Listen. Without it, entries that
// another process can change are still trusted for at most
// ServiceConfig.MaxStaleness.
func (s *Service) FollowChanges(ctx context.Context) error {
	ch, ok := s.store.(Changes)
	if !ok {
		return nil
	}
	return ch.Listen(ctx, s.apply)
}
