package compat_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/compat"
)

func TestAppendWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		dst     []byte
		id      int
		payload []byte
		want    []byte
	}{
		{"ID1", nil, 1, []byte("{}"), []byte{0, 0, 0, 0, 1, '{', '}'}},
		{"BigEndian", nil, 0x01020304, []byte{9}, []byte{0, 1, 2, 3, 4, 9}},
		{"MaxInt32", nil, math.MaxInt32, nil, []byte{0, 0x7f, 0xff, 0xff, 0xff}},
		{"AppendsToDst", []byte{7}, 2, []byte{8}, []byte{7, 0, 0, 0, 0, 2, 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, compat.AppendWire(tc.dst, tc.id, tc.payload)); diff != "" {
				t.Errorf("AppendWire(%v, %d, %v) mismatch (-want +got):\n%s", tc.dst, tc.id, tc.payload, diff)
			}
		})
	}
}

func TestParseWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		data        []byte
		wantID      int
		wantPayload []byte
		wantErr     error
		wantMsg     string
	}{
		{"ID1", []byte{0, 0, 0, 0, 1, '{', '}'}, 1, []byte("{}"), nil, ""},
		{"BigEndian", []byte{0, 1, 2, 3, 4, 9}, 0x01020304, []byte{9}, nil, ""},
		{"EmptyPayload", []byte{0, 0, 0, 0, 5}, 5, []byte{}, nil, ""},
		{"MaxInt32", []byte{0, 0x7f, 0xff, 0xff, 0xff, 1}, math.MaxInt32, []byte{1}, nil, ""},
		{"ErrWireTooShortEmpty", nil, 0, nil, compat.ErrWireTooShort, "0 bytes"},
		{"ErrWireTooShort", []byte{0, 0, 1}, 0, nil, compat.ErrWireTooShort, "3 bytes"},
		{"ErrUnknownMagicByte1", []byte{1, 0, 0, 0, 1, '{', '}'}, 0, nil, compat.ErrUnknownMagicByte, "magic byte 1"},
		{"ErrUnknownMagicByteShort", []byte{2}, 0, nil, compat.ErrUnknownMagicByte, "magic byte 2"},
		{"ErrWireSchemaIDZero", []byte{0, 0, 0, 0, 0, '{', '}'}, 0, nil, compat.ErrWireSchemaID, "schema id 0"},
		{"ErrWireSchemaIDAboveInt32", []byte{0, 0x80, 0, 0, 0}, 0, nil, compat.ErrWireSchemaID, "schema id 2147483648"},
		{"ErrWireSchemaIDMaxUint32", []byte{0, 0xff, 0xff, 0xff, 0xff}, 0, nil, compat.ErrWireSchemaID, "schema id 4294967295"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, payload, err := compat.ParseWire(tc.data)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("ParseWire(% x) error = %v, want %v containing %q", tc.data, err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseWire(% x): %v", tc.data, err)
			}
			if id != tc.wantID || !bytes.Equal(payload, tc.wantPayload) {
				t.Errorf("ParseWire(% x) = %d, % x; want %d, % x", tc.data, id, payload, tc.wantID, tc.wantPayload)
			}
			if again := compat.AppendWire(nil, id, payload); !bytes.Equal(again, tc.data) {
				t.Errorf("AppendWire(ParseWire(% x)) = % x", tc.data, again)
			}
		})
	}
}

func FuzzParseWire(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, '{', '}'})
	f.Add([]byte{1, 0, 0, 0, 1})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, payload, err := compat.ParseWire(b)
		if err != nil {
			if !errors.Is(err, compat.ErrWireTooShort) && !errors.Is(err, compat.ErrUnknownMagicByte) && !errors.Is(err, compat.ErrWireSchemaID) {
				t.Fatalf("ParseWire(% x) = %v, wraps no sentinel", b, err)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("id %d accepted", id)
		}
		if again := compat.AppendWire(nil, id, payload); !bytes.Equal(again, b) {
			t.Fatalf("round trip % x != % x", again, b)
		}
	})
}
