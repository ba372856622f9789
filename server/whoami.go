package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// tagAccess groups the identity endpoints in the spec.
const tagAccess = "Access"

// whoAmIOperations is GET /v1/whoami.
var whoAmIOperations = document(
	operation{Method: http.MethodGet, Path: "/v1/whoami", ID: "whoAmI", Summary: "Who the server takes the caller for, and what it may do",
		Description: "The principal, how it authenticated (anonymous, basic, apikey, oidc or mtls) and its effective role bindings. " +
			"Credentials that are sent must be valid (401 otherwise); without any, the answer is the anonymous principal. " +
			"On a server without an auth file, authEnabled is false and everyone is an unscoped admin.",
		Tags: []string{tagAccess}, Responses: []response{{Body: whoAmIResponse{}}},
		Errors:  []*errorRow{errUnauthenticated},
		handler: (*Server).whoAmI},
)

// registerWhoAmIRoutes registers GET /v1/whoami.
func (s *Server) registerWhoAmIRoutes() { s.registerOperations(whoAmIOperations) }

// whoAmIResponse is the answer of GET /v1/whoami.
type whoAmIResponse struct {
	Principal   string        `json:"principal" required:"true" description:"The principal's name; anonymous without credentials."`
	Method      string        `json:"method" required:"true" enum:"anonymous,basic,apikey,oidc,mtls,session" description:"How the caller authenticated (session: the web UI's sign-in)."`
	AuthEnabled bool          `json:"authEnabled" required:"true" description:"False when the server runs without an auth file."`
	Bindings    []bindingJSON `json:"bindings" required:"true" description:"The roles held, each with the subject and topic patterns it is limited to."`
}

// bindingJSON is a role binding.
type bindingJSON struct {
	Role     string   `json:"role" required:"true" enum:"reader,consumer,producer,developer,admin"`
	Subjects []string `json:"subjects,omitempty" description:"Patterns (* is any run of characters) of the subjects the role applies to; absent: every subject."`
	Topics   []string `json:"topics,omitempty" description:"Patterns of the topics the role applies to; absent: every topic."`
}

// whoAmI serves GET /v1/whoami.
func (s *Server) whoAmI(c *gin.Context) error {
	if s.cfg.Auth == nil {
		return writeJSON(c, http.StatusOK, whoAmIResponse{Principal: auth.AnonymousName, Method: auth.Anonymous.String(),
			Bindings: []bindingJSON{{Role: auth.Admin.String()}}})
	}
	p := principal(c)
	if p == nil {
		p = s.cfg.Auth.Anonymous()
	}
	out := whoAmIResponse{Principal: p.Name, Method: p.Method.String(), AuthEnabled: true, Bindings: make([]bindingJSON, len(p.Bindings))}
	for i, b := range p.Bindings {
		out.Bindings[i] = bindingJSON{Role: b.Role.String(), Subjects: b.Subjects, Topics: b.Topics}
	}
	return writeJSON(c, http.StatusOK, out)
}
