package avro

import tavro "github.com/twmb/avro"

// tavroCheck runs twmb/avro's own compatibility check (writer first).
func tavroCheck(writer, reader *Schema) error {
	return tavro.CheckCompatibility(writer.raw, reader.raw)
}
