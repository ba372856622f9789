package compattest_test

import (
	"testing"

	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/protobuf"
)

func TestUnionAndMapGeneratorsParse(t *testing.T) {
	if _, err := avro.Parse(compattest.AvroUnionFanOut(60, "int"), nil); err != nil {
		t.Errorf("AvroUnionFanOut: %v", err)
	}
	if _, err := protobuf.Parse(compattest.ProtobufMapFanOut(60, "int32"), nil); err != nil {
		t.Errorf("ProtobufMapFanOut: %v", err)
	}
}
