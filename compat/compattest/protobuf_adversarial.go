package compattest

import (
	"fmt"
	"strings"
)

// ProtobufMapFanOut returns a proto3 file like ProtobufFanOut, except that message
// Li reaches L(i-1) through a map value (field a) and a oneof member (field b),
// the two other places a message type can be used by a field.
func ProtobufMapFanOut(levels int, leaf string) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage adversarial;\n\n")
	fmt.Fprintf(&b, "message L0 {\n  %s v = 1;\n}\n", leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "message L%d {\n  map<string, L%d> a = 1;\n  oneof o {\n    L%d b = 2;\n  }\n}\n", i, i-1, i-1)
	}
	return b.String()
}
