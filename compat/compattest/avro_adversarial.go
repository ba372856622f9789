package compattest

// AvroUnionFanOut returns an Avro schema like AvroFanOut, except that field "a" of
// record Li is the union ["null", L(i-1)] and field "b" is an array of L(i-1). A
// checker meets L(i-1) through a union (where it tries each branch and keeps only
// the verdict) and through an array at every level, so it must share the verdicts
// of named pairs across both kinds of path, not only across plain fields.
func AvroUnionFanOut(levels int, leaf string) string {
	return avroLevels(levels, leaf, `{"type":"record","name":"L%d","fields":[{"name":"a","type":["null",%s]},{"name":"b","type":{"type":"array","items":"L%d"}}]}`)
}
