package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/auth"
)

// schemaOperations are the /schemas routes.
var schemaOperations = document(
	operation{Method: http.MethodGet, Path: "/schemas", ID: "listSchemas", Summary: "List subject versions",
		Tags: []string{tagRegistry}, Params: listSchemasParams{},
		Responses: []response{{Body: []schemaResponse{}}},
		Errors:    []*errorRow{errBadRequest},
		handler:   (*Server).listSchemas},
	operation{Method: http.MethodGet, Path: "/schemas/ids/{id}", ID: "getSchemaByID", Summary: "Get a schema by id (the deserializer hot path)",
		Tags: []string{tagRegistry}, Params: schemaByIDParams{},
		Responses: []response{{Body: schemaStringResponse{}}},
		Errors:    []*errorRow{errSchemaNotFound},
		handler:   (*Server).getSchemaByID},
	operation{Method: http.MethodGet, Path: "/schemas/ids/{id}/schema", ID: "getSchemaTextByID", Summary: "Get the raw schema text by id",
		Tags: []string{tagRegistry}, Params: schemaByIDParams{},
		Responses: []response{{Body: "", Description: "The schema text itself, not JSON-quoted."}},
		Errors:    []*errorRow{errSchemaNotFound},
		handler:   (*Server).getSchemaTextByID},
	operation{Method: http.MethodGet, Path: "/schemas/ids/{id}/subjects", ID: "getSubjectsByID", Summary: "List the subjects holding a schema id",
		Tags: []string{tagRegistry}, Params: idUsageParams{},
		Responses: []response{{Body: []string{}}},
		Errors:    []*errorRow{errBadRequest, errSchemaNotFound},
		handler:   (*Server).getSubjectsByID},
	operation{Method: http.MethodGet, Path: "/schemas/ids/{id}/versions", ID: "getVersionsByID", Summary: "List the subject versions holding a schema id",
		Tags: []string{tagRegistry}, Params: idUsageParams{},
		Responses: []response{{Body: []subjectVersionJSON{}}},
		Errors:    []*errorRow{errBadRequest, errSchemaNotFound},
		handler:   (*Server).getVersionsByID},
	operation{Method: http.MethodGet, Path: "/schemas/guids/{guid}", ID: "getSchemaByGUID", Summary: "Get a schema by GUID",
		Tags: []string{tagRegistry}, Params: guidParams{},
		Responses: []response{{Body: schemaStringResponse{}}},
		Errors:    []*errorRow{errSchemaNotFound},
		handler:   (*Server).getSchemaByGUID},
	operation{Method: http.MethodGet, Path: "/schemas/guids/{guid}/ids", ID: "getIDsByGUID", Summary: "List the context ids of a schema GUID",
		Tags: []string{tagRegistry}, Params: guidParams{},
		Responses: []response{{Body: []contextIDJSON{}}},
		Errors:    []*errorRow{errSchemaNotFound},
		handler:   (*Server).getIDsByGUID},
	operation{Method: http.MethodGet, Path: "/schemas/types", ID: "listSchemaTypes", Summary: "List the supported schema types",
		Tags:      []string{tagRegistry},
		Responses: []response{{Body: []string{}}},
		handler:   (*Server).listSchemaTypes},
)

// listSchemasParams are the parameters of GET /schemas.
type listSchemasParams struct {
	SubjectPrefix string `query:"subjectPrefix" description:"Qualified subject prefix; empty or :*: means every context."`
	Deleted       bool   `query:"deleted" description:"Include soft-deleted versions."`
	LatestOnly    bool   `query:"latestOnly" description:"Only the latest version of each subject."`
	pageParams
}

// listSchemas serves GET /schemas.
func (s *Server) listSchemas(c *gin.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	p := listSchemasParams{SubjectPrefix: c.Query("subjectPrefix"), Deleted: queryBool(c, "deleted"), LatestOnly: queryBool(c, "latestOnly"), pageParams: pg}
	opts := registry.ListOptions{Prefix: p.SubjectPrefix, Deleted: p.Deleted, LatestOnly: p.LatestOnly, Offset: p.Offset, Limit: p.Limit}
	filter := !s.readsEverySubject(c)
	if filter {
		opts.Offset, opts.Limit = 0, -1
	}
	list, err := s.cfg.Registry.Schemas(c.Request.Context(), opts)
	if err != nil {
		return err
	}
	if filter {
		kept := list[:0]
		for _, sch := range list {
			if s.mayRead(c, auth.ReadSubject, auth.Resource{Subject: sch.Subject}) {
				kept = append(kept, sch)
			}
		}
		list = pageOf(kept, p.Offset, p.Limit)
	}
	// Every schema's text may be a large answer: it is written as it is
	// encoded.
	return writeJSONArray(c, len(list), func(i int) any { return toSchemaResponse(list[i]) })
}

// schemaByIDParams are the parameters of GET /schemas/ids/{id}[/schema].
type schemaByIDParams struct {
	ID         int    `path:"id"`
	Subject    string `query:"subject" description:"Resolve the id in this subject's context, and report the subject version."`
	FetchMaxID bool   `query:"fetchMaxId" description:"Also report the highest id in the context (maxId)."`
}

// readSchemaByIDParams fills schemaByIDParams; an id that is not a number, or
// not one an id can be (1 to registry.MaxID), is simply not found.
func readSchemaByIDParams(c *gin.Context) (schemaByIDParams, error) {
	raw := c.Param("id")
	id, err := strconv.Atoi(raw)
	if err != nil || id < 1 || id > registry.MaxID {
		return schemaByIDParams{}, &registry.Error{Kind: registry.ErrSchemaNotFound, Msg: "Schema " + raw + " not found"}
	}
	p := schemaByIDParams{ID: id}
	if c.Request.URL.RawQuery != "" { // gin parses the query into a new map on first use
		p.Subject, p.FetchMaxID = c.Query("subject"), queryBool(c, "fetchMaxId")
	}
	return p, nil
}

// getSchemaByID serves GET /schemas/ids/{id}: the deserializer hot path. Unless
// maxId is asked for, it answers from pre-encoded bytes with a strong ETag, and
// 304 to an If-None-Match naming it.
func (s *Server) getSchemaByID(c *gin.Context) error {
	p, err := readSchemaByIDParams(c)
	if err != nil {
		return err
	}
	sch, err := s.cfg.Registry.SchemaByID(c.Request.Context(), p.ID, p.Subject)
	if err != nil {
		return err
	}
	if !p.FetchMaxID {
		// The answer changes only with the schema: encoded once, with an ETag.
		kind := kindSchemaByID
		if p.Subject != "" {
			kind = kindSchemaBySubjID
		}
		return s.writeImmutable(c, kind, p.Subject, p.ID, sch)
	}
	out := toSchemaStringResponse(sch, p.Subject != "")
	if out.MaxID, err = s.cfg.Registry.MaxID(c.Request.Context(), p.Subject); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// getSchemaTextByID serves GET /schemas/ids/{id}/schema, as getSchemaByID.
func (s *Server) getSchemaTextByID(c *gin.Context) error {
	p, err := readSchemaByIDParams(c)
	if err != nil {
		return err
	}
	sch, err := s.cfg.Registry.SchemaByID(c.Request.Context(), p.ID, p.Subject)
	if err != nil {
		return err
	}
	return s.writeImmutable(c, kindSchemaText, p.Subject, p.ID, sch)
}

// idUsageParams are the parameters of GET /schemas/ids/{id}/subjects|versions.
type idUsageParams struct {
	ID      int    `path:"id"`
	Subject string `query:"subject" description:"Resolve the id in this subject's context."`
	Deleted bool   `query:"deleted" description:"Include soft-deleted versions."`
	pageParams
}

// readIDUsage fills idUsageParams from the path and query.
func readIDUsage(c *gin.Context) (idUsageParams, error) {
	pg, err := readPage(c)
	if err != nil {
		return idUsageParams{}, err
	}
	bp, err := readSchemaByIDParams(c)
	if err != nil {
		return idUsageParams{}, err
	}
	return idUsageParams{ID: bp.ID, Subject: bp.Subject, Deleted: queryBool(c, "deleted"), pageParams: pg}, nil
}

// listOptions is the registry listing the parameters ask for.
func (p idUsageParams) listOptions() registry.ListOptions {
	return registry.ListOptions{Deleted: p.Deleted, Offset: p.Offset, Limit: p.Limit}
}

// getSubjectsByID serves GET /schemas/ids/{id}/subjects.
func (s *Server) getSubjectsByID(c *gin.Context) error {
	p, err := readIDUsage(c)
	if err != nil {
		return err
	}
	subjects, err := s.cfg.Registry.SubjectsByID(c.Request.Context(), p.ID, p.Subject, p.listOptions())
	if err != nil {
		return err
	}
	if !s.readsEverySubject(c) {
		subjects = s.readableSubjects(c, subjects)
	}
	return writeJSON(c, http.StatusOK, nonNil(subjects))
}

// getVersionsByID serves GET /schemas/ids/{id}/versions.
func (s *Server) getVersionsByID(c *gin.Context) error {
	p, err := readIDUsage(c)
	if err != nil {
		return err
	}
	svs, err := s.cfg.Registry.SubjectVersionsByID(c.Request.Context(), p.ID, p.Subject, p.listOptions())
	if err != nil {
		return err
	}
	out := make([]subjectVersionJSON, 0, len(svs))
	for _, sv := range svs {
		if s.mayRead(c, auth.ReadSubject, auth.Resource{Subject: sv.Subject}) {
			out = append(out, subjectVersionJSON{Subject: sv.Subject, Version: sv.Version})
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// guidParams are the parameters of the /schemas/guids routes.
type guidParams struct {
	GUID string `path:"guid"`
}

// getSchemaByGUID serves GET /schemas/guids/{guid}.
func (s *Server) getSchemaByGUID(c *gin.Context) error {
	p := guidParams{GUID: c.Param("guid")}
	return answer(c, toGUIDSchemaResponse)(s.cfg.Registry.SchemaByGUID(c.Request.Context(), p.GUID))
}

// toGUIDSchemaResponse is a schema found by GUID: no subject fields.
func toGUIDSchemaResponse(sch registry.Schema) schemaStringResponse {
	return toSchemaStringResponse(sch, false)
}

// contextIDJSON is {"context","id"}: where a GUID lives.
type contextIDJSON struct {
	Context string `json:"context"`
	ID      int    `json:"id"`
}

// getIDsByGUID serves GET /schemas/guids/{guid}/ids.
func (s *Server) getIDsByGUID(c *gin.Context) error {
	p := guidParams{GUID: c.Param("guid")}
	return answer(c, toContextIDs)(s.cfg.Registry.IDsByGUID(c.Request.Context(), p.GUID))
}

// toContextIDs converts the places of a GUID to their JSON form.
func toContextIDs(ids []registry.ContextID) []contextIDJSON {
	out := make([]contextIDJSON, len(ids))
	for i, id := range ids {
		out[i] = contextIDJSON{Context: id.Context, ID: id.ID}
	}
	return out
}

// listSchemaTypes serves GET /schemas/types.
func (s *Server) listSchemaTypes(c *gin.Context) error {
	types := s.cfg.Registry.Types()
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.String()
	}
	return writeJSON(c, http.StatusOK, out)
}
