package broker

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Event is one event to publish.
type Event struct {
	// ID is the producer's event id, used for deduplication ("" for none). For
	// CloudEvents it is the ce id; the deduplication key is then source and id.
	ID string
	// Key is the event key (nil for none): JSON text on json and cloudevents
	// topics, bytes (or the wire format when the topic has a key subject) on
	// binary topics.
	Key []byte
	// Value is the payload in the topic's encoding (for CloudEvents, the data).
	Value []byte
	// Headers are kept with the event; CloudEvents attributes are ce-* headers.
	Headers map[string]string
}

// dedupKey is the key an event is deduplicated by: its id, qualified by the
// CloudEvents source when there is one.
func (e *Event) dedupKey() string {
	if e.ID == "" {
		return ""
	}
	if src := e.Headers["ce-source"]; src != "" {
		return src + "\x00" + e.ID
	}
	return e.ID
}

// PublishOptions describe who publishes.
type PublishOptions struct {
	// Producer names the producing client (the Herald-Client header, later the
	// authenticated principal); it is recorded as observed lineage. "" records
	// nothing.
	Producer string
	// RejectInvalid refuses a batch with an invalid event even on a topic
	// that dead-letters them: a redrive (redrive.go) must leave a
	// still-invalid event where it is rather than dead-letter a copy.
	RejectInvalid bool
}

// Result is what happened to one published event.
type Result struct {
	// Offset is the event's offset in the topic; -1 when it was dead-lettered.
	Offset int64
	// Duplicate reports an event whose id was already published within the
	// deduplication window: it was not stored again and Offset is the first one's.
	Duplicate bool
	// DeadLetter is set when the event broke the contract and went to the
	// dead-letter topic.
	DeadLetter *DeadLettered
}

// DeadLettered says where an invalid event went and why.
type DeadLettered struct {
	Topic    string
	Offset   int64
	Problems []EventProblem
}

// commitReq is one publish waiting for the committer.
type commitReq struct {
	topic    *topicState
	records  []Record
	keys     []string // dedup keys, parallel to records
	results  []Result // pre-filled for dead-lettered events
	stored   []int    // index into results for each record
	dead     *Batch   // dead-lettered events, to Topic.DeadLetterTopic
	deadIdx  []int    // index into results for each dead record
	producer string
	forget   string // not a publish: forget the dedup ids of this deleted topic
	done     chan commitRes
}

type commitRes struct {
	results []Result
	err     error
}

// Publish validates events against the topic's contract and appends them in one
// transaction, returning after the commit with one Result per event. With
// OnInvalid Reject, one bad event refuses the whole batch with an *EventsError
// wrapping ErrInvalidEvent; with DeadLetter, bad events go to the dead-letter
// topic in the same transaction. An event over the size limit always refuses the
// batch (ErrEventTooLarge). Errors: ErrTopicNotFound, ErrInvalidEvent,
// ErrEventTooLarge, ErrSubjectNotFound (the subject lost its versions), ErrClosed.
func (b *Broker) Publish(ctx context.Context, topic string, events []Event, opts PublishOptions) ([]Result, error) {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return []Result{}, nil
	}
	if len(events) > b.cfg.MaxPublishEvents {
		return nil, fmt.Errorf("%w: %d events in one publish; the limit is %d: send them in several batches", ErrTooManyEvents, len(events), b.cfg.MaxPublishEvents)
	}
	// Sized once for the whole batch: on the valid path every event lands in
	// records, keys and stored, and appends must not regrow them per event.
	req := &commitReq{topic: t, producer: opts.Producer, results: make([]Result, len(events)), done: make(chan commitRes, 1),
		records: make([]Record, 0, len(events)), keys: make([]string, 0, len(events)), stored: make([]int, 0, len(events))}
	var tooBig refusals
	for i := range events {
		e := &events[i]
		r := Record{ID: e.ID, Key: e.Key, Value: e.Value, Headers: e.Headers}
		if n := r.Size(); n > b.cfg.MaxEventBytes {
			tooBig.add([]EventProblem{{Index: i, Field: "value", Message: fmt.Sprintf("event is %d bytes; the limit is %d", n, b.cfg.MaxEventBytes)}})
		}
	}
	if tooBig.events > 0 {
		b.recordPublish(topic, 0, len(events), 0)
		b.observeRefused(topic, opts.Producer, tooBig.events)
		return nil, tooBig.err(ErrEventTooLarge, topic)
	}
	var bad refusals
	for i := range events {
		e := &events[i]
		r := Record{ID: e.ID, Key: e.Key, Value: e.Value, Headers: e.Headers}
		id, probs, err := b.validate(ctx, &t.Topic, part{field: "value", subject: t.ValueSubject, binary: t.Encoding == EncodingBinary, ranged: true}, e.Value)
		if err != nil {
			return nil, fmt.Errorf("publish to %s: %w", topic, err)
		}
		r.SchemaID = id
		if len(probs) == 0 && t.KeySubject != "" && e.Key != nil {
			id, probs, err = b.validate(ctx, &t.Topic, part{field: "key", subject: t.KeySubject, binary: t.Encoding == EncodingBinary}, e.Key)
			if err != nil {
				return nil, fmt.Errorf("publish to %s: %w", topic, err)
			}
			r.KeySchemaID = id
		}
		if len(probs) > 0 {
			for j := range probs {
				probs[j].Index = i
			}
			kept := bad.add(probs)
			if t.OnInvalid == DeadLetter && !opts.RejectInvalid {
				if req.dead == nil {
					req.dead = &Batch{Topic: t.DeadLetterTopic}
				}
				// The stored reason has every problem; the reply, those kept.
				dr := Record{ID: e.ID, Key: e.Key, Value: e.Value, Headers: deadHeaders(e.Headers, topic, probs)}
				req.dead.Records = append(req.dead.Records, dr)
				req.deadIdx = append(req.deadIdx, i)
				req.results[i] = Result{Offset: -1, DeadLetter: &DeadLettered{Topic: t.DeadLetterTopic, Problems: kept}}
			}
			continue
		}
		req.records = append(req.records, r)
		req.keys = append(req.keys, e.dedupKey())
		req.stored = append(req.stored, i)
	}
	if bad.events > 0 && opts.RejectInvalid && t.OnInvalid != Reject {
		return nil, bad.err(ErrInvalidEvent, topic)
	}

	if bad.events > 0 && t.OnInvalid == Reject {
		b.recordPublish(topic, 0, len(events), 0)
		b.observeRefused(topic, opts.Producer, bad.events)
		return nil, bad.err(ErrInvalidEvent, topic)
	}
	if req.dead != nil {
		dl, err := b.topic(ctx, t.DeadLetterTopic)
		if err != nil {
			return nil, fmt.Errorf("publish to %s: dead-letter topic: %w", topic, err)
		}
		req.dead.Queue = dl.Kind == Queue
	}
	res, err := b.submit(ctx, req)
	if err == nil {
		b.recordPublish(topic, len(req.records), 0, len(req.deadIdx))
	}
	return res, err
}

// refusals collects the problems of one publish's bad events, listing at
// most MaxListedProblems of them and counting the rest.
type refusals struct {
	listed   []EventProblem
	events   int // bad events, listed or not
	unlisted int // problems past those listed
}

// add records the problems of one bad event and returns those listed, but
// always at least the first: a dead-lettered event's result says why.
func (r *refusals) add(probs []EventProblem) []EventProblem {
	r.events++
	n := min(len(probs), max(MaxListedProblems-len(r.listed), 0))
	r.listed = append(r.listed, probs[:n]...)
	r.unlisted += len(probs) - n
	return probs[:max(n, 1)]
}

// err is the publish's refusal.
func (r *refusals) err(kind error, topic string) *EventsError {
	return &EventsError{Kind: kind, Topic: topic, Problems: r.listed, Events: r.events, Unlisted: r.unlisted}
}

// deadHeaders are the headers of a dead-lettered event: the original ones plus
// the reason and the source topic.
func deadHeaders(h map[string]string, topic string, probs []EventProblem) map[string]string {
	out := make(map[string]string, len(h)+2)
	for k, v := range h {
		out[k] = v
	}
	var msgs []string
	for _, p := range probs {
		m := p.Field
		if p.Path != "" {
			m += " at " + p.Path
		}
		msgs = append(msgs, m+": "+p.Message)
	}
	out[HeaderDeadLetterReason] = strings.Join(msgs, "; ")
	out[HeaderSourceTopic] = topic
	return out
}

// submit hands a request to the committer and waits for the commit.
func (b *Broker) submit(ctx context.Context, req *commitReq) ([]Result, error) {
	select {
	case b.commits <- req:
	case <-b.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case res := <-req.done:
		return res.results, res.err
	case <-ctx.Done():
		// The events may still commit; a retry with the same ids is deduplicated.
		return nil, ctx.Err()
	case <-b.exited():
		select {
		case res := <-req.done:
			return res.results, res.err
		default:
			return nil, ErrClosed
		}
	}
}

// committer is the one goroutine that appends publishes to the Log, many per
// transaction.
func (b *Broker) committer() {
	defer b.wg.Done()
	defer close(b.committerDone)
	prune := time.NewTicker(b.pruneEvery())
	defer prune.Stop()
	for {
		select {
		case r := <-b.commits:
			b.commit(b.gather(r))
		case <-prune.C:
			b.pruneDedup()
		case <-b.stop:
			for {
				select {
				case r := <-b.commits:
					b.commit(b.gather(r))
				default:
					return
				}
			}
		}
	}
}

// exited is closed when the committer has returned.
func (b *Broker) exited() <-chan struct{} { return b.committerDone }

func (b *Broker) pruneEvery() time.Duration {
	if b.cfg.DedupWindow > 0 && b.cfg.DedupWindow/2 < time.Minute {
		return max(b.cfg.DedupWindow/2, time.Second)
	}
	return time.Minute
}

// gather takes first and every request already waiting, up to MaxGroupEvents.
func (b *Broker) gather(first *commitReq) []*commitReq {
	group := []*commitReq{first}
	n := len(first.records)
	for n < b.cfg.MaxGroupEvents {
		select {
		case r := <-b.commits:
			group = append(group, r)
			n += len(r.records)
			continue
		default:
		}
		break
	}
	return group
}

// pending locates a record of the current group for in-group duplicates.
type pendingRef struct{ req, rec int }

// commit appends one group in one transaction and answers every request in it.
// If the transaction fails and the group has several requests, each is retried
// alone so one bad request (say, a topic deleted meanwhile) fails only itself.
func (b *Broker) commit(group []*commitReq) {
	now := b.now().UTC()
	if now.Before(b.lastCommit) {
		now = b.lastCommit // keep times non-decreasing, for reads by time
	}
	type plan struct {
		batch int         // index of the topic batch in batches, -1 if none
		dead  int         // index of the dead-letter batch, -1 if none
		keep  []int       // indexes of records appended, in order
		dupOf map[int]any // record index → int64 offset or pendingRef
	}
	b.pullDedup(group, now)
	var batches []Batch
	plans := make([]plan, len(group))
	inGroup := map[string]pendingRef{}
	for gi, r := range group {
		p := plan{batch: -1, dead: -1}
		if r.forget != "" {
			b.dedup.forget(r.forget)
			plans[gi] = p
			continue
		}
		recs := make([]Record, 0, len(r.records))
		keys := make([]string, 0, len(r.records))
		p.keep = make([]int, 0, len(r.records))
		for i := range r.records {
			rec := r.records[i]
			k := r.keys[i]
			if k != "" && b.cfg.DedupWindow > 0 {
				if off, ok := b.dedup.get(r.topic.Name, k, now.Add(-b.cfg.DedupWindow)); ok {
					if p.dupOf == nil {
						p.dupOf = map[int]any{}
					}
					p.dupOf[i] = off
					continue
				}
				gk := r.topic.Name + "\x00" + k
				if ref, ok := inGroup[gk]; ok {
					if p.dupOf == nil {
						p.dupOf = map[int]any{}
					}
					p.dupOf[i] = ref
					continue
				}
				inGroup[gk] = pendingRef{gi, i}
			} else {
				k = ""
			}
			rec.Time = now
			recs = append(recs, rec)
			keys = append(keys, k)
			p.keep = append(p.keep, i)
		}
		if len(recs) > 0 {
			p.batch = len(batches)
			batches = append(batches, Batch{Topic: r.topic.Name, Records: recs, DedupKeys: keys, Queue: r.topic.Kind == Queue})
		}
		if r.dead != nil {
			d := *r.dead
			d.Records = append([]Record(nil), d.Records...)
			for i := range d.Records {
				d.Records[i].Time = now
			}
			p.dead = len(batches)
			batches = append(batches, d)
		}
		plans[gi] = p
	}
	var firsts []int64
	if len(batches) > 0 {
		var err error
		firsts, err = b.log.Append(context.Background(), batches)
		if err != nil {
			if len(group) > 1 {
				for _, r := range group {
					b.commit([]*commitReq{r})
				}
				return
			}
			group[0].done <- commitRes{err: fmt.Errorf("append to %s: %w", group[0].topicName(), err)}
			return
		}
	}
	b.lastCommit = now
	// First pass: offsets of appended records, dedup index, wake-ups.
	appended := make([]map[int]int64, len(group))
	for gi, r := range group {
		p := plans[gi]
		if p.batch < 0 {
			continue
		}
		m := make(map[int]int64, len(p.keep))
		for j, i := range p.keep {
			off := firsts[p.batch] + int64(j)
			m[i] = off
			if k := batches[p.batch].DedupKeys[j]; k != "" {
				b.dedup.add(r.topic.Name, k, off, now)
			}
		}
		appended[gi] = m
	}
	woken := map[string]bool{}
	for gi, r := range group {
		if r.forget != "" {
			r.done <- commitRes{}
			continue
		}
		p := plans[gi]
		for j, i := range r.stored {
			res := &r.results[i]
			if off, ok := appended[gi][j]; ok {
				res.Offset = off
				continue
			}
			switch d := p.dupOf[j].(type) {
			case int64:
				*res = Result{Offset: d, Duplicate: true}
			case pendingRef:
				*res = Result{Offset: appended[d.req][d.rec], Duplicate: true}
			}
		}
		if p.dead >= 0 {
			for j, i := range r.deadIdx {
				r.results[i].DeadLetter.Offset = firsts[p.dead] + int64(j)
			}
			woken[r.dead.Topic] = true
		}
		var kept, dead int64
		if p.batch >= 0 {
			woken[r.topic.Name] = true
			kept = int64(len(p.keep))
		}
		if p.dead >= 0 {
			dead = int64(len(r.deadIdx))
		}
		if r.producer != "" && kept+dead > 0 {
			b.observe(r.topic.Name, Producer, r.producer, kept, dead, now)
		}
		r.done <- commitRes{results: r.results}
	}
	b.mu.RLock()
	for name := range woken {
		if t := b.topics[name]; t != nil {
			t.wake()
		}
	}
	b.mu.RUnlock()
}

func (r *commitReq) topicName() string {
	if r.topic == nil {
		return r.forget
	}
	return r.topic.Name
}

// pruneDedup forgets ids older than the window, in memory and in the Log.
func (b *Broker) pruneDedup() {
	if b.cfg.DedupWindow <= 0 {
		return
	}
	cut := b.now().Add(-b.cfg.DedupWindow)
	b.dedup.prune(cut)
	if err := b.log.PruneIDs(b.life, cut); err != nil && b.life.Err() == nil {
		b.logr.Error("broker: prune deduplication ids", "err", err)
	}
}

// dedupIndex remembers recent event ids per topic. Only the committer uses it.
type dedupIndex struct {
	byTopic map[string]map[string]dedupVal
	fifo    []DedupEntry // in time order, for pruning
}

type dedupVal struct {
	offset int64
	time   time.Time
}

func newDedupIndex() *dedupIndex { return &dedupIndex{byTopic: map[string]map[string]dedupVal{}} }

func (d *dedupIndex) add(topic, key string, off int64, t time.Time) {
	m := d.byTopic[topic]
	if m == nil {
		m = map[string]dedupVal{}
		d.byTopic[topic] = m
	}
	if v, ok := m[key]; ok && v.offset == off && !t.After(v.time) {
		return // pulled again from a shared Log: already known
	}
	m[key] = dedupVal{off, t}
	d.fifo = append(d.fifo, DedupEntry{Topic: topic, Key: key, Offset: off, Time: t})
}

func (d *dedupIndex) get(topic, key string, since time.Time) (int64, bool) {
	v, ok := d.byTopic[topic][key]
	if !ok || v.time.Before(since) {
		return 0, false
	}
	return v.offset, true
}

func (d *dedupIndex) forget(topic string) { delete(d.byTopic, topic) }

func (d *dedupIndex) prune(cut time.Time) {
	i := 0
	for ; i < len(d.fifo) && d.fifo[i].Time.Before(cut); i++ {
		e := d.fifo[i]
		if m := d.byTopic[e.Topic]; m != nil {
			if v, ok := m[e.Key]; ok && !v.time.After(e.Time) {
				delete(m, e.Key)
				if len(m) == 0 {
					delete(d.byTopic, e.Topic)
				}
			}
		}
	}
	d.fifo = append(d.fifo[:0:0], d.fifo[i:]...)
}
