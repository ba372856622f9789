package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/compat"
)

// TestMain runs the package's tests with every error response recorded, and
// then fails the run if a handler answered a row of the error catalogue that
// its operation does not declare (operation.Errors, or implicitRows for the
// middleware's): the whole test suite is the corpus of TestErrorsDeclared.
func TestMain(m *testing.M) {
	rec := newErrorRecorder()
	hook := rec.record
	errorHook.Store(&hook)
	code := m.Run()
	errorHook.Store(nil)
	if path := os.Getenv("HERALD_ERROR_RECORD"); path != "" {
		// For people: what the suite saw, per route, to help write Errors.
		b, _ := json.MarshalIndent(rec.dump(), "", " ")
		_ = os.WriteFile(path, b, 0o644)
	}
	if problems := undeclaredErrors(rec.seen(), documentedOperations()); len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "--- FAIL: TestErrorsDeclared: handlers answered rows their operations do not declare:\n\t%s\n",
			strings.Join(problems, "\n\t"))
		code = 1
	}
	os.Exit(code)
}

// errorResponseKey is one error response seen: the route it was written on,
// and its row.
type errorResponseKey struct {
	method, route string
	row           *errorRow
}

// errorRecorder collects the error responses the server writes.
type errorRecorder struct {
	mu sync.Mutex
	// rows are the responses seen, with how often.
	rows map[errorResponseKey]int
}

func newErrorRecorder() *errorRecorder {
	return &errorRecorder{rows: map[errorResponseKey]int{}}
}

func (r *errorRecorder) record(method, route string, row *errorRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[errorResponseKey{method, route, row}]++
}

func (r *errorRecorder) seen() []errorResponseKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]errorResponseKey, 0, len(r.rows))
	for k := range r.rows {
		out = append(out, k)
	}
	return out
}

func (r *errorRecorder) dump() map[string][]int {
	out := map[string][]int{}
	for _, k := range r.seen() {
		key := k.method + " " + k.route
		out[key] = append(out[key], k.row.code)
		slices.Sort(out[key])
	}
	return out
}

// documentedOperations are the operations of the OpenAPI spec.
func documentedOperations() []operation {
	operationsMu.Lock()
	defer operationsMu.Unlock()
	return slices.Clone(operations)
}

// undeclaredErrors lists the responses seen on an operation's route whose row
// the operation neither declares nor can answer from middleware. Responses on
// routes without an operation (pages, unmatched paths) are not checked here.
func undeclaredErrors(seen []errorResponseKey, ops []operation) []string {
	byRoute := map[[2]string]operation{}
	for _, op := range ops {
		byRoute[[2]string{op.Method, ginPath(op.Path)}] = op
	}
	var out []string
	for _, k := range seen {
		op, ok := byRoute[[2]string{k.method, k.route}]
		if !ok {
			continue
		}
		if !slices.Contains(op.Errors, k.row) && !slices.Contains(implicitRows(op.Method, op.Path), k.row) {
			out = append(out, fmt.Sprintf("%s %s (%s) answered %d with error_code %d (%s)", op.Method, op.Path, op.ID, k.row.status, k.row.code, k.row.message))
		}
	}
	sort.Strings(out)
	return out
}

// TestUndeclaredErrorsReported checks the check TestMain runs: a row the
// operation declares, or one its middleware answers, passes; any other fails.
func TestUndeclaredErrorsReported(t *testing.T) {
	t.Parallel()
	ops := []operation{
		{Method: http.MethodGet, Path: "/v1/topics/{topic}", ID: "getTopic", Errors: []*errorRow{errTopicNotFound}},
		{Method: http.MethodPut, Path: "/v1/topics/{topic}", ID: "putTopic", Errors: []*errorRow{errInvalidTopic}},
		{Method: http.MethodPost, Path: "/subjects/{subject}/versions", ID: "registerSchema"},
	}
	for _, tc := range []struct {
		name string
		seen errorResponseKey
		want bool
	}{
		{"DeclaredRowPasses", errorResponseKey{"GET", "/v1/topics/:topic", errTopicNotFound}, false},
		{"UndeclaredRowFails", errorResponseKey{"GET", "/v1/topics/:topic", errWrongKind}, true},
		{"InternalErrorPassesEverywhere", errorResponseKey{"GET", "/v1/topics/:topic", errInternal}, false},
		{"NativeBodyLimitPassesOnPut", errorResponseKey{"PUT", "/v1/topics/:topic", errContentType}, false},
		{"NativeMediaCodeFailsOnGet", errorResponseKey{"GET", "/v1/topics/:topic", errContentType}, true},
		{"ConfluentMediaCodeFailsOnNativeRoute", errorResponseKey{"PUT", "/v1/topics/:topic", errUnsupportedMedia}, true},
		{"ConfluentMediaCodePassesOnConfluentRoute", errorResponseKey{"POST", "/subjects/:subject/versions", errUnsupportedMedia}, false},
		{"DiskFullPassesOnWrite", errorResponseKey{"POST", "/subjects/:subject/versions", errDiskFull}, false},
		{"DiskFullFailsOnRead", errorResponseKey{"GET", "/v1/topics/:topic", errDiskFull}, true},
		{"UnknownRouteNotChecked", errorResponseKey{"GET", "/ui/events/:id", errWrongKind}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := undeclaredErrors([]errorResponseKey{tc.seen}, ops)
			if (len(got) > 0) != tc.want {
				t.Errorf("undeclaredErrors = %q, want a report: %v", got, tc.want)
			}
		})
	}
}

// TestErrorCatalogue checks the catalogue's shape: one row per code (the
// code names the meaning), each sentinel in one row, statuses that are HTTP
// statuses, and codes that start with their status (Herald's) or equal it
// (Confluent's framework codes).
func TestErrorCatalogue(t *testing.T) {
	t.Parallel()
	byCode := map[int]*errorRow{}
	byTarget := map[error]*errorRow{}
	for _, r := range catalogue() {
		if o, ok := byCode[r.code]; ok {
			t.Errorf("error_code %d is both %q and %q", r.code, o.message, r.message)
		}
		byCode[r.code] = r
		for _, tg := range r.targets {
			if o, ok := byTarget[tg]; ok {
				t.Errorf("sentinel %v is in rows %d and %d", tg, o.code, r.code)
			}
			byTarget[tg] = r
		}
		if r.status != statusClientClosed && http.StatusText(r.status) == "" {
			t.Errorf("row %d: status %d is not an HTTP status", r.code, r.status)
		}
		if c := fmt.Sprint(r.code); c != fmt.Sprint(r.status) && !strings.HasPrefix(c, fmt.Sprint(r.status/100)) {
			t.Errorf("row %d: code does not belong to status %d", r.code, r.status)
		}
		if r.message == "" {
			t.Errorf("row %d: no default message", r.code)
		}
	}
	if len(byCode) < 40 {
		t.Errorf("catalogue has %d rows; the package's rows did not all register", len(byCode))
	}
}

// TestEveryRowReachable checks that every row is answered somewhere: declared
// by an operation, answered by middleware on some operation, or written where
// no route matched (scopeUnrouted), or by the catalog pages (errCatalogNotFound
// and the rows they share with the API).
func TestEveryRowReachable(t *testing.T) {
	t.Parallel()
	reach := map[*errorRow]bool{}
	for _, op := range documentedOperations() {
		for _, r := range slices.Concat(op.Errors, implicitRows(op.Method, op.Path)) {
			reach[r] = true
		}
	}
	for _, r := range catalogue() {
		if !reach[r] && r.scope != scopeUnrouted && r.scope != scopePages {
			t.Errorf("row %d (%s) is neither declared by an operation, answered by middleware, nor marked unrouted", r.code, r.message)
		}
		if reach[r] && r.scope == scopeUnrouted {
			t.Errorf("row %d (%s) is marked unrouted but an operation declares it", r.code, r.message)
		}
	}
}

// TestRowFor checks that the domain sentinels, wrapped, find their rows, and
// that an error of this package built from a row keeps its row.
func TestRowFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want *errorRow
	}{
		{"WrappedSentinelFindsItsRow", fmt.Errorf("check: %w", compat.ErrTooComplex), errTooComplex},
		{"RowErrorKeepsItsRow", errInvalidParam.with("query parameter x"), errInvalidParam},
		{"BareRowIsItself", errNoRoute, errNoRoute},
		{"WrappedRowErrorKeepsItsRow", fmt.Errorf("read: %w", errInvalidBody.with("x")), errInvalidBody},
		{"UnknownErrorHasNoRow", fmt.Errorf("disk on fire"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rowFor(tc.err); got != tc.want {
				t.Errorf("rowFor(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
