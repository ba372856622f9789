package compattest_test

import (
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
	"testing"
)

func TestGeneratorsParse(t *testing.T) {
	for _, c := range []struct {
		f compat.Format
		s string
	}{
		{jsonschema.New(), compattest.JSONSchemaFanOut(60, "string")},
		{jsonschema.New(), compattest.JSONSchemaAnyOf(60, "string")},
		{avro.Format{}, compattest.AvroFanOut(60, "int")},
		{protobuf.Format{}, compattest.ProtobufFanOut(60, "int32")},
	} {
		if _, err := c.f.Parse(c.s, nil); err != nil {
			t.Errorf("%v: %v", c.f.Type(), err)
		}
	}
}
