package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// modeOperations are the /mode routes.
var modeOperations = document(
	operation{Method: http.MethodGet, Path: "/mode", ID: "getGlobalMode", Summary: "Get the global mode",
		Tags: []string{tagRegistry}, Params: globalConfigParams{},
		Responses: []response{{Body: modeJSON{}}},
		handler:   (*Server).getMode},
	operation{Method: http.MethodPut, Path: "/mode", ID: "setGlobalMode", Summary: "Set the global mode",
		Tags: []string{tagRegistry}, Params: setModeParams{}, Body: modeJSON{},
		Responses: []response{{Body: modeJSON{}}},
		Errors:    []*errorRow{errUnprocessable, errInvalidMode, errNotPermitted, errReferenceExists},
		handler:   (*Server).setMode},
	operation{Method: http.MethodDelete, Path: "/mode", ID: "deleteGlobalMode", Summary: "Reset the global mode",
		Tags: []string{tagRegistry}, Params: deleteModeParams{},
		Responses: []response{{Body: modeJSON{}, Description: "The mode that was set."}},
		handler:   (*Server).deleteMode},
	operation{Method: http.MethodGet, Path: "/mode/{subject}", ID: "getSubjectMode", Summary: "Get a subject's (or context's) mode",
		Tags: []string{tagRegistry}, Params: subjectConfigParams{},
		Responses: []response{{Body: modeJSON{}}},
		Errors:    []*errorRow{errSubjectModeNotFound, errInvalidSubject},
		handler:   (*Server).getMode},
	operation{Method: http.MethodPut, Path: "/mode/{subject}", ID: "setSubjectMode", Summary: "Set a subject's (or context's) mode",
		Tags: []string{tagRegistry}, Params: setSubjectModeParams{}, Body: modeJSON{},
		Responses: []response{{Body: modeJSON{}}},
		Errors:    []*errorRow{errUnprocessable, errInvalidMode, errInvalidSubject, errNotPermitted},
		handler:   (*Server).setMode},
	operation{Method: http.MethodDelete, Path: "/mode/{subject}", ID: "deleteSubjectMode", Summary: "Delete a subject's (or context's) mode",
		Tags: []string{tagRegistry}, Params: deleteSubjectModeParams{},
		Responses: []response{{Body: modeJSON{}, Description: "The mode that was set."}},
		Errors:    []*errorRow{errSubjectNotFound, errInvalidSubject},
		handler:   (*Server).deleteMode},
)

// modeJSON is {"mode": "READWRITE"}, for GET and PUT alike.
type modeJSON struct {
	Mode string `json:"mode" enum:"READWRITE,READONLY,READONLY_OVERRIDE,IMPORT"`
}

// toModeJSON converts a registry mode to its JSON form.
func toModeJSON(m registry.Mode) modeJSON { return modeJSON{Mode: m.String()} }

// setModeParams are the parameters of PUT /mode.
type setModeParams struct {
	Force bool `query:"force" description:"Allow switching to IMPORT while schemas exist."`
}

// setSubjectModeParams are the parameters of PUT /mode/{subject}.
type setSubjectModeParams struct {
	Subject string `path:"subject"`
	Force   bool   `query:"force" description:"Allow switching to IMPORT while schemas exist."`
}

// deleteModeParams are the parameters of DELETE /mode.
type deleteModeParams struct {
	Recursive bool `query:"recursive" description:"Also delete the modes set below this level."`
}

// deleteSubjectModeParams are the parameters of DELETE /mode/{subject}.
type deleteSubjectModeParams struct {
	Subject   string `path:"subject"`
	Recursive bool   `query:"recursive" description:"The subject is a context: also delete the modes of its subjects."`
}

// The handlers below serve a level's route and the global one alike: on /mode
// there is no subject parameter, so the subject is "", the global level.

// getMode serves GET /mode and GET /mode/{subject}.
func (s *Server) getMode(c *gin.Context) error {
	p := subjectConfigParams{Subject: c.Param("subject"), DefaultToGlobal: queryBool(c, "defaultToGlobal")}
	return answer(c, toModeJSON)(s.cfg.Registry.Mode(c.Request.Context(), p.Subject, p.DefaultToGlobal))
}

// setMode serves PUT /mode and PUT /mode/{subject}.
func (s *Server) setMode(c *gin.Context) error {
	p := setSubjectModeParams{Subject: c.Param("subject"), Force: queryBool(c, "force")}
	var body modeJSON
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	m, err := registry.ParseMode(body.Mode)
	if err != nil {
		return err
	}
	return answer(c, toModeJSON)(s.cfg.Registry.SetMode(c.Request.Context(), p.Subject, m, p.Force))
}

// deleteMode serves DELETE /mode and DELETE /mode/{subject}.
func (s *Server) deleteMode(c *gin.Context) error {
	p := deleteSubjectModeParams{Subject: c.Param("subject"), Recursive: queryBool(c, "recursive")}
	return answer(c, toModeJSON)(s.cfg.Registry.DeleteMode(c.Request.Context(), p.Subject, p.Recursive))
}
