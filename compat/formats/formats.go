// Package formats lists the schema formats Herald implements, so that the server,
// the tests and the tools that need "every real format" build the list in one
// place and a new format is added once.
package formats

import (
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// All returns a new value of every format: Avro, JSON Schema and Protobuf.
func All() []compat.Format {
	return []compat.Format{avro.New(), jsonschema.New(), protobuf.New()}
}

// ByType returns All keyed by the type each format handles.
func ByType() compat.Formats { return compat.FormatsOf(All()...) }
