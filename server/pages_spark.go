package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/server/broker"
)

// sparkView is the "spark" partial: a topic's publishes per minute over the
// last hour, drawn as inline SVG on the server. It needs no script, and its
// colours come from the stylesheet through classes, so the page's
// Content-Security-Policy (style-src 'self', no inline styles) holds.
type sparkView struct {
	W, H int
	// Base is the baseline's y: the bottom pixel row, whole.
	Base float64
	// Accepted and Refused are polyline points: accepted events, and refused
	// plus dead-lettered ones, per minute on one scale; empty when the series
	// has nothing in the hour.
	Accepted, Refused string
	// AcceptedArea fills under the accepted line, so that the refused line,
	// drawn over it, shows even where the two are equal.
	AcceptedArea string
	// Label says what the drawing shows, for screen readers and as a tooltip.
	Label string
	// Totals over the hour, and the busiest minute.
	TotalAccepted, TotalRefused, TotalDead, Peak int64
	// Large is the topic page's drawing, which scales with the page.
	Large bool
}

// sparkSize is a sparkline's drawing size in pixels.
type sparkSize struct {
	w, h  int
	large bool
}

var (
	sparkSmall = sparkSize{w: 120, h: 24}
	sparkLarge = sparkSize{w: 480, h: 64, large: true}
)

// toSparkView draws pts (oldest first) at size sz. Both lines share the
// busiest minute as their scale, so a refusal rate reads against the
// publish rate; an hour without publishes is two flat lines at the bottom.
func toSparkView(pts []broker.RatePoint, sz sparkSize) sparkView {
	v := sparkView{W: sz.w, H: sz.h, Base: float64(sz.h) - 0.5, Large: sz.large}
	for _, p := range pts {
		v.TotalAccepted += p.Accepted
		v.TotalRefused += p.Refused
		v.TotalDead += p.DeadLettered
		v.Peak = max(v.Peak, p.Accepted, p.Refused+p.DeadLettered)
	}
	scale := max(v.Peak, 1)
	line := func(val func(broker.RatePoint) int64) string {
		var b strings.Builder
		b.Grow(len(pts) * 10)
		for i, p := range pts {
			if i > 0 {
				b.WriteByte(' ')
			}
			x := 1.0
			if len(pts) > 1 {
				x += float64(i) * float64(sz.w-2) / float64(len(pts)-1)
			}
			y := float64(sz.h-1) - float64(val(p))*float64(sz.h-2)/float64(scale)
			b.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
			b.WriteByte(',')
			b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
		}
		return b.String()
	}
	// A series with nothing in the hour is not drawn: a flat red line along
	// the bottom would read as refusals. The baseline is drawn either way.
	if v.TotalAccepted > 0 {
		v.Accepted = line(func(p broker.RatePoint) int64 { return p.Accepted })
		base := strconv.FormatFloat(v.Base, 'f', 1, 64)
		v.AcceptedArea = "1.0," + base + " " + v.Accepted + " " + strconv.Itoa(sz.w-1) + ".0," + base
	}
	if v.TotalRefused+v.TotalDead > 0 {
		v.Refused = line(func(p broker.RatePoint) int64 { return p.Refused + p.DeadLettered })
	}
	v.Label = fmt.Sprintf("Last %d minutes: %d accepted, %d refused, %d dead-lettered; busiest minute %d",
		len(pts), v.TotalAccepted, v.TotalRefused, v.TotalDead, v.Peak)
	if v.Peak == 0 {
		v.Label = fmt.Sprintf("Last %d minutes: no publishes", len(pts))
	}
	return v
}
