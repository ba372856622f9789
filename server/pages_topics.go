package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/web"
)

// topicsView is the topics page.
type topicsView struct {
	pageMeta
	// NoBroker is set when the server runs without a broker.
	NoBroker bool
	Topics   []broker.TopicInfo
	// DeadLetters are the stored events of each topic's dead-letter topic.
	DeadLetters map[string]int64
	// Sparks are each topic's publishes over the last hour.
	Sparks map[string]sparkView
}

// topics serves GET /ui/topics: every broker topic with its kind, encoding,
// subject, size and dead-letter depth.
func (p *pages) topics(c *gin.Context) error {
	v := topicsView{pageMeta: p.meta("Topics", "topics"), NoBroker: p.s.cfg.Broker == nil}
	if v.NoBroker {
		p.render(c, http.StatusOK, "topics", v)
		return nil
	}
	infos, err := p.s.cfg.Broker.Topics(c.Request.Context())
	if err != nil {
		return err
	}
	every := p.s.readsEveryTopic(c)
	for _, t := range infos {
		if every || p.s.mayRead(c, auth.ReadTopic, auth.Resource{Topic: t.Name}) {
			v.Topics = append(v.Topics, t)
		}
	}
	events := make(map[string]int64, len(infos))
	for _, t := range infos {
		events[t.Name] = t.Events
	}
	v.DeadLetters = map[string]int64{}
	for _, t := range infos {
		if t.DeadLetterTopic != "" {
			v.DeadLetters[t.Name] = events[t.DeadLetterTopic]
		}
	}
	v.Sparks = make(map[string]sparkView, len(v.Topics))
	for _, t := range v.Topics {
		v.Sparks[t.Name] = toSparkView(p.s.cfg.Broker.Rates(t.Name), sparkSmall)
	}
	p.render(c, http.StatusOK, "topics", v)
	return nil
}

// clientRow is an observed producer or consumer of a topic.
type clientRow struct {
	broker.Observation
	// URL is the client's page: its service page when the catalog declares
	// it, its client page otherwise.
	URL      string
	Declared bool
}

// topicView is the topic page.
type topicView struct {
	pageMeta
	T          broker.TopicInfo
	Retention  []fact
	Groups     []broker.GroupLag
	Queue      *broker.QueueDepth
	DeadLetter *broker.Stats
	Producers  []clientRow
	Consumers  []clientRow
	Events     []entityItem
	// DeadLetterFor are the topics that dead-letter into this one.
	DeadLetterFor []string
	// Spark is the topic's publishes over the last hour.
	Spark sparkView
}

// topic serves GET /ui/topics/{topic}: configuration, retention and size;
// consumer groups with committed offset and lag (streams) or queue depth and
// in-flight leases (queues); dead-letter depth; observed producers and
// consumers with when they were last seen; the catalog events on the topic.
func (p *pages) topic(c *gin.Context) error {
	ctx := c.Request.Context()
	b := p.s.cfg.Broker
	name := c.Param("topic")
	if b == nil {
		return fmt.Errorf("%w: %s (this server runs without a broker)", broker.ErrTopicNotFound, name)
	}
	info, err := b.Topic(ctx, name)
	if err != nil {
		return err
	}
	v := topicView{pageMeta: p.meta(name, "topics"), T: info, Retention: retentionFacts(info.Retention),
		Spark: toSparkView(b.Rates(name), sparkLarge)}
	if info.Kind == broker.Queue {
		d, err := b.QueueDepth(ctx, name)
		if err != nil {
			return err
		}
		v.Queue = &d
	} else if v.Groups, err = b.TopicGroups(ctx, name); err != nil {
		return err
	}
	if info.DeadLetterTopic != "" {
		dl, err := b.Topic(ctx, info.DeadLetterTopic)
		if err != nil {
			return err
		}
		v.DeadLetter = &dl.Stats
	}
	all, err := b.Topics(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		if t.DeadLetterTopic == name {
			v.DeadLetterFor = append(v.DeadLetterFor, t.Name)
		}
	}
	v.Producers, v.Consumers = p.clientRows(info.Producers), p.clientRows(info.Consumers)
	doc := p.cat.Document()
	for i := range doc.Events {
		if ev := &doc.Events[i]; ev.Topic == name || (ev.Topic == "" && ev.Subject == name+"-value") {
			v.Events = append(v.Events, eventItem(ev))
		}
	}
	p.render(c, http.StatusOK, "topic", v)
	return nil
}

// clientRows links each observation to its client's page.
func (p *pages) clientRows(obs []broker.Observation) []clientRow {
	out := make([]clientRow, len(obs))
	for i, o := range obs {
		r := clientRow{Observation: o, URL: web.EntityURL("client", o.Client)}
		if _, err := p.cat.Application(o.Client); err == nil {
			r.URL, r.Declared = web.EntityURL("service", o.Client), true
		}
		out[i] = r
	}
	return out
}

// retentionFacts describes what a topic keeps.
func retentionFacts(r broker.Retention) []fact {
	var out []fact
	if r.MaxAge > 0 {
		out = append(out, fact{"Max age", humanDuration(r.MaxAge)})
	}
	if r.MaxBytes > 0 {
		out = append(out, fact{"Max bytes", fmt.Sprint(r.MaxBytes)})
	}
	if r.MaxEvents > 0 {
		out = append(out, fact{"Max events", fmt.Sprint(r.MaxEvents)})
	}
	if len(out) == 0 {
		out = append(out, fact{"Retention", "keeps everything"})
	}
	return out
}

// humanDuration writes whole days as days ("7d", as topics are configured)
// and anything else as Go does, to the second.
func humanDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.Round(time.Second).String()
}
