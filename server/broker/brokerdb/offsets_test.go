package brokerdb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// TestCommitOffsetsAllOrNothing commits a group's offsets for three topics
// where the store fails part-way: every offset stays as it was, never the
// first ones alone.
func TestCommitOffsetsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, err := brokerdb.Open(ctx, filepath.Join(t.TempDir(), "b.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	now := time.Now().UTC()
	for _, name := range []string{"a", "b", "c"} {
		if err := st.PutTopic(ctx, broker.Topic{Name: name, ValueSubject: "s", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	before := map[string]int64{"a": 1, "b": 1, "c": 1}
	if err := st.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "a", Offset: 1}, {Topic: "b", Offset: 1}, {Topic: "c", Offset: 1}}); err != nil {
		t.Fatal(err)
	}
	all := []broker.GroupOffset{{Topic: "a", Offset: 5}, {Topic: "b", Offset: 5}, {Topic: "c", Offset: 5}}

	errDisk := errors.New("disk gave up")
	for _, tc := range []struct {
		name    string
		offsets []broker.GroupOffset
		failAt  int // the hook fails after writing this offset; -1: never
		want    error
	}{
		{"FailureAfterTheSecondKeepsAll", all, 1, errDisk},
		{"FailureAfterTheLastKeepsAll", all, 2, errDisk},
		{"UnknownTopicKeepsAll", append(all[:2:2], broker.GroupOffset{Topic: "gone", Offset: 1}), -1, broker.ErrTopicNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writes := 0
			defer brokerdb.SetCommitOffsetHook(func(i int) error {
				writes++
				if i == tc.failAt {
					return errDisk
				}
				return nil
			})()
			if err := st.CommitOffsets(ctx, "g", tc.offsets); !errors.Is(err, tc.want) {
				t.Fatalf("CommitOffsets = %v, want %v", err, tc.want)
			}
			if tc.failAt >= 0 && writes != tc.failAt+1 {
				t.Fatalf("%d offsets written before the failure, want %d: the test does not fail part-way", writes, tc.failAt+1)
			}
			got, err := st.Offsets(ctx, "g")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(before, got); d != "" {
				t.Errorf("offsets after a failed commit (-want +got):\n%s", d)
			}
		})
	}

	t.Run("SuccessCommitsAllAndLastOfATopicWins", func(t *testing.T) {
		offs := append(all[:3:3], broker.GroupOffset{Topic: "a", Offset: 7})
		if err := st.CommitOffsets(ctx, "g", offs); err != nil {
			t.Fatal(err)
		}
		got, err := st.Offsets(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(map[string]int64{"a": 7, "b": 5, "c": 5}, got); d != "" {
			t.Errorf("offsets (-want +got):\n%s", d)
		}
	})
}
