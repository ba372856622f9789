package jetstream

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

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
)

var b64 = base64.RawStdEncoding

// encodeMsg builds the message of one record.
func encodeMsg(subject string, r *broker.Record, dedupKey, token string) (*nats.Msg, error) {
	h := make(nats.Header, 4)
	h[hdrAppend] = []string{token}
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
// seq is its stream sequence.
func decodeRecord(h nats.Header, data []byte, seq uint64) (broker.Record, error) {
	r := broker.Record{Offset: int64(seq) - 1, Value: data}
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
