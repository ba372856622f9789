package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// metadataOperations are the /v1/metadata routes (Confluent server metadata).
var metadataOperations = document(
	operation{Method: http.MethodGet, Path: "/v1/metadata/id", ID: "getClusterID", Summary: "Get the cluster id",
		Tags: []string{tagRegistry}, Responses: []response{{Body: clusterIDResponse{}}},
		handler: (*Server).getClusterID},
	operation{Method: http.MethodGet, Path: "/v1/metadata/version", ID: "getServerVersion", Summary: "Get the server version",
		Tags: []string{tagRegistry}, Responses: []response{{Body: serverVersionResponse{}}},
		handler: (*Server).getServerVersion},
	operation{Method: http.MethodGet, Path: "/v1/metadata/deployment", ID: "getDeployment", Summary: "Get deployment attributes",
		Tags: []string{tagRegistry}, Responses: []response{{Body: []string{}}},
		handler: (*Server).getDeployment},
)

// clusterIDResponse is Confluent's cluster id: {"scope":{"path":[],"clusters":{…}}}.
type clusterIDResponse struct {
	Scope clusterScope `json:"scope"`
}

// clusterScope is the scope of a clusterIDResponse.
type clusterScope struct {
	Path     []string          `json:"path"`
	Clusters map[string]string `json:"clusters"`
}

// serverVersionResponse is {"version","commitId"}.
type serverVersionResponse struct {
	Version  string `json:"version"`
	CommitID string `json:"commitId"`
}

// clusterID is the schema-registry-cluster id Herald reports. One Herald is one
// registry cluster; several instances over PostgreSQL share it.
const clusterID = "herald"

// getClusterID serves GET /v1/metadata/id.
func (s *Server) getClusterID(c *gin.Context) error {
	return writeJSON(c, http.StatusOK, clusterIDResponse{Scope: clusterScope{
		Path:     []string{},
		Clusters: map[string]string{"schema-registry-cluster": clusterID},
	}})
}

// getServerVersion serves GET /v1/metadata/version.
func (s *Server) getServerVersion(c *gin.Context) error {
	return writeJSON(c, http.StatusOK, serverVersionResponse{Version: s.cfg.Version, CommitID: ""})
}

// getDeployment serves GET /v1/metadata/deployment: Herald is self-managed and
// reports no deployment attributes.
func (s *Server) getDeployment(c *gin.Context) error {
	return writeJSON(c, http.StatusOK, []string{})
}
