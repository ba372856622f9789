package server

import (
	"errors"

	"github.com/gin-gonic/gin"
)

// errInvalidAsyncAPI is returned for an AsyncAPI document that cannot be imported.
var errInvalidAsyncAPI = errors.New("invalid AsyncAPI document")

// getServiceAsyncAPI serves GET /v1/catalog/services/{id}/asyncapi.yaml.
func (s *Server) getServiceAsyncAPI(c *gin.Context) error {
	return errors.New("not implemented")
}

// importAsyncAPI serves POST /v1/catalog/import/asyncapi.
func (s *Server) importAsyncAPI(c *gin.Context) error {
	return errors.New("not implemented")
}
