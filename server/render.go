package server

import (
	"encoding/json"
	"net/http"
)

// jsonRender writes a value as JSON with a chosen content type (gin's JSON render
// fixes application/json, which the Confluent API does not use).
type jsonRender struct {
	contentType string
	value       any
}

// Render implements gin's render.Render.
func (r jsonRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	b, err := json.Marshal(r.value)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteContentType implements gin's render.Render.
func (r jsonRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
}
