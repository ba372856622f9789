package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// tagCompat groups Herald's structured compatibility reports in the spec.
const tagCompat = "Compatibility reports"

// compatibilityOperations are the Confluent /compatibility routes.
var compatibilityOperations = document(
	operation{Method: http.MethodPost, Path: "/compatibility/subjects/{subject}/versions/{version}", ID: "checkCompatibilityWithVersion",
		Summary:     "Check a schema against one version of a subject",
		Description: "Uses the subject's level against that one version (not transitive). latest on a subject without versions is compatible.",
		Tags:        []string{tagRegistry}, Params: compatVersionParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: compatibilityCheckResponse{}}},
		Errors:    []*errorRow{errInvalidSchema, errUnprocessable, errSubjectNotFound, errVersionNotFound, errInvalidSubject, errTooComplex, errInvalidVersion},
		handler:   (*Server).checkCompatibilityWithVersion},
	operation{Method: http.MethodPost, Path: "/compatibility/subjects/{subject}/versions", ID: "checkCompatibility",
		Summary: "Check a schema as registration would, against every version the level compares",
		Tags:    []string{tagRegistry}, Params: compatParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: compatibilityCheckResponse{}}},
		Errors:    []*errorRow{errInvalidSchema, errUnprocessable, errSubjectNotFound, errVersionNotFound, errInvalidSubject, errTooComplex},
		handler:   (*Server).checkCompatibility},
)

// compatReportOperations are Herald's /v1/compat routes.
var compatReportOperations = document(
	operation{Method: http.MethodPost, Path: "/v1/compat/subjects/{subject}", ID: "compatReport",
		Summary: "Structured compatibility report: the schema against what registration would check",
		Tags:    []string{tagCompat}, Params: compatReportParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: compatReportResponse{}}},
		Errors:    []*errorRow{errInvalidSchema, errUnprocessable, errSubjectNotFound, errVersionNotFound, errInvalidSubject, errTooComplex},
		handler:   (*Server).compatReport},
	operation{Method: http.MethodPost, Path: "/v1/compat/subjects/{subject}/versions/{version}", ID: "compatReportWithVersion",
		Summary: "Structured compatibility report: the schema against one version",
		Tags:    []string{tagCompat}, Params: compatReportVersionParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: compatReportResponse{}}},
		Errors:    []*errorRow{errInvalidSchema, errUnprocessable, errSubjectNotFound, errVersionNotFound, errInvalidSubject, errTooComplex, errInvalidVersion},
		handler:   (*Server).compatReportWithVersion},
)

// registerCompatReportRoutes registers /v1/compat.
func (s *Server) registerCompatReportRoutes() {
	s.registerOperations(compatReportOperations)
	s.registerRuleRoutes()
}

// compatibilityCheckResponse is Confluent's {"is_compatible", "messages"};
// messages is present (even empty) only with verbose=true.
type compatibilityCheckResponse struct {
	IsCompatible bool      `json:"is_compatible"`
	Messages     *[]string `json:"messages,omitempty"`
}

// compatParams are the parameters of POST /compatibility/subjects/{subject}/versions.
type compatParams struct {
	Subject   string `path:"subject"`
	Normalize bool   `query:"normalize" description:"Normalize the schema before checking."`
	Verbose   bool   `query:"verbose" description:"Explain incompatibilities in messages."`
}

// compatVersionParams are the parameters of POST /compatibility/subjects/{subject}/versions/{version}.
type compatVersionParams struct {
	Subject   string `path:"subject"`
	Version   string `path:"version" description:"A positive integer, latest, or -1 (latest)."`
	Normalize bool   `query:"normalize" description:"Normalize the schema before checking."`
	Verbose   bool   `query:"verbose" description:"Explain incompatibilities in messages."`
}

// checkCompatibility serves POST /compatibility/subjects/{subject}/versions.
func (s *Server) checkCompatibility(c *gin.Context) error {
	p := compatParams{Subject: c.Param("subject"), Normalize: queryBool(c, "normalize"), Verbose: queryBool(c, "verbose")}
	return s.confluentCheck(c, p.Subject, 0, p.Normalize, p.Verbose)
}

// checkCompatibilityWithVersion serves POST /compatibility/subjects/{subject}/versions/{version}.
func (s *Server) checkCompatibilityWithVersion(c *gin.Context) error {
	p := compatVersionParams{Subject: c.Param("subject"), Version: c.Param("version"), Normalize: queryBool(c, "normalize"), Verbose: queryBool(c, "verbose")}
	v, err := pathVersion(c)
	if err != nil {
		return err
	}
	return s.confluentCheck(c, p.Subject, v, p.Normalize, p.Verbose)
}

// confluentCheck runs a check and answers in Confluent's shape. With verbose an
// invalid schema is reported in messages rather than as a 422, as Confluent does.
func (s *Server) confluentCheck(c *gin.Context, subject string, version int, normalize, verbose bool) error {
	var body registerSchemaRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	res, err := s.check(c, subject, version, body, normalize)
	if err != nil {
		if verbose && isInvalidSchema(err) {
			msgs := []string{err.Error()}
			return writeJSON(c, http.StatusOK, compatibilityCheckResponse{IsCompatible: false, Messages: &msgs})
		}
		return err
	}
	out := compatibilityCheckResponse{IsCompatible: res.Compatible}
	if verbose {
		msgs := nonNil(res.Messages)
		out.Messages = &msgs
	}
	return writeJSON(c, http.StatusOK, out)
}

// isInvalidSchema reports a 42201 error: an unparsable schema or unknown type.
func isInvalidSchema(err error) bool {
	return errors.Is(err, errInvalidSchema) || errors.Is(err, registry.ErrInvalidSchema)
}

// check converts the body and runs the registry's compatibility check.
func (s *Server) check(c *gin.Context, subject string, version int, body registerSchemaRequest, normalize bool) (registry.CompatResult, error) {
	req, err := toRegisterRequest(subject, body, normalize)
	if err != nil {
		return registry.CompatResult{}, err
	}
	return s.cfg.Registry.CheckCompatibility(c.Request.Context(), req, version)
}

// compatReportResponse is Herald's structured compatibility report.
type compatReportResponse struct {
	Compatible bool            `json:"compatible"`
	Level      string          `json:"level" enum:"NONE,BACKWARD,BACKWARD_TRANSITIVE,FORWARD,FORWARD_TRANSITIVE,FULL,FULL_TRANSITIVE"`
	Violations []violationJSON `json:"violations"`
	// Truncated says Violations holds only the first ones found (--max-violations).
	Truncated bool `json:"truncated,omitempty"`
}

// toCompatReportResponse converts a registry check result to the report.
func toCompatReportResponse(r registry.CompatResult) compatReportResponse {
	return compatReportResponse{Compatible: r.Compatible, Level: r.Level.String(), Violations: toViolations(r.Violations), Truncated: r.Truncated}
}

// compatReportParams are the parameters of POST /v1/compat/subjects/{subject}.
type compatReportParams struct {
	Subject   string `path:"subject"`
	Normalize bool   `query:"normalize" description:"Normalize the schema before checking."`
}

// compatReportVersionParams are the parameters of POST /v1/compat/subjects/{subject}/versions/{version}.
type compatReportVersionParams struct {
	Subject   string `path:"subject"`
	Version   string `path:"version" description:"A positive integer, latest, or -1 (latest)."`
	Normalize bool   `query:"normalize" description:"Normalize the schema before checking."`
}

// compatReport serves POST /v1/compat/subjects/{subject}.
func (s *Server) compatReport(c *gin.Context) error {
	p := compatReportParams{Subject: c.Param("subject"), Normalize: queryBool(c, "normalize")}
	var body registerSchemaRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	res, err := s.check(c, p.Subject, 0, body, p.Normalize)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toCompatReportResponse(res))
}

// compatReportWithVersion serves POST /v1/compat/subjects/{subject}/versions/{version}.
func (s *Server) compatReportWithVersion(c *gin.Context) error {
	p := compatReportVersionParams{Subject: c.Param("subject"), Version: c.Param("version"), Normalize: queryBool(c, "normalize")}
	v, err := pathVersion(c)
	if err != nil {
		return err
	}
	var body registerSchemaRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	res, err := s.check(c, p.Subject, v, body, p.Normalize)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toCompatReportResponse(res))
}
