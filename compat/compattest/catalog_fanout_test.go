package compattest_test

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

func TestWideGeneratorsParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		f    compat.Format
		s    string
	}{
		{"JSONSchemaWide", jsonschema.New(), compattest.JSONSchemaWide(60, 4, "string")},
		{"AvroWide", avro.Format{}, compattest.AvroWide(60, 4, "int")},
		{"ProtobufWide", protobuf.Format{}, compattest.ProtobufWide(60, 4, "int32")},
	} {
		t.Run(c.name+"Parses", func(t *testing.T) {
			if _, err := c.f.Parse(c.s, nil); err != nil {
				t.Fatalf("%s(60, 4) does not parse: %v\n%.300s", c.name, err, c.s)
			}
		})
	}
}
