// Package registrytest is the conformance suite of registry.Store: one set of
// tests, written against the interface, that every engine passes (SQLite
// always, PostgreSQL when one is reachable). An engine's test file calls Run
// with a function that opens a fresh, empty store, and RunShared with one that
// opens several stores on one database, as several Herald instances do.
//
// The suite asserts what registry.Service relies on and the interface's
// comments promise: orders, sentinel errors, ErrConflict on a taken key,
// all-or-nothing transactions, ids never handed out twice, and that writes
// from two instances at once keep one id per content and consecutive versions.
package registrytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
)

// Opener opens a fresh, empty store for one test and arranges (t.Cleanup) for
// it to be closed.
type Opener func(t *testing.T) registry.Store

// Run runs the single-store conformance tests, each on its own store.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st registry.Store)
	}{
		{"SchemaRoundTripsWithReferencesAndMetadata", testSchemaRoundTrip},
		{"SchemaByHashReturnsTheLowestID", testSchemaByHashLowestID},
		{"SchemasByGUIDAreOrderedByContextThenID", testSchemasByGUID},
		{"MissingRowsGiveTheSentinels", testMissingRows},
		{"TakenKeysGiveErrConflict", testConflicts},
		{"VersionOfAMissingSchemaIsRefused", testForeignKeys},
		{"FailedUpdateLeavesNothingAndReturnsFnError", testRollback},
		{"TxReadsItsOwnWrites", testTxReadsOwnWrites},
		{"SavepointUndoesOnlyItsPart", testSavepoint},
		{"IDsAreNeverHandedOutTwice", testIDs},
		{"ListVersionsOrdersByBytesAndFiltersByPrefix", testListVersions},
		{"VersionsByIDAreOrderedBySubjectThenVersion", testVersionsByID},
		{"ReferrersIncludeSoftDeletedVersions", testReferrers},
		{"ConfigRoundTripsEveryFieldAndIsReplaced", testConfig},
		{"ModeRoundTripsAndIsReplaced", testMode},
		{"DeleteContextRemovesItsConfigsModesAndCounter", testDeleteContext},
		{"SoftAndHardDeletesOfVersions", testDeletes},
		{"ServiceReusesIDsAcrossSubjects", testServiceReusesIDsAcrossSubjects},
		{"PingAnswers", testPing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// SharedOpener prepares one empty database for a test and returns a function
// that opens stores on it: each call is another "instance" on the same data.
// The function may be called from several goroutines at once (so it returns
// its error rather than failing the test) and closes what it opened when the
// test ends (t.Cleanup).
type SharedOpener func(t *testing.T) func() (registry.Store, error)

// RunShared runs the tests of several stores on one database.
func RunShared(t *testing.T, newDB SharedOpener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, open func() (registry.Store, error))
	}{
		{"OpensTogetherMigrateOnce", testOpensTogether},
		{"SameSchemaFromTwoInstancesGetsOneIDAndOneVersion", testSameSchemaTwoInstances},
		{"DifferentSchemasFromTwoInstancesGetConsecutiveVersions", testDifferentSchemasTwoInstances},
		{"WriteOnOneInstanceIsReadOnTheOther", testReadYourWritesAcross},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newDB(t))
		})
	}
}

var ctx = context.Background()

// Stamp is a creation time with milliseconds, the precision stores keep.
var stamp = time.UnixMilli(1700000000123).UTC()

func rec(c string, id int, text string) registry.SchemaRecord {
	return registry.SchemaRecord{Context: c, ID: id, GUID: "g-" + text, Hash: "h-" + text, Type: compat.Avro, Text: text}
}

func ver(c, subject string, version, id int) registry.VersionRecord {
	return registry.VersionRecord{Context: c, Subject: subject, Version: version, ID: id, CreatedAt: stamp, CreatedBy: "orders-ci"}
}

// update runs fn in one transaction and fails the test on an error.
func update(t *testing.T, st registry.Store, fn func(tx registry.Tx) error) {
	t.Helper()
	if err := st.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// seed stores schemas and versions in one transaction.
func seed(t *testing.T, st registry.Store, schemas []registry.SchemaRecord, versions []registry.VersionRecord) {
	t.Helper()
	update(t, st, func(tx registry.Tx) error {
		for _, s := range schemas {
			if err := tx.ReserveID(ctx, s.Context, s.ID); err != nil {
				return err
			}
			if err := tx.InsertSchema(ctx, s); err != nil {
				return err
			}
		}
		for _, v := range versions {
			if err := tx.InsertVersion(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
}

func keys(vs []registry.VersionRecord) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%s/%s/%d", v.Context, v.Subject, v.Version)
	}
	return out
}

func wantKeys(t *testing.T, what string, vs []registry.VersionRecord, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if want == nil {
		want = []string{}
	}
	if d := cmp.Diff(want, keys(vs)); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

func testSchemaRoundTrip(t *testing.T, st registry.Store) {
	money := rec(".", 1, `"money"`)
	order := rec(".", 2, `"order"`)
	order.References = []registry.Reference{{Name: "Money", Subject: "money", Version: 1}, {Name: "Other", Subject: ":.x:y", Version: 3}}
	order.Targets = []registry.VersionKey{{Context: ".", Subject: "money", Version: 1}, {Context: ".x", Subject: "y", Version: 3}}
	order.Metadata = json.RawMessage(`{"properties":{"a":"b"}}`)
	order.RuleSet = json.RawMessage(`{"domainRules":[]}`)
	order.Text = "long text with ünïcode, 'quotes' and \"escapes\"\n"
	seed(t, st, []registry.SchemaRecord{money, order}, []registry.VersionRecord{ver(".", "money", 1, 1), ver(".", "orders", 1, 2)})
	got, err := st.Schema(ctx, ".", 2)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(order, got); d != "" {
		t.Errorf("Schema (-want +got):\n%s", d)
	}
	got, err = st.Schema(ctx, ".", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(money, got); d != "" {
		t.Errorf("Schema without references (-want +got):\n%s", d)
	}
	vs, err := st.SubjectVersions(ctx, ".", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]registry.VersionRecord{ver(".", "orders", 1, 2)}, vs); d != "" {
		t.Errorf("SubjectVersions: created_at or fields lost (-want +got):\n%s", d)
	}
}

func testSchemaByHashLowestID(t *testing.T, st registry.Store) {
	// An import can store equal content under two ids; a registration must
	// then reuse the lowest.
	a, b := rec(".", 7, `"x"`), rec(".", 3, `"x"`)
	seed(t, st, []registry.SchemaRecord{a, b, rec(".other", 1, `"x"`)}, nil)
	got, err := st.SchemaByHash(ctx, ".", a.Hash)
	if err != nil || got.ID != 3 {
		t.Fatalf("SchemaByHash = id %d, %v; want 3", got.ID, err)
	}
	if _, err := st.SchemaByHash(ctx, ".none", a.Hash); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Errorf("SchemaByHash in another context = %v, want ErrSchemaNotFound", err)
	}
}

func testSchemasByGUID(t *testing.T, st registry.Store) {
	seed(t, st, []registry.SchemaRecord{rec(".b", 2, `"x"`), rec(".", 9, `"x"`), rec(".b", 1, `"x"`), rec(".B", 5, `"x"`), rec(".", 4, `"y"`)}, nil)
	got, err := st.SchemasByGUID(ctx, "g-\"x\"")
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, r := range got {
		where = append(where, fmt.Sprintf("%s#%d", r.Context, r.ID))
	}
	// Byte order: "." < ".B" < ".b".
	if d := cmp.Diff([]string{".#9", ".B#5", ".b#1", ".b#2"}, where); d != "" {
		t.Errorf("SchemasByGUID (-want +got):\n%s", d)
	}
	none, err := st.SchemasByGUID(ctx, "nope")
	if err != nil || len(none) != 0 {
		t.Errorf("SchemasByGUID of an unknown guid = %v, %v; want none", none, err)
	}
}

func testMissingRows(t *testing.T, st registry.Store) {
	if _, err := st.Schema(ctx, ".", 9); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Errorf("Schema = %v, want ErrSchemaNotFound", err)
	}
	if _, err := st.Config(ctx, registry.Global); !errors.Is(err, registry.ErrSubjectConfigNotFound) {
		t.Errorf("Config = %v, want ErrSubjectConfigNotFound", err)
	}
	if _, err := st.Mode(ctx, registry.Global); !errors.Is(err, registry.ErrSubjectModeNotFound) {
		t.Errorf("Mode = %v, want ErrSubjectModeNotFound", err)
	}
	missing := registry.VersionKey{Context: ".", Subject: "nope", Version: 1}
	for name, fn := range map[string]func(tx registry.Tx) error{
		"SetDeleted":    func(tx registry.Tx) error { return tx.SetDeleted(ctx, missing, true) },
		"DeleteVersion": func(tx registry.Tx) error { return tx.DeleteVersion(ctx, missing) },
	} {
		if err := st.Update(ctx, fn); !errors.Is(err, registry.ErrVersionNotFound) {
			t.Errorf("%s of a missing version = %v, want ErrVersionNotFound", name, err)
		}
	}
	// Deleting what is not there is no error.
	update(t, st, func(tx registry.Tx) error {
		if err := tx.DeleteConfig(ctx, registry.Global); err != nil {
			return err
		}
		return tx.DeleteMode(ctx, registry.Global)
	})
	for name, fn := range map[string]func() (any, error){
		"SubjectVersions": func() (any, error) { return st.SubjectVersions(ctx, ".", "nope") },
		"VersionsByID":    func() (any, error) { return st.VersionsByID(ctx, ".", 1) },
		"Contexts":        func() (any, error) { return st.Contexts(ctx) },
		"MaxID":           func() (any, error) { return st.MaxID(ctx, ".nope") },
	} {
		got, err := fn()
		if err != nil {
			t.Errorf("%s on an empty store = %v", name, err)
			continue
		}
		if d := cmp.Diff(0, lenOf(got)); d != "" {
			t.Errorf("%s on an empty store = %v, want empty or 0", name, got)
		}
	}
}

func lenOf(v any) int {
	switch x := v.(type) {
	case []registry.VersionRecord:
		return len(x)
	case []string:
		return len(x)
	case int:
		return x
	}
	return -1
}

func testConflicts(t *testing.T, st registry.Store) {
	seed(t, st, []registry.SchemaRecord{rec(".", 1, `"a"`)}, []registry.VersionRecord{ver(".", "s", 1, 1)})
	for _, tc := range []struct {
		name string
		fn   func(tx registry.Tx) error
	}{
		{"DuplicateIDIsErrConflict", func(tx registry.Tx) error { return tx.InsertSchema(ctx, rec(".", 1, `"b"`)) }},
		{"DuplicateVersionIsErrConflict", func(tx registry.Tx) error { return tx.InsertVersion(ctx, ver(".", "s", 1, 1)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := st.Update(ctx, tc.fn); !errors.Is(err, registry.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
	}
	// The same id in another context is another schema.
	seed(t, st, []registry.SchemaRecord{rec(".other", 1, `"b"`)}, []registry.VersionRecord{ver(".other", "s", 1, 1)})
}

func testForeignKeys(t *testing.T, st registry.Store) {
	err := st.Update(ctx, func(tx registry.Tx) error { return tx.InsertVersion(ctx, ver(".", "s", 1, 42)) })
	if err == nil {
		t.Fatal("a version of a missing schema was stored")
	}
	if vs, err := st.SubjectVersions(ctx, ".", "s"); err != nil || len(vs) != 0 {
		t.Errorf("after the refused insert: versions %v, %v", vs, err)
	}
}

// insertNext stores text in the default context under the next id, as
// version 1 of subject s, and returns the id.
func insertNext(tx registry.Tx, text string) (int, error) {
	id, err := tx.NextID(ctx, ".")
	if err != nil {
		return 0, err
	}
	if err := tx.InsertSchema(ctx, rec(".", id, text)); err != nil {
		return 0, err
	}
	return id, tx.InsertVersion(ctx, ver(".", "s", 1, id))
}

func testRollback(t *testing.T, st registry.Store) {
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx registry.Tx) error {
		if _, err := insertNext(tx, `"c"`); err != nil {
			return err
		}
		if err := tx.PutMode(ctx, registry.Global, registry.ReadOnly); err != nil {
			return err
		}
		return boom
	})
	// Update returns fn's error itself, not a wrapping: compare identity.
	if err != boom {
		t.Fatalf("Update = %v, want fn's error itself", err)
	}
	if _, err := st.Schema(ctx, ".", 1); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Errorf("rolled-back schema is visible: %v", err)
	}
	if vs, _ := st.SubjectVersions(ctx, ".", "s"); len(vs) != 0 {
		t.Errorf("rolled-back version is visible: %v", vs)
	}
	if _, err := st.Mode(ctx, registry.Global); !errors.Is(err, registry.ErrSubjectModeNotFound) {
		t.Errorf("rolled-back mode is visible: %v", err)
	}
	if n, err := st.MaxID(ctx, "."); err != nil || n != 0 {
		t.Errorf("rolled-back id counter = %d, %v; want 0", n, err)
	}
	if cs, _ := st.Contexts(ctx); len(cs) != 0 {
		t.Errorf("rolled-back context is visible: %v", cs)
	}
}

// testSavepoint runs three parts in one transaction, as the registry's group
// commit does: the first stores a schema, the second stores another and a
// version (even taking ids, and the context's counter) and fails, the third
// fails on a taken key (ErrConflict, a driver error inside the part). The
// second's and third's writes are gone, the first's and the parts after a
// failed one commit, and Savepoint returns each part's error itself.
func testSavepoint(t *testing.T, st registry.Store) {
	boom := errors.New("boom")
	var first, third int
	update(t, st, func(tx registry.Tx) error {
		if err := tx.Savepoint(ctx, func() error {
			var err error
			first, err = insertNext(tx, `"kept"`)
			return err
		}); err != nil {
			return fmt.Errorf("first part: %w", err)
		}
		err := tx.Savepoint(ctx, func() error {
			id, err := tx.NextID(ctx, ".")
			if err != nil {
				return err
			}
			if err := tx.InsertSchema(ctx, rec(".", id, `"undone"`)); err != nil {
				return err
			}
			if err := tx.PutMode(ctx, registry.Global, registry.ReadOnly); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			return fmt.Errorf("failed part: Savepoint = %v, want its error itself", err)
		}
		err = tx.Savepoint(ctx, func() error { return tx.InsertSchema(ctx, rec(".", first, `"same id"`)) })
		if !errors.Is(err, registry.ErrConflict) {
			return fmt.Errorf("conflicting part: Savepoint = %v, want ErrConflict", err)
		}
		return tx.Savepoint(ctx, func() error {
			var err error
			third, err = tx.NextID(ctx, ".")
			if err == nil {
				err = tx.InsertSchema(ctx, rec(".", third, `"after"`))
			}
			return err
		})
	})
	if got, err := st.Schema(ctx, ".", first); err != nil || got.Text != `"kept"` {
		t.Errorf("first part's schema = %+v, %v; want it kept", got, err)
	}
	if _, err := st.SchemaByHash(ctx, ".", `h-"undone"`); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Errorf("failed part's schema is visible: %v", err)
	}
	if _, err := st.Mode(ctx, registry.Global); !errors.Is(err, registry.ErrSubjectModeNotFound) {
		t.Errorf("failed part's mode is visible: %v", err)
	}
	if third != first+1 {
		t.Errorf("the part after the failed one got id %d, want %d (the failed part's id is handed out again)", third, first+1)
	}
	if got, err := st.Schema(ctx, ".", third); err != nil || got.Text != `"after"` {
		t.Errorf("last part's schema = %+v, %v; want it kept", got, err)
	}
}

func testTxReadsOwnWrites(t *testing.T, st registry.Store) {
	update(t, st, func(tx registry.Tx) error {
		id, err := insertNext(tx, `"a"`)
		if err != nil {
			return err
		}
		if _, err := tx.SchemaByHash(ctx, ".", `h-"a"`); err != nil {
			return fmt.Errorf("own schema: %w", err)
		}
		vs, err := tx.SubjectVersions(ctx, ".", "s")
		if err != nil || len(vs) != 1 {
			return fmt.Errorf("own versions = %v, %v", vs, err)
		}
		if n, err := tx.MaxID(ctx, "."); err != nil || n != id {
			return fmt.Errorf("own MaxID = %d, %v; want %d", n, err, id)
		}
		return nil
	})
}

func testIDs(t *testing.T, st registry.Store) {
	next := func(c string) int {
		t.Helper()
		var id int
		update(t, st, func(tx registry.Tx) error {
			var err error
			id, err = tx.NextID(ctx, c)
			if err != nil {
				return err
			}
			return tx.InsertSchema(ctx, rec(c, id, fmt.Sprint(c, id)))
		})
		return id
	}
	if a, b := next("."), next("."); a != 1 || b != 2 {
		t.Fatalf("first ids = %d, %d; want 1, 2", a, b)
	}
	if id := next(".z"); id != 1 {
		t.Errorf("first id of another context = %d, want 1 (ids count per context)", id)
	}
	// A hard delete does not give the id back.
	update(t, st, func(tx registry.Tx) error { return tx.DeleteSchema(ctx, ".", 2) })
	if id := next("."); id != 3 {
		t.Errorf("id after deleting 2 = %d, want 3", id)
	}
	// ReserveID raises the counter and never lowers it.
	update(t, st, func(tx registry.Tx) error { return tx.ReserveID(ctx, ".", 100) })
	update(t, st, func(tx registry.Tx) error { return tx.ReserveID(ctx, ".", 50) })
	if n, err := st.MaxID(ctx, "."); err != nil || n != 100 {
		t.Errorf("MaxID after reserving 100 then 50 = %d, %v; want 100", n, err)
	}
	if id := next("."); id != 101 {
		t.Errorf("id after reserving 100 = %d, want 101", id)
	}
	cs, err := st.Contexts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{".", ".z"}, cs); d != "" {
		t.Errorf("Contexts (-want +got):\n%s", d)
	}
}

func testListVersions(t *testing.T, st registry.Store) {
	subjects := []string{"b", "B", "a", "ab", "a_b", "a%", "Z", "é", "éa", "e"}
	var schemas []registry.SchemaRecord
	var versions []registry.VersionRecord
	schemas = append(schemas, rec(".", 1, `"x"`), rec(".ctx", 1, `"x"`))
	for _, s := range subjects {
		versions = append(versions, ver(".", s, 1, 1))
	}
	versions = append(versions, ver(".", "a", 2, 1), ver(".ctx", "a", 1, 1))
	seed(t, st, schemas, versions)

	all, err := st.ListVersions(ctx, "", "")
	// Bytes, as SQLite compares: upper case before lower case, "é" (0xC3…)
	// after every ASCII letter; a locale collation would order them otherwise.
	wantKeys(t, "every context", all, err,
		"./B/1", "./Z/1", "./a/1", "./a/2", "./a%/1", "./a_b/1", "./ab/1", "./b/1", "./e/1", "./é/1", "./éa/1", ".ctx/a/1")
	one, err := st.ListVersions(ctx, ".ctx", "")
	wantKeys(t, "one context", one, err, ".ctx/a/1")
	for _, tc := range []struct {
		name, prefix string
		want         []string
	}{
		{"PrefixA", "a", []string{"./a/1", "./a/2", "./a%/1", "./a_b/1", "./ab/1"}},
		{"UnderscoreIsNoWildcard", "a_", []string{"./a_b/1"}},
		{"PercentIsNoWildcard", "a%", []string{"./a%/1"}},
		{"CaseMatters", "A", nil},
		{"MultiByteCharacter", "é", []string{"./é/1", "./éa/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.ListVersions(ctx, ".", tc.prefix)
			wantKeys(t, "prefix "+tc.prefix, got, err, tc.want...)
		})
	}
}

func testVersionsByID(t *testing.T, st registry.Store) {
	seed(t, st, []registry.SchemaRecord{rec(".", 1, `"x"`), rec(".", 2, `"y"`)},
		[]registry.VersionRecord{ver(".", "b", 2, 1), ver(".", "b", 1, 1), ver(".", "a", 3, 1), ver(".", "B", 1, 1), ver(".", "c", 1, 2)})
	got, err := st.VersionsByID(ctx, ".", 1)
	wantKeys(t, "VersionsByID", got, err, "./B/1", "./a/3", "./b/1", "./b/2")
}

func testReferrers(t *testing.T, st registry.Store) {
	base := rec(".", 1, `"base"`)
	user := rec(".", 2, `"user"`)
	user.References = []registry.Reference{{Name: "Base", Subject: "base", Version: 1}}
	user.Targets = []registry.VersionKey{{Context: ".", Subject: "base", Version: 1}}
	seed(t, st, []registry.SchemaRecord{base, user}, []registry.VersionRecord{ver(".", "base", 1, 1), ver(".", "u2", 1, 2), ver(".", "u1", 1, 2)})
	update(t, st, func(tx registry.Tx) error {
		return tx.SetDeleted(ctx, registry.VersionKey{Context: ".", Subject: "u2", Version: 1}, true)
	})
	got, err := st.Referrers(ctx, registry.VersionKey{Context: ".", Subject: "base", Version: 1})
	wantKeys(t, "Referrers", got, err, "./u1/1", "./u2/1")
	if len(got) == 2 && !got[1].Deleted {
		t.Errorf("u2 is not marked deleted: %+v", got[1])
	}
	none, err := st.Referrers(ctx, registry.VersionKey{Context: ".", Subject: "base", Version: 2})
	wantKeys(t, "Referrers of an unreferenced version", none, err)
}

func testConfig(t *testing.T, st registry.Store) {
	l, p, tr, fa := compat.FullTransitive, compat.Lenient, true, false
	rs, group, alias, deks := "WIRE", "major", "other", "deks"
	full := registry.Config{
		Compatibility: &l, Normalize: &tr, Policy: &p, RuleSet: &rs, Alias: &alias, ValidateFields: &fa,
		CompatibilityGroup: &group,
		DefaultMetadata:    json.RawMessage(`{"properties":{"x":"y"}}`), OverrideMetadata: json.RawMessage(`{"properties":{"o":"p"}}`),
		DefaultRuleSet: json.RawMessage(`{"domainRules":[{"name":"d"}]}`), OverrideRuleSet: json.RawMessage(`{"migrationRules":[]}`),
		AliasForDeks: &deks, ValidateRules: &tr, ValidateNewSchemas: &fa,
	}
	scope := registry.Scope{Context: ".staging", Subject: "s"}
	update(t, st, func(tx registry.Tx) error {
		return tx.PutConfig(ctx, scope, registry.Config{Alias: &group, Normalize: &fa})
	})
	update(t, st, func(tx registry.Tx) error { return tx.PutConfig(ctx, scope, full) })
	got, err := st.Config(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(full, got); d != "" {
		t.Errorf("every field (-want +got):\n%s", d)
	}
	// Replacing clears the fields the new config leaves nil.
	update(t, st, func(tx registry.Tx) error { return tx.PutConfig(ctx, scope, registry.Config{Compatibility: &l}) })
	got, err = st.Config(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(registry.Config{Compatibility: &l}, got); d != "" {
		t.Errorf("after replacing (-want +got):\n%s", d)
	}
	if _, err := st.Config(ctx, registry.Scope{Context: ".staging"}); !errors.Is(err, registry.ErrSubjectConfigNotFound) {
		t.Errorf("the context's config = %v, want ErrSubjectConfigNotFound (only the subject's is set)", err)
	}
	update(t, st, func(tx registry.Tx) error { return tx.DeleteConfig(ctx, scope) })
	if _, err := st.Config(ctx, scope); !errors.Is(err, registry.ErrSubjectConfigNotFound) {
		t.Errorf("after DeleteConfig = %v, want ErrSubjectConfigNotFound", err)
	}
}

func testMode(t *testing.T, st registry.Store) {
	scope := registry.Scope{Context: ".", Subject: "s"}
	for _, m := range []registry.Mode{registry.ReadOnly, registry.Import, registry.ReadWrite} {
		update(t, st, func(tx registry.Tx) error { return tx.PutMode(ctx, scope, m) })
		got, err := st.Mode(ctx, scope)
		if err != nil || got != m {
			t.Errorf("Mode after PutMode(%v) = %v, %v", m, got, err)
		}
	}
	update(t, st, func(tx registry.Tx) error { return tx.DeleteMode(ctx, scope) })
	if _, err := st.Mode(ctx, scope); !errors.Is(err, registry.ErrSubjectModeNotFound) {
		t.Errorf("after DeleteMode = %v, want ErrSubjectModeNotFound", err)
	}
}

func testDeleteContext(t *testing.T, st registry.Store) {
	l := compat.None
	update(t, st, func(tx registry.Tx) error {
		if _, err := tx.NextID(ctx, ".gone"); err != nil {
			return err
		}
		for _, sc := range []registry.Scope{{Context: ".gone"}, {Context: ".gone", Subject: "s"}, {Context: ".kept", Subject: "s"}} {
			if err := tx.PutConfig(ctx, sc, registry.Config{Compatibility: &l}); err != nil {
				return err
			}
			if err := tx.PutMode(ctx, sc, registry.ReadOnly); err != nil {
				return err
			}
		}
		return tx.ReserveID(ctx, ".kept", 1)
	})
	update(t, st, func(tx registry.Tx) error { return tx.DeleteContext(ctx, ".gone") })
	for _, sc := range []registry.Scope{{Context: ".gone"}, {Context: ".gone", Subject: "s"}} {
		if _, err := st.Config(ctx, sc); !errors.Is(err, registry.ErrSubjectConfigNotFound) {
			t.Errorf("config at %+v = %v, want it gone", sc, err)
		}
		if _, err := st.Mode(ctx, sc); !errors.Is(err, registry.ErrSubjectModeNotFound) {
			t.Errorf("mode at %+v = %v, want it gone", sc, err)
		}
	}
	if _, err := st.Config(ctx, registry.Scope{Context: ".kept", Subject: "s"}); err != nil {
		t.Errorf("another context's config = %v, want it kept", err)
	}
	cs, err := st.Contexts(ctx)
	if err != nil || !cmp.Equal(cs, []string{".kept"}) {
		t.Errorf("Contexts = %v, %v; want [.kept]", cs, err)
	}
	if n, err := st.MaxID(ctx, ".gone"); err != nil || n != 0 {
		t.Errorf("MaxID of the deleted context = %d, %v; want 0", n, err)
	}
}

func testDeletes(t *testing.T, st registry.Store) {
	withRef := rec(".", 2, `"user"`)
	withRef.References = []registry.Reference{{Name: "B", Subject: "b", Version: 1}}
	withRef.Targets = []registry.VersionKey{{Context: ".", Subject: "b", Version: 1}}
	seed(t, st, []registry.SchemaRecord{rec(".", 1, `"b"`), withRef}, []registry.VersionRecord{ver(".", "b", 1, 1), ver(".", "s", 1, 2), ver(".", "s", 2, 2)})
	k := registry.VersionKey{Context: ".", Subject: "s", Version: 1}
	update(t, st, func(tx registry.Tx) error { return tx.SetDeleted(ctx, k, true) })
	vs, err := st.SubjectVersions(ctx, ".", "s")
	if err != nil || len(vs) != 2 || !vs[0].Deleted || vs[1].Deleted {
		t.Fatalf("after soft delete of version 1: %+v, %v", vs, err)
	}
	update(t, st, func(tx registry.Tx) error { return tx.SetDeleted(ctx, k, false) })
	if vs, _ := st.SubjectVersions(ctx, ".", "s"); len(vs) != 2 || vs[0].Deleted {
		t.Fatalf("after undeleting version 1: %+v", vs)
	}
	update(t, st, func(tx registry.Tx) error {
		for _, v := range []int{1, 2} {
			if err := tx.DeleteVersion(ctx, registry.VersionKey{Context: ".", Subject: "s", Version: v}); err != nil {
				return err
			}
		}
		return tx.DeleteSchema(ctx, ".", 2)
	})
	if _, err := st.Schema(ctx, ".", 2); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Errorf("hard-deleted schema = %v, want ErrSchemaNotFound", err)
	}
	refs, err := st.Referrers(ctx, registry.VersionKey{Context: ".", Subject: "b", Version: 1})
	wantKeys(t, "Referrers after the referrer's hard delete", refs, err)
	// The id can be stored again only by an import (ReserveID), never NextID.
	if n, _ := st.MaxID(ctx, "."); n != 2 {
		t.Errorf("MaxID after the hard delete = %d, want 2", n)
	}
}

// newService is a Service on st with Avro and no compatibility checks, so
// that tests can register unrelated schemas under one subject.
func newService(t *testing.T, st registry.Store) *registry.Service {
	t.Helper()
	s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}, DefaultCompatibility: compat.None})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func avroRecord(name string) string {
	return `{"type":"record","name":"` + name + `","fields":[{"name":"a","type":"string"}]}`
}

func register(t *testing.T, s *registry.Service, subject, text string) registry.Schema {
	t.Helper()
	sc, err := s.Register(ctx, registry.RegisterRequest{Subject: subject, Type: compat.Avro, Text: text})
	if err != nil {
		t.Fatalf("Register %s: %v", subject, err)
	}
	return sc
}

func testServiceReusesIDsAcrossSubjects(t *testing.T, st registry.Store) {
	s := newService(t, st)
	a := register(t, s, "a", avroRecord("R"))
	b := register(t, s, "b", avroRecord("R"))
	c := register(t, s, "a", avroRecord("S"))
	q := register(t, s, ":.ctx:a", avroRecord("R"))
	type iv struct{ ID, Version int }
	got := []iv{{a.ID, a.Version}, {b.ID, b.Version}, {c.ID, c.Version}, {q.ID, q.Version}}
	want := []iv{{1, 1}, {1, 1}, {2, 2}, {1, 1}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(id, version) of a/R, b/R, a/S, :.ctx:a/R (-want +got):\n%s", d)
	}
}

func testPing(t *testing.T, st registry.Store) {
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

// testOpensTogether opens four stores on one empty database at once, as
// instances starting together do: each migration must run once (a second run
// of a CREATE TABLE fails), and every store must then work.
func testOpensTogether(t *testing.T, open func() (registry.Store, error)) {
	const n = 4
	stores := make([]registry.Store, n)
	Concurrently(t, n, func(i int) error {
		var err error
		stores[i], err = open()
		return err
	})
	for i, st := range stores {
		s := newService(t, st)
		sc := register(t, s, fmt.Sprintf("s%d", i), avroRecord("R"))
		if sc.ID != 1 {
			t.Errorf("instance %d got id %d, want 1 (one schema, one id)", i, sc.ID)
		}
	}
}

// Concurrently runs fn(i) for i in [0, n) at once (all released together)
// and fails the test on any error.
func Concurrently(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func twoServices(t *testing.T, open func() (registry.Store, error)) [2]*registry.Service {
	t.Helper()
	var out [2]*registry.Service
	for i := range out {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = newService(t, st)
	}
	return out
}

func testSameSchemaTwoInstances(t *testing.T, open func() (registry.Store, error)) {
	s := twoServices(t, open)
	const n = 16
	ids := make([]int, n)
	Concurrently(t, n, func(i int) error {
		sc, err := s[i%2].Register(ctx, registry.RegisterRequest{Subject: "s", Type: compat.Avro, Text: avroRecord("R")})
		ids[i] = sc.ID
		return err
	})
	for i, id := range ids {
		if id != ids[0] {
			t.Fatalf("registration %d got id %d, registration 0 got %d", i, id, ids[0])
		}
	}
	for i, svc := range s {
		vs, err := svc.Versions(ctx, "s", registry.ListOptions{Deleted: true})
		if err != nil || !cmp.Equal(vs, []int{1}) {
			t.Errorf("instance %d: versions %v, %v; want [1]", i, vs, err)
		}
	}
}

func testDifferentSchemasTwoInstances(t *testing.T, open func() (registry.Store, error)) {
	s := twoServices(t, open)
	const n = 16
	ids := make([]int, n)
	Concurrently(t, n, func(i int) error {
		sc, err := s[i%2].Register(ctx, registry.RegisterRequest{Subject: "s", Type: compat.Avro, Text: avroRecord(fmt.Sprintf("R%d", i))})
		ids[i] = sc.ID
		return err
	})
	seen := map[int]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("two different schemas got id %d (registration %d)", id, i)
		}
		seen[id] = true
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	for i, svc := range s {
		vs, err := svc.Versions(ctx, "s", registry.ListOptions{Deleted: true})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, vs); d != "" {
			t.Errorf("instance %d: versions not 1..%d without gaps or duplicates (-want +got):\n%s", i, n, d)
		}
	}
}

func testReadYourWritesAcross(t *testing.T, open func() (registry.Store, error)) {
	s := twoServices(t, open)
	sc := register(t, s[0], "s", avroRecord("R"))
	got, err := s[1].SchemaByID(ctx, sc.ID, "")
	if err != nil || got.Text != sc.Text {
		t.Fatalf("other instance reads id %d = %+v, %v", sc.ID, got, err)
	}
	v, err := s[1].Version(ctx, "s", registry.Latest, false)
	if err != nil || v.ID != sc.ID || v.Version != 1 {
		t.Fatalf("other instance reads the latest version = %+v, %v", v, err)
	}
	// The other instance's registration continues the versions.
	next := register(t, s[1], "s", avroRecord("S"))
	if next.Version != 2 || next.ID != sc.ID+1 {
		t.Errorf("registration on the other instance = id %d version %d; want %d, 2", next.ID, next.Version, sc.ID+1)
	}
}
