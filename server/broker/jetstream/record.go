package jetstream

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/heraldhq/herald/server/broker"
)

// The headers a stored record carries beside its value (the message data).
// Producer-given text (ids, keys, headers) is base64: NATS header values end
// at a line break, and a producer's text may hold one.
const (
	hdrAppend    = "Herald-Append"        // the append attempt's token (rollback)
	hdrID        = "Herald-Id"            // base64 of Record.ID
	hdrKey       = "Herald-Key"           // base64 of Record.Key; absent for nil
	hdrHeaders   = "Herald-Headers"       // base64 of the JSON object of Record.Headers
	hdrSchema    = "Herald-Schema-Id"     // decimal Record.SchemaID
	hdrKeySchema = "Herald-Key-Schema-Id" // decimal Record.KeySchemaID
	hdrDedup     = "Herald-Dedup"         // base64 of the deduplication key
	hdrTime      = "Herald-Time"          // Record.Time in Unix nanoseconds; absent for the zero time
	// hdrTotal is the running sum of Record.Size() over the stream up to and
	// including this message, so that Stats.Bytes is two message gets away
	// (last total - first total + first size) whatever retention dropped.
	hdrTotal = "Herald-Total"
	// hdrRest is "<left> <base>" on every message of a batch but its last:
	// how many messages follow it in the batch, and the total before the
	// batch. A writer that finds such a message last in the stream is about
	// to overtake an unfinished batch (which will be rolled back), so it
	// counts from base, not from the doomed messages.
	hdrRest = "Herald-Rest"
)

var b64 = base64.RawStdEncoding

// tally is where a message stands in the running byte count: total through
// it, and for all but a batch's last message, how many follow and the total
// before the batch.
type tally struct {
	total, base uint64
	left        int
}

// encodeMsg builds the message of one record.
func encodeMsg(subject string, r *broker.Record, dedupKey, token string, tl tally) (*nats.Msg, error) {
	h := make(nats.Header, 6)
	h[hdrAppend] = []string{token}
	h[hdrTotal] = []string{strconv.FormatUint(tl.total, 10)}
	if tl.left > 0 {
		h[hdrRest] = []string{strconv.Itoa(tl.left) + " " + strconv.FormatUint(tl.base, 10)}
	}
	if !r.Time.IsZero() {
		h[hdrTime] = []string{strconv.FormatInt(r.Time.UnixNano(), 10)}
	}
	if r.ID != "" {
		h[hdrID] = []string{b64.EncodeToString([]byte(r.ID))}
	}
	if r.Key != nil {
		h[hdrKey] = []string{b64.EncodeToString(r.Key)}
	}
	if len(r.Headers) > 0 {
		j, err := json.Marshal(r.Headers)
		if err != nil {
			return nil, fmt.Errorf("encode headers: %w", err)
		}
		h[hdrHeaders] = []string{b64.EncodeToString(j)}
	}
	if r.SchemaID != 0 {
		h[hdrSchema] = []string{strconv.Itoa(r.SchemaID)}
	}
	if r.KeySchemaID != 0 {
		h[hdrKeySchema] = []string{strconv.Itoa(r.KeySchemaID)}
	}
	if dedupKey != "" {
		h[hdrDedup] = []string{b64.EncodeToString([]byte(dedupKey))}
	}
	return &nats.Msg{Subject: subject, Data: r.Value, Header: h}, nil
}

// decodeRecord rebuilds a record from a stored message's headers and data.
// seq is its stream sequence and stored JetStream's timestamp, the record's
// time when it has no Herald-Time (it was stored with the zero time, or by an
// older Herald).
func decodeRecord(h nats.Header, data []byte, seq uint64, stored time.Time) (broker.Record, error) {
	r := broker.Record{Offset: int64(seq) - 1, Value: data, Time: stored.UTC()}
	if v := h.Get(hdrTime); v != "" {
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return r, fmt.Errorf("message %d: %s: %w", seq, hdrTime, err)
		}
		r.Time = time.Unix(0, ns).UTC()
	}
	if r.Value == nil {
		r.Value = []byte{}
	}
	if v := h.Get(hdrID); v != "" {
		id, err := b64.DecodeString(v)
		if err != nil {
			return r, fmt.Errorf("message %d: %s: %w", seq, hdrID, err)
		}
		r.ID = string(id)
	}
	if vs, ok := h[hdrKey]; ok && len(vs) > 0 {
		k, err := b64.DecodeString(vs[0])
		if err != nil {
			return r, fmt.Errorf("message %d: %s: %w", seq, hdrKey, err)
		}
		if k == nil {
			k = []byte{}
		}
		r.Key = k
	}
	if v := h.Get(hdrHeaders); v != "" {
		j, err := b64.DecodeString(v)
		if err == nil {
			err = json.Unmarshal(j, &r.Headers)
		}
		if err != nil {
			return r, fmt.Errorf("message %d: %s: %w", seq, hdrHeaders, err)
		}
	}
	var err error
	if r.SchemaID, err = atoiHeader(h, hdrSchema); err != nil {
		return r, fmt.Errorf("message %d: %w", seq, err)
	}
	if r.KeySchemaID, err = atoiHeader(h, hdrKeySchema); err != nil {
		return r, fmt.Errorf("message %d: %w", seq, err)
	}
	return r, nil
}

func atoiHeader(h nats.Header, name string) (int, error) {
	v := h.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// dedupKeyOf returns the deduplication key a message carries ("" for none).
func dedupKeyOf(h nats.Header) (string, error) {
	v := h.Get(hdrDedup)
	if v == "" {
		return "", nil
	}
	k, err := b64.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", hdrDedup, err)
	}
	return string(k), nil
}

// tallyOf reads a message's place in the running byte count; ok is false for
// a message stored without one (by an older Herald).
func tallyOf(h nats.Header) (tl tally, ok bool, err error) {
	v := h.Get(hdrTotal)
	if v == "" {
		return tally{}, false, nil
	}
	if tl.total, err = strconv.ParseUint(v, 10, 64); err != nil {
		return tally{}, false, fmt.Errorf("%s: %w", hdrTotal, err)
	}
	if rest := h.Get(hdrRest); rest != "" {
		left, base, found := strings.Cut(rest, " ")
		if !found {
			return tally{}, false, fmt.Errorf("%s: %q is not \"<left> <base>\"", hdrRest, rest)
		}
		if tl.left, err = strconv.Atoi(left); err == nil {
			tl.base, err = strconv.ParseUint(base, 10, 64)
		}
		if err != nil {
			return tally{}, false, fmt.Errorf("%s: %w", hdrRest, err)
		}
	}
	return tl, true, nil
}

// tallies returns the tally of each record of a batch stored after a stream
// whose running count is base.
func tallies(recs []broker.Record, base uint64) []tally {
	out := make([]tally, len(recs))
	total := base
	for i := range recs {
		total += uint64(recs[i].Size())
		out[i] = tally{total: total, base: base, left: len(recs) - 1 - i}
	}
	return out
}
