package registry_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

// countingStore counts the reads of subjects' version lists (what a latest
// lookup costs on a miss) and can run a hook during one.
type countingStore struct {
	registry.Store
	reads atomic.Int64
	// during, when set, runs inside the next SubjectVersions read, once.
	during atomic.Pointer[func()]
}

func (c *countingStore) SubjectVersions(ctx context.Context, ctxName, subject string) ([]registry.VersionRecord, error) {
	c.reads.Add(1)
	vs, err := c.Store.SubjectVersions(ctx, ctxName, subject)
	if f := c.during.Swap(nil); f != nil {
		(*f)()
	}
	return vs, err
}

// changeFeed is a Store that reports changes fed to it by the test, as a
// shared store's notifications would.
type changeFeed struct {
	*countingStore
	feed chan registry.Change
}

func (f *changeFeed) Listen(ctx context.Context, fn func(registry.Change)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-f.feed:
			fn(c)
		}
	}
}

// sharedFile opens n stores on one SQLite file: n "processes" on one database.
func sharedFile(t *testing.T, n int) []*registrydb.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shared.db")
	out := make([]*registrydb.Store, n)
	for i := range out {
		st, err := registrydb.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		out[i] = st
	}
	return out
}

func serviceOn(t *testing.T, st registry.Store, cfg registry.ServiceConfig) *registry.Service {
	t.Helper()
	cfg.Formats = []compat.Format{avro.New()}
	s, err := registry.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// twoOnOneFile returns two Services on one SQLite file, as two processes: b
// trusts what it caches for maxStaleness.
func twoOnOneFile(t *testing.T, maxStaleness time.Duration) (a, b *registry.Service) {
	t.Helper()
	stores := sharedFile(t, 2)
	return serviceOn(t, stores[0], registry.ServiceConfig{}), serviceOn(t, stores[1], registry.ServiceConfig{MaxStaleness: maxStaleness})
}

// wantLatest fails unless subject's latest live version is want (0: not found).
func wantLatest(t *testing.T, s *registry.Service, subject string, want int) {
	t.Helper()
	sc, err := s.Version(context.Background(), subject, registry.Latest, false)
	if want == 0 {
		if !errors.Is(err, registry.ErrSubjectNotFound) && !errors.Is(err, registry.ErrVersionNotFound) {
			t.Fatalf("latest of %s = version %d, %v; want not found", subject, sc.Version, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("latest of %s: %v", subject, err)
	}
	if sc.Version != want {
		t.Fatalf("latest of %s = version %d, want %d", subject, sc.Version, want)
	}
}

var (
	v1 = avroRecord("R", fieldA)
	v2 = avroRecord("R", fieldA, fieldBOpt)
	v3 = avroRecord("R", fieldA, fieldBOpt, fieldCOpt)
)

func TestLatestIsServedFromMemoryAndOwnWritesAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := &countingStore{Store: sharedFile(t, 1)[0]}
	s := serviceOn(t, cs, registry.ServiceConfig{MaxStaleness: time.Hour})
	mustRegister(t, s, avroReq("orders", v1))

	wantLatest(t, s, "orders", 1)
	before := cs.reads.Load()
	for range 100 {
		wantLatest(t, s, "orders", 1)
	}
	if n := cs.reads.Load() - before; n != 0 {
		t.Fatalf("100 latest reads read the store %d times, want 0 (cached)", n)
	}

	// Every write this Service makes is seen by the very next read.
	mustRegister(t, s, avroReq("orders", v2))
	wantLatest(t, s, "orders", 2)
	if _, err := s.DeleteVersion(ctx, "orders", 2, false); err != nil {
		t.Fatal(err)
	}
	wantLatest(t, s, "orders", 1)
	mustRegister(t, s, avroReq("orders", v3))
	wantLatest(t, s, "orders", 3)
	if _, err := s.DeleteSubject(ctx, "orders", false); err != nil {
		t.Fatal(err)
	}
	wantLatest(t, s, "orders", 0)
	mustRegister(t, s, avroReq(":.staging:orders", v1))
	wantLatest(t, s, ":.staging:orders", 1)
	mustRegister(t, s, avroReq(":.staging:orders", v2))
	wantLatest(t, s, ":.staging:orders", 2)
}

func TestLatestWrittenElsewhereIsSeenAfterMaxStaleness(t *testing.T) {
	t.Parallel()
	a, b := twoOnOneFile(t, 5*time.Second)
	// B's clock moves only when the test says.
	var elapsed atomic.Int64
	b.SetClock(func() time.Time { return time.Unix(1e9, elapsed.Load()) })
	advance := func(d time.Duration) { elapsed.Add(int64(d)) }

	mustRegister(t, a, avroReq("orders", v1))
	wantLatest(t, b, "orders", 1)
	mustRegister(t, a, avroReq("orders", v2))
	// B has no notifications on SQLite: it trusts its entry for the window...
	advance(4 * time.Second)
	wantLatest(t, b, "orders", 1)
	// ...and not a moment longer.
	advance(time.Second)
	wantLatest(t, b, "orders", 2)
}

func TestNegativeMaxStalenessCachesNoLatest(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: sharedFile(t, 1)[0]}
	s := serviceOn(t, cs, registry.ServiceConfig{MaxStaleness: -1})
	mustRegister(t, s, avroReq("orders", v1))
	before := cs.reads.Load()
	for range 3 {
		wantLatest(t, s, "orders", 1)
	}
	if n := cs.reads.Load() - before; n != 3 {
		t.Fatalf("3 latest reads read the store %d times, want 3 (nothing cached)", n)
	}
	if l, h := s.SubjectCacheUsage(); l != 0 || h != 0 {
		t.Fatalf("cache holds %d latest and %d holders, want none", l, h)
	}
}

func TestChangeNotificationsEvictWhatTheyName(t *testing.T) {
	t.Parallel()
	stores := sharedFile(t, 2)
	a := serviceOn(t, stores[0], registry.ServiceConfig{})
	feed := &changeFeed{countingStore: &countingStore{Store: stores[1]}, feed: make(chan registry.Change)}
	b := serviceOn(t, feed, registry.ServiceConfig{MaxStaleness: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.FollowChanges(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	mustRegister(t, a, avroReq("orders", v1))
	mustRegister(t, a, avroReq("payments", v1))
	wantLatest(t, b, "orders", 1)
	wantLatest(t, b, "payments", 1)
	mustRegister(t, a, avroReq("orders", v2))
	mustRegister(t, a, avroReq("payments", v2))

	// A change about orders evicts orders only. The feed is unbuffered: once
	// the send returns, Listen has the change; the next send (a no-op mode
	// change) returns only after fn applied the first one.
	feed.feed <- registry.Change{Kind: registry.ChangeSubject, Context: registry.DefaultContext, Subject: "orders"}
	feed.feed <- registry.Change{Kind: registry.ChangeMode, Context: registry.GlobalContext}
	wantLatest(t, b, "orders", 2)
	wantLatest(t, b, "payments", 1)

	// A mode change evicts nothing; a ChangeAll (a listener that reconnected)
	// evicts everything.
	feed.feed <- registry.Change{Kind: registry.ChangeAll}
	feed.feed <- registry.Change{Kind: registry.ChangeMode, Context: registry.GlobalContext}
	wantLatest(t, b, "payments", 2)
}

func TestLatestReadRacingAChangeIsNotCached(t *testing.T) {
	t.Parallel()
	stores := sharedFile(t, 2)
	a := serviceOn(t, stores[0], registry.ServiceConfig{})
	cs := &countingStore{Store: stores[1]}
	b := serviceOn(t, cs, registry.ServiceConfig{MaxStaleness: time.Hour})
	mustRegister(t, a, avroReq("orders", v1))

	// B reads v1 from the store; before it caches it, A's v2 commits and its
	// notification reaches B. What B read must not be cached.
	hook := func() {
		mustRegister(t, a, avroReq("orders", v2))
		b.Apply(registry.Change{Kind: registry.ChangeSubject, Context: registry.DefaultContext, Subject: "orders"})
	}
	cs.during.Store(&hook)
	wantLatest(t, b, "orders", 1) // what it read before the change
	wantLatest(t, b, "orders", 2)
}

func TestAliasSubjectsAreNotCachedAsLatest(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: sharedFile(t, 1)[0]}
	s := serviceOn(t, cs, registry.ServiceConfig{MaxStaleness: time.Hour})
	mustRegister(t, s, avroReq("target", v1))
	alias := "target"
	mustSetConfig(t, s, "nick", registry.Config{Alias: &alias})
	wantLatest(t, s, "nick", 1)
	if l, _ := s.SubjectCacheUsage(); l != 0 {
		t.Fatalf("an alias read cached %d latest entries, want 0", l)
	}
}

func TestSubjectCachesAreBounded(t *testing.T) {
	t.Parallel()
	s := serviceOn(t, sharedFile(t, 1)[0], registry.ServiceConfig{SubjectCacheSize: 3, MaxStaleness: time.Hour})
	ctx := context.Background()
	for _, sub := range []string{"a", "b", "c", "d", "e"} {
		sc := mustRegister(t, s, avroReq(sub, v1))
		wantLatest(t, s, sub, 1)
		if _, err := s.SchemaByID(ctx, sc.ID, sub); err != nil {
			t.Fatal(err)
		}
	}
	if l, h := s.SubjectCacheUsage(); l != 3 || h != 3 {
		t.Fatalf("cache holds %d latest and %d holders, want 3 each (the bound)", l, h)
	}
	if _, err := registry.New(sharedFile(t, 1)[0], registry.ServiceConfig{SubjectCacheBytes: -1}); err == nil {
		t.Fatal("a negative SubjectCacheBytes was accepted")
	}
}

func TestHolderOfAnIDFollowsDeletesMadeElsewhere(t *testing.T) {
	t.Parallel()
	a, b := twoOnOneFile(t, time.Hour)
	ctx := context.Background()
	sc := mustRegister(t, a, avroReq("orders", v1))
	got, err := b.SchemaByID(ctx, sc.ID, "orders")
	if err != nil || got.Version != 1 || got.Deleted {
		t.Fatalf("SchemaByID = %+v, %v; want version 1, live", got, err)
	}
	if _, err := a.DeleteSubject(ctx, "orders", false); err != nil {
		t.Fatal(err)
	}
	b.Apply(registry.Change{Kind: registry.ChangeDelete, Context: registry.DefaultContext, Subject: "orders"})
	got, err = b.SchemaByID(ctx, sc.ID, "orders")
	if err != nil || !got.Deleted {
		t.Fatalf("SchemaByID after a delete elsewhere = %+v, %v; want the deleted flag", got, err)
	}
}

func TestChangeAllDropsByIDEntriesToo(t *testing.T) {
	t.Parallel()
	a, b := twoOnOneFile(t, time.Hour)
	ctx := context.Background()
	sc := mustRegister(t, a, avroReq("orders", v1))
	if _, err := b.SchemaByID(ctx, sc.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, permanent := range []bool{false, true} {
		if _, err := a.DeleteSubject(ctx, "orders", permanent); err != nil {
			t.Fatal(err)
		}
	}
	// The content is gone, but B's by-id cache still has it: ids are
	// immutable, only a hard delete (announced as ChangeSchema) removes one.
	if _, err := b.SchemaByID(ctx, sc.ID, ""); err != nil {
		t.Fatalf("B's cached id %d: %v", sc.ID, err)
	}
	// A missed notification (a reconnect's ChangeAll) must not leave it there.
	b.Apply(registry.Change{Kind: registry.ChangeAll})
	if _, err := b.SchemaByID(ctx, sc.ID, ""); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Fatalf("B's id %d after ChangeAll: %v, want not found", sc.ID, err)
	}
}
