package registry

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// compactJSON returns raw as compact JSON with object keys sorted, so that equal
// metadata or rule sets hash equally. Empty, "null" and "{}" become nil (absent).
func compactJSON(raw json.RawMessage, what string) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
	}
	if v == nil {
		return nil, nil
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	writeSorted(&b, v)
	return json.RawMessage(b.Bytes()), nil
}

func writeSorted(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeSorted(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeSorted(b, e)
		}
		b.WriteByte(']')
	default:
		eb, _ := json.Marshal(x)
		b.Write(eb)
	}
}

// contentHash identifies a schema's content inside a context: equal hashes share an
// id. Every part is length-prefixed so no two different contents collide by
// concatenation.
func contentHash(rec SchemaRecord) string {
	h := sha256.New()
	part := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	part(rec.Type.String())
	part(rec.Text)
	part(strconv.Itoa(len(rec.References)))
	for _, r := range rec.References {
		part(r.Name)
		part(r.Subject)
		part(strconv.Itoa(r.Version))
	}
	part(string(rec.Metadata))
	part(string(rec.RuleSet))
	return hex.EncodeToString(h.Sum(nil))
}

// contentGUID derives the schema GUID: a name-based (version 3 layout) UUID over
// the MD5 of the content, as Confluent does, so the same content has the same GUID
// in every context and on every server.
func contentGUID(rec SchemaRecord) string {
	h := md5.New()
	h.Write([]byte(rec.Text))
	for _, r := range rec.References {
		_, _ = fmt.Fprintf(h, "\x00%s\x00%s\x00%d", r.Name, r.Subject, r.Version) // hash.Hash writes never fail
	}
	h.Write([]byte{0})
	h.Write(rec.Metadata)
	h.Write([]byte{0})
	h.Write(rec.RuleSet)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x30
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
