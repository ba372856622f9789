package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/internal/textpos"
)

// ErrInvalidAsyncAPI is returned for an AsyncAPI document that cannot be imported.
var ErrInvalidAsyncAPI = errors.New("invalid AsyncAPI document")

// Schema formats as AsyncAPI 3.0 names them in a Multi Format Schema Object.
const (
	asyncAPIJSONSchema = "application/schema+json;version=draft-07"
	asyncAPIAvro       = "application/vnd.apache.avro+json;version=1.9.0"
	asyncAPIProtobuf   = "application/vnd.google.protobuf;version=3"
)

func schemaFormatOf(t compat.SchemaType) string {
	switch t {
	case compat.Avro:
		return asyncAPIAvro
	case compat.Protobuf:
		return asyncAPIProtobuf
	}
	return asyncAPIJSONSchema
}

// schemaTypeOfFormat maps an AsyncAPI schemaFormat to a registry schema type.
// The AsyncAPI Schema format (the default) is a JSON Schema superset.
func schemaTypeOfFormat(f string) (compat.SchemaType, bool) {
	f = strings.ToLower(strings.ReplaceAll(f, " ", ""))
	switch {
	case f == "", strings.HasPrefix(f, "application/vnd.aai.asyncapi"), strings.HasPrefix(f, "application/schema+json"), strings.HasPrefix(f, "application/schema+yaml"):
		return compat.JSON, true
	case strings.HasPrefix(f, "application/vnd.apache.avro"):
		return compat.Avro, true
	case strings.HasPrefix(f, "application/vnd.google.protobuf"):
		return compat.Protobuf, true
	}
	return 0, false
}

// ordered is a JSON object that keeps its key order, for readable exports.
type ordered []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the object with its keys in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(p.k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o *ordered) add(k string, v any) { *o = append(*o, kv{k, v}) }

// addIf adds a string only when it is not empty.
func (o *ordered) addIf(k, v string) {
	if v != "" {
		o.add(k, v)
	}
}

func tagObjects(tags []string) []ordered {
	out := make([]ordered, len(tags))
	for i, t := range tags {
		out[i] = ordered{{"name", t}}
	}
	return out
}

// AsyncAPI exports one service as an AsyncAPI 3.0 document (YAML): a channel per
// event it sends or receives (the broker topic is the address), a send or receive
// operation per edge, and each message with its latest payload schema from the
// registry in its own format. Catalog facts AsyncAPI has no field for travel as
// x-herald-* extensions. Errors: ErrNotFound.
func (s *Service) AsyncAPI(ctx context.Context, serviceID string) ([]byte, error) {
	doc, err := s.asyncAPIDoc(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(j)
}

// AsyncAPIJSON is AsyncAPI in JSON.
func (s *Service) AsyncAPIJSON(ctx context.Context, serviceID string) ([]byte, error) {
	doc, err := s.asyncAPIDoc(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (s *Service) asyncAPIDoc(ctx context.Context, serviceID string) (ordered, error) {
	sn := s.snapshot()
	a, ok := sn.services[serviceID]
	if !ok {
		return nil, fmt.Errorf("service %q: %w", serviceID, ErrNotFound)
	}
	info := ordered{{"title", DisplayName(a.Name, a.ID)}, {"version", "r" + strconv.FormatInt(sn.rev.Number, 10)}}
	info.addIf("description", a.Description)
	if len(a.Tags) > 0 {
		info.add("tags", tagObjects(a.Tags))
	}
	if a.Repository != "" {
		info.add("externalDocs", ordered{{"description", "Repository"}, {"url", a.Repository}})
	}
	info.add("x-herald-service", a.ID)
	info.addIf("x-herald-domain", a.Domain)
	if len(a.Owners) > 0 {
		info.add("x-herald-owners", a.Owners)
	}
	if a.External {
		info.add("x-herald-external", true)
	}

	type use struct {
		action string
		ev     *Event
	}
	var uses []use
	for _, m := range a.Sends {
		if ev := sn.events[m.Event]; ev != nil {
			uses = append(uses, use{"send", ev})
		}
	}
	for _, m := range a.Receives {
		if ev := sn.events[m.Event]; ev != nil {
			uses = append(uses, use{"receive", ev})
		}
	}
	channels, operations, messages := ordered{}, ordered{}, ordered{}
	seen := map[string]bool{}
	for _, u := range uses {
		ev := u.ev
		if !seen[ev.ID] {
			seen[ev.ID] = true
			addr := ev.Topic
			if addr == "" {
				addr = ev.Subject
			}
			ch := ordered{{"address", addr}}
			ch.add("title", DisplayName(ev.Name, ev.ID))
			ch.add("messages", ordered{{ev.ID, ordered{{"$ref", "#/components/messages/" + ev.ID}}}})
			channels.add(ev.ID, ch)
			msg, err := s.asyncAPIMessage(ctx, ev)
			if err != nil {
				return nil, err
			}
			messages.add(ev.ID, msg)
		}
		op := ordered{{"action", u.action}, {"channel", ordered{{"$ref", "#/channels/" + ev.ID}}}}
		op.add("summary", fmt.Sprintf("%s %ss %s", DisplayName(a.Name, a.ID), u.action, DisplayName(ev.Name, ev.ID)))
		op.add("messages", []ordered{{{"$ref", "#/channels/" + ev.ID + "/messages/" + ev.ID}}})
		operations.add(u.action+"-"+ev.ID, op)
	}
	doc := ordered{{"asyncapi", "3.0.0"}, {"info", info}, {"defaultContentType", "application/json"}}
	if len(channels) > 0 {
		doc.add("channels", channels)
		doc.add("operations", operations)
		doc.add("components", ordered{{"messages", messages}})
	}
	return doc, nil
}

func (s *Service) asyncAPIMessage(ctx context.Context, ev *Event) (ordered, error) {
	msg := ordered{{"name", DisplayName(ev.Name, ev.ID)}, {"title", DisplayName(ev.Name, ev.ID)}}
	msg.addIf("description", ev.Description)
	msg.add("contentType", "application/json")
	sv, _, err := s.cfg.Registry.Schema(ctx, ev.Subject, Latest)
	switch {
	case err == nil:
		var schema any = sv.Text
		if sv.Type != compat.Protobuf {
			var v json.RawMessage
			if json.Unmarshal([]byte(sv.Text), &v) == nil {
				schema = v
			}
		}
		msg.add("payload", ordered{{"schemaFormat", schemaFormatOf(sv.Type)}, {"schema", schema}})
	case !errors.Is(err, ErrSchemaNotFound):
		return nil, err
	}
	if len(ev.Tags) > 0 {
		msg.add("tags", tagObjects(ev.Tags))
	}
	if len(ev.Examples) > 0 {
		var exs []ordered
		for _, ex := range ev.Examples {
			e := ordered{{"name", ex.Name}}
			e.addIf("summary", ex.Description)
			e.add("payload", ex.Value)
			exs = append(exs, e)
		}
		msg.add("examples", exs)
	}
	msg.add("x-herald-event", ev.ID)
	msg.add("x-herald-kind", ev.Kind.String())
	msg.add("x-herald-subject", ev.Subject)
	if sv.Version > 0 {
		msg.add("x-herald-schema-version", sv.Version)
	}
	msg.addIf("x-herald-domain", ev.Domain)
	if len(ev.Owners) > 0 {
		msg.add("x-herald-owners", ev.Owners)
	}
	if d := ev.Deprecated; d != nil {
		msg.add("x-herald-deprecated", d)
	}
	return msg, nil
}

// ImportResult says what an AsyncAPI import did.
type ImportResult struct {
	Service  string   `json:"service"`
	Events   []string `json:"events"`
	Schemas  int      `json:"schemas"`
	Revision int64    `json:"revision"`
}

var slugRe = regexp.MustCompile(`[^a-z0-9._-]+`)

// slug turns a title into an id.
func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-._")
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

// ImportAsyncAPI imports an AsyncAPI 3.0 document (YAML or JSON): the
// application becomes a service (id from x-herald-service or the title), each
// message an event (kept if an event with its id exists), each send or receive
// operation an edge, and each payload schema is registered in the registry under
// the event's subject (x-herald-subject, or <event id>-value). The service is
// replaced if it exists; everything else in the catalog is kept. Errors:
// ErrInvalidAsyncAPI, registry errors, and *ApplyError.
func (s *Service) ImportAsyncAPI(ctx context.Context, data []byte) (ImportResult, error) {
	root, err := parseAsyncAPI(data)
	if err != nil {
		return ImportResult{}, err
	}
	if v, _ := root["asyncapi"].(string); !strings.HasPrefix(v, "3.") {
		return ImportResult{}, fmt.Errorf("%w: asyncapi version %q: only 3.x documents can be imported", ErrInvalidAsyncAPI, v)
	}
	info, _ := root["info"].(map[string]any)
	title, _ := info["title"].(string)
	svcID, _ := info["x-herald-service"].(string)
	if svcID == "" {
		svcID = slug(title)
	}
	if !ValidID(svcID) {
		return ImportResult{}, fmt.Errorf("%w: info.title %q does not give a service id", ErrInvalidAsyncAPI, title)
	}
	app := Application{ID: svcID, Name: title}
	app.Description, _ = info["description"].(string)
	app.Domain, _ = info["x-herald-domain"].(string)
	app.Owners = stringList(info["x-herald-owners"])
	app.External, _ = info["x-herald-external"].(bool)
	if tags, ok := info["tags"].([]any); ok {
		for _, t := range tags {
			if tm, ok := t.(map[string]any); ok {
				if n, ok := tm["name"].(string); ok {
					app.Tags = append(app.Tags, n)
				}
			}
		}
	}
	if ed, ok := info["externalDocs"].(map[string]any); ok {
		app.Repository, _ = ed["url"].(string)
	}

	sn := s.snapshot()
	res := ImportResult{Service: svcID}
	events := map[string]Event{}
	ops, _ := root["operations"].(map[string]any)
	opIDs := make([]string, 0, len(ops))
	for k := range ops {
		opIDs = append(opIDs, k)
	}
	sort.Strings(opIDs)
	for _, opID := range opIDs {
		op, _ := ops[opID].(map[string]any)
		action, _ := op["action"].(string)
		if action != "send" && action != "receive" {
			return ImportResult{}, fmt.Errorf("%w: operation %s: action %q must be send or receive", ErrInvalidAsyncAPI, opID, action)
		}
		chRef, _ := op["channel"].(map[string]any)
		ch, chKey, err := resolve(root, chRef)
		if err != nil {
			return ImportResult{}, fmt.Errorf("%w: operation %s: %v", ErrInvalidAsyncAPI, opID, err)
		}
		address, _ := ch["address"].(string)
		var msgRefs []any
		if m, ok := op["messages"].([]any); ok && len(m) > 0 {
			msgRefs = m
		} else if m, ok := ch["messages"].(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				msgRefs = append(msgRefs, m[k])
			}
		}
		if len(msgRefs) == 0 {
			return ImportResult{}, fmt.Errorf("%w: operation %s has no messages", ErrInvalidAsyncAPI, opID)
		}
		for _, mr := range msgRefs {
			mm, _ := mr.(map[string]any)
			msg, msgKey, err := resolve(root, mm)
			if err != nil {
				return ImportResult{}, fmt.Errorf("%w: operation %s: %v", ErrInvalidAsyncAPI, opID, err)
			}
			ev, err := s.importMessage(ctx, sn, msg, msgKey, address, chKey, &res)
			if err != nil {
				return ImportResult{}, err
			}
			events[ev.ID] = ev
			m := Message{Event: ev.ID}
			if action == "send" {
				app.Sends = appendMessage(app.Sends, m)
			} else {
				app.Receives = appendMessage(app.Receives, m)
			}
		}
	}
	// Merge into the current catalog.
	cur := sn.doc
	doc := &Document{Teams: cur.Teams, Domains: cur.Domains, Flows: cur.Flows}
	for _, x := range cur.Services {
		if x.ID != svcID {
			doc.Services = append(doc.Services, x)
		}
	}
	doc.Services = append(doc.Services, app)
	for _, e := range cur.Events {
		delete(events, e.ID)
		doc.Events = append(doc.Events, e)
	}
	ids := make([]string, 0, len(events))
	for id := range events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Owners the catalog does not know become teams; unknown domains are dropped.
	teams := map[string]bool{}
	for _, t := range doc.Teams {
		teams[t.ID] = true
	}
	addOwners := func(owners []string) {
		for _, o := range owners {
			if !strings.Contains(o, "@") && !teams[o] && ValidID(o) {
				teams[o] = true
				doc.Teams = append(append([]Team(nil), doc.Teams...), Team{ID: o})
			}
		}
	}
	addOwners(app.Owners)
	for _, id := range ids {
		e := events[id]
		if e.Domain != "" && sn.domains[e.Domain] == nil {
			e.Domain = ""
		}
		addOwners(e.Owners)
		doc.Events = append(doc.Events, e)
	}
	if app.Domain != "" && sn.domains[app.Domain] == nil {
		doc.Services[len(doc.Services)-1].Domain = ""
	}
	ar, err := s.ApplyDocument(ctx, doc)
	if err != nil {
		return ImportResult{}, err
	}
	res.Revision = ar.Revision
	for id := range events {
		res.Events = append(res.Events, id)
	}
	sort.Strings(res.Events)
	return res, nil
}

// parseAsyncAPI decodes an AsyncAPI document (YAML or JSON) within the
// bounds of a catalog file: the token budget, the nesting limits, and no
// aliases. yaml.Unmarshal would share an aliased value, but the import encodes
// payloads and examples again, which expands every alias: a few hundred bytes
// of nested aliases would become gigabytes.
func parseAsyncAPI(data []byte) (map[string]any, error) {
	budget := maxTokens
	d := &decoder{src: newSource(), budget: &budget, what: "AsyncAPI documents"}
	roots := d.roots(data)
	if len(d.probs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidAsyncAPI, textpos.List("the document", listed(d.probs, d.dropped)))
	}
	if len(roots) == 0 {
		return nil, nil
	}
	root, ok := roots[0].plain().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the document must be a mapping, got %s", ErrInvalidAsyncAPI, roots[0].kind)
	}
	return root, nil
}

func appendMessage(list []Message, m Message) []Message {
	for _, x := range list {
		if x.Event == m.Event {
			return list
		}
	}
	return append(list, m)
}

func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// importMessage maps one message to an event and registers its payload schema.
func (s *Service) importMessage(ctx context.Context, sn *snapshot, msg map[string]any, key, address, chKey string, res *ImportResult) (Event, error) {
	id, _ := msg["x-herald-event"].(string)
	if id == "" {
		id = slug(key)
	}
	if id == "" {
		if n, _ := msg["name"].(string); n != "" {
			id = slug(n)
		} else {
			id = slug(chKey)
		}
	}
	if !ValidID(id) {
		return Event{}, fmt.Errorf("%w: message %q does not give a valid event id", ErrInvalidAsyncAPI, key)
	}
	if existing, ok := sn.events[id]; ok {
		return *existing, nil
	}
	ev := Event{ID: id, Topic: address}
	ev.Name, _ = msg["name"].(string)
	if ev.Name == "" {
		ev.Name, _ = msg["title"].(string)
	}
	ev.Description, _ = msg["description"].(string)
	if ev.Description == "" {
		ev.Description, _ = msg["summary"].(string)
	}
	if k, ok := msg["x-herald-kind"].(string); ok {
		ev.Kind, _ = ParseKind(k)
	}
	ev.Owners = stringList(msg["x-herald-owners"])
	ev.Domain, _ = msg["x-herald-domain"].(string)
	ev.Subject, _ = msg["x-herald-subject"].(string)
	if ev.Subject == "" {
		ev.Subject = id + "-value"
	}
	if tags, ok := msg["tags"].([]any); ok {
		for _, t := range tags {
			if tm, ok := t.(map[string]any); ok {
				if n, ok := tm["name"].(string); ok {
					ev.Tags = append(ev.Tags, n)
				}
			}
		}
	}
	if exs, ok := msg["examples"].([]any); ok {
		for i, x := range exs {
			xm, _ := x.(map[string]any)
			if p, ok := xm["payload"]; ok {
				b, err := json.Marshal(p)
				if err != nil {
					continue
				}
				name, _ := xm["name"].(string)
				if name == "" {
					name = fmt.Sprintf("example %d", i+1)
				}
				summary, _ := xm["summary"].(string)
				ev.Examples = append(ev.Examples, Example{Name: name, Description: summary, Value: b})
			}
		}
	}
	payload, ok := msg["payload"]
	if !ok {
		return Event{}, fmt.Errorf("%w: message %q has no payload", ErrInvalidAsyncAPI, key)
	}
	t, text, err := payloadSchema(payload)
	if err != nil {
		return Event{}, fmt.Errorf("%w: message %q: %v", ErrInvalidAsyncAPI, key, err)
	}
	if _, err := s.cfg.Registry.Register(ctx, ev.Subject, t, text); err != nil {
		return Event{}, fmt.Errorf("register the payload of message %q under %s: %w", key, ev.Subject, err)
	}
	res.Schemas++
	return ev, nil
}

// payloadSchema reads a payload: a Multi Format Schema Object or a plain schema.
func payloadSchema(p any) (compat.SchemaType, string, error) {
	m, ok := p.(map[string]any)
	if !ok {
		return 0, "", errors.New("payload must be an object")
	}
	format, hasFormat := m["schemaFormat"].(string)
	schema, hasSchema := m["schema"]
	if !hasFormat || !hasSchema {
		// A plain AsyncAPI (JSON) schema.
		b, err := json.Marshal(m)
		return compat.JSON, string(b), err
	}
	t, ok := schemaTypeOfFormat(format)
	if !ok {
		return 0, "", fmt.Errorf("schemaFormat %q is not supported: use JSON Schema, Avro or Protobuf", format)
	}
	if str, ok := schema.(string); ok {
		return t, str, nil
	}
	b, err := json.Marshal(schema)
	return t, string(b), err
}

// resolve follows a local {$ref: "#/..."} (or returns the object itself) and
// returns the target with the last key of its path.
func resolve(root map[string]any, obj map[string]any) (map[string]any, string, error) {
	for range 8 {
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, "", nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, "", fmt.Errorf("only local references are supported, not %q", ref)
		}
		var cur any = root
		parts := strings.Split(ref[2:], "/")
		for _, part := range parts {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, "", fmt.Errorf("reference %q does not resolve", ref)
			}
			cur, ok = m[part]
			if !ok {
				return nil, "", fmt.Errorf("reference %q does not resolve", ref)
			}
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("reference %q is not an object", ref)
		}
		if _, more := next["$ref"]; !more {
			return next, parts[len(parts)-1], nil
		}
		obj = next
	}
	return nil, "", errors.New("references nest too deeply")
}
