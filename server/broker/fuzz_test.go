package broker_test

import (
	"bytes"
	"testing"

	"github.com/heraldhq/herald/server/broker"
)

func FuzzPublishParseWire(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, '{', '}'})
	f.Add([]byte{0, 0, 0, 0, 7, 0, 8, 1})
	f.Add([]byte{1, 0, 0, 0, 1})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, rest, err := broker.ParseWire(b)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("id %d accepted", id)
		}
		if again := broker.AppendWire(nil, id, rest); !bytes.Equal(again, b) {
			t.Fatalf("round trip %x != %x", again, b)
		}
	})
}
