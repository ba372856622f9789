package avro

import tavro "github.com/twmb/avro"

// tavroCheck runs twmb/avro's own compatibility check (writer first).
func tavroCheck(writer, reader *Schema) error {
	w, err := reparse(writer)
	if err != nil {
		return err
	}
	r, err := reparse(reader)
	if err != nil {
		return err
	}
	return tavro.CheckCompatibility(w, r)
}
