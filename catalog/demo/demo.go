// Package demo embeds Herald's demo catalog, a small shop (ordering, payments,
// fulfilment), loaded by `herald serve --demo` and used by the catalog tests.
// See README.md for the catalog file format.
package demo

import "embed"

// FS holds catalog/*.yaml (the catalog files) and schemas/<subject>/v<N>.<ext>
// (every version of every schema, .json for JSON Schema, .avsc for Avro and
// .proto for Protobuf).
//
//go:embed catalog schemas
var FS embed.FS
