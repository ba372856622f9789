package protobuf

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIndexEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path []int
		want []byte
	}{
		{[]int{0}, []byte{0x00}},
		{[]int{1}, []byte{0x02, 0x02}},
		{[]int{0, 1}, []byte{0x04, 0x00, 0x02}},
		{[]int{2, 0, 3}, []byte{0x06, 0x04, 0x00, 0x06}},
		{[]int{64}, []byte{0x02, 0x80, 0x01}},
	}
	for _, tt := range tests {
		got := EncodeIndexes(tt.path)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("EncodeIndexes(%v) = % x, want % x", tt.path, got, tt.want)
		}
		path, n, err := DecodeIndexes(append(got, 0xAA, 0xBB))
		if err != nil || n != len(tt.want) {
			t.Fatalf("DecodeIndexes(% x) = %v, %d, %v", got, path, n, err)
		}
		if diff := cmp.Diff(tt.path, path); diff != "" {
			t.Errorf("round trip of %v (-want +got):\n%s", tt.path, diff)
		}
	}
	if got := EncodeIndexes(nil); !bytes.Equal(got, []byte{0}) {
		t.Errorf("EncodeIndexes(nil) = % x, want 00", got)
	}
	// The long form of [0] decodes too.
	if path, n, err := DecodeIndexes([]byte{0x02, 0x00}); err != nil || n != 2 || !cmp.Equal(path, []int{0}) {
		t.Errorf("long [0] = %v, %d, %v", path, n, err)
	}
}

func TestDecodeIndexesErrors(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"Empty":          nil,
		"NegativeCount":  {0x01},
		"Truncated":      {0x04, 0x02},
		"NegativeIndex":  {0x02, 0x01},
		"HugeCount":      {0xfe, 0xff, 0xff, 0xff, 0x0f},
		"OverlongVarint": {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	} {
		if _, _, err := DecodeIndexes(b); !errors.Is(err, ErrBadIndexes) {
			t.Errorf("%s: err = %v, want ErrBadIndexes", name, err)
		}
	}
}

const indexSchema = `syntax = "proto3";
package acme;
enum Skipped { S0 = 0; }
message First {
  map<string, int32> counts = 1;   // its entry message does not count
  message Inner { message Deep {} }
  enum AlsoSkipped { A0 = 0; }
  message Second {}
}
message Other {}
`

func TestMessageIndexes(t *testing.T) {
	t.Parallel()
	s := mustParse(t, indexSchema)
	wantNames := []string{"acme.First", "acme.First.Inner", "acme.First.Inner.Deep", "acme.First.Second", "acme.Other"}
	if diff := cmp.Diff(wantNames, s.MessageNames()); diff != "" {
		t.Errorf("MessageNames (-want +got):\n%s", diff)
	}
	paths := map[string][]int{
		"acme.First":            {0},
		"acme.First.Inner":      {0, 0},
		"acme.First.Inner.Deep": {0, 0, 0},
		"acme.First.Second":     {0, 1},
		"acme.Other":            {1},
	}
	for name, path := range paths {
		got, err := s.IndexesOf(name)
		if err != nil || !cmp.Equal(got, path) {
			t.Errorf("IndexesOf(%s) = %v, %v; want %v", name, got, err, path)
		}
		md, err := s.MessageByIndexes(path)
		if err != nil || string(md.FullName()) != name {
			t.Errorf("MessageByIndexes(%v) = %v, %v; want %s", path, md, err, name)
		}
		if md := s.MessageByName("." + name); md == nil {
			t.Errorf("MessageByName(.%s) = nil", name)
		}
	}
	if md, err := s.MessageByIndexes(nil); err != nil || md.Name() != "First" {
		t.Errorf("empty path = %v, %v", md, err)
	}
	for _, bad := range [][]int{{2}, {0, 2}, {1, 0}, {-1}} {
		if _, err := s.MessageByIndexes(bad); !errors.Is(err, ErrBadIndexes) {
			t.Errorf("MessageByIndexes(%v) err = %v", bad, err)
		}
	}
	if _, err := s.IndexesOf("acme.Nope"); !errors.Is(err, ErrBadIndexes) {
		t.Errorf("IndexesOf unknown: %v", err)
	}
	if _, err := s.IndexesOf("acme.First.CountsEntry"); !errors.Is(err, ErrBadIndexes) {
		t.Errorf("IndexesOf map entry: %v", err)
	}
}
