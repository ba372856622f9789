package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/heraldhq/herald/catalog"
)

// operation describes one HTTP operation for the OpenAPI spec and, when handler
// is set, also wires it into the engine (registerOperations), so the route and
// its documentation cannot drift apart. Route files declare their operations in
// a package-level variable through document, and their register…Routes passes
// that variable to registerOperations (conditionally, for the broker and the
// catalog); a route registered any other way has no documentation, which
// TestOpenAPIDescribesEveryRoute catches:
//
//	var topicOperations = document(operation{Method: http.MethodPost,
//		Path: "/v1/topics/{topic}/events", ID: "publishEvents", Summary: "…",
//		Params: publishParams{}, Body: envelopeJSON{},
//		Responses: []response{{Body: publishJSON{}}},
//		Errors: []*errorRow{errInvalidBody, errTopicNotFound},
//		Errors: []*errorRow{errTopicNotFound, errEventTooLarge, errInvalidEvent, errDraining}, handler: (*Server).publishEvents})
//
// Then `go test ./server/ -run TestOpenAPIGolden -update` refreshes
// testdata/openapi.json.
type operation struct {
	// Method is the HTTP method; Path the OpenAPI path ("/subjects/{subject}").
	Method, Path string
	// ID is the unique operationId; Summary one line for people.
	ID, Summary string
	// Description is longer text; optional.
	Description string
	// Tags group operations in the rendered docs.
	Tags []string
	// Params is a struct whose `path`, `query` and `header` tagged fields are
	// the operation's parameters: the struct the handler fills, or (broker
	// routes, which parse as they read) one naming what it reads. Nil: none.
	Params any
	// Body is the JSON request body struct the handler decodes. Nil: none.
	Body any
	// BodyTypes lists the other request content types the handler takes, each
	// documented as text (a YAML file, a CloudEvent, wire-format bytes); the
	// Description says how they are read.
	BodyTypes []string
	// Responses lists the success responses.
	Responses []response
	// Errors lists the rows of the error catalogue (errcatalog.go) the
	// handler answers, beyond those every operation of its kind can answer
	// (implicitRows). The spec's error responses are built from them, and
	// TestMain fails when a handler answers a row its operation does not list.
	Errors []*errorRow

	handler func(*Server, *gin.Context) error
}

// response describes one success response.
type response struct {
	// Status is the HTTP status; zero means 200.
	Status int
	// Body is a value of the response type (nil: no body).
	Body any
	// ContentType overrides the API's default response type.
	ContentType string
	// Description says what the response is.
	Description string
}

var (
	// operationsMu protects operations.
	operationsMu sync.Mutex
	// operations is every documented operation, in declaration order.
	operations []operation
)

// document adds operations to the OpenAPI spec and returns them, so a route file
// can keep them in a variable for registerOperations.
func document(ops ...operation) []operation {
	operationsMu.Lock()
	defer operationsMu.Unlock()
	operations = append(operations, ops...)
	return ops
}

// registerOperations wires every operation that has a handler into the engine.
func (s *Server) registerOperations(ops []operation) {
	for _, op := range ops {
		if op.handler == nil {
			continue
		}
		h := op.handler
		s.handleRoute(op.Method, ginPath(op.Path), s.handle(func(c *gin.Context) error { return h(s, c) }))
	}
}

// ginPath turns an OpenAPI path template into a gin pattern: {x} → :x.
func ginPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '{':
			b.WriteByte(':')
		case '}':
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// schemaStandIns document the types whose JSON is not their Go shape (they
// implement json.Marshaler) with a struct of the shape they write.
var schemaStandIns = []struct{ typ, standIn any }{
	{catalog.Step{}, flowStepJSON{}},
}

// apiVersion is the version of the HTTP API the spec describes (not the build).
const apiVersion = "1.0.0"

// OpenAPI returns the OpenAPI 3.1 document of every documented operation,
// reflected from the request and response structs the handlers use.
func OpenAPI() ([]byte, error) {
	operationsMu.Lock()
	ops := append([]operation(nil), operations...)
	operationsMu.Unlock()
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})

	r := openapi31.NewReflector()
	// Component names come from the Go types: drop the package prefix and the
	// JSON suffix some types carry to tell them from domain types.
	r.JSONSchemaReflector().DefaultOptions = append(r.JSONSchemaReflector().DefaultOptions,
		jsonschema.InterceptDefName(func(_ reflect.Type, name string) string {
			return strings.TrimSuffix(strings.TrimPrefix(name, "Server"), "JSON")
		}))
	for _, m := range schemaStandIns {
		r.JSONSchemaReflector().AddTypeMapping(m.typ, m.standIn)
	}
	r.Spec.Info.WithTitle("Herald").WithVersion(apiVersion).
		WithDescription("Event catalog, Confluent-compatible schema registry and validating broker.")
	for _, op := range ops {
		oc, err := r.NewOperationContext(op.Method, op.Path)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", op.Method, op.Path, err)
		}
		oc.SetID(op.ID)
		oc.SetSummary(op.Summary)
		if op.Description != "" {
			oc.SetDescription(op.Description)
		}
		oc.SetTags(op.Tags...)
		if op.Params != nil {
			oc.AddReqStructure(op.Params)
		}
		if op.Body != nil {
			oc.AddReqStructure(op.Body)
		}
		for _, bt := range op.BodyTypes {
			opts := []openapi.ContentOption{openapi.WithContentType(bt)}
			if bt == "application/octet-stream" {
				opts = append(opts, func(cu *openapi.ContentUnit) { cu.Format = "binary" })
			}
			oc.AddReqStructure(nil, opts...)
		}
		ct := contentTypeFor(op.Path)
		for _, resp := range op.Responses {
			opts := []openapi.ContentOption{openapi.WithHTTPStatus(statusOr200(resp.Status))}
			if resp.Body != nil {
				rct := ct
				if resp.ContentType != "" {
					rct = resp.ContentType
				}
				opts = append(opts, openapi.WithContentType(rct))
			}
			if resp.Description != "" {
				d := resp.Description
				opts = append(opts, func(cu *openapi.ContentUnit) { cu.Description = d })
			}
			oc.AddRespStructure(resp.Body, opts...)
		}
		for _, st := range errorResponses(op) {
			d := st.description
			oc.AddRespStructure(errorBody{}, openapi.WithHTTPStatus(st.status), openapi.WithContentType(ct),
				func(cu *openapi.ContentUnit) { cu.Description = d })
		}
		if err := r.AddOperation(oc); err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", op.Method, op.Path, err)
		}
	}
	return json.MarshalIndent(r.Spec, "", "  ")
}

// errorResponse is one error status of an operation and the codes it carries.
type errorResponse struct {
	status      int
	description string
}

// errorResponses are an operation's error responses, one per status, from the
// rows it declares and those every operation of its kind can answer. Each
// description lists the status's error codes and their default messages. A
// 499 is not documented: nobody receives it.
func errorResponses(op operation) []errorResponse {
	rows := slices.Concat(op.Errors, implicitRows(op.Method, op.Path))
	slices.SortFunc(rows, func(a, b *errorRow) int { return cmp.Or(a.status-b.status, a.code-b.code) })
	rows = slices.Compact(rows)
	var out []errorResponse
	for _, r := range rows {
		if r.status == statusClientClosed {
			continue
		}
		code := strconv.Itoa(r.code)
		if r == errIncompatible {
			code = "409 or 40901 (Config.IncompatibleErrorCode)"
		}
		line := "error_code " + code + ": " + r.message + "."
		if n := len(out); n > 0 && out[n-1].status == r.status {
			out[n-1].description += "\n\n" + line
			continue
		}
		out = append(out, errorResponse{status: r.status, description: line})
	}
	return out
}

func statusOr200(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// getOpenAPI serves GET /openapi.json. The document is built on first use and
// kept: operations are only documented during package initialization.
func (s *Server) getOpenAPI(c *gin.Context) error {
	s.specOnce.Do(func() { s.spec, s.specErr = OpenAPI() })
	if s.specErr != nil {
		return s.specErr
	}
	c.Render(http.StatusOK, rawRender{contentType: "application/json", body: s.spec})
	return nil
}
