package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// bufPool recycles encoding buffers: every response is encoded into a buffer
// first, so an encoding error never leaves a half-written body.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer returns buf to pool unless it grew past limit bytes.
func putBuffer(pool *sync.Pool, buf *bytes.Buffer, limit int) {
	if buf.Cap() <= limit {
		pool.Put(buf)
	}
}

// jsonRender writes a value as JSON with a chosen content type (gin's JSON render
// fixes application/json, which the Confluent API does not use). HTML characters
// are not escaped, as Confluent's Jackson does not escape them in schema text.
type jsonRender struct {
	contentType string
	value       any
}

// maxPooledJSON is the largest encoding buffer kept in bufPool: the buffer of
// a rare huge answer (GET /schemas of every schema) is left to the collector
// rather than pinned for the next small one.
const maxPooledJSON = 4 << 20

// Render implements gin's render.Render.
func (r jsonRender) Render(w http.ResponseWriter) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuffer(&bufPool, buf, maxPooledJSON)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.value); err != nil {
		return err
	}
	r.WriteContentType(w)
	b := buf.Bytes()
	_, err := w.Write(b[:len(b)-1]) // Encode appends a newline
	return err
}

// WriteContentType implements gin's render.Render.
func (r jsonRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
}

// arrayRender writes a JSON array element by element, flushing every
// arrayChunk bytes: a listing of every schema is not encoded whole in memory
// beside the list it comes from. Its elements are the server's own response
// types, which always encode; should one not, the connection is aborted
// rather than left with a body that looks whole.
type arrayRender struct {
	contentType string
	n           int
	item        func(i int) any
}

// arrayChunk is how many bytes arrayRender encodes before it writes them.
const arrayChunk = 64 << 10

// Render implements gin's render.Render.
func (r arrayRender) Render(w http.ResponseWriter) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuffer(&bufPool, buf, maxPooledJSON)
	buf.Reset()
	r.WriteContentType(w)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('[')
	for i := range r.n {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(r.item(i)); err != nil {
			panic(http.ErrAbortHandler) // the status is sent: abort, do not truncate
		}
		buf.Truncate(buf.Len() - 1) // Encode appends a newline
		if buf.Len() >= arrayChunk {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	buf.WriteByte(']')
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteContentType implements gin's render.Render.
func (r arrayRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
}

// writeJSONArray writes a successful JSON array of n elements, item(i) each,
// in the content type of the request's API, without encoding it whole first.
func writeJSONArray(c *gin.Context, n int, item func(i int) any) error {
	c.Render(http.StatusOK, arrayRender{contentType: contentTypeFor(c.Request.URL.Path), n: n, item: item})
	return nil
}

// rawRender writes bytes as they are with a chosen content type: the raw-schema
// endpoints answer the schema text itself, still labelled as the API's JSON type.
type rawRender struct {
	contentType string
	body        []byte
}

// Render implements gin's render.Render.
func (r rawRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	_, err := w.Write(r.body)
	return err
}

// WriteContentType implements gin's render.Render.
func (r rawRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
}

// answer ends a handler that calls a service and shows what it got:
// answer(c, to)(s.cfg.Registry.X(…)) writes to(v) as a 200 JSON answer, or
// returns the call's error for the error table.
func answer[T, R any](c *gin.Context, to func(T) R) func(T, error) error {
	return func(v T, err error) error {
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, to(v))
	}
}

// writeJSON writes a successful JSON response in the content type of the API the
// request belongs to. It returns nil so handlers can end with `return writeJSON(…)`.
func writeJSON(c *gin.Context, status int, v any) error {
	c.Render(status, jsonRender{contentType: contentTypeFor(c.Request.URL.Path), value: v})
	return nil
}
