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
	// Accepted is a polyline's points: accepted events per minute; Refused is
	// a path of one bar per minute with refused or dead-lettered events, on
	// the same scale, so that a minute without any draws nothing. Each is
	// empty when the hour has none.
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
	// A series with nothing in the hour is not drawn; the baseline is drawn
	// either way.
	if v.TotalAccepted > 0 {
		var b strings.Builder
		b.Grow(len(pts) * 10)
		for i, p := range pts {
			if i > 0 {
				b.WriteByte(' ')
			}
			writePoint(&b, sparkX(i, len(pts), sz), sparkY(p.Accepted, sz, scale))
		}
		v.Accepted = b.String()
		base := strconv.FormatFloat(v.Base, 'f', 1, 64)
		v.AcceptedArea = "1.0," + base + " " + v.Accepted + " " + strconv.Itoa(sz.w-1) + ".0," + base
	}
	v.Refused = bars(pts, sz, v.Base, scale)
	v.Label = fmt.Sprintf("Last %d minutes: %d accepted, %d refused, %d dead-lettered; busiest minute %d",
		len(pts), v.TotalAccepted, v.TotalRefused, v.TotalDead, v.Peak)
	if v.Peak == 0 {
		v.Label = fmt.Sprintf("Last %d minutes: no publishes", len(pts))
	}
	return v
}

// sparkX is the x of minute i of n.
func sparkX(i, n int, sz sparkSize) float64 {
	if n < 2 {
		return 1
	}
	return 1 + float64(i)*float64(sz.w-2)/float64(n-1)
}

// sparkY is the y of a count: the busiest minute (scale) at the top, 0 on the
// bottom row.
func sparkY(n int64, sz sparkSize, scale int64) float64 {
	return float64(sz.h-1) - float64(n)*float64(sz.h-2)/float64(scale)
}

func writePoint(b *strings.Builder, x, y float64) {
	b.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
	b.WriteByte(',')
	b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
}

// minBar is the shortest refused bar, in pixels: a few refusals in a busy
// hour stay visible.
const minBar = 3

// bars draws a vertical bar from the baseline for each minute with refused
// or dead-lettered events.
func bars(pts []broker.RatePoint, sz sparkSize, base float64, scale int64) string {
	var b strings.Builder
	for i, p := range pts {
		if n := p.Refused + p.DeadLettered; n > 0 {
			b.WriteByte('M')
			writePoint(&b, sparkX(i, len(pts), sz), base)
			b.WriteByte('V')
			b.WriteString(strconv.FormatFloat(min(sparkY(n, sz, scale), base-minBar), 'f', 1, 64))
		}
	}
	return b.String()
}
