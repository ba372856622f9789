package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
)

// Limits of the broker endpoints.
const (
	// maxWait bounds the long-poll wait of reads and receives.
	maxWait = 60 * time.Second
	// sseHeartbeat is how often an idle event stream sends a comment line, so
	// proxies keep it open and a gone client is noticed.
	sseHeartbeat = 15 * time.Second
	// headerClient names the producing or consuming client, for lineage.
	headerClient = "Herald-Client"
)

// tagBroker groups the broker's operations in the spec.
const tagBroker = "Broker"

// The rows of the broker operations' errors, beyond the middleware's (every
// POST, PUT and PATCH can answer 400 40001, 413 and 415 41501). Every
// operation can answer 503 50320 (the broker is shutting down); one that
// names a topic 404 40420; one that reads, receives, acks or commits 400
// 40020 for a parameter the broker refuses and 409 40921 on the other kind of
// topic; one that takes query parameters 400 40002.
var (
	brokerTopicErrors = []*errorRow{errTopicNotFound, errDraining}
	brokerReadErrors  = []*errorRow{errInvalidParam, errBrokerRequest, errTopicNotFound, errWrongKind, errDraining}
	brokerBodyErrors  = []*errorRow{errBrokerRequest, errTopicNotFound, errWrongKind, errDraining}
)

// topicOperations are the /v1/topics and /v1/groups routes.
var topicOperations = document(
	operation{Method: http.MethodGet, Path: "/v1/topics", ID: "listTopics", Summary: "List topics with what they hold and who uses them",
		Tags: []string{tagBroker}, Responses: []response{{Body: topicListJSON{}}},
		Errors:  []*errorRow{errDraining},
		handler: (*Server).listTopics},
	operation{Method: http.MethodGet, Path: "/v1/topics/{topic}", ID: "getTopic", Summary: "Get a topic with what it holds and who uses it",
		Tags: []string{tagBroker}, Params: topicPathParams{}, Responses: []response{{Body: topicInfoJSON{}}},
		Errors:  brokerTopicErrors,
		handler: (*Server).getTopic},
	operation{Method: http.MethodPut, Path: "/v1/topics/{topic}", ID: "putTopic", Summary: "Create or update a topic, idempotently",
		Description: "The value subject (and key subject) must exist and some live version of the value subject must be in the allowed range; a dead-letter topic must exist. Changing the kind of a topic that holds events is refused.",
		Tags:        []string{tagBroker}, Params: topicPathParams{}, Body: topicJSON{},
		Responses: []response{{Body: topicJSON{}}},
		Errors:    []*errorRow{errNoSubject, errInvalidTopic, errDraining},
		handler:   (*Server).putTopic},
	operation{Method: http.MethodDelete, Path: "/v1/topics/{topic}", ID: "deleteTopic", Summary: "Delete a topic and everything stored for it",
		Description: "A topic that is another topic's dead-letter topic cannot be deleted (409).",
		Tags:        []string{tagBroker}, Params: topicPathParams{},
		Responses: []response{{Status: http.StatusNoContent, Description: "Deleted."}},
		Errors:    []*errorRow{errTopicNotFound, errTopicInUse, errDraining},
		handler:   (*Server).deleteTopic},
	operation{Method: http.MethodPost, Path: "/v1/topics/{topic}/events", ID: "publishEvents", Summary: "Publish one event or an atomic batch, validated against the topic's contract",
		Description: "The body is, by Content-Type: application/json, the envelope (on binary topics key and value are base64 strings of the bytes, the value in the Confluent wire format); " +
			"application/cloudevents+json, one structured CloudEvent; application/cloudevents-batch+json, an array of them; " +
			"any type with ce-* headers, one CloudEvent in HTTP binary mode whose data is the body; application/octet-stream, one event of a binary topic in the Confluent wire format. " +
			"The answer comes after the events are durably committed. Invalid events refuse the whole batch (422, one detail per problem, the first 100 problems) unless the topic dead-letters them. " +
			"A batch holds at most the server's --max-publish-events events (10,000 unless set).",
		Tags: []string{tagBroker}, Params: publishParams{}, Body: envelopeJSON{},
		BodyTypes: []string{mediaCloudEvent, mediaCloudEvents, mediaOctets},
		Responses: []response{{Body: publishJSON{}}},
		Errors:    []*errorRow{errTopicNotFound, errEventTooLarge, errTooManyEvents, errInvalidEvent, errDraining},
		handler:   (*Server).publishEvents},
	operation{Method: http.MethodGet, Path: "/v1/topics/{topic}/events", ID: "readEvents", Summary: "Read a page of a stream's events, optionally waiting for the first (long poll)",
		Tags: []string{tagBroker}, Params: readEventsParams{}, Responses: []response{{Body: eventsJSON{}}},
		Errors:  brokerReadErrors,
		handler: (*Server).readEvents},
	operation{Method: http.MethodGet, Path: "/v1/topics/{topic}/stream", ID: "streamEvents", Summary: "Follow a topic as Server-Sent Events",
		Description: "Each stored event is an SSE event named \"event\" whose id is its offset and whose data is the event as in readEvents; an idle stream sends a comment every 15 s. " +
			"A reconnecting client resumes after the last event it saw with Last-Event-ID. The stream ends when the server shuts down.",
		Tags: []string{tagBroker}, Params: streamParams{},
		Responses: []response{{Body: "", ContentType: "text/event-stream", Description: "An endless stream of events."}},
		Errors:    brokerReadErrors,
		handler:   (*Server).streamEvents},
	operation{Method: http.MethodPost, Path: "/v1/topics/{topic}/receive", ID: "receiveMessages", Summary: "Lease messages of a queue, optionally waiting for the first (long poll)",
		Description: "Each message comes with an ackId: ack it before its lease ends, or it is delivered again; after the topic's maxDeliveries it goes to the dead-letter topic. The parameters are query parameters: a body other than none or {} is refused with 400 (40001).",
		Tags:        []string{tagBroker}, Params: receiveParams{}, Responses: []response{{Body: messagesJSON{}}},
		Errors:  brokerReadErrors,
		handler: (*Server).receiveMessages},
	operation{Method: http.MethodPost, Path: "/v1/topics/{topic}/ack", ID: "ackMessages", Summary: "Acknowledge leased messages: they are deleted",
		Description: "Stale or unknown ack ids are skipped (the lease ended and the message went to another consumer, or it was already acknowledged).",
		Tags:        []string{tagBroker}, Params: topicPathParams{}, Body: ackJSON{},
		Responses: []response{{Body: ackResultJSON{}, Description: "acked counts the messages deleted."}},
		Errors:    brokerBodyErrors,
		handler:   (*Server).ackMessages},
	operation{Method: http.MethodPost, Path: "/v1/topics/{topic}/nack", ID: "nackMessages", Summary: "Give leased messages back, to be delivered again at once or after a delay",
		Tags: []string{tagBroker}, Params: topicPathParams{}, Body: ackJSON{},
		Responses: []response{{Body: ackResultJSON{}, Description: "nacked counts the messages given back."}},
		Errors:    brokerBodyErrors,
		handler:   (*Server).nackMessages},
	operation{Method: http.MethodGet, Path: "/v1/groups/{group}/offsets", ID: "getGroupOffsets", Summary: "Get a consumer group's committed offsets",
		Tags: []string{tagBroker}, Params: groupPathParams{}, Responses: []response{{Body: groupOffsetsJSON{}, Description: "Empty for an unknown group."}},
		Errors:  []*errorRow{errBrokerRequest, errDraining},
		handler: (*Server).getGroupOffsets},
	operation{Method: http.MethodPost, Path: "/v1/groups/{group}/offsets", ID: "commitGroupOffsets", Summary: "Commit a consumer group's offsets",
		Description: "Each offset is the next one the group will read: the last processed plus one, between 0 and the topic's next offset. The answer is every offset of the group.",
		Tags:        []string{tagBroker}, Params: groupPathParams{}, Body: groupOffsetsJSON{},
		Responses: []response{{Body: groupOffsetsJSON{}}},
		Errors:    brokerBodyErrors,
		handler:   (*Server).commitGroupOffsets},
)

// registerTopicRoutes registers /v1/topics and /v1/groups when a broker is
// configured; without one those paths answer 404.
func (s *Server) registerTopicRoutes() {
	if s.cfg.Broker == nil {
		return
	}
	s.registerOperations(topicOperations)
}

// topicPathParams names the topic of a /v1/topics/{topic} route.
type topicPathParams struct {
	Topic string `path:"topic" description:"The topic name."`
}

// groupPathParams names the consumer group of a /v1/groups/{group} route.
type groupPathParams struct {
	Group string `path:"group" description:"The consumer group: 1 to 255 printable characters."`
}

// publishParams are the parameters of POST /v1/topics/{topic}/events.
type publishParams struct {
	topicPathParams
	Client         string `header:"Herald-Client" description:"Names the producing client: the catalog shows it as an observed producer."`
	IdempotencyKey string `header:"Idempotency-Key" description:"Stands for the id of events that have none, for deduplication (in a batch: the key, a slash and the event's index)."`
}

// positionParams choose where a stream read starts; reads and event streams
// share them (readParams reads them).
type positionParams struct {
	topicPathParams
	From   string `query:"from" description:"earliest, latest, an offset or an RFC 3339 time. Default: the group's committed offset, else earliest."`
	Group  string `query:"group" description:"A consumer group: start at its committed offset and record the read as observed consumption (streams only)."`
	Client string `header:"Herald-Client" description:"Names the consuming client: with group, the catalog shows it as an observed consumer (else the group name)."`
}

// readEventsParams are the parameters of GET /v1/topics/{topic}/events.
type readEventsParams struct {
	positionParams
	Limit int    `query:"limit" minimum:"0" maximum:"10000" description:"Most events returned. Default: 100. A page also ends after the event that brings it to the server's --max-read-bytes (16 MiB unless set)."`
	Wait  string `query:"wait" description:"Long poll: wait up to this long for a first event when there is none, as a duration (5s, 500ms) or whole seconds; at most 60s."`
}

// streamParams are the parameters of GET /v1/topics/{topic}/stream.
type streamParams struct {
	positionParams
	Limit       int    `query:"limit" minimum:"0" maximum:"10000" description:"Most events per read of the log. Default: 500."`
	LastEventID string `header:"Last-Event-ID" description:"The offset of the last event received: the stream resumes after it (wins over from and group)."`
}

// receiveParams are the parameters of POST /v1/topics/{topic}/receive.
type receiveParams struct {
	topicPathParams
	Max        int    `query:"max" minimum:"0" maximum:"10000" description:"Most messages leased. Default: 10. A lease also ends after the message that brings it to the server's --max-read-bytes (16 MiB unless set)."`
	Visibility string `query:"visibility" description:"The lease, as a duration or whole seconds; at most 12h. Default: the topic's visibility."`
	Wait       string `query:"wait" description:"Long poll: wait up to this long for a first message when there is none, as a duration (5s, 500ms) or whole seconds; at most 60s."`
	Client     string `header:"Herald-Client" description:"Names the consuming client: the catalog shows it as an observed consumer."`
}

// topicJSON is a topic's configuration, in requests and responses.
type topicJSON struct {
	// Name is the topic name; in a PUT it may be omitted (the path names it).
	Name string `json:"name,omitempty"`
	// Kind is stream (default) or queue.
	Kind string `json:"kind,omitempty" enum:"stream,queue"`
	// ValueSubject is the registry subject events are validated against.
	ValueSubject string `json:"valueSubject" required:"true"`
	// KeySubject, when set, validates event keys.
	KeySubject string `json:"keySubject,omitempty"`
	// Encoding is json (default), binary (Confluent wire format) or cloudevents.
	Encoding string `json:"encoding,omitempty" enum:"json,binary,cloudevents"`
	// FirstVersion and LastVersion bound the allowed versions (0: open).
	FirstVersion int `json:"firstVersion,omitempty"`
	LastVersion  int `json:"lastVersion,omitempty"`
	// Retention bounds what the topic keeps.
	Retention *retentionJSON `json:"retention,omitempty"`
	// OnInvalid is reject (default) or deadletter.
	OnInvalid string `json:"onInvalid,omitempty" enum:"reject,deadletter"`
	// DeadLetterTopic receives invalid events and queue messages past
	// maxDeliveries.
	DeadLetterTopic string `json:"deadLetterTopic,omitempty"`
	// MaxDeliveries (queues) moves a message to the dead-letter topic after that
	// many deliveries; 0 is unlimited.
	MaxDeliveries int `json:"maxDeliveries,omitempty"`
	// Visibility (queues) is the default lease, as a duration ("30s").
	Visibility string `json:"visibility,omitempty"`
	// CreatedAt and UpdatedAt are set by the broker (ignored in requests).
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// retentionJSON bounds what a topic keeps; zero or absent is unbounded.
type retentionJSON struct {
	// MaxAge is a duration: "72h", "7d", "90m".
	MaxAge    string `json:"maxAge,omitempty"`
	MaxBytes  int64  `json:"maxBytes,omitempty"`
	MaxEvents int64  `json:"maxEvents,omitempty"`
}

// topicInfoJSON is a topic with what it holds and who was seen using it.
type topicInfoJSON struct {
	topicJSON
	// Events and Bytes count what is stored (queues: not yet acknowledged).
	Events int64 `json:"events"`
	Bytes  int64 `json:"bytes"`
	// FirstOffset and LastOffset are -1 when the topic is empty.
	FirstOffset int64 `json:"firstOffset"`
	LastOffset  int64 `json:"lastOffset"`
	// NextOffset is the offset of the next event published.
	NextOffset int64 `json:"nextOffset"`
	// Producers and Consumers are the clients the broker observed.
	Producers []broker.Observation `json:"producers"`
	Consumers []broker.Observation `json:"consumers"`
}

// topicListJSON is the answer of GET /v1/topics.
type topicListJSON struct {
	Topics []topicInfoJSON `json:"topics"`
}

func toTopicJSON(t broker.Topic) topicJSON {
	out := topicJSON{
		Name: t.Name, Kind: t.Kind.String(), ValueSubject: t.ValueSubject, KeySubject: t.KeySubject,
		Encoding: t.Encoding.String(), FirstVersion: t.FirstVersion, LastVersion: t.LastVersion,
		OnInvalid: t.OnInvalid.String(), DeadLetterTopic: t.DeadLetterTopic, MaxDeliveries: t.MaxDeliveries,
		CreatedAt: &t.CreatedAt, UpdatedAt: &t.UpdatedAt,
	}
	if t.Visibility > 0 {
		out.Visibility = t.Visibility.String()
	}
	if t.Retention != (broker.Retention{}) {
		out.Retention = &retentionJSON{MaxBytes: t.Retention.MaxBytes, MaxEvents: t.Retention.MaxEvents}
		if t.Retention.MaxAge > 0 {
			out.Retention.MaxAge = t.Retention.MaxAge.String()
		}
	}
	return out
}

func toTopicInfoJSON(ti broker.TopicInfo) topicInfoJSON {
	return topicInfoJSON{
		topicJSON: toTopicJSON(ti.Topic), Events: ti.Events, Bytes: ti.Bytes,
		FirstOffset: ti.FirstOffset, LastOffset: ti.LastOffset, NextOffset: ti.NextOffset,
		Producers: ti.Producers, Consumers: ti.Consumers,
	}
}

// fromTopicJSON converts a PUT body for the topic named in the path.
func fromTopicJSON(name string, in topicJSON) (broker.Topic, error) {
	if in.Name != "" && in.Name != name {
		return broker.Topic{}, badBody(fmt.Sprintf("the body names topic %q but the path names %q", in.Name, name))
	}
	t := broker.Topic{Name: name, ValueSubject: in.ValueSubject, KeySubject: in.KeySubject,
		FirstVersion: in.FirstVersion, LastVersion: in.LastVersion, DeadLetterTopic: in.DeadLetterTopic, MaxDeliveries: in.MaxDeliveries}
	var err error
	if t.Kind, err = broker.ParseKind(in.Kind); err != nil {
		return t, err
	}
	if t.Encoding, err = broker.ParseEncoding(in.Encoding); err != nil {
		return t, err
	}
	if t.OnInvalid, err = broker.ParseInvalidPolicy(in.OnInvalid); err != nil {
		return t, err
	}
	if in.Visibility != "" {
		if t.Visibility, err = parseDuration(in.Visibility); err != nil {
			return t, fmt.Errorf("%w: visibility: %v", broker.ErrInvalidTopic, err)
		}
	}
	if r := in.Retention; r != nil {
		t.Retention = broker.Retention{MaxBytes: r.MaxBytes, MaxEvents: r.MaxEvents}
		if r.MaxAge != "" {
			if t.Retention.MaxAge, err = parseDuration(r.MaxAge); err != nil {
				return t, fmt.Errorf("%w: retention.maxAge: %v", broker.ErrInvalidTopic, err)
			}
		}
	}
	return t, nil
}

// parseDuration reads a Go duration, also accepting whole days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("%q: want a duration such as 90s, 2h or 7d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q: want a duration such as 90s, 2h or 7d", s)
	}
	return v, nil
}

// decodeJSONBody decodes a JSON request body strictly (unknown fields refused).
// The Content-Type must be JSON or absent.
func decodeJSONBody(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != mediaJSON {
			return errContentType.with(fmt.Sprintf("Content-Type %q: send application/json", ct))
		}
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badBody("invalid JSON body: " + err.Error())
	}
	if dec.More() {
		return badBody("invalid JSON body: data after the JSON value")
	}
	return nil
}

// queryCount reads an optional non-negative integer query parameter.
func queryCount(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidParam.with(fmt.Sprintf("query parameter %s=%q: want a non-negative integer", name, v))
	}
	return n, nil
}

// queryDuration reads an optional duration query parameter ("5s", or whole
// seconds) of at most limit.
func queryDuration(c *gin.Context, name string, limit time.Duration) (time.Duration, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	tooLong := func() error {
		return errInvalidParam.with(fmt.Sprintf("query parameter %s=%q: at most %s", name, v, limit))
	}
	d, err := parseDuration(v)
	if n, nerr := strconv.ParseInt(v, 10, 64); nerr == nil && n >= 0 {
		// Compare before multiplying: n seconds past 2^63 ns wrapped to a
		// negative wait, which passed the limit and returned at once.
		if n > int64(limit/time.Second) {
			return 0, tooLong()
		}
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil {
		return 0, errInvalidParam.with(fmt.Sprintf("query parameter %s=%q: want a duration such as 5s or 500ms (or whole seconds)", name, v))
	}
	if d > limit {
		return 0, tooLong()
	}
	return d, nil
}

// waitContext derives the context of a wait for events from parent: it also
// ends when drain does (Server.Drain). stop releases it.
func waitContext(parent, drain context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	unregister := context.AfterFunc(drain, cancel)
	return ctx, func() { unregister(); cancel() }
}

// longPoll runs read, which may wait up to wait for something to return. drain
// (Server.Drain) ends the wait: read then runs again without waiting, so the
// client gets what there is now rather than an error; once drain has ended,
// read never waits.
func longPoll[T any](ctx, drain context.Context, wait time.Duration, read func(ctx context.Context, wait time.Duration) (T, error)) (T, error) {
	if wait > 0 && drain.Err() == nil {
		wctx, stop := waitContext(ctx, drain)
		res, err := read(wctx, wait)
		stop()
		if err == nil || ctx.Err() != nil || drain.Err() == nil {
			return res, err
		}
	}
	return read(ctx, 0)
}

// listTopics handles GET /v1/topics.
func (s *Server) listTopics(c *gin.Context) error {
	infos, err := s.cfg.Broker.Topics(c.Request.Context())
	if err != nil {
		return err
	}
	out := topicListJSON{Topics: make([]topicInfoJSON, 0, len(infos))}
	every := s.readsEveryTopic(c)
	for _, ti := range infos {
		if every || s.mayRead(c, auth.ReadTopic, auth.Resource{Topic: ti.Name}) {
			out.Topics = append(out.Topics, toTopicInfoJSON(ti))
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// getTopic handles GET /v1/topics/{topic}.
func (s *Server) getTopic(c *gin.Context) error {
	return answer(c, toTopicInfoJSON)(s.cfg.Broker.Topic(c.Request.Context(), c.Param("topic")))
}

// putTopic handles PUT /v1/topics/{topic}: create or update, idempotently.
func (s *Server) putTopic(c *gin.Context) error {
	var in topicJSON
	if err := decodeJSONBody(c, &in); err != nil {
		return err
	}
	t, err := fromTopicJSON(c.Param("topic"), in)
	if err != nil {
		return err
	}
	return answer(c, toTopicJSON)(s.cfg.Broker.PutTopic(c.Request.Context(), t))
}

// deleteTopic handles DELETE /v1/topics/{topic}.
func (s *Server) deleteTopic(c *gin.Context) error {
	if err := s.cfg.Broker.DeleteTopic(c.Request.Context(), c.Param("topic")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// publishResultJSON is what happened to one published event.
type publishResultJSON struct {
	// Offset is the event's offset; absent when it was dead-lettered.
	Offset *int64 `json:"offset,omitempty"`
	// Duplicate: the id was published within the window; Offset is the first's.
	Duplicate bool `json:"duplicate,omitempty"`
	// DeadLetter says where an invalid event went and why.
	DeadLetter *deadLetterJSON `json:"deadLetter,omitempty"`
}

// deadLetterJSON is where an invalid event went and why.
type deadLetterJSON struct {
	Topic    string                `json:"topic"`
	Offset   int64                 `json:"offset"`
	Problems []broker.EventProblem `json:"problems"`
}

// publishJSON answers a publish, after the events are durably committed.
type publishJSON struct {
	// Stored counts events appended; Duplicates those already there; and
	// DeadLettered those sent to the dead-letter topic.
	Stored       int `json:"stored"`
	Duplicates   int `json:"duplicates"`
	DeadLettered int `json:"deadLettered"`
	// Results has one entry per event, in request order.
	Results []publishResultJSON `json:"results"`
}

// publishBodies pools the buffers publish bodies are read into.
var publishBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept in publishBodies: a rare huge
// batch should not pin its memory for ever.
const maxPooledBody = 4 << 20

// recycleBody returns a publish body buffer to the pool.
func recycleBody(buf *bytes.Buffer) { putBuffer(&publishBodies, buf, maxPooledBody) }

// publishEvents handles POST /v1/topics/{topic}/events.
func (s *Server) publishEvents(c *gin.Context) error {
	brk := s.cfg.Broker
	t, err := brk.TopicConfig(c.Param("topic"))
	if err != nil {
		return err
	}
	buf := publishBodies.Get().(*bytes.Buffer)
	buf.Reset()
	if n := c.Request.ContentLength; n > 0 && n <= s.cfg.MaxBodyBytes {
		// One allocation at most, and none for a pooled buffer big enough:
		// ReadFrom wants MinRead bytes free even for the read that ends.
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(c.Request.Body); err != nil {
		return err
	}
	// Events alias the buffer from here on (decodeEnvelope), and the broker
	// reads them until it answers. The buffer goes back to the pool only
	// after a successful publish: on an error the committer may still hold
	// the events (a cancelled request), or the error may quote them.
	evs, err := decodePublish(t, c.Request.Header, buf.Bytes(), brk.MaxPublishEvents())
	if err != nil {
		return err
	}
	res, err := brk.Publish(c.Request.Context(), t.Name, evs, broker.PublishOptions{Producer: c.GetHeader(headerClient)})
	if err != nil {
		return err
	}
	out := publishJSON{Results: make([]publishResultJSON, len(res))}
	offsets := make([]int64, len(res)) // one allocation for every Offset pointer
	for i, r := range res {
		switch {
		case r.DeadLetter != nil:
			out.DeadLettered++
			out.Results[i].DeadLetter = &deadLetterJSON{Topic: r.DeadLetter.Topic, Offset: r.DeadLetter.Offset, Problems: r.DeadLetter.Problems}
		default:
			offsets[i] = r.Offset
			out.Results[i].Offset = &offsets[i]
			out.Results[i].Duplicate = r.Duplicate
			if r.Duplicate {
				out.Duplicates++
			} else {
				out.Stored++
			}
		}
	}
	s.auditPublish(c, res, out.Stored, out.DeadLettered)
	err = writeJSON(c, http.StatusOK, out)
	recycleBody(buf) // after the answer, which may quote problems found in the events
	return err
}

// readParams are the query parameters of a stream read.
type readParams struct {
	from  broker.Position
	limit int
	wait  time.Duration
	group string
}

func (s *Server) readParams(c *gin.Context) (readParams, error) {
	var p readParams
	var err error
	if p.from, err = broker.ParsePosition(c.Query("from")); err != nil {
		return p, err
	}
	if p.limit, err = queryCount(c, "limit"); err != nil {
		return p, err
	}
	if p.wait, err = queryDuration(c, "wait", maxWait); err != nil {
		return p, err
	}
	p.group = c.Query("group")
	return p, nil
}

// topicReadParams finds the topic a read or stream names and reads its
// query parameters.
func (s *Server) topicReadParams(c *gin.Context) (broker.Topic, readParams, error) {
	t, err := s.cfg.Broker.TopicConfig(c.Param("topic"))
	if err != nil {
		return t, readParams{}, err
	}
	p, err := s.readParams(c)
	return t, p, err
}

// eventsJSON is a page of events.
type eventsJSON struct {
	Events []eventJSON `json:"events"`
	// NextOffset is where to read from to continue (from=NextOffset).
	NextOffset int64 `json:"nextOffset"`
}

// readEvents handles GET /v1/topics/{topic}/events?from&limit&wait&group.
func (s *Server) readEvents(c *gin.Context) error {
	brk := s.cfg.Broker
	t, p, err := s.topicReadParams(c)
	if err != nil {
		return err
	}
	req := broker.ReadRequest{Topic: t.Name, From: p.from, Limit: p.limit, Group: p.group, Client: c.GetHeader(headerClient)}
	rr, err := longPoll(c.Request.Context(), s.drain, p.wait, func(ctx context.Context, wait time.Duration) (broker.ReadResult, error) {
		req.Wait = wait
		return brk.Read(ctx, req)
	})
	if err != nil {
		return err
	}
	out := eventsJSON{Events: make([]eventJSON, len(rr.Records)), NextOffset: rr.Next}
	for i := range rr.Records {
		out.Events[i] = toEventJSON(&rr.Records[i], t.Encoding)
	}
	return writeJSON(c, http.StatusOK, out)
}

// streamEvents handles GET /v1/topics/{topic}/stream: Server-Sent Events, one
// "event" per stored event with its offset as the SSE id, so a reconnecting
// client resumes after the last one it saw (Last-Event-ID). from and group
// choose the start as for reads; Last-Event-ID wins over both. The stream ends
// when the server drains (Drain).
func (s *Server) streamEvents(c *gin.Context) error {
	brk := s.cfg.Broker
	t, p, err := s.topicReadParams(c)
	if err != nil {
		return err
	}
	if last := c.GetHeader("Last-Event-ID"); last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 || n == math.MaxInt64 { // the offset after it would wrap
			return errInvalidParam.with(fmt.Sprintf("Last-Event-ID %q: want the offset of the last event received", last))
		}
		p.from = broker.Position{Kind: broker.AtOffset, Offset: n + 1}
	}
	if s.drain.Err() != nil {
		return fmt.Errorf("%w: the server is shutting down", broker.ErrClosed)
	}
	client := c.GetHeader(headerClient)
	limit := p.limit
	if limit == 0 {
		limit = 500
	}
	// Resolve the start (and any error) before committing to a 200 stream.
	rr, err := brk.Read(c.Request.Context(), broker.ReadRequest{Topic: t.Name, From: p.from, Limit: limit, Group: p.group, Client: client})
	if err != nil {
		return err
	}
	// The stream ends when the client goes or the server drains.
	ctx, stop := waitContext(c.Request.Context(), s.drain)
	defer stop()
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	for {
		buf.Reset()
		for i := range rr.Records {
			b, err := json.Marshal(toEventJSON(&rr.Records[i], t.Encoding))
			if err != nil {
				return nil // the stream has started: nothing more to tell the client
			}
			fmt.Fprintf(&buf, "id: %d\nevent: event\ndata: %s\n\n", rr.Records[i].Offset, b)
		}
		if len(rr.Records) == 0 {
			buf.WriteString(": keep-alive\n\n")
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil
		}
		w.Flush()
		rr, err = brk.Read(ctx, broker.ReadRequest{Topic: t.Name, From: broker.Position{Kind: broker.AtOffset, Offset: rr.Next}, Limit: limit, Wait: sseHeartbeat, Group: p.group, Client: client})
		if err != nil {
			if !errors.Is(err, ctx.Err()) {
				s.log.InfoContext(ctx, "event stream ended", "topic", t.Name, "err", err)
			}
			return nil
		}
	}
}

// messagesJSON answers a receive.
type messagesJSON struct {
	// Messages are leased: ack them before the lease ends, or they come back.
	Messages []eventJSON `json:"messages"`
}

// receiveMessages handles POST /v1/topics/{topic}/receive?max&visibility&wait.
func (s *Server) receiveMessages(c *gin.Context) error {
	if err := refuseReceiveBody(c); err != nil {
		return err
	}
	brk := s.cfg.Broker
	t, err := brk.TopicConfig(c.Param("topic"))
	if err != nil {
		return err
	}
	max, err := queryCount(c, "max")
	if err != nil {
		return err
	}
	vis, err := queryDuration(c, "visibility", broker.MaxVisibility)
	if err != nil {
		return err
	}
	wait, err := queryDuration(c, "wait", maxWait)
	if err != nil {
		return err
	}
	req := broker.ReceiveRequest{Topic: t.Name, Max: max, Visibility: vis, Client: c.GetHeader(headerClient)}
	recs, err := longPoll(c.Request.Context(), s.drain, wait, func(ctx context.Context, wait time.Duration) ([]broker.Record, error) {
		req.Wait = wait
		return brk.Receive(ctx, req)
	})
	if err != nil {
		return err
	}
	out := messagesJSON{Messages: make([]eventJSON, len(recs))}
	for i := range recs {
		out.Messages[i] = toEventJSON(&recs[i], t.Encoding)
	}
	return writeJSON(c, http.StatusOK, out)
}

// ackJSON is the body of ack and nack.
type ackJSON struct {
	// AckIDs name the leases, as received.
	AckIDs []string `json:"ackIds" required:"true"`
	// Delay (nack only) makes the messages visible again after this duration.
	Delay string `json:"delay,omitempty"`
}

// ackResultJSON counts the messages changed; stale or unknown ack ids are
// skipped (the lease ended and the message went to another consumer, or it was
// already acknowledged).
type ackResultJSON struct {
	Acked  *int `json:"acked,omitempty"`
	Nacked *int `json:"nacked,omitempty"`
}

func (s *Server) ackIDs(c *gin.Context, allowDelay bool) ([]broker.AckID, time.Duration, error) {
	var in ackJSON
	if err := decodeJSONBody(c, &in); err != nil {
		return nil, 0, err
	}
	if in.AckIDs == nil {
		return nil, 0, badBody(`"ackIds" is required`)
	}
	ids := make([]broker.AckID, len(in.AckIDs))
	for i, a := range in.AckIDs {
		id, err := broker.ParseAckID(a)
		if err != nil {
			return nil, 0, err
		}
		ids[i] = id
	}
	var delay time.Duration
	if in.Delay != "" {
		if !allowDelay {
			return nil, 0, badBody(`"delay" applies to nack only`)
		}
		d, err := parseDuration(in.Delay)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: delay: %v", broker.ErrInvalidRequest, err)
		}
		if d > broker.MaxVisibility {
			return nil, 0, fmt.Errorf("%w: delay %s: at most %s, the longest lease", broker.ErrInvalidRequest, in.Delay, broker.MaxVisibility)
		}
		delay = d
	}
	return ids, delay, nil
}

// ackMessages handles POST /v1/topics/{topic}/ack: acknowledged messages are
// deleted.
func (s *Server) ackMessages(c *gin.Context) error {
	ids, _, err := s.ackIDs(c, false)
	if err != nil {
		return err
	}
	n, err := s.cfg.Broker.Ack(c.Request.Context(), c.Param("topic"), ids)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, ackResultJSON{Acked: &n})
}

// nackMessages handles POST /v1/topics/{topic}/nack: the messages are delivered
// again, at once or after the delay.
func (s *Server) nackMessages(c *gin.Context) error {
	ids, delay, err := s.ackIDs(c, true)
	if err != nil {
		return err
	}
	n, err := s.cfg.Broker.Nack(c.Request.Context(), c.Param("topic"), ids, delay)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, ackResultJSON{Nacked: &n})
}

// groupOffsetJSON is one committed offset: the next offset the group will read.
type groupOffsetJSON struct {
	Topic  string `json:"topic" required:"true"`
	Offset int64  `json:"offset" required:"true"`
}

// groupOffsetsJSON is a group's committed offsets, in requests and responses.
type groupOffsetsJSON struct {
	Group   string            `json:"group,omitempty"`
	Offsets []groupOffsetJSON `json:"offsets" required:"true"`
}

// getGroupOffsets handles GET /v1/groups/{group}/offsets.
func (s *Server) getGroupOffsets(c *gin.Context) error {
	group := c.Param("group")
	offs, err := s.cfg.Broker.GroupOffsets(c.Request.Context(), group)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toGroupOffsets(group, offs))
}

func toGroupOffsets(group string, offs map[string]int64) groupOffsetsJSON {
	out := groupOffsetsJSON{Group: group, Offsets: []groupOffsetJSON{}}
	for t, o := range offs {
		out.Offsets = append(out.Offsets, groupOffsetJSON{Topic: t, Offset: o})
	}
	sort.Slice(out.Offsets, func(i, j int) bool { return out.Offsets[i].Topic < out.Offsets[j].Topic })
	return out
}

// commitGroupOffsets handles POST /v1/groups/{group}/offsets: each offset is the
// next one the group will read (the last processed plus one).
func (s *Server) commitGroupOffsets(c *gin.Context) error {
	group := c.Param("group")
	var in groupOffsetsJSON
	if err := decodeJSONBody(c, &in); err != nil {
		return err
	}
	if in.Group != "" && in.Group != group {
		return badBody(fmt.Sprintf("the body names group %q but the path names %q", in.Group, group))
	}
	if len(in.Offsets) == 0 {
		return badBody(`"offsets" needs at least one {"topic","offset"}`)
	}
	ctx := c.Request.Context()
	// One call for the whole list: the broker commits all or none.
	offsets := make([]broker.GroupOffset, len(in.Offsets))
	for i, o := range in.Offsets {
		offsets[i] = broker.GroupOffset{Topic: o.Topic, Offset: o.Offset}
	}
	if err := s.cfg.Broker.CommitOffsets(ctx, group, offsets...); err != nil {
		return err
	}
	offs, err := s.cfg.Broker.GroupOffsets(ctx, group)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toGroupOffsets(group, offs))
}
