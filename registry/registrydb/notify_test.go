package registrydb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of the admin connection

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/internal/sqlstore/sqlstoretest"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/registry/registrytest"
)

// heard is a PostgreSQL store whose Listen also reports, to the test, every
// change it hands the Service, and counts the ChangeAlls (one per session:
// each (re)connection).
type heard struct {
	*registrydb.Store
	sessions atomic.Int64
	changes  chan registry.Change
	mu       sync.Mutex
	count    map[registry.Change]int
}

func (h *heard) Listen(ctx context.Context, fn func(registry.Change)) error {
	return h.Store.Listen(ctx, func(c registry.Change) {
		fn(c)
		if c.Kind == registry.ChangeAll {
			h.sessions.Add(1)
		}
		h.mu.Lock()
		h.count[c]++
		h.mu.Unlock()
		select {
		case h.changes <- c:
		default: // the test reads only some; never block the listener
		}
	})
}

// instance is one Herald instance's registry on the shared database.
type instance struct {
	svc   *registry.Service
	store *heard
}

// openInstance opens a store on dbURL and a Service over it that trusts its
// cached latest versions for an hour: any update a test sees within the test
// came from a change notification (or this instance's own write). With
// follow, the Service follows the store's changes until the test ends, and
// openInstance returns once it listens.
func openInstance(t *testing.T, dbURL string, follow bool) instance {
	t.Helper()
	st, err := registrydb.OpenPostgres(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st)
	h := &heard{Store: st, changes: make(chan registry.Change, 64), count: map[registry.Change]int{}}
	svc, err := registry.New(h, registry.ServiceConfig{Formats: []compat.Format{avro.New()}, MaxStaleness: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if follow {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- svc.FollowChanges(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("FollowChanges: %v", err)
			}
		})
		eventually(t, "the listener listens", func() bool { return h.sessions.Load() > 0 })
	}
	return instance{svc: svc, store: h}
}

// registerHeard registers text under subject on a and waits until b has
// applied the notification of it: what b reads next is cached, and no late
// notification of this write will evict it behind the test's back.
func registerHeard(t *testing.T, a, b instance, subject, text string) {
	t.Helper()
	c := registry.Change{Kind: registry.ChangeSubject, Context: registry.DefaultContext, Subject: subject}
	b.store.mu.Lock()
	before := b.store.count[c]
	b.store.mu.Unlock()
	register(t, a.svc, subject, text)
	eventually(t, "B heard "+subject+" change", func() bool {
		b.store.mu.Lock()
		defer b.store.mu.Unlock()
		return b.store.count[c] > before
	})
}

// eventually polls cond until it holds and returns how long that took. The
// bound only keeps a broken build from hanging; it asserts no speed.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Minute {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	d := time.Since(start)
	t.Logf("%s: after %v", what, d)
	return d
}

// avroFields is a record with a string field a and optional string fields named fields.
func avroFields(fields ...string) string {
	s := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}`
	for _, f := range fields {
		s += `,{"name":"` + f + `","type":"string","default":""}`
	}
	return s + "]}"
}

func register(t *testing.T, s *registry.Service, subject, text string) registry.Schema {
	t.Helper()
	sc, err := s.Register(context.Background(), registry.RegisterRequest{Subject: subject, Type: compat.Avro, Text: text})
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	return sc
}

// latest returns subject's latest live version, 0 when it has none.
func latest(t *testing.T, s *registry.Service, subject string) int {
	t.Helper()
	sc, err := s.Version(context.Background(), subject, registry.Latest, false)
	if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
		return 0
	}
	if err != nil {
		t.Fatalf("latest of %s: %v", subject, err)
	}
	return sc.Version
}

// TestTwoInstancesOnPostgres runs two registry Services (A and B, each with
// its listener) on one PostgreSQL database, and a third (C) that does not
// listen: C shows what B would serve without notifications, so each
// assertion on B could fail.
func TestTwoInstancesOnPostgres(t *testing.T) {
	t.Parallel()
	u := registrytest.PostgresURL(t)
	a, b := openInstance(t, u, true), openInstance(t, u, true)
	c := openInstance(t, u, false)
	ctx := context.Background()

	t.Run("ReadYourWritesOnA", func(t *testing.T) {
		register(t, a.svc, "ryw", avroFields())
		if v := latest(t, a.svc, "ryw"); v != 1 {
			t.Fatalf("latest = %d, want 1", v)
		}
		for want := 2; want <= 5; want++ {
			register(t, a.svc, "ryw", avroFields(fmt.Sprintf("f%d", want)))
			if v := latest(t, a.svc, "ryw"); v != want {
				t.Fatalf("latest right after registering version %d = %d", want, v)
			}
		}
		if _, err := a.svc.DeleteVersion(ctx, "ryw", 5, false); err != nil {
			t.Fatal(err)
		}
		if v := latest(t, a.svc, "ryw"); v != 4 {
			t.Fatalf("latest right after deleting version 5 = %d, want 4", v)
		}
	})

	t.Run("NewVersionOnAIsLatestOnB", func(t *testing.T) {
		registerHeard(t, a, b, "orders", avroFields())
		for _, s := range []*registry.Service{b.svc, c.svc} {
			if v := latest(t, s, "orders"); v != 1 {
				t.Fatalf("latest = %d, want 1", v)
			}
		}
		register(t, a.svc, "orders", avroFields("b"))
		eventually(t, "B sees A's version 2 as latest", func() bool { return latest(t, b.svc, "orders") == 2 })
		if v := latest(t, c.svc, "orders"); v != 1 {
			t.Fatalf("C (no listener) latest = %d, want its cached 1: the test proves nothing", v)
		}
	})

	t.Run("ConfigChangeOnAIsEnforcedByB", func(t *testing.T) {
		register(t, a.svc, "cfg", avroFields())
		// A required field without a default is not BACKWARD compatible.
		breaking := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"req","type":"string"}]}`
		if _, err := b.svc.Register(ctx, registry.RegisterRequest{Subject: "cfg", Type: compat.Avro, Text: breaking}); !errors.Is(err, registry.ErrIncompatible) {
			t.Fatalf("B registered a breaking change under BACKWARD: %v", err)
		}
		none := compat.None
		if _, err := a.svc.SetConfig(ctx, "cfg", registry.Config{Compatibility: &none}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B enforces A's NONE", func() bool {
			_, err := b.svc.Register(ctx, registry.RegisterRequest{Subject: "cfg", Type: compat.Avro, Text: breaking})
			return err == nil
		})
		full := compat.Full
		if _, err := a.svc.SetConfig(ctx, "cfg", registry.Config{Compatibility: &full}); err != nil {
			t.Fatal(err)
		}
		cfg, err := b.svc.Config(ctx, "cfg", false)
		if err != nil || cfg.Compatibility == nil || *cfg.Compatibility != compat.Full {
			t.Fatalf("B's config of cfg = %+v, %v; want FULL", cfg, err)
		}
	})

	t.Run("DeleteOnAIsNotFoundOnB", func(t *testing.T) {
		registerHeard(t, a, b, "gone", avroFields("only_here")) // content no other subject holds
		sc, err := a.svc.Version(ctx, "gone", 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if v := latest(t, b.svc, "gone"); v != 1 {
			t.Fatalf("latest = %d, want 1", v)
		}
		for _, s := range []*registry.Service{b.svc, c.svc} {
			if got, err := s.SchemaByID(ctx, sc.ID, "gone"); err != nil || got.Deleted {
				t.Fatalf("SchemaByID = %+v, %v; want live", got, err)
			}
		}
		if _, err := a.svc.DeleteSubject(ctx, "gone", false); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B answers not found after A's delete", func() bool { return latest(t, b.svc, "gone") == 0 })
		got, err := b.svc.SchemaByID(ctx, sc.ID, "gone")
		if err != nil || !got.Deleted {
			t.Fatalf("SchemaByID after the delete = %+v, %v; want the deleted flag", got, err)
		}
		if _, err := a.svc.DeleteSubject(ctx, "gone", true); err != nil {
			t.Fatal(err)
		}
		eventually(t, "B answers not found after A's hard delete", func() bool {
			_, err := b.svc.Version(ctx, "gone", registry.Latest, true)
			return errors.Is(err, registry.ErrSubjectNotFound)
		})
		// B cached the content by id; the hard delete's ChangeSchema drops it.
		eventually(t, "B answers not found for the hard-deleted id", func() bool {
			_, err := b.svc.SchemaByID(ctx, sc.ID, "")
			return errors.Is(err, registry.ErrSchemaNotFound)
		})
		if _, err := c.svc.SchemaByID(ctx, sc.ID, "gone"); err != nil {
			t.Fatalf("C (no listener) no longer serves its cached id %d (%v): the test proves nothing", sc.ID, err)
		}
	})

	t.Run("KilledListenerReconnectsAndStillInvalidates", func(t *testing.T) {
		registerHeard(t, a, b, "kill", avroFields())
		if v := latest(t, b.svc, "kill"); v != 1 {
			t.Fatalf("latest = %d, want 1", v)
		}
		before := b.store.sessions.Load()
		admin, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = admin.Close() }()
		listeners := func() []int {
			return sqlstoretest.Query(t, admin, func(rows *sql.Rows) (int, error) {
				var pid int
				err := rows.Scan(&pid)
				return pid, err
			}, `SELECT pid FROM pg_stat_activity
				WHERE datname = current_database() AND application_name = $1`, registrydb.ListenerApplicationName)
		}
		killed := listeners()
		if len(killed) != 2 {
			t.Fatalf("found %d listener connections, want 2 (A's and B's)", len(killed))
		}
		for _, pid := range killed {
			if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
				t.Fatal(err)
			}
		}
		// pg_terminate_backend only signals: wait until both are gone, so the
		// next write is not announced on a dying connection.
		eventually(t, "the killed listeners are gone", func() bool {
			for _, pid := range listeners() {
				if slices.Contains(killed, pid) {
					return false
				}
			}
			return true
		})
		// Written while B may still be disconnected: the reconnect's ChangeAll
		// or the notification, whichever comes, must make B see it.
		register(t, a.svc, "kill", avroFields("b"))
		eventually(t, "B sees version 2 after its listener was killed", func() bool { return latest(t, b.svc, "kill") == 2 })
		eventually(t, "B's listener reconnected", func() bool { return b.store.sessions.Load() > before })
		// And once reconnected, plain notifications flow again.
		if v := latest(t, b.svc, "kill"); v != 2 {
			t.Fatalf("latest = %d, want 2", v)
		}
		register(t, a.svc, "kill", avroFields("b", "c"))
		eventually(t, "B sees version 3 through the new connection", func() bool { return latest(t, b.svc, "kill") == 3 })
	})
}

// TestOneTransactionAnnouncesEachChangeOnce: a write that changes many
// subjects (hard-deleting a context's leftovers) sends one notification per
// distinct change, or a single ChangeAll past the bound, and a rolled-back
// transaction sends none.
func TestOneTransactionAnnouncesEachChangeOnce(t *testing.T) {
	t.Parallel()
	u := registrytest.PostgresURL(t)
	a, b := openInstance(t, u, false), openInstance(t, u, true)
	ctx := context.Background()
	// drain writes a marker change and returns what B heard before it: no
	// waiting for silence.
	markers := 0
	drain := func() []registry.Change {
		t.Helper()
		markers++
		marker := registry.Scope{Context: ".", Subject: fmt.Sprint("marker", markers)}
		if err := a.store.Update(ctx, func(tx registry.Tx) error { return tx.DeleteMode(ctx, marker) }); err != nil {
			t.Fatal(err)
		}
		var out []registry.Change
		for c := range b.store.changes {
			if c.Kind == registry.ChangeMode && c.Subject == marker.Subject {
				return out
			}
			out = append(out, c)
		}
		return out
	}
	drain()

	rollback := errors.New("roll back")
	err := a.store.Update(ctx, func(tx registry.Tx) error {
		if err := tx.PutMode(ctx, registry.Scope{Context: ".", Subject: "x"}, registry.ReadOnly); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	err = a.store.Update(ctx, func(tx registry.Tx) error {
		for range 3 {
			if err := tx.PutMode(ctx, registry.Scope{Context: ".", Subject: "y"}, registry.ReadOnly); err != nil {
				return err
			}
		}
		return tx.DeleteMode(ctx, registry.Scope{Context: ".", Subject: "z"})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := drain()
	want := []registry.Change{
		{Kind: registry.ChangeMode, Context: ".", Subject: "y"},
		{Kind: registry.ChangeMode, Context: ".", Subject: "z"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("heard %v, want %v (nothing from the rolled-back transaction)", got, want)
	}

	err = a.store.Update(ctx, func(tx registry.Tx) error {
		for i := range 100 {
			if err := tx.PutMode(ctx, registry.Scope{Context: ".", Subject: fmt.Sprint("m", i)}, registry.ReadOnly); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(); len(got) != 1 || got[0].Kind != registry.ChangeAll {
		t.Fatalf("100 changes in one transaction were heard as %v, want one ChangeAll", got)
	}
}

// TestQuietListenerPingsAndStaysConnected: a listener that hears nothing for
// many ping periods keeps its one connection (each quiet period ends in a
// ping, not a reconnect, which would drop every cache) and still hears the
// next change.
func TestQuietListenerPingsAndStaysConnected(t *testing.T) {
	t.Parallel()
	u := registrytest.PostgresURL(t)
	a := openInstance(t, u, false)
	st, err := registrydb.OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st)
	st.SetListenPing(time.Millisecond)
	var errs atomic.Int64
	var lastErr atomic.Value // the listener's last error, for the failure message
	st.OnListenError(func(err error) {
		errs.Add(1)
		lastErr.Store(err.Error())
	})
	heardY := make(chan struct{})
	var sessions atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- st.Listen(ctx, func(c registry.Change) {
			switch {
			case c.Kind == registry.ChangeAll:
				sessions.Add(1)
			case c.Subject == "y":
				close(heardY)
			}
		})
	}()
	// Quiet long enough for many 1 ms waits to end in pings: poll the
	// server's count of the listener's queries rather than sleeping blind.
	admin, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close() }()
	eventually(t, "the listener pinged", func() bool {
		var n int
		err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = $1 AND query <> 'LISTEN `+registrydb.NotifyChannel+`'`, registrydb.ListenerApplicationName).Scan(&n)
		return err == nil && n == 1
	})
	if err := a.store.Update(context.Background(), func(tx registry.Tx) error {
		return tx.PutMode(context.Background(), registry.Scope{Context: ".", Subject: "y"}, registry.ReadOnly)
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-heardY:
	case <-time.After(time.Minute): // a hang guard, not a speed bound
		t.Fatalf("the listener never heard the change (%d sessions, %d listener errors, the last: %v)", sessions.Load(), errs.Load(), lastErr.Load())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sessions.Load() != 1 || errs.Load() != 0 {
		t.Fatalf("%d sessions and %d listener errors (the last: %v), want 1 session and no error", sessions.Load(), errs.Load(), lastErr.Load())
	}
}
