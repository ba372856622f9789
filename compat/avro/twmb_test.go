package avro

import (
	"testing"

	tavro "github.com/twmb/avro"
)

// reparse parses s's canonical text (with its references) with twmb/avro, for
// tests that use twmb as an oracle or to encode payloads: the parsed form no
// longer keeps twmb's schema.
func reparse(s *Schema) (*tavro.Schema, error) {
	var cache tavro.SchemaCache
	for _, r := range s.refs {
		if _, err := cache.Parse(r.Text); err != nil {
			return nil, err
		}
	}
	return cache.Parse(s.canonical)
}

// twmbOf is reparse failing tb on an error.
func twmbOf(tb testing.TB, s *Schema) *tavro.Schema {
	tb.Helper()
	raw, err := reparse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}
