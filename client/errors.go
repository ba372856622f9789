package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/heraldhq/herald/compat"
)

// APIError is a refusal from the server: an HTTP status outside 2xx with the body
// {"error_code", "message", "details"}.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the body's error_code, such as 40401 (subject not found) or 42222
	// (events break the topic's contract). It is 50005 when the body could not be
	// read, as the Java and franz-go clients do.
	Code int
	// Message is the server's explanation.
	Message string
	// Details are the /v1 endpoints' extra facts, such as one entry per problem of
	// a refused publish; see EventProblems. Nil when the server sent none.
	Details json.RawMessage
	// Violations explain an incompatible schema (HTTP 409), one per rule broken.
	Violations []compat.Violation
}

// Error returns the message with the status and code.
func (e *APIError) Error() string {
	return fmt.Sprintf("herald: %d %d: %s", e.Status, e.Code, e.Message)
}

// EventProblem is one reason the broker refused one event of a publish.
type EventProblem struct {
	// Index is the event's 0-based position in the publish.
	Index int `json:"index"`
	// Field is "value" or "key"; empty for a body that could not be read.
	Field string `json:"field"`
	// Path is a JSON Pointer inside the field.
	Path string `json:"path"`
	// Message says what was expected.
	Message string `json:"message"`
}

// EventProblems decodes Details as the per-event problems of a refused publish
// (error codes 42222, 41301 and 40001). It is nil for other errors.
func (e *APIError) EventProblems() []EventProblem {
	var out []EventProblem
	if len(e.Details) == 0 || json.Unmarshal(e.Details, &out) != nil {
		return nil
	}
	return out
}

// errorBody is every error response of the server.
type errorBody struct {
	ErrorCode  int                `json:"error_code"`
	Message    string             `json:"message"`
	Details    json.RawMessage    `json:"details"`
	Violations []compat.Violation `json:"violations"`
}

// readAPIError builds an *APIError from a non-2xx response.
func readAPIError(resp *http.Response, method, path string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Status: resp.StatusCode}
	var body errorBody
	if err := json.Unmarshal(b, &body); err != nil || body.ErrorCode == 0 {
		e.Code = 50005
		e.Message = fmt.Sprintf("%s %s: %s", method, path, http.StatusText(resp.StatusCode))
		return e
	}
	e.Code, e.Message, e.Violations = body.ErrorCode, body.Message, body.Violations
	if len(body.Details) > 0 && string(body.Details) != "null" {
		e.Details = body.Details
	}
	return e
}

// apiError returns err's *APIError, if any.
func apiError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsNotFound reports whether err is a 404 from the server: an unknown subject,
// version, schema id or topic.
func IsNotFound(err error) bool {
	e := apiError(err)
	return e != nil && e.Status == http.StatusNotFound
}

// IsIncompatible reports whether err refuses a schema as incompatible with the
// subject's earlier versions (HTTP 409, error code 409 or 40901).
func IsIncompatible(err error) bool {
	e := apiError(err)
	return e != nil && e.Status == http.StatusConflict && (e.Code == 409 || e.Code == 40901)
}

// IsInvalidSchema reports whether err refuses a schema that cannot be parsed or
// has an unknown type (error code 42201).
func IsInvalidSchema(err error) bool {
	e := apiError(err)
	return e != nil && e.Code == 42201
}

// IsInvalidEvent reports whether err is the broker refusing events that break
// the topic's contract (error code 42222), or a local *compat.InvalidPayloadError.
func IsInvalidEvent(err error) bool {
	var ip *compat.InvalidPayloadError
	if errors.As(err, &ip) {
		return true
	}
	e := apiError(err)
	return e != nil && e.Code == 42222
}
