package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash/maphash"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// The immutable reads (GET /schemas/ids/{id}, …/ids/{id}/schema, and
// /subjects/{s}/versions/{n}[/schema] for a number n) answer from bytes encoded
// once, each with a strong ETag that is a hash of those bytes, and honour
// If-None-Match with 304. Their answers are a pure function of the
// registry.Schema the registry returns (and of which route asked), so an
// encoded answer is reused only while the registry still returns an equal
// Schema: a hard delete, a soft delete (the deleted flag), or an id imported
// again with other content all make the stored answer stale, never wrong.

// immutableKind is which answer an encoded body is.
type immutableKind uint8

const (
	kindSchemaByID     immutableKind = iota + 1 // schemaStringResponse, no subject fields
	kindSchemaBySubjID                          // schemaStringResponse, with subject fields
	kindSchemaText                              // the schema text itself
	kindVersion                                 // schemaResponse
)

// Bounds of the encoded-answer cache: how many answers, the largest one kept,
// and the bytes of all of them together.
const (
	encodedSlots    = 4096
	encodedMaxBody  = 256 << 10
	encodedMaxBytes = 32 << 20
)

// encoded is one encoded answer.
type encoded struct {
	kind   immutableKind
	schema registry.Schema
	body   []byte
	// etag is the ETag header value, as a slice so it can be set without
	// allocating (header values are never appended to in place).
	etag []string
}

// encodedCache holds encoded answers in a fixed table indexed by a hash of
// the request: a lookup is one atomic load and a comparison, and a collision
// simply replaces the older answer. It is bounded by encodedSlots answers and
// encodedMaxBytes bytes.
type encodedCache struct {
	seed  maphash.Seed
	slots [encodedSlots]atomic.Pointer[encoded]
	// bytes is the sum of the bodies in slots.
	bytes atomic.Int64
}

func newEncodedCache() *encodedCache { return &encodedCache{seed: maphash.MakeSeed()} }

// slot is the table index of a request for (kind, subject, n).
func (ec *encodedCache) slot(kind immutableKind, subject string, n int) *atomic.Pointer[encoded] {
	h := maphash.String(ec.seed, subject) ^ (uint64(n) * 0x9e3779b97f4a7c15) ^ uint64(kind)<<56
	return &ec.slots[h%encodedSlots]
}

// get returns the answer stored for the slot if it was encoded from an equal
// Schema for the same kind.
func (ec *encodedCache) get(slot *atomic.Pointer[encoded], kind immutableKind, sch *registry.Schema) *encoded {
	e := slot.Load()
	if e == nil || e.kind != kind || !sameSchema(&e.schema, sch) {
		return nil
	}
	return e
}

// put stores e in its slot unless it would break the byte bounds.
func (ec *encodedCache) put(slot *atomic.Pointer[encoded], e *encoded) {
	n := int64(len(e.body))
	if n > encodedMaxBody || ec.bytes.Load()+n > encodedMaxBytes {
		return
	}
	ec.bytes.Add(n)
	if old := slot.Swap(e); old != nil {
		ec.bytes.Add(-int64(len(old.body)))
	}
}

// sameSchema reports whether two Schemas give the same answers. Strings and
// raw JSON the registry's cache hands out again share their bytes, so the
// comparisons are cheap on the hot path.
func sameSchema(a, b *registry.Schema) bool {
	return a.ID == b.ID && a.Version == b.Version && a.Deleted == b.Deleted && a.Type == b.Type &&
		a.GUID == b.GUID && a.Subject == b.Subject && a.Text == b.Text &&
		a.CreatedAt.Equal(b.CreatedAt) &&
		bytes.Equal(a.Metadata, b.Metadata) && bytes.Equal(a.RuleSet, b.RuleSet) &&
		slices.Equal(a.References, b.References)
}

// encode builds the answer of kind for sch.
func encode(kind immutableKind, sch registry.Schema) (*encoded, error) {
	var v any
	switch kind {
	case kindSchemaByID:
		v = toSchemaStringResponse(sch, false)
	case kindSchemaBySubjID:
		v = toSchemaStringResponse(sch, true)
	case kindVersion:
		v = toSchemaResponse(sch)
	}
	var body []byte
	if kind == kindSchemaText {
		body = []byte(sch.Text)
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // as jsonRender: Jackson does not escape them
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	sum := sha256.Sum256(body)
	return &encoded{kind: kind, schema: sch, body: body, etag: []string{`"` + hex.EncodeToString(sum[:16]) + `"`}}, nil
}

// contentTypeValues are the two content types of contentTypeFor, as header
// values that can be set without allocating.
var (
	contentTypeRegistryValue = []string{contentTypeRegistry}
	contentTypeJSONValue     = []string{"application/json"}
)

// writeImmutable answers an immutable read of sch: from the stored encoding
// when there is one, with its ETag, and with 304 and no body when the
// request's If-None-Match names that ETag. key and n pick the table slot (the
// subject asked for and the id or version); they need not be unique.
func (s *Server) writeImmutable(c *gin.Context, kind immutableKind, key string, n int, sch registry.Schema) error {
	slot := s.encoded.slot(kind, key, n)
	e := s.encoded.get(slot, kind, &sch)
	if e == nil {
		var err error
		if e, err = encode(kind, sch); err != nil {
			return err
		}
		s.encoded.put(slot, e)
	}
	h := c.Writer.Header()
	h["Etag"] = e.etag
	if etagMatches(c.Request.Header.Get("If-None-Match"), e.etag[0]) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return nil
	}
	if isNativePath(c.Request.URL.Path) {
		h["Content-Type"] = contentTypeJSONValue
	} else {
		h["Content-Type"] = contentTypeRegistryValue
	}
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(e.body) // a failed write is the client gone; nothing to answer
	return nil
}

// etagMatches reports whether an If-None-Match value names etag, by the weak
// comparison RFC 9110 prescribes for it (a W/ prefix is ignored), or is "*".
func etagMatches(ifNoneMatch, etag string) bool {
	for ifNoneMatch != "" {
		var tag string
		tag, ifNoneMatch, _ = strings.Cut(ifNoneMatch, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
