package protobuf

import (
	"fmt"
	"strings"
)

// builtinSources are the imports Confluent Schema Registry resolves without a
// reference, beyond the google/protobuf well-known files (which protocompile
// provides): Confluent's own option and decimal types, and the common
// google/type messages. Serializers never register these as references, so a
// schema importing them must compile without one. A reference with the same
// import path takes precedence. Only the declarations are here: field names,
// numbers and types, which is all the wire and JSON encodings depend on.
//
// Most of these files are one message whose fields are numbered 1, 2, 3... in
// order, or one enum whose values are numbered 0, 1, 2...; those are written as
// builtinFiles and rendered to proto text once. The three files with nested
// messages, oneofs, maps or extensions are written as text.
var builtinSources = builtinSourceMap()

// builtinFile is one regular built-in import: a package, its imports, and one
// message (fields "type name", numbered from 1) or enum (values numbered from 0).
type builtinFile struct {
	path    string
	pkg     string // zero: google.type
	imports []string
	enum    bool
	name    string
	members []string
}

var builtinFiles = []builtinFile{
	{path: "confluent/type/decimal.proto", pkg: "confluent.type", name: "Decimal",
		members: []string{"bytes value", "uint32 precision", "int32 scale"}},
	{path: "google/type/calendar_period.proto", enum: true, name: "CalendarPeriod",
		members: []string{"CALENDAR_PERIOD_UNSPECIFIED", "DAY", "WEEK", "FORTNIGHT", "MONTH", "QUARTER", "HALF", "YEAR"}},
	{path: "google/type/color.proto", imports: []string{"google/protobuf/wrappers.proto"}, name: "Color",
		members: []string{"float red", "float green", "float blue", "google.protobuf.FloatValue alpha"}},
	{path: "google/type/date.proto", name: "Date",
		members: []string{"int32 year", "int32 month", "int32 day"}},
	{path: "google/type/dayofweek.proto", enum: true, name: "DayOfWeek",
		members: []string{"DAY_OF_WEEK_UNSPECIFIED", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}},
	{path: "google/type/decimal.proto", name: "Decimal", members: []string{"string value"}},
	{path: "google/type/expr.proto", name: "Expr",
		members: []string{"string expression", "string title", "string description", "string location"}},
	{path: "google/type/fraction.proto", name: "Fraction", members: []string{"int64 numerator", "int64 denominator"}},
	{path: "google/type/interval.proto", imports: []string{"google/protobuf/timestamp.proto"}, name: "Interval",
		members: []string{"google.protobuf.Timestamp start_time", "google.protobuf.Timestamp end_time"}},
	{path: "google/type/latlng.proto", name: "LatLng", members: []string{"double latitude", "double longitude"}},
	{path: "google/type/localized_text.proto", name: "LocalizedText", members: []string{"string text", "string language_code"}},
	{path: "google/type/money.proto", name: "Money",
		members: []string{"string currency_code", "int64 units", "int32 nanos"}},
	{path: "google/type/month.proto", enum: true, name: "Month",
		members: []string{"MONTH_UNSPECIFIED", "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY",
			"AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"}},
	{path: "google/type/postal_address.proto", name: "PostalAddress",
		members: []string{"int32 revision", "string region_code", "string language_code", "string postal_code",
			"string sorting_code", "string administrative_area", "string locality", "string sublocality",
			"repeated string address_lines", "repeated string recipients", "string organization"}},
	{path: "google/type/quaternion.proto", name: "Quaternion", members: []string{"double x", "double y", "double z", "double w"}},
	{path: "google/type/timeofday.proto", name: "TimeOfDay",
		members: []string{"int32 hours", "int32 minutes", "int32 seconds", "int32 nanos"}},
}

// builtinTexts are the built-in files that are not one plain message or enum.
var builtinTexts = map[string]string{
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	"google/type/datetime.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/duration.proto";
message DateTime {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
  int32 hours = 4;
  int32 minutes = 5;
  int32 seconds = 6;
  int32 nanos = 7;
  oneof time_offset {
    google.protobuf.Duration utc_offset = 8;
    TimeZone time_zone = 9;
  }
}
message TimeZone {
  string id = 1;
  string version = 2;
}
`,
	"google/type/phone_number.proto": `syntax = "proto3";
package google.type;
message PhoneNumber {
  message ShortCode {
    string region_code = 1;
    string number = 2;
  }
  oneof kind {
    string e164_number = 1;
    ShortCode short_code = 2;
  }
  string extension = 3;
}
`,
}

// builtinSourceMap renders builtinFiles and adds builtinTexts.
func builtinSourceMap() map[string]string {
	m := make(map[string]string, len(builtinFiles)+len(builtinTexts))
	for path, text := range builtinTexts {
		m[path] = text
	}
	for _, f := range builtinFiles {
		m[f.path] = f.text()
	}
	return m
}

// text renders the file as proto3 source.
func (f builtinFile) text() string {
	var b strings.Builder
	pkg := f.pkg
	if pkg == "" {
		pkg = "google.type"
	}
	fmt.Fprintf(&b, "syntax = \"proto3\";\npackage %s;\n", pkg)
	for _, imp := range f.imports {
		fmt.Fprintf(&b, "import %q;\n", imp)
	}
	kind, first := "message", 1
	if f.enum {
		kind, first = "enum", 0
	}
	fmt.Fprintf(&b, "%s %s {\n", kind, f.name)
	for i, m := range f.members {
		fmt.Fprintf(&b, "  %s = %d;\n", m, first+i)
	}
	b.WriteString("}\n")
	return b.String()
}
