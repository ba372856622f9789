package jsonschema_test

import (
	"context"
	"fmt"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

func ExampleFormat_CanRead() {
	f := jsonschema.New()
	previous, _ := f.Parse(`{"type":"object","properties":{"name":{"type":"string","maxLength":50}}}`, nil)
	current, _ := f.Parse(`{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer"}}}`, nil)

	// BACKWARD: can the current schema read data written with the previous one?
	ctx := context.Background()
	strict, err := f.CanRead(ctx, current, previous, compat.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range strict {
		fmt.Println(v.Rule, v.Path)
	}
	lenient, err := f.CanRead(ctx, current, previous, compat.Options{Policy: compat.Lenient})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("lenient:", len(lenient), "violation")
	// Output:
	// OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/age
	// MAX_LENGTH_DECREASED #/properties/name/maxLength
	// lenient: 1 violation
}
