package server_test

import (
	"fmt"
	"testing"
)

// TestCommitGroupOffsetsAllOrNothing checks that POST /v1/groups/{group}/offsets
// commits every offset of the request or none: an offset refused part-way
// through the list leaves the group's committed offsets as they were.
func TestCommitGroupOffsetsAllOrNothing(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	e.must(200, "PUT", "/v1/topics/refunds", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	e.must(200, "PUT", "/v1/topics/jobs", `{"valueSubject":"orders-value","kind":"queue"}`, "Content-Type: application/json")
	for _, topic := range []string{"orders", "refunds"} {
		for i := range 3 {
			e.must(200, "POST", "/v1/topics/"+topic+"/events", fmt.Sprintf(`{"events":[{"value":{"id":"o-%d","amount":%d}}]}`, i, i), "Content-Type: application/json")
		}
	}
	e.must(200, "POST", "/v1/groups/billing/offsets", `{"offsets":[{"topic":"orders","offset":1},{"topic":"refunds","offset":1}]}`, "Content-Type: application/json")
	const before = `{"group":"billing","offsets":[{"topic":"orders","offset":1},{"topic":"refunds","offset":1}]}`

	for _, tc := range []struct {
		name, body   string
		status, code int
		msg          string
	}{
		{"UnknownTopicLastCommitsNothing", `{"offsets":[{"topic":"orders","offset":3},{"topic":"nope","offset":0}]}`, 404, 40420, "nope"},
		{"PastEndLastCommitsNothing", `{"offsets":[{"topic":"orders","offset":3},{"topic":"refunds","offset":99}]}`, 400, 40020, "refunds"},
		{"NegativeFirstCommitsNothing", `{"offsets":[{"topic":"orders","offset":-1},{"topic":"refunds","offset":2}]}`, 400, 40020, "orders"},
		{"QueueInTheMiddleCommitsNothing", `{"offsets":[{"topic":"orders","offset":2},{"topic":"jobs","offset":0},{"topic":"refunds","offset":2}]}`, 409, 40921, "jobs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.call("POST", "/v1/groups/billing/offsets", tc.body), tc.status, tc.code, tc.msg)
			wantJSON(t, e.call("GET", "/v1/groups/billing/offsets", ""), before)
		})
	}

	t.Run("AllValidCommitsAll", func(t *testing.T) {
		r := e.call("POST", "/v1/groups/billing/offsets", `{"offsets":[{"topic":"orders","offset":3},{"topic":"refunds","offset":2}]}`)
		want := `{"group":"billing","offsets":[{"topic":"orders","offset":3},{"topic":"refunds","offset":2}]}`
		wantJSON(t, r, want)
		wantJSON(t, e.call("GET", "/v1/groups/billing/offsets", ""), want)
	})
}
