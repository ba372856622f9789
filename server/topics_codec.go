package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/heraldhq/herald/server/broker"
)

// Publish bodies. POST /v1/topics/{topic}/events takes, by Content-Type:
//
//   - application/json: the envelope {"events":[{"id","key","value","headers"}]}.
//     On json topics value and key are JSON values; on binary topics they are
//     base64 strings of the bytes (the value in the Confluent wire format).
//   - application/cloudevents+json: one structured CloudEvent (json and
//     cloudevents topics).
//   - application/cloudevents-batch+json: a JSON array of structured CloudEvents.
//   - any type with a ce-specversion header: one CloudEvent in HTTP binary mode,
//     the body being its data.
//   - application/octet-stream: one event whose value is the body (binary topics:
//     the Confluent wire format).
//
// The event id deduplicates; without one, an Idempotency-Key header stands for it
// (for a batch, the key plus "/" and the event's index).

// Media types of publish bodies.
const (
	mediaJSON        = "application/json"
	mediaCloudEvent  = "application/cloudevents+json"
	mediaCloudEvents = "application/cloudevents-batch+json"
	mediaOctets      = "application/octet-stream"
)

// envelopeJSON is the JSON publish envelope.
type envelopeJSON struct {
	// Events are published in order, all or none.
	Events []envelopeEventJSON `json:"events" required:"true"`
}

// envelopeEventJSON is one event of the envelope.
type envelopeEventJSON struct {
	// ID deduplicates the event within the broker's window.
	ID string `json:"id,omitempty"`
	// Key is a JSON value (json topics) or a base64 string (binary topics).
	Key json.RawMessage `json:"key,omitempty"`
	// Value is a JSON value (json topics) or a base64 string of the Confluent
	// wire format (binary topics).
	Value json.RawMessage `json:"value" required:"true"`
	// Headers are kept with the event.
	Headers map[string]string `json:"headers,omitempty"`
}

// bodyProblem is one problem of a publish body, for 400 details.
type bodyProblem struct {
	Index   int    `json:"index"`
	Message string `json:"message"`
}

// badBody is a 400 for a publish body that cannot be read.
func badBody(msg string, probs ...bodyProblem) error {
	if len(probs) > broker.MaxListedProblems {
		msg += fmt.Sprintf(" (the details list the first %d)", broker.MaxListedProblems)
		probs = probs[:broker.MaxListedProblems]
	}
	if len(probs) > 0 {
		return errInvalidBody.withDetails(msg, probs)
	}
	return errInvalidBody.with(msg)
}

// unsupportedMedia is a 415 naming what the topic accepts.
func unsupportedMedia(got string, t broker.Topic) error {
	var want string
	switch t.Encoding {
	case broker.EncodingBinary:
		want = mediaOctets + " (one wire-format event) or " + mediaJSON + " (envelope with base64 values)"
	case broker.EncodingCloudEvents:
		want = mediaCloudEvent + ", " + mediaCloudEvents + " or a CloudEvent in HTTP binary mode (ce-* headers)"
	default:
		want = mediaJSON + " (envelope), " + mediaCloudEvent + ", " + mediaCloudEvents + " or CloudEvents HTTP binary mode"
	}
	if got == "" {
		got = "no Content-Type"
	}
	return errContentType.with(fmt.Sprintf("topic %s (%s encoding) does not take %s: send %s", t.Name, t.Encoding, got, want))
}

// decodePublish turns a publish request into events for topic t, at most
// maxEvents of them.
func decodePublish(t broker.Topic, header http.Header, body []byte, maxEvents int) ([]broker.Event, error) {
	ct := header.Get("Content-Type")
	mt := ""
	if ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, unsupportedMedia(ct, t)
		}
	}
	var (
		evs []broker.Event
		err error
	)
	switch {
	case header.Get("ce-specversion") != "":
		if t.Encoding == broker.EncodingBinary {
			return nil, unsupportedMedia("a CloudEvent", t)
		}
		var ev broker.Event
		ev, err = decodeCloudEventBinary(header, mt, body)
		evs = []broker.Event{ev}
	case mt == mediaCloudEvent:
		if t.Encoding == broker.EncodingBinary {
			return nil, unsupportedMedia(mt, t)
		}
		var ev broker.Event
		ev, err = decodeCloudEvent(body)
		if err != nil {
			err = badBody("invalid CloudEvent: " + err.Error())
		}
		evs = []broker.Event{ev}
	case mt == mediaCloudEvents:
		if t.Encoding == broker.EncodingBinary {
			return nil, unsupportedMedia(mt, t)
		}
		evs, err = decodeCloudEventBatch(body, maxEvents)
	case mt == mediaJSON || mt == "":
		if t.Encoding == broker.EncodingCloudEvents {
			return nil, unsupportedMedia(ct, t)
		}
		evs, err = decodeEnvelope(body, t.Encoding == broker.EncodingBinary, maxEvents)
	case mt == mediaOctets:
		if t.Encoding != broker.EncodingBinary {
			return nil, unsupportedMedia(mt, t)
		}
		evs = []broker.Event{{Value: body}}
	default:
		return nil, unsupportedMedia(ct, t)
	}
	if err != nil {
		return nil, err
	}
	if k := header.Get("Idempotency-Key"); k != "" {
		for i := range evs {
			if evs[i].ID != "" {
				continue
			}
			evs[i].ID = k
			if len(evs) > 1 {
				evs[i].ID = k + "/" + strconv.Itoa(i)
			}
		}
	}
	return evs, nil
}

// decodeEnvelope reads the JSON envelope. With binary, values and keys are
// base64 strings. On json topics the values and keys it returns alias body.
func decodeEnvelope(body []byte, binary bool, maxEvents int) ([]broker.Event, error) {
	evs, err := scanEnvelope(body, binary, maxEvents)
	switch {
	case err == nil:
		return evs, nil
	case errors.Is(err, broker.ErrTooManyEvents):
		return nil, err
	}
	return decodeEnvelopeSlow(body, binary, maxEvents)
}

// decodeEnvelopeSlow is the general decoder of the envelope: it takes what
// scanEnvelope leaves to it and writes every error message.
func decodeEnvelopeSlow(body []byte, binary bool, maxEvents int) ([]broker.Event, error) {
	if countItems(body, 1, maxEvents) > maxEvents {
		return nil, tooManyEvents(maxEvents)
	}
	// goccy/go-json (already gin's JSON codec) decodes the envelope about four
	// times faster than encoding/json; it is the first pass over every publish.
	dec := gojson.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var env envelopeJSON
	if err := dec.Decode(&env); err != nil {
		return nil, badBody(`invalid JSON envelope: ` + err.Error() + `; want {"events":[{"value":…}]}`)
	}
	if dec.More() {
		return nil, badBody("invalid JSON envelope: data after the envelope")
	}
	if env.Events == nil {
		return nil, badBody(`invalid JSON envelope: "events" is missing; want {"events":[{"value":…}]}`)
	}
	evs := make([]broker.Event, len(env.Events))
	var probs []bodyProblem
	for i, e := range env.Events {
		ev := broker.Event{ID: e.ID, Headers: e.Headers}
		if len(e.Value) == 0 {
			probs = append(probs, bodyProblem{i, `"value" is missing`})
			continue
		}
		if binary {
			v, err := decodeBase64(e.Value)
			if err != nil {
				probs = append(probs, bodyProblem{i, "value: " + err.Error()})
				continue
			}
			ev.Value = v
			if len(e.Key) > 0 && string(e.Key) != "null" {
				k, err := decodeBase64(e.Key)
				if err != nil {
					probs = append(probs, bodyProblem{i, "key: " + err.Error()})
					continue
				}
				ev.Key = k
			}
		} else {
			ev.Value = []byte(e.Value)
			if len(e.Key) > 0 && string(e.Key) != "null" {
				ev.Key = []byte(e.Key)
			}
		}
		evs[i] = ev
	}
	if len(probs) > 0 {
		return nil, badBody(fmt.Sprintf("invalid JSON envelope: %s cannot be read; first: event %d: %s", countEvents(len(probs)), probs[0].Index, probs[0].Message), probs...)
	}
	return evs, nil
}

// decodeBase64 reads a JSON string of standard base64.
func decodeBase64(raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("want a base64 string on a binary topic")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %v", err)
	}
	return b, nil
}

// ceRequired are the CloudEvents attributes every event must have.
var ceRequired = []string{"specversion", "id", "source", "type"}

// decodeCloudEvent reads one structured-mode CloudEvent: its attributes become
// ce-* headers and its data the value.
func decodeCloudEvent(body []byte) (broker.Event, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return broker.Event{}, fmt.Errorf("want a JSON object: %v", err)
	}
	if m == nil {
		return broker.Event{}, fmt.Errorf("want a JSON object, got null")
	}
	ev := broker.Event{Headers: map[string]string{}}
	for name, raw := range m {
		switch name {
		case "data":
			ev.Value = []byte(raw)
			continue
		case "data_base64":
			return broker.Event{}, fmt.Errorf("data_base64 is not accepted: the topic validates JSON data")
		}
		if !validCEName(name) {
			return broker.Event{}, fmt.Errorf("attribute %q: names are lower-case letters and digits", name)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return broker.Event{}, fmt.Errorf("attribute %s: %v", name, err)
		}
		switch x := v.(type) {
		case string:
			ev.Headers["ce-"+name] = x
		case float64, bool:
			ev.Headers["ce-"+name] = string(raw)
		case nil:
		default:
			return broker.Event{}, fmt.Errorf("attribute %s: want a string, number or boolean", name)
		}
	}
	if err := checkCloudEvent(ev.Headers); err != nil {
		return broker.Event{}, err
	}
	if ev.Value == nil {
		ev.Value = []byte("null")
	}
	ev.ID = ev.Headers["ce-id"]
	return ev, nil
}

// checkCloudEvent checks the required attributes and the data content type.
func checkCloudEvent(h map[string]string) error {
	for _, a := range ceRequired {
		if h["ce-"+a] == "" {
			return fmt.Errorf("required attribute %s is missing", a)
		}
	}
	if v := h["ce-specversion"]; v != "1.0" {
		return fmt.Errorf("specversion %q: only 1.0 is supported", v)
	}
	if dct := h["ce-datacontenttype"]; dct != "" && !isJSONMedia(dct) {
		return fmt.Errorf("datacontenttype %q: the topic validates JSON data", dct)
	}
	if t := h["ce-time"]; t != "" {
		if _, err := time.Parse(time.RFC3339Nano, t); err != nil {
			return fmt.Errorf("time %q: want RFC 3339", t)
		}
	}
	return nil
}

func isJSONMedia(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == mediaJSON || strings.HasSuffix(mt, "+json") || mt == "text/json")
}

func validCEName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// decodeCloudEventBatch reads a JSON array of structured CloudEvents.
func decodeCloudEventBatch(body []byte, maxEvents int) ([]broker.Event, error) {
	if countItems(body, 0, maxEvents) > maxEvents {
		return nil, tooManyEvents(maxEvents)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, badBody("invalid CloudEvents batch: want a JSON array of CloudEvents: " + err.Error())
	}
	evs := make([]broker.Event, len(raws))
	var probs []bodyProblem
	for i, raw := range raws {
		ev, err := decodeCloudEvent(raw)
		if err != nil {
			probs = append(probs, bodyProblem{i, err.Error()})
			continue
		}
		evs[i] = ev
	}
	if len(probs) > 0 {
		return nil, badBody(fmt.Sprintf("invalid CloudEvents batch: %s cannot be read; first: event %d: %s", countEvents(len(probs)), probs[0].Index, probs[0].Message), probs...)
	}
	return evs, nil
}

// decodeCloudEventBinary reads a CloudEvent in HTTP binary mode: attributes in
// ce-* headers (percent-encoded), data in the body, its type in Content-Type.
func decodeCloudEventBinary(header http.Header, mt string, body []byte) (broker.Event, error) {
	ev := broker.Event{Value: body, Headers: map[string]string{}}
	for name, vals := range header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "ce-") || len(vals) == 0 {
			continue
		}
		v, err := url.PathUnescape(vals[0])
		if err != nil {
			v = vals[0]
		}
		if !validCEName(lower[3:]) {
			return ev, badBody(fmt.Sprintf("invalid CloudEvent: header %s: attribute names are lower-case letters and digits", name))
		}
		ev.Headers[lower] = v
	}
	if mt != "" {
		ev.Headers["ce-datacontenttype"] = header.Get("Content-Type")
	}
	if err := checkCloudEvent(ev.Headers); err != nil {
		return ev, badBody("invalid CloudEvent: " + err.Error())
	}
	if len(ev.Value) == 0 {
		ev.Value = []byte("null")
	}
	ev.ID = ev.Headers["ce-id"]
	return ev, nil
}

// eventJSON is one event as a read, a stream or a receive returns it.
type eventJSON struct {
	// Offset is the event's position in the topic.
	Offset int64 `json:"offset"`
	// Time is when the broker committed it.
	Time time.Time `json:"time"`
	// ID is the producer's event id.
	ID string `json:"id,omitempty"`
	// Key and Value are JSON on json and cloudevents topics.
	Key   json.RawMessage `json:"key,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	// KeyBase64 and ValueBase64 carry bytes: always on binary topics, and for
	// dead-lettered payloads that are not JSON.
	KeyBase64   string `json:"keyBase64,omitempty"`
	ValueBase64 string `json:"valueBase64,omitempty"`
	// Headers are the event's headers (CloudEvents attributes as ce-*).
	Headers map[string]string `json:"headers,omitempty"`
	// SchemaID and KeySchemaID are the registry ids that validated them.
	SchemaID    int `json:"schemaId,omitempty"`
	KeySchemaID int `json:"keySchemaId,omitempty"`
	// AckID and Deliveries are set on received queue messages.
	AckID      string `json:"ackId,omitempty"`
	Deliveries int    `json:"deliveries,omitempty"`
}

// toEventJSON renders a record of a topic with encoding enc.
func toEventJSON(r *broker.Record, enc broker.Encoding) eventJSON {
	e := eventJSON{Offset: r.Offset, Time: r.Time, ID: r.ID, Headers: r.Headers, SchemaID: r.SchemaID, KeySchemaID: r.KeySchemaID, Deliveries: r.Deliveries}
	if r.AckID.Delivery > 0 {
		e.AckID = r.AckID.String()
	}
	asJSON := enc != broker.EncodingBinary
	if asJSON && json.Valid(r.Value) {
		e.Value = r.Value
	} else {
		e.ValueBase64 = base64.StdEncoding.EncodeToString(r.Value)
	}
	if r.Key != nil {
		if asJSON && json.Valid(r.Key) {
			e.Key = r.Key
		} else {
			e.KeyBase64 = base64.StdEncoding.EncodeToString(r.Key)
		}
	}
	return e
}

// countEvents is "1 event" or "n events", for refusals that count events.
func countEvents(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}
