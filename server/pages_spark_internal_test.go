package server

import (
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
)

// TestToSparkView checks the drawing: one point per minute across the width,
// the busiest minute at the top, empty minutes on the bottom line, and both
// series on one scale.
func TestToSparkView(t *testing.T) {
	t.Parallel()
	pts := make([]broker.RatePoint, broker.RateMinutes)
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for i := range pts {
		pts[i].Minute = start.Add(time.Duration(i) * time.Minute)
	}
	pts[30].Accepted = 10
	pts[59].Refused, pts[59].DeadLettered = 3, 2
	v := toSparkView(pts, sparkSize{w: 120, h: 24})
	ok := strings.Fields(v.Accepted)
	if len(ok) != 60 {
		t.Fatalf("%d points, want 60", len(ok))
	}
	for _, c := range []struct{ got, want string }{
		{ok[0], "1.0,23.0"}, {ok[30], "61.0,1.0"}, {ok[59], "119.0,23.0"},
		{v.Refused, "M119.0,23.5V12.0"}, // one bar, for the one minute with refusals: 5 of 10, half way up
	} {
		if c.got != c.want {
			t.Errorf("point %s, want %s", c.got, c.want)
		}
	}
	if v.TotalAccepted != 10 || v.TotalRefused != 3 || v.TotalDead != 2 || v.Peak != 10 {
		t.Errorf("totals %+v", v)
	}
	if !strings.Contains(v.Label, "10 accepted, 3 refused, 2 dead-lettered; busiest minute 10") {
		t.Errorf("label %q", v.Label)
	}
	// One refusal in a busy hour still draws a visible bar.
	pts[59].Refused, pts[59].DeadLettered = 1, 0
	pts[30].Accepted = 1000
	if v := toSparkView(pts, sparkSize{w: 120, h: 24}); v.Refused != "M119.0,23.5V20.5" {
		t.Errorf("a lone refusal draws %q", v.Refused)
	}
	// Accepted only: the refused line is not drawn, and zero minutes sit on
	// the bottom line.
	pts[59].Refused, pts[59].DeadLettered = 0, 0
	v = toSparkView(pts, sparkSize{w: 120, h: 24})
	if p := strings.Fields(v.Accepted); v.Refused != "" || p[10] != "21.0,23.0" {
		t.Errorf("refused %q, point %s", v.Refused, p[10])
	}
	// An empty hour: no lines, and a label that says so.
	v = toSparkView(make([]broker.RatePoint, 60), sparkSize{w: 120, h: 24})
	if v.Accepted != "" || v.Refused != "" || v.Label != "Last 60 minutes: no publishes" {
		t.Errorf("empty hour: %+v", v)
	}
}

// TestSparkAreaClosesOnBaseline checks that the area under the accepted line
// starts and ends on the baseline, so that it fills down to it.
func TestSparkAreaClosesOnBaseline(t *testing.T) {
	t.Parallel()
	pts := make([]broker.RatePoint, 3)
	pts[1].Accepted = 4
	v := toSparkView(pts, sparkSize{w: 120, h: 24})
	if want := "1.0,23.5 " + v.Accepted + " 119.0,23.5"; v.AcceptedArea != want {
		t.Errorf("area %q, want %q", v.AcceptedArea, want)
	}
}
