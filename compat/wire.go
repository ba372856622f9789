package compat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// WirePrefixLen is the length of the Confluent wire-format prefix: magic byte 0
// and the 4-byte big-endian schema id.
const WirePrefixLen = 5

// Wire-format errors. ParseWire's errors wrap exactly one of them.
var (
	// ErrWireTooShort: the data ends before the magic byte and the 4-byte
	// schema id.
	ErrWireTooShort = errors.New("too short for the wire format (magic byte 0, a 4-byte schema id, then the payload)")
	// ErrUnknownMagicByte: the first byte is not 0, the only framing supported
	// (magic byte 0 followed by a 4-byte schema id). The Confluent 8.0 GUID
	// framing (magic byte 1) is not supported.
	ErrUnknownMagicByte = errors.New("unknown magic byte")
	// ErrWireSchemaID: the 4-byte schema id is 0 or above the largest int32,
	// so no registry can have issued it.
	ErrWireSchemaID = errors.New("not a registry id (want 1 to 2147483647)")
)

// AppendWire appends the Confluent wire-format prefix for id (magic byte 0, id
// as a big-endian uint32), then payload. For Protobuf, payload starts with the
// message indexes; pass a nil payload to append them after the prefix yourself.
func AppendWire(dst []byte, id int, payload []byte) []byte {
	dst = append(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(id))
	return append(dst, payload...)
}

// ParseWire splits a Confluent wire-format payload into its schema id and the
// rest (for Protobuf, the message indexes followed by the message). Only magic
// byte 0 is supported; the id must be 1 to math.MaxInt32. Errors wrap
// ErrWireTooShort, ErrUnknownMagicByte or ErrWireSchemaID.
func ParseWire(b []byte) (id int, payload []byte, err error) {
	if len(b) == 0 {
		return 0, nil, fmt.Errorf("0 bytes: %w", ErrWireTooShort)
	}
	if b[0] != 0 {
		return 0, nil, fmt.Errorf("%w %d: only magic byte 0 (a 4-byte schema id follows) is supported; is the data in the Confluent wire format?", ErrUnknownMagicByte, b[0])
	}
	if len(b) < WirePrefixLen {
		return 0, nil, fmt.Errorf("%d bytes: %w", len(b), ErrWireTooShort)
	}
	u := binary.BigEndian.Uint32(b[1:WirePrefixLen])
	if u == 0 || u > math.MaxInt32 {
		return 0, nil, fmt.Errorf("schema id %d: %w", u, ErrWireSchemaID)
	}
	return int(u), b[WirePrefixLen:], nil
}
