package server

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// subjectOperations are the /subjects routes.
var subjectOperations = document(
	operation{Method: http.MethodGet, Path: "/subjects", ID: "listSubjects", Summary: "List subjects",
		Tags: []string{tagRegistry}, Params: listSubjectsParams{},
		Responses: []response{{Body: []string{}, Description: "Subject names; outside the default context they are qualified (:.ctx:name)."}},
		Errors:    []*errorRow{errBadRequest},
		handler:   (*Server).listSubjects},
	operation{Method: http.MethodGet, Path: "/subjects/{subject}/versions", ID: "listVersions", Summary: "List a subject's versions",
		Tags: []string{tagRegistry}, Params: listVersionsParams{},
		Responses: []response{{Body: []int{}, Description: "Version numbers, ascending."}},
		Errors:    []*errorRow{errBadRequest, errSubjectNotFound},
		handler:   (*Server).listVersions},
	operation{Method: http.MethodPost, Path: "/subjects/{subject}/versions", ID: "registerSchema", Summary: "Register a schema under a subject",
		Description: "Idempotent: a schema already live in the subject returns its id without a new version. An incompatible schema is refused with 409, whose body also carries the structured violations.",
		Tags:        []string{tagRegistry}, Params: registerParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: registerSchemaResponse{}}},
		Errors:    []*errorRow{errSubjectNotFound, errVersionNotFound, errIncompatible, errUnprocessable, errInvalidSchema, errNotPermitted, errInvalidSubject, errSchemaTooLarge, errInvalidRuleSet, errTooComplex},
		handler:   (*Server).registerSchema},
	operation{Method: http.MethodPost, Path: "/subjects/{subject}", ID: "lookupSchema", Summary: "Find the version of a subject that holds a schema",
		Tags: []string{tagRegistry}, Params: lookupParams{}, Body: registerSchemaRequest{},
		Responses: []response{{Body: schemaResponse{}}},
		Errors:    []*errorRow{errSubjectNotFound, errSchemaNotFound, errVersionNotFound, errUnprocessable, errInvalidSchema, errInvalidSubject},
		handler:   (*Server).lookupSchema},
	operation{Method: http.MethodDelete, Path: "/subjects/{subject}", ID: "deleteSubject", Summary: "Delete a subject (soft, or permanently after a soft delete)",
		Tags: []string{tagRegistry}, Params: deleteParams{},
		Responses: []response{{Body: []int{}, Description: "The versions deleted."}},
		Errors:    []*errorRow{errSubjectNotFound, errSubjectSoftDeleted, errSubjectNotSoftDeleted, errNotPermitted, errReferenceExists},
		handler:   (*Server).deleteSubject},
	operation{Method: http.MethodGet, Path: "/subjects/{subject}/versions/{version}", ID: "getVersion", Summary: "Get one subject version",
		Tags: []string{tagRegistry}, Params: versionParams{},
		Responses: []response{{Body: schemaResponse{}}},
		Errors:    []*errorRow{errSubjectNotFound, errVersionNotFound, errInvalidVersion},
		handler:   (*Server).getVersion},
	operation{Method: http.MethodGet, Path: "/subjects/{subject}/versions/{version}/schema", ID: "getVersionSchema", Summary: "Get the raw schema text of a subject version",
		Tags: []string{tagRegistry}, Params: versionParams{},
		Responses: []response{{Body: "", Description: "The schema text itself, not JSON-quoted."}},
		Errors:    []*errorRow{errSubjectNotFound, errVersionNotFound, errInvalidVersion},
		handler:   (*Server).getVersionSchema},
	operation{Method: http.MethodGet, Path: "/subjects/{subject}/versions/{version}/referencedby", ID: "getReferencedBy", Summary: "List the ids of schemas referencing a subject version",
		Tags: []string{tagRegistry}, Params: referencedByParams{},
		Responses: []response{{Body: []int{}}},
		Errors:    []*errorRow{errBadRequest, errSubjectNotFound, errVersionNotFound, errInvalidVersion},
		handler:   (*Server).getReferencedBy},
	operation{Method: http.MethodDelete, Path: "/subjects/{subject}/versions/{version}", ID: "deleteVersion", Summary: "Delete one subject version (soft, or permanently after a soft delete)",
		Tags: []string{tagRegistry}, Params: deleteVersionParams{},
		Responses: []response{{Body: 0, Description: "The version deleted."}},
		Errors:    []*errorRow{errSubjectNotFound, errVersionNotFound, errVersionSoftDeleted, errVersionNotSoftDeleted, errInvalidVersion, errNotPermitted, errReferenceExists},
		handler:   (*Server).deleteVersion},
	operation{Method: http.MethodGet, Path: "/subjects/{subject}/metadata", ID: "getLatestWithMetadata", Summary: "Get the latest version whose metadata properties match",
		Tags: []string{tagRegistry}, Params: metadataParams{},
		Responses: []response{{Body: schemaResponse{}}},
		Errors:    []*errorRow{errBadRequest, errSubjectNotFound, errSchemaNotFound},
		handler:   (*Server).getLatestWithMetadata},
	operation{Method: http.MethodPost, Path: "/subjects/{subject}/versions/{version}/tags", ID: "tagVersion",
		Summary:     "Change a version's data contract (metadata, rules) as a new version",
		Description: "Registers a new version with the same schema and the changed metadata or rule set; it goes through the same checks as a registration.",
		Tags:        []string{tagRegistry}, Params: tagParams{}, Body: tagSchemaRequest{},
		Responses: []response{{Body: registerSchemaResponse{}}},
		Errors:    []*errorRow{errSubjectNotFound, errVersionNotFound, errIncompatible, errUnprocessable, errInvalidSchema, errInvalidVersion, errNotPermitted, errInvalidSubject},
		handler:   (*Server).tagVersion},
)

// listSubjectsParams are the parameters of GET /subjects.
type listSubjectsParams struct {
	SubjectPrefix string `query:"subjectPrefix" description:"Qualified subject prefix; :*: (default) means every context."`
	Deleted       bool   `query:"deleted" description:"Include soft-deleted subjects."`
	DeletedOnly   bool   `query:"deletedOnly" description:"Only soft-deleted subjects."`
	pageParams
}

// listSubjects serves GET /subjects.
func (s *Server) listSubjects(c *gin.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	p := listSubjectsParams{SubjectPrefix: subjectPrefix(c), Deleted: queryBool(c, "deleted"), DeletedOnly: queryBool(c, "deletedOnly"), pageParams: pg}
	opts := registry.ListOptions{Prefix: p.SubjectPrefix, Deleted: p.Deleted, DeletedOnly: p.DeletedOnly, Offset: p.Offset, Limit: p.Limit}
	filter := !s.readsEverySubject(c)
	if filter {
		// Page after filtering, so that pages hold only readable subjects.
		opts.Offset, opts.Limit = 0, -1
	}
	subjects, err := s.cfg.Registry.Subjects(c.Request.Context(), opts)
	if err != nil {
		return err
	}
	if filter {
		subjects = pageOf(s.readableSubjects(c, subjects), p.Offset, p.Limit)
	}
	return writeJSON(c, http.StatusOK, nonNil(subjects))
}

// subjectPrefix reads the subjectPrefix query parameter. Absent, it is every
// context; present but empty, it is the default context only, as Confluent
// reads an empty prefix.
func subjectPrefix(c *gin.Context) string {
	p, ok := c.GetQuery("subjectPrefix")
	if ok && p == "" {
		return defaultContextPrefix
	}
	return p
}

// defaultContextPrefix is the qualified prefix of the default context.
const defaultContextPrefix = ":" + registry.DefaultContext + ":"

// listVersionsParams are the parameters of GET /subjects/{subject}/versions.
type listVersionsParams struct {
	Subject           string `path:"subject"`
	Deleted           bool   `query:"deleted" description:"Include soft-deleted versions."`
	DeletedOnly       bool   `query:"deletedOnly" description:"Only soft-deleted versions."`
	DeletedAsNegative bool   `query:"deletedAsNegative" description:"Return soft-deleted versions as negative numbers (implies deleted)."`
	pageParams
}

// listVersions serves GET /subjects/{subject}/versions.
func (s *Server) listVersions(c *gin.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	p := listVersionsParams{Subject: c.Param("subject"), Deleted: queryBool(c, "deleted"), DeletedOnly: queryBool(c, "deletedOnly"),
		DeletedAsNegative: queryBool(c, "deletedAsNegative"), pageParams: pg}
	// deletedOnly lists soft-deleted versions as they are, negative or not.
	opts := registry.ListOptions{Deleted: p.Deleted || p.DeletedAsNegative, DeletedOnly: p.DeletedOnly,
		DeletedAsNegative: p.DeletedAsNegative && !p.DeletedOnly, Offset: p.Offset, Limit: p.Limit}
	return answer(c, nonNil[int])(s.cfg.Registry.Versions(c.Request.Context(), p.Subject, opts))
}

// registerParams are the parameters of POST /subjects/{subject}/versions.
type registerParams struct {
	Subject   string `path:"subject"`
	Normalize bool   `query:"normalize" description:"Normalize the schema before storing and comparing."`
	Force     bool   `query:"force" description:"Skip the compatibility check."`
}

// registerSchema serves POST /subjects/{subject}/versions.
func (s *Server) registerSchema(c *gin.Context) error {
	p := registerParams{Subject: c.Param("subject"), Normalize: queryBool(c, "normalize"), Force: queryBool(c, "force")}
	req, err := readRegisterRequest(c, p.Subject, p.Normalize)
	if err != nil {
		return err
	}
	req.Force = p.Force
	ctx := c.Request.Context()
	if p := principal(c); p != nil {
		ctx = registry.WithPrincipal(ctx, p.Name)
	}
	sch, err := s.cfg.Registry.Register(ctx, req)
	if err != nil {
		return err
	}
	s.setAuditResult(c, auditResult{Version: sch.Version, SchemaID: sch.ID})
	return writeJSON(c, http.StatusOK, toRegisterSchemaResponse(sch))
}

// readRegisterRequest decodes the schema body that registration and lookup
// share into a request for subject.
func readRegisterRequest(c *gin.Context, subject string, normalize bool) (registry.RegisterRequest, error) {
	var body registerSchemaRequest
	if err := decodeBody(c, &body); err != nil {
		return registry.RegisterRequest{}, err
	}
	return toRegisterRequest(subject, body, normalize)
}

// lookupParams are the parameters of POST /subjects/{subject}.
type lookupParams struct {
	Subject   string `path:"subject"`
	Normalize bool   `query:"normalize" description:"Normalize the schema before comparing."`
	Deleted   bool   `query:"deleted" description:"Also match soft-deleted versions."`
}

// lookupSchema serves POST /subjects/{subject}.
func (s *Server) lookupSchema(c *gin.Context) error {
	p := lookupParams{Subject: c.Param("subject"), Normalize: queryBool(c, "normalize"), Deleted: queryBool(c, "deleted")}
	req, err := readRegisterRequest(c, p.Subject, p.Normalize)
	if err != nil {
		return err
	}
	return answer(c, toSchemaResponse)(s.cfg.Registry.Lookup(c.Request.Context(), req, p.Deleted))
}

// deleteParams are the parameters of DELETE /subjects/{subject}.
type deleteParams struct {
	Subject   string `path:"subject"`
	Permanent bool   `query:"permanent" description:"Hard delete (after a soft delete)."`
}

// deleteSubject serves DELETE /subjects/{subject}.
func (s *Server) deleteSubject(c *gin.Context) error {
	p := deleteParams{Subject: c.Param("subject"), Permanent: queryBool(c, "permanent")}
	return answer(c, nonNil[int])(s.cfg.Registry.DeleteSubject(c.Request.Context(), p.Subject, p.Permanent))
}

// versionParams are the parameters of GET /subjects/{subject}/versions/{version}[/schema].
type versionParams struct {
	Subject string `path:"subject"`
	Version string `path:"version" description:"A positive integer, latest, or -1 (latest)."`
	Deleted bool   `query:"deleted" description:"Also find a soft-deleted version."`
}

// readVersionParams fills versionParams and parses the version.
func readVersionParams(c *gin.Context) (versionParams, int, error) {
	p := versionParams{Subject: c.Param("subject"), Version: c.Param("version"), Deleted: queryBool(c, "deleted")}
	v, err := pathVersion(c)
	return p, v, err
}

// getVersion serves GET /subjects/{subject}/versions/{version} from
// pre-encoded bytes with a strong ETag (and 304 to an If-None-Match naming
// it). latest moves, but the encoded answer is reused only while the registry
// returns an equal Schema (see writeImmutable), and the registry serves latest
// from its own cache, so it is as cheap as a numbered version.
func (s *Server) getVersion(c *gin.Context) error {
	return s.serveVersion(c, kindVersion)
}

// getVersionSchema serves GET /subjects/{subject}/versions/{version}/schema,
// as getVersion.
func (s *Server) getVersionSchema(c *gin.Context) error {
	return s.serveVersion(c, kindSchemaText)
}

// serveVersion finds the version the path names and answers it as kind.
func (s *Server) serveVersion(c *gin.Context, kind immutableKind) error {
	p, v, err := readVersionParams(c)
	if err != nil {
		return err
	}
	sch, err := s.cfg.Registry.Version(c.Request.Context(), p.Subject, v, p.Deleted)
	if err != nil {
		return err
	}
	return s.writeImmutable(c, kind, p.Subject, v, sch)
}

// referencedByParams are the parameters of GET …/versions/{version}/referencedby.
type referencedByParams struct {
	Subject string `path:"subject"`
	Version string `path:"version" description:"A positive integer, latest, or -1 (latest)."`
	Deleted bool   `query:"deleted" description:"Include soft-deleted referrers."`
	pageParams
}

// getReferencedBy serves GET /subjects/{subject}/versions/{version}/referencedby.
func (s *Server) getReferencedBy(c *gin.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	p := referencedByParams{Subject: c.Param("subject"), Version: c.Param("version"), Deleted: queryBool(c, "deleted"), pageParams: pg}
	v, err := pathVersion(c)
	if err != nil {
		return err
	}
	return answer(c, nonNil[int])(s.cfg.Registry.ReferencedBy(c.Request.Context(), p.Subject, v, registry.ListOptions{Deleted: p.Deleted, Offset: p.Offset, Limit: p.Limit}))
}

// deleteVersionParams are the parameters of DELETE /subjects/{subject}/versions/{version}.
type deleteVersionParams struct {
	Subject   string `path:"subject"`
	Version   string `path:"version" description:"A positive integer, latest, or -1 (the latest live version)."`
	Permanent bool   `query:"permanent" description:"Hard delete (after a soft delete)."`
}

// deleteVersion serves DELETE /subjects/{subject}/versions/{version}.
func (s *Server) deleteVersion(c *gin.Context) error {
	p := deleteVersionParams{Subject: c.Param("subject"), Version: c.Param("version"), Permanent: queryBool(c, "permanent")}
	v, err := pathVersion(c)
	if err != nil {
		return err
	}
	n, err := s.cfg.Registry.DeleteVersion(c.Request.Context(), p.Subject, v, p.Permanent)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, n)
}

// metadataParams are the parameters of GET /subjects/{subject}/metadata.
type metadataParams struct {
	Subject string   `path:"subject"`
	Key     []string `query:"key" description:"Metadata property names, matched pairwise with value."`
	Value   []string `query:"value" description:"Metadata property values, matched pairwise with key."`
	Deleted bool     `query:"deleted" description:"Also consider soft-deleted versions."`
}

// getLatestWithMetadata serves GET /subjects/{subject}/metadata: the newest
// version whose metadata.properties hold every key=value pair asked for.
func (s *Server) getLatestWithMetadata(c *gin.Context) error {
	p := metadataParams{Subject: c.Param("subject"), Key: c.QueryArray("key"), Value: c.QueryArray("value"), Deleted: queryBool(c, "deleted")}
	if len(p.Key) != len(p.Value) {
		return errBadRequest.with("key and value must be given in pairs")
	}
	props := make(map[string]string, len(p.Key))
	for i, k := range p.Key {
		props[k] = p.Value[i]
	}
	return answer(c, toSchemaResponse)(s.cfg.Registry.LatestWithMetadata(c.Request.Context(), p.Subject, props, p.Deleted))
}

// tagSchemaRequest is the body of POST /subjects/{subject}/versions/{version}/tags
// (Confluent's TagSchemaRequest): a new version with the same schema and a
// changed data contract.
type tagSchemaRequest struct {
	NewVersion    int             `json:"newVersion,omitempty" description:"The version the change must create; checked when set."`
	TagsToAdd     json.RawMessage `json:"tagsToAdd,omitempty" description:"Schema tags to add (not supported yet: refused with 42201)."`
	TagsToRemove  json.RawMessage `json:"tagsToRemove,omitempty" description:"Schema tags to remove (not supported yet: refused with 42201)."`
	Metadata      json.RawMessage `json:"metadata,omitempty" description:"Replaces the version's metadata."`
	RuleSet       json.RawMessage `json:"ruleSet,omitempty" description:"Replaces the version's rule set."`
	RulesToMerge  json.RawMessage `json:"rulesToMerge,omitempty" description:"A rule set whose rules replace (by name) or join the version's."`
	RulesToRemove []string        `json:"rulesToRemove,omitempty" description:"Names of rules to drop."`
}

// tagParams are the parameters of POST /subjects/{subject}/versions/{version}/tags.
type tagParams struct {
	Subject string `path:"subject"`
	Version string `path:"version" description:"A positive integer, latest, or -1 (latest)."`
}

// toTagRequest converts a tag request body to the registry's.
func toTagRequest(b tagSchemaRequest) registry.TagRequest {
	return registry.TagRequest{
		NewVersion:         b.NewVersion,
		Metadata:           rawOrNil(b.Metadata),
		RuleSet:            rawOrNil(b.RuleSet),
		RulesToMerge:       rawOrNil(b.RulesToMerge),
		RulesToRemove:      b.RulesToRemove,
		SchemaTagsToAdd:    rawOrNil(b.TagsToAdd),
		SchemaTagsToRemove: rawOrNil(b.TagsToRemove),
	}
}

// tagVersion serves POST /subjects/{subject}/versions/{version}/tags.
func (s *Server) tagVersion(c *gin.Context) error {
	p := tagParams{Subject: c.Param("subject"), Version: c.Param("version")}
	v, err := pathVersion(c)
	if err != nil {
		return err
	}
	var body tagSchemaRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if err := checkJavaInt("newVersion", body.NewVersion); err != nil {
		return err
	}
	return answer(c, toRegisterSchemaResponse)(s.cfg.Registry.TagVersion(c.Request.Context(), p.Subject, v, toTagRequest(body)))
}

// nonNil returns an empty slice for nil, so listings are written as [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
