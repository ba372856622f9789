package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/protobuf"
)

// Wire-format errors. Decode's errors about the frame wrap one of them.
var (
	// ErrWireFormat: the data is too short to hold the magic byte, a schema id
	// and a payload, the id is not a registry id, or the Protobuf message
	// indexes are malformed. Errors wrapping it also wrap compat.ErrWireTooShort
	// or compat.ErrWireSchemaID when those are the reason.
	ErrWireFormat = errors.New("bad wire format")
	// ErrUnknownMagicByte: the first byte is not 0, the only framing supported
	// (magic byte 0 followed by a 4-byte schema id). The Confluent 8.0 GUID
	// framing (magic byte 1) is not supported. It is compat.ErrUnknownMagicByte.
	ErrUnknownMagicByte = compat.ErrUnknownMagicByte
)

// Serde encodes and decodes payloads in the Confluent wire format: magic byte 0,
// the schema id as a big-endian int32, for Protobuf the message-index path, then
// the payload in the format's binary encoding (Avro binary, Protobuf binary,
// UTF-8 JSON text for JSON Schema). Both directions validate the payload
// against its schema. Create it with NewSerde.
type Serde struct {
	c   *Client
	cfg serdeConfig

	mu     sync.Mutex // protects latest
	latest map[string]latestSchema
}

// latestSchema is a subject's latest version and when it was fetched.
type latestSchema struct {
	id      int
	fetched time.Time
}

// NewSerde returns a Serde that fetches schemas through c, sharing its caches.
func NewSerde(c *Client, opts ...SerdeOpt) *Serde {
	cfg := serdeConfig{latestRefresh: time.Minute, validate: true}
	for _, o := range opts {
		o.applySerde(&cfg)
	}
	return &Serde{c: c, cfg: cfg, latest: map[string]latestSchema{}}
}

// serdeConfig is what the SerdeOpts set.
type serdeConfig struct {
	latestRefresh time.Duration
	validate      bool
}

// SerdeOpt configures a Serde in NewSerde.
type SerdeOpt interface{ applySerde(*serdeConfig) }

type serdeOptFunc func(*serdeConfig)

func (f serdeOptFunc) applySerde(c *serdeConfig) { f(c) }

// LatestRefresh sets how long Encode keeps using a subject's latest version
// before asking the registry again, overriding the default of one minute. Zero
// asks on every Encode.
func LatestRefresh(d time.Duration) SerdeOpt {
	return serdeOptFunc(func(c *serdeConfig) { c.latestRefresh = d })
}

// SkipValidation makes Encode and Decode only frame and unframe payloads,
// overriding the default of validating every payload against its schema.
func SkipValidation() SerdeOpt {
	return serdeOptFunc(func(c *serdeConfig) { c.validate = false })
}

// encodeConfig is what the EncodeOpts set.
type encodeConfig struct {
	schema  *Schema
	version int
	id      int
	message string
}

// EncodeOpt chooses the schema Encode writes with.
type EncodeOpt interface{ applyEncode(*encodeConfig) }

type encodeOptFunc func(*encodeConfig)

func (f encodeOptFunc) applyEncode(c *encodeConfig) { f(c) }

// WithSchema makes Encode register s under the subject (or find it registered;
// the id is cached) and write with it, overriding the default of the subject's
// latest version.
func WithSchema(s Schema) EncodeOpt {
	return encodeOptFunc(func(c *encodeConfig) { c.schema = &s })
}

// WithVersion makes Encode write with one version of the subject, overriding
// the default of the subject's latest version.
func WithVersion(v int) EncodeOpt {
	return encodeOptFunc(func(c *encodeConfig) { c.version = v })
}

// WithSchemaID makes Encode write with the schema of a global id, overriding
// the default of the subject's latest version.
func WithSchemaID(id int) EncodeOpt {
	return encodeOptFunc(func(c *encodeConfig) { c.id = id })
}

// WithMessage names the Protobuf message the payload is (a full name such as
// "acme.Order.Line"), overriding the default of the schema's first top-level
// message. It is ignored for other formats.
func WithMessage(fullName string) EncodeOpt {
	return encodeOptFunc(func(c *encodeConfig) { c.message = fullName })
}

// Encode frames payload in the wire format with the schema chosen by opts (by
// default the subject's latest version) after validating it against that
// schema. payload is the format's binary encoding: Avro binary, bare Protobuf
// binary (Encode adds the message indexes) or JSON text. An invalid payload
// gives a *compat.InvalidPayloadError.
func (s *Serde) Encode(ctx context.Context, subject string, payload []byte, opts ...EncodeOpt) ([]byte, error) {
	var ec encodeConfig
	for _, o := range opts {
		o.applyEncode(&ec)
	}
	id, err := s.schemaID(ctx, subject, ec)
	if err != nil {
		return nil, fmt.Errorf("encode for %s: %w", subject, err)
	}
	sch, err := s.c.ParsedByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("encode for %s: %w", subject, err)
	}
	return encodeWire(sch, id, payload, ec.message, s.cfg.validate)
}

// encodeWire frames payload with id (and the Protobuf indexes of message) and,
// when validate is set, checks it against sch.
func encodeWire(sch compat.Schema, id int, payload []byte, message string, validate bool) ([]byte, error) {
	out := compat.AppendWire(make([]byte, 0, compat.WirePrefixLen+4+len(payload)), id, nil)
	if ps, ok := sch.(*protobuf.Schema); ok {
		var path []int
		if message != "" {
			var err error
			if path, err = ps.IndexesOf(message); err != nil {
				return nil, err
			}
		}
		out = protobuf.AppendIndexes(out, path)
	}
	out = append(out, payload...)
	if validate {
		if err := sch.Validate(out[compat.WirePrefixLen:], compat.EncodingBinary); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// schemaID resolves the id Encode writes with.
func (s *Serde) schemaID(ctx context.Context, subject string, ec encodeConfig) (int, error) {
	switch {
	case ec.id > 0:
		return ec.id, nil
	case ec.schema != nil:
		return s.c.Register(ctx, subject, *ec.schema, false)
	case ec.version > 0:
		v, err := s.c.referenced(ctx, subject, ec.version)
		return v.ID, err
	}
	now := time.Now()
	s.mu.Lock()
	l, ok := s.latest[subject]
	s.mu.Unlock()
	if ok && now.Sub(l.fetched) < s.cfg.latestRefresh {
		return l.id, nil
	}
	v, err := s.c.Latest(ctx, subject)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.latest[subject] = latestSchema{id: v.ID, fetched: now}
	s.mu.Unlock()
	return v.ID, nil
}

// Decoded is a decoded wire-format payload.
type Decoded struct {
	// ID is the schema id the payload was written with.
	ID int
	// Schema is that schema, parsed.
	Schema compat.Schema
	// Payload is the payload after the frame: for Protobuf the bare message,
	// without the message indexes.
	Payload []byte
	// MessageIndexes is the Protobuf message-index path naming the payload's
	// message (resolve it with protobuf.Schema.MessageByIndexes); nil for
	// other formats.
	MessageIndexes []int
}

// Decode reads a wire-format payload: it fetches the schema by id (cached),
// parses it with its references, and validates the payload against it. It
// returns the schema id, the payload after the frame (for Protobuf the bare
// message, without the message indexes) and the parsed schema. Data that is
// not in the wire format gives an error wrapping ErrWireFormat or
// ErrUnknownMagicByte; an unknown id an error for which IsNotFound is true; an
// invalid payload a *compat.InvalidPayloadError.
func (s *Serde) Decode(ctx context.Context, data []byte) (schemaID int, payload []byte, schema compat.Schema, err error) {
	d, err := s.DecodeFull(ctx, data)
	return d.ID, d.Payload, d.Schema, err
}

// DecodeFull is Decode returning the Protobuf message indexes too.
func (s *Serde) DecodeFull(ctx context.Context, data []byte) (Decoded, error) {
	id, body, err := parseWire(data)
	if err != nil {
		return Decoded{}, err
	}
	sch, err := s.c.ParsedByID(ctx, id)
	if err != nil {
		return Decoded{}, fmt.Errorf("decode: %w", err)
	}
	d := Decoded{ID: id, Schema: sch, Payload: body}
	if sch.Type() == compat.Protobuf {
		path, n, err := protobuf.DecodeIndexes(d.Payload)
		if err != nil {
			return Decoded{}, fmt.Errorf("decode: %w: %v", ErrWireFormat, err)
		}
		d.MessageIndexes, d.Payload = path, d.Payload[n:]
	}
	if s.cfg.validate {
		if err := sch.Validate(body, compat.EncodingBinary); err != nil {
			return Decoded{}, err
		}
	}
	return d, nil
}

// parseWire reads the magic byte and schema id and returns the id and the rest.
func parseWire(data []byte) (int, []byte, error) {
	id, body, err := compat.ParseWire(data)
	switch {
	case errors.Is(err, compat.ErrUnknownMagicByte):
		return 0, nil, fmt.Errorf("decode: %w", err)
	case err != nil:
		return 0, nil, fmt.Errorf("decode: %w: %w", ErrWireFormat, err)
	}
	return id, body, nil
}
