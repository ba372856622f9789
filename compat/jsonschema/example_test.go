package jsonschema_test

import (
	"fmt"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

func ExampleFormat_CanRead() {
	f := jsonschema.New()
	previous, _ := f.Parse(`{"type":"object","properties":{"name":{"type":"string","maxLength":50}}}`, nil)
	current, _ := f.Parse(`{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer"}}}`, nil)

	// BACKWARD: can the current schema read data written with the previous one?
	for _, v := range f.CanRead(current, previous, compat.Options{}) {
		fmt.Println(v.Rule, v.Path)
	}
	fmt.Println("lenient:", len(f.CanRead(current, previous, compat.Options{Policy: compat.Lenient})), "violation")
	// Output:
	// OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/age
	// MAX_LENGTH_DECREASED #/properties/name/maxLength
	// lenient: 1 violation
}
