package compattest

// ProtobufMapFanOut returns a proto3 file like ProtobufFanOut, except that message
// Li reaches L(i-1) through a map value (field a) and a oneof member (field b),
// the two other places a message type can be used by a field.
func ProtobufMapFanOut(levels int, leaf string) string {
	return protobufLevels(levels, leaf, "message L%d {\n  map<string, L%d> a = 1;\n  oneof o {\n    L%d b = 2;\n  }\n}\n")
}
