package protobuf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/compat"
)

func FuzzParse(f *testing.F) {
	for _, text := range normalizationCorpus {
		f.Add(text)
	}
	f.Add(validateSchema)
	f.Add(indexSchema)
	f.Add(`syntax = "proto3"; message A { int32 x = 1 }`)
	f.Add(`edition = "2023"; message A { int32 x = 1; }`)
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, nil)
		if err != nil {
			if _, ok := err.(*compat.SchemaError); !ok {
				t.Fatalf("error %T is not a *compat.SchemaError", err)
			}
			return
		}
		n := s.Normalized()
		s2 := mustParse(t, n)
		if n2 := s2.Normalized(); n2 != n {
			t.Fatalf("normalization not idempotent:\n%s\n----\n%s", n, n2)
		}
		c := s.Canonical()
		fromCanonical := mustParse(t, c)
		if fromCanonical.Normalized() != n {
			t.Fatalf("canonical form normalizes differently:\n%s\n----\n%s", n, fromCanonical.Normalized())
		}
		if diff := cmp.Diff(s.MessageNames(), s2.MessageNames()); diff != "" {
			t.Fatalf("normalizing changed the messages (-original +normalized):\n%s", diff)
		}
	})
}

func FuzzValidate(f *testing.F) {
	s := mustParse(f, validateSchema)
	p3 := mustParse(f, normalizationCorpus["Proto3"])
	f.Add([]byte{0, 0x0a, 0x01, 'x'}, false)
	f.Add([]byte{0x04, 0x00, 0x00, 0x0a, 0x01, 'x'}, false)
	f.Add([]byte{0x02, 0x02, 0x0a, 0x00}, false)
	f.Add([]byte(`{"id":"x","lines":[{"sku":"y"}]}`), true)
	f.Add([]byte(`{"a":1,"kind":{}}`), true)
	f.Add([]byte{0, 0x1a, 0x05, 0x0a, 0x03}, false)
	f.Fuzz(func(t *testing.T, payload []byte, json bool) {
		enc := compat.EncodingBinary
		if json {
			enc = compat.EncodingJSON
		}
		for _, sc := range []*Schema{s, p3} {
			if err := sc.Validate(payload, enc); err != nil {
				if _, ok := err.(*compat.InvalidPayloadError); !ok {
					t.Fatalf("error %T is not an *InvalidPayloadError", err)
				}
			}
		}
		path, n, err := DecodeIndexes(payload)
		if err != nil {
			return
		}
		if n <= 0 || n > len(payload) {
			t.Fatalf("DecodeIndexes(% x) consumed %d bytes", payload, n)
		}
		again, m, err := DecodeIndexes(EncodeIndexes(path))
		if err != nil || !cmp.Equal(again, path, cmpopts.EquateEmpty()) || m != len(EncodeIndexes(path)) {
			t.Fatalf("indexes %v do not round-trip: %v, %d, %v", path, again, m, err)
		}
	})
}
