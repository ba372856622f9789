package server

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// getServiceAsyncAPI serves GET /v1/catalog/services/{id}/asyncapi.yaml: the
// service as an AsyncAPI 3.0 document, downloaded as a file. ?format=json gives
// JSON. Errors: 404 40460.
func (s *Server) getServiceAsyncAPI(c *gin.Context) error {
	id := c.Param("id")
	if c.Query("format") == "json" {
		b, err := s.cfg.Catalog.AsyncAPIJSON(c.Request.Context(), id)
		if err != nil {
			return err
		}
		c.Data(http.StatusOK, "application/json", b)
		return nil
	}
	b, err := s.cfg.Catalog.AsyncAPI(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+id+`.asyncapi.yaml"`)
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", b)
	return nil
}

// importAsyncAPI serves POST /v1/catalog/import/asyncapi: the body is an AsyncAPI
// 3.0 document (YAML or JSON); its service, events and edges are added to the
// catalog and its payload schemas registered. Errors: 422 42261 (bad document),
// 422 42260 (the result does not validate), registry errors.
func (s *Server) importAsyncAPI(c *gin.Context) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // a body past the limit is 413, one cut short 400 (40001)
	}
	res, err := s.cfg.Catalog.ImportAsyncAPI(c.Request.Context(), body)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, importAsyncAPIResponse(res))
}
