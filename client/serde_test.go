package client_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

// avroOrder is the Avro binary of an Order record.
func avroOrder(id string, amount float64) []byte {
	b := binary.AppendVarint(nil, int64(len(id)))
	b = append(b, id...)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(amount))
}

// pbField appends a length-delimited protobuf field.
func pbField(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num<<3|2))
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func TestSerdeRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	jsonID := e.register(t, "orders-json", client.Schema{Type: compat.JSON, Text: orderJSON})
	avroID := e.register(t, "orders-avro", client.Schema{Type: compat.Avro, Text: orderAvro})
	// The Protobuf schema imports another, registered under its import path.
	e.register(t, "acme/money.proto", client.Schema{Type: compat.Protobuf, Text: moneyProto})
	protoID := e.register(t, "orders-proto", client.Schema{Type: compat.Protobuf, Text: orderProto,
		References: []client.Reference{{Name: "acme/money.proto", Subject: "acme/money.proto", Version: 1}}})

	money := pbField(nil, 1, []byte("EUR"))
	money = append(money, 0x10, 0x05) // units = 5
	order := pbField(pbField(nil, 1, []byte("o1")), 2, money)
	refund := pbField(nil, 1, []byte("o1"))

	for _, tc := range []struct {
		name, subject string
		id            int
		payload       []byte
		opts          []client.EncodeOpt
		wantIndexes   []int
		wantPrefix    []byte // the bytes after magic and id, before the payload
		typ           compat.SchemaType
	}{
		{name: "JSONSchema", subject: "orders-json", id: jsonID, payload: []byte(`{"id":"o1","amount":12.5}`), typ: compat.JSON},
		{name: "Avro", subject: "orders-avro", id: avroID, payload: avroOrder("o1", 12.5), typ: compat.Avro},
		{name: "ProtobufFirstMessage", subject: "orders-proto", id: protoID, payload: order, wantIndexes: []int{0}, wantPrefix: []byte{0}, typ: compat.Protobuf},
		{name: "ProtobufNamedMessage", subject: "orders-proto", id: protoID, payload: refund, opts: []client.EncodeOpt{client.WithMessage("acme.Refund")},
			wantIndexes: []int{1}, wantPrefix: []byte{2, 2}, typ: compat.Protobuf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := client.NewSerde(e.c)
			data, err := s.Encode(ctx, tc.subject, tc.payload, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			want := binary.BigEndian.AppendUint32([]byte{0}, uint32(tc.id))
			want = append(append(want, tc.wantPrefix...), tc.payload...)
			if !bytes.Equal(data, want) {
				t.Fatalf("Encode = % x\nwant     % x", data, want)
			}
			d, err := s.DecodeFull(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != tc.id || !bytes.Equal(d.Payload, tc.payload) || d.Schema.Type() != tc.typ || !slices.Equal(d.MessageIndexes, tc.wantIndexes) {
				t.Errorf("DecodeFull = id %d payload % x type %v indexes %v", d.ID, d.Payload, d.Schema.Type(), d.MessageIndexes)
			}
			id, payload, sch, err := s.Decode(ctx, data)
			if err != nil || id != tc.id || !bytes.Equal(payload, tc.payload) || sch != d.Schema {
				t.Errorf("Decode = %d, % x, %v, %v", id, payload, sch, err)
			}
		})
	}
	// Every id was fetched once, however many encodes and decodes.
	if n := e.rt.count("GET", "/schemas/ids/"); n != 3 {
		t.Errorf("%d by-id requests, want 3 (one per schema)", n)
	}
}

func TestSerdeEncodeWithSchemaAndVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := client.NewSerde(e.c)
	sch := client.Schema{Type: compat.JSON, Text: orderJSON}
	data, err := s.Encode(ctx, "orders-value", []byte(`{"id":"o1","amount":1}`), client.WithSchema(sch))
	if err != nil {
		t.Fatal(err)
	}
	id := int(binary.BigEndian.Uint32(data[1:5]))
	again, err := s.Encode(ctx, "orders-value", []byte(`{"id":"o2","amount":2}`), client.WithVersion(1))
	if err != nil || int(binary.BigEndian.Uint32(again[1:5])) != id {
		t.Errorf("Encode WithVersion(1) = % x, %v; want id %d", again, err, id)
	}
	if _, err := s.Encode(ctx, "orders-value", []byte(`{}`), client.WithSchemaID(id)); err == nil {
		t.Error("Encode WithSchemaID of an invalid payload: no error")
	}
}

func TestSerdeRefusesInvalidPayload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.register(t, "orders-json", client.Schema{Type: compat.JSON, Text: orderJSON})
	avroID := e.register(t, "orders-avro", client.Schema{Type: compat.Avro, Text: orderAvro})
	s := client.NewSerde(e.c)

	_, err := s.Encode(ctx, "orders-json", []byte(`{"id":"o1"}`))
	var ip *compat.InvalidPayloadError
	if !errors.As(err, &ip) || len(ip.Problems) == 0 {
		t.Fatalf("Encode of a payload missing a field: %v, want *compat.InvalidPayloadError", err)
	}
	// A truncated Avro datum does not decode.
	data := binary.BigEndian.AppendUint32([]byte{0}, uint32(avroID))
	data = append(data, avroOrder("o1", 1)[:5]...)
	if _, _, _, err := s.Decode(ctx, data); !errors.As(err, &ip) {
		t.Errorf("Decode of a truncated datum: %v, want *compat.InvalidPayloadError", err)
	}
	// SkipValidation only frames.
	raw := client.NewSerde(e.c, client.SkipValidation())
	if _, _, _, err := raw.Decode(ctx, data); err != nil {
		t.Errorf("Decode with SkipValidation: %v", err)
	}
}

func TestDecodeRejectsBadFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := client.NewSerde(e.c)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"Empty", nil, client.ErrWireFormat},
		{"UnknownMagicByte", []byte{1, 0, 0, 0, 1, '{', '}'}, client.ErrUnknownMagicByte},
		{"Short", []byte{0, 0, 1}, client.ErrWireFormat},
		{"ZeroID", []byte{0, 0, 0, 0, 0, '{', '}'}, client.ErrWireFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := s.Decode(ctx, tc.data); !errors.Is(err, tc.want) {
				t.Errorf("Decode(% x) = %v, want %v", tc.data, err, tc.want)
			}
		})
	}
	t.Run("UnknownID", func(t *testing.T) {
		_, _, _, err := s.Decode(ctx, []byte{0, 0, 0, 0, 99, '{', '}'})
		if !client.IsNotFound(err) {
			t.Errorf("Decode with unknown id: %v, want not found", err)
		}
	})
	if n := e.rt.count("GET", "/schemas/ids/"); n != 1 {
		t.Errorf("bad frames made %d by-id requests, want only the unknown id's", n)
	}
}

func BenchmarkDecodeJSONCached(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	e.register(b, "orders-json", client.Schema{Type: compat.JSON, Text: orderJSON})
	s := client.NewSerde(e.c)
	data, err := s.Encode(ctx, "orders-json", []byte(`{"id":"o1","amount":12.5}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, _, err := s.Decode(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
}
