package compattest_test

import (
	"strings"
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

func TestFanOutPathsDistinct(t *testing.T) {
	t.Parallel()
	paths := compattest.FanOutPaths(60, []string{"a", "b"}, 1000)
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Fatalf("path %s repeats", p)
		}
		seen[p] = true
		if got := strings.Count(p, "/properties/"); got != 60 {
			t.Fatalf("path %s has %d steps, want 60", p, got)
		}
	}
	if len(paths) != 1000 {
		t.Fatalf("got %d paths, want 1000", len(paths))
	}
}
