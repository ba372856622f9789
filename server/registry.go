package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

// This file holds what the Confluent-compatible resources share: the JSON
// entities, their conversions from and to registry types, and request parsing.

// registerRegistryRoutes registers the Confluent-compatible API.
func (s *Server) registerRegistryRoutes() {
	s.registerOperations(subjectOperations)
	s.registerOperations(schemaOperations)
	s.registerOperations(compatibilityOperations)
	s.registerOperations(configOperations)
	s.registerOperations(modeOperations)
	s.registerOperations(contextOperations)
	s.registerOperations(metadataOperations)
}

// tagRegistry groups the Confluent-compatible operations in the spec.
const tagRegistry = "Schema registry (Confluent-compatible)"

// referenceJSON is a schema reference: {"name","subject","version"}.
type referenceJSON struct {
	Name    string `json:"name" required:"true" description:"Import path (Protobuf), $ref URI (JSON Schema) or full name (Avro)."`
	Subject string `json:"subject" required:"true"`
	Version int    `json:"version" required:"true" description:"-1 means the latest version at registration time."`
}

// registerSchemaRequest is the body of register, lookup and the compatibility
// endpoints (Confluent's RegisterSchemaRequest). Unknown fields are ignored.
type registerSchemaRequest struct {
	Schema     string          `json:"schema" description:"Schema text. Empty registers a copy of the latest version (metadata-only update)."`
	SchemaType string          `json:"schemaType,omitempty" enum:"AVRO,JSON,PROTOBUF" description:"Defaults to AVRO."`
	References []referenceJSON `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	ID         int             `json:"id,omitempty" description:"Schema id to use (IMPORT mode)."`
	Version    int             `json:"version,omitempty" description:"Version to use (IMPORT mode, or the next version)."`
}

// schemaResponse is one subject version (Confluent's Schema entity).
type schemaResponse struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	GUID       string          `json:"guid,omitempty"`
	SchemaType string          `json:"schemaType"`
	References []referenceJSON `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	TS         int64           `json:"ts,omitempty" description:"Registration time, milliseconds since the Unix epoch."`
	Deleted    bool            `json:"deleted"`
}

// schemaStringResponse is a schema by id or guid (Confluent's SchemaString).
// Subject, Version, TS and Deleted appear only when ?subject= was given, MaxID
// only with ?fetchMaxId=true.
type schemaStringResponse struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType"`
	References []referenceJSON `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	MaxID      int             `json:"maxId,omitempty" description:"Highest id in the context, with ?fetchMaxId=true."`
	Subject    string          `json:"subject,omitempty"`
	Version    int             `json:"version,omitempty"`
	TS         int64           `json:"ts,omitempty"`
	Deleted    *bool           `json:"deleted,omitempty"`
}

// registerSchemaResponse answers a registration: the id clients rely on, plus
// the stored version as Confluent 7.5+ echoes it.
type registerSchemaResponse struct {
	ID         int             `json:"id"`
	Version    int             `json:"version,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []referenceJSON `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema,omitempty"`
}

// subjectVersionJSON is {"subject","version"}.
type subjectVersionJSON struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// violationJSON is one structured compatibility violation.
type violationJSON struct {
	Rule      string `json:"rule" description:"Stable UPPER_SNAKE rule id."`
	Path      string `json:"path" description:"Where in the schema the change is."`
	Message   string `json:"message"`
	Direction string `json:"direction,omitempty" enum:"backward,forward" description:"backward: the new schema cannot read old data; forward: old schemas cannot read new data."`
	Version   int    `json:"version,omitempty" description:"The registered version compared against."`
}

// toReferences converts registry references to their JSON form.
func toReferences(refs []registry.Reference) []referenceJSON {
	if len(refs) == 0 {
		return nil
	}
	out := make([]referenceJSON, len(refs))
	for i, r := range refs {
		out[i] = referenceJSON{Name: r.Name, Subject: r.Subject, Version: r.Version}
	}
	return out
}

// fromReferences converts JSON references to registry references.
func fromReferences(refs []referenceJSON) []registry.Reference {
	if len(refs) == 0 {
		return nil
	}
	out := make([]registry.Reference, len(refs))
	for i, r := range refs {
		out[i] = registry.Reference{Name: r.Name, Subject: r.Subject, Version: r.Version}
	}
	return out
}

// rawOrNil drops JSON null, so it is omitted on output as Confluent omits it.
func rawOrNil(m json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(m)
	if len(t) == 0 || string(t) == "null" {
		return nil
	}
	return m
}

// millis is t as Unix milliseconds, zero for the zero time.
func millis(s registry.Schema) int64 {
	if s.CreatedAt.IsZero() {
		return 0
	}
	return s.CreatedAt.UnixMilli()
}

// toSchemaResponse converts a subject version to Confluent's Schema entity.
func toSchemaResponse(s registry.Schema) schemaResponse {
	return schemaResponse{
		Subject:    s.Subject,
		Version:    s.Version,
		ID:         s.ID,
		GUID:       s.GUID,
		SchemaType: s.Type.String(),
		References: toReferences(s.References),
		Metadata:   rawOrNil(s.Metadata),
		RuleSet:    rawOrNil(s.RuleSet),
		Schema:     s.Text,
		TS:         millis(s),
		Deleted:    s.Deleted,
	}
}

// toSchemaStringResponse converts a schema by id to Confluent's SchemaString;
// withSubject adds the subject version fields (the request named a subject).
func toSchemaStringResponse(s registry.Schema, withSubject bool) schemaStringResponse {
	r := schemaStringResponse{
		Schema:     s.Text,
		SchemaType: s.Type.String(),
		References: toReferences(s.References),
		Metadata:   rawOrNil(s.Metadata),
		RuleSet:    rawOrNil(s.RuleSet),
		GUID:       s.GUID,
	}
	if withSubject && s.Subject != "" {
		deleted := s.Deleted
		r.Subject, r.Version, r.TS, r.Deleted = s.Subject, s.Version, millis(s), &deleted
	}
	return r
}

// toRegisterSchemaResponse converts a registered version to the register answer.
func toRegisterSchemaResponse(s registry.Schema) registerSchemaResponse {
	return registerSchemaResponse{
		ID:         s.ID,
		Version:    s.Version,
		GUID:       s.GUID,
		SchemaType: s.Type.String(),
		References: toReferences(s.References),
		Metadata:   rawOrNil(s.Metadata),
		RuleSet:    rawOrNil(s.RuleSet),
		Schema:     s.Text,
	}
}

// toViolations converts compat violations to their JSON form.
func toViolations(vs []compat.Violation) []violationJSON {
	out := make([]violationJSON, len(vs))
	for i, v := range vs {
		out[i] = violationJSON{Rule: v.Rule, Path: v.Path, Message: v.Message, Direction: v.Direction.String(), Version: v.Version}
	}
	return out
}

// parseSchemaType parses the schemaType field; unknown types are 42201 with
// Confluent's message.
func parseSchemaType(t string) (compat.SchemaType, error) {
	st, err := compat.ParseSchemaType(t)
	if err != nil {
		return 0, errInvalidSchema.with("Invalid schema type " + t)
	}
	return st, nil
}

// checkJavaInt refuses a number that does not fit a Java int, 422 with
// error_code 422, as Confluent's JSON binding (Jackson) refuses one in its
// Integer fields (ids, versions). Go's int would take it, and an id or version
// above 2^31-1 cannot be carried by the wire format or read back by a client.
func checkJavaInt(field string, v int) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return errUnprocessable.with(fmt.Sprintf("Unprocessable entity: Numeric value (%d) out of range of int (field %q): schema ids and versions go up to %d", v, field, math.MaxInt32))
	}
	return nil
}

// toRegisterRequest converts a request body for subject into a registry request.
func toRegisterRequest(subject string, body registerSchemaRequest, normalize bool) (registry.RegisterRequest, error) {
	st, err := parseSchemaType(body.SchemaType)
	if err != nil {
		return registry.RegisterRequest{}, err
	}
	if err := checkJavaInt("id", body.ID); err != nil {
		return registry.RegisterRequest{}, err
	}
	if err := checkJavaInt("version", body.Version); err != nil {
		return registry.RegisterRequest{}, err
	}
	for _, r := range body.References {
		if err := checkJavaInt("version", r.Version); err != nil {
			return registry.RegisterRequest{}, err
		}
	}
	return registry.RegisterRequest{
		Subject:    subject,
		Type:       st,
		Text:       body.Schema,
		References: fromReferences(body.References),
		Metadata:   rawOrNil(body.Metadata),
		RuleSet:    rawOrNil(body.RuleSet),
		ID:         body.ID,
		Version:    body.Version,
		Normalize:  normalize,
	}, nil
}

// decodeBody reads the request body as JSON into v. Unknown fields are ignored;
// malformed JSON is 400/400, a value of the wrong type 422/422 (as Confluent's
// Jackson mappers answer), an empty body 422/422.
func decodeBody(c *gin.Context, v any) error {
	if c.Request.Body == nil {
		return errUnprocessable.with("Request body is required")
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // *http.MaxBytesError becomes 413
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errUnprocessable.with("Request body is required")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errUnprocessable.with("Unprocessable entity: " + err.Error())
		}
		return errBadRequest.with("Malformed JSON: " + err.Error())
	}
	return nil
}

// queryBool reads a boolean query parameter: "true" in any case is true,
// anything else (or absence) false, as Jersey parses booleans.
func queryBool(c *gin.Context, name string) bool {
	return strings.EqualFold(c.Query(name), "true")
}

// queryInt reads an integer query parameter, def when absent.
func queryInt(c *gin.Context, name string, def int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errBadRequest.with("Invalid value for query parameter " + name + ": " + strconv.Quote(v))
	}
	return n, nil
}

// pageParams are the offset/limit query parameters shared by listings.
type pageParams struct {
	Offset int `query:"offset" description:"Entries to skip. Default 0."`
	Limit  int `query:"limit" description:"Entries to return; -1 (default) means all."`
}

// readPage fills pageParams from the query.
func readPage(c *gin.Context) (pageParams, error) {
	off, err := queryInt(c, "offset", 0)
	if err != nil {
		return pageParams{}, err
	}
	lim, err := queryInt(c, "limit", -1)
	if err != nil {
		return pageParams{}, err
	}
	return pageParams{Offset: off, Limit: lim}, nil
}

// pathVersion parses the {version} path segment (42202 when invalid).
func pathVersion(c *gin.Context) (int, error) {
	return registry.ParseVersion(c.Param("version"))
}
