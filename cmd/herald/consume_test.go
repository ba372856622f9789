package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestConsumeFollowInterruptExitsZero interrupts consume --follow (the
// context main cancels on Ctrl-C) while it waits for more events, on a
// stream and on a queue: it exits 0 and says nothing on stderr.
func TestConsumeFollowInterruptExitsZero(t *testing.T) {
	m := brokerMain(t)
	postJSON(t, m.URL()+"/subjects/orders-value/versions", "application/json",
		`{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`)
	srv := "--server=" + m.URL()
	for _, kind := range []string{"stream", "queue"} {
		t.Run(kind, func(t *testing.T) {
			topic := "follow-" + kind
			if code, _, errOut := brokerCLI("", "topic", "create", topic, "--kind", kind, "--value-subject", "orders-value", srv); code != 0 {
				t.Fatal(errOut)
			}
			if code, _, errOut := brokerCLI(`{"n":1}`, "publish", topic, srv); code != 0 {
				t.Fatal(errOut)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, []string{"consume", topic, "--follow", srv}, &stdout, &stderr) }()
			// The event printed means the next read is the one that waits.
			for !strings.Contains(stdout.String(), `"n":1`) {
				select {
				case code := <-done:
					t.Fatalf("consume --follow ended by itself: exit %d, stderr %s", code, stderr.String())
				default:
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			if code := <-done; code != exitOK || stderr.String() != "" {
				t.Errorf("interrupted consume --follow: exit %d, stderr %q; want 0 and nothing", code, stderr.String())
			}
		})
	}
}
