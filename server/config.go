package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

// configOperations are the /config routes.
var configOperations = document(
	operation{Method: http.MethodGet, Path: "/config", ID: "getGlobalConfig", Summary: "Get the global config",
		Tags: []string{tagRegistry}, Params: globalConfigParams{},
		Responses: []response{{Body: configResponse{}}},
		handler:   (*Server).getConfig},
	operation{Method: http.MethodPut, Path: "/config", ID: "setGlobalConfig", Summary: "Set the global config",
		Tags: []string{tagRegistry}, Body: configRequest{},
		Responses: []response{{Body: configRequest{}, Description: "The config now stored at that level."}},
		Errors:    []*errorRow{errUnprocessable, errInvalidLevel, errNotPermitted, errInvalidRuleSet},
		handler:   (*Server).setConfig},
	operation{Method: http.MethodDelete, Path: "/config", ID: "deleteGlobalConfig", Summary: "Reset the global config",
		Tags:      []string{tagRegistry},
		Responses: []response{{Body: configResponse{}, Description: "The config that was set."}},
		handler:   (*Server).deleteConfig},
	operation{Method: http.MethodGet, Path: "/config/{subject}", ID: "getSubjectConfig", Summary: "Get a subject's (or context's) config",
		Tags: []string{tagRegistry}, Params: subjectConfigParams{},
		Responses: []response{{Body: configResponse{}}},
		Errors:    []*errorRow{errSubjectConfigNotFound, errInvalidSubject},
		handler:   (*Server).getConfig},
	operation{Method: http.MethodPut, Path: "/config/{subject}", ID: "setSubjectConfig", Summary: "Set a subject's (or context's) config",
		Tags: []string{tagRegistry}, Params: subjectParams{}, Body: configRequest{},
		Responses: []response{{Body: configRequest{}, Description: "The config now stored at that level."}},
		Errors:    []*errorRow{errUnprocessable, errInvalidLevel, errInvalidSubject, errNotPermitted, errInvalidRuleSet},
		handler:   (*Server).setConfig},
	operation{Method: http.MethodDelete, Path: "/config/{subject}", ID: "deleteSubjectConfig", Summary: "Delete a subject's (or context's) config",
		Tags: []string{tagRegistry}, Params: subjectParams{},
		Responses: []response{{Body: configResponse{}, Description: "The config that was set."}},
		Errors:    []*errorRow{errSubjectNotFound, errInvalidSubject},
		handler:   (*Server).deleteConfig},
)

// configFields are the config fields shared by the GET answer and the PUT body.
type configFields struct {
	Normalize           *bool           `json:"normalize,omitempty"`
	CompatibilityPolicy string          `json:"compatibilityPolicy,omitempty" enum:"STRICT,LENIENT" description:"JSON Schema content-model policy."`
	ProtobufRuleSet     string          `json:"protobufRuleSet,omitempty" enum:"CONFLUENT,WIRE_JSON,WIRE" description:"Herald: the Protobuf compatibility rule set."`
	Alias               string          `json:"alias,omitempty"`
	ValidateFields      *bool           `json:"validateFields,omitempty"`
	CompatibilityGroup  string          `json:"compatibilityGroup,omitempty"`
	DefaultMetadata     json.RawMessage `json:"defaultMetadata,omitempty"`
	OverrideMetadata    json.RawMessage `json:"overrideMetadata,omitempty"`
	DefaultRuleSet      json.RawMessage `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet     json.RawMessage `json:"overrideRuleSet,omitempty"`
}

// configResponse is the GET /config answer: the level is "compatibilityLevel".
type configResponse struct {
	CompatibilityLevel string `json:"compatibilityLevel,omitempty" enum:"NONE,BACKWARD,BACKWARD_TRANSITIVE,FORWARD,FORWARD_TRANSITIVE,FULL,FULL_TRANSITIVE"`
	configFields
}

// configRequest is the PUT /config body and answer: the level is "compatibility".
type configRequest struct {
	Compatibility string `json:"compatibility,omitempty" description:"Level, case-insensitive: NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE."`
	configFields
}

// toConfigFields converts the shared config fields.
func toConfigFields(cfg registry.Config) configFields {
	f := configFields{
		Normalize:        cfg.Normalize,
		ValidateFields:   cfg.ValidateFields,
		DefaultMetadata:  rawOrNil(cfg.DefaultMetadata),
		OverrideMetadata: rawOrNil(cfg.OverrideMetadata),
		DefaultRuleSet:   rawOrNil(cfg.DefaultRuleSet),
		OverrideRuleSet:  rawOrNil(cfg.OverrideRuleSet),
	}
	if cfg.Policy != nil {
		f.CompatibilityPolicy = cfg.Policy.String()
	}
	if cfg.RuleSet != nil {
		f.ProtobufRuleSet = *cfg.RuleSet
	}
	if cfg.Alias != nil {
		f.Alias = *cfg.Alias
	}
	if cfg.CompatibilityGroup != nil {
		f.CompatibilityGroup = *cfg.CompatibilityGroup
	}
	return f
}

// toConfigResponse converts a registry config to the GET answer.
func toConfigResponse(cfg registry.Config) configResponse {
	r := configResponse{configFields: toConfigFields(cfg)}
	if cfg.Compatibility != nil {
		r.CompatibilityLevel = cfg.Compatibility.String()
	}
	return r
}

// toConfigRequest converts a registry config to the PUT answer shape.
func toConfigRequest(cfg registry.Config) configRequest {
	r := configRequest{configFields: toConfigFields(cfg)}
	if cfg.Compatibility != nil {
		r.Compatibility = cfg.Compatibility.String()
	}
	return r
}

// fromConfigRequest converts a PUT body into the fields to set. An unknown level
// is 42203 with Confluent's message.
func fromConfigRequest(req configRequest) (registry.Config, error) {
	var cfg registry.Config
	if req.Compatibility != "" {
		l, err := compat.ParseLevel(req.Compatibility)
		if err != nil {
			return cfg, &registry.Error{Kind: registry.ErrInvalidLevel, Msg: "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"}
		}
		cfg.Compatibility = &l
	}
	if req.CompatibilityPolicy != "" {
		p, err := compat.ParsePolicy(req.CompatibilityPolicy)
		if err != nil {
			return cfg, &registry.Error{Kind: registry.ErrInvalidLevel, Msg: "Invalid compatibility policy " + req.CompatibilityPolicy + ". Valid values are STRICT and LENIENT"}
		}
		cfg.Policy = &p
	}
	if req.ProtobufRuleSet != "" {
		rs := strings.ToUpper(req.ProtobufRuleSet)
		switch rs {
		case "CONFLUENT", "WIRE_JSON", "WIRE":
		default:
			return cfg, &registry.Error{Kind: registry.ErrInvalidLevel, Msg: "Invalid Protobuf rule set " + req.ProtobufRuleSet + ". Valid values are CONFLUENT, WIRE_JSON and WIRE"}
		}
		cfg.RuleSet = &rs
	}
	cfg.Normalize = req.Normalize
	cfg.ValidateFields = req.ValidateFields
	if req.Alias != "" {
		a := req.Alias
		cfg.Alias = &a
	}
	if req.CompatibilityGroup != "" {
		g := req.CompatibilityGroup
		cfg.CompatibilityGroup = &g
	}
	cfg.DefaultMetadata = rawOrNil(req.DefaultMetadata)
	cfg.OverrideMetadata = rawOrNil(req.OverrideMetadata)
	cfg.DefaultRuleSet = rawOrNil(req.DefaultRuleSet)
	cfg.OverrideRuleSet = rawOrNil(req.OverrideRuleSet)
	return cfg, nil
}

// globalConfigParams are the parameters of GET /config.
type globalConfigParams struct {
	DefaultToGlobal bool `query:"defaultToGlobal" description:"Return the effective config."`
}

// subjectParams name a subject (or a context, as :.ctx:) in the path.
type subjectParams struct {
	Subject string `path:"subject"`
}

// subjectConfigParams are the parameters of GET /config/{subject}.
type subjectConfigParams struct {
	Subject         string `path:"subject"`
	DefaultToGlobal bool   `query:"defaultToGlobal" description:"Fall back to the effective config instead of 404 when the subject has none."`
}

// The handlers below serve a level's route and the global one alike: on
// /config there is no subject parameter, so the subject is "", the global level.

// getConfig serves GET /config and GET /config/{subject}.
func (s *Server) getConfig(c *gin.Context) error {
	p := subjectConfigParams{Subject: c.Param("subject"), DefaultToGlobal: queryBool(c, "defaultToGlobal")}
	return answer(c, toConfigResponse)(s.cfg.Registry.Config(c.Request.Context(), p.Subject, p.DefaultToGlobal))
}

// setConfig serves PUT /config and PUT /config/{subject}: it sets config at a
// level and answers with the config now stored there, the request merged over
// what was set before, as Confluent 8.x does (7.x echoed the request; PUT {}
// then answered {} and hid the stored fields).
func (s *Server) setConfig(c *gin.Context) error {
	p := subjectParams{Subject: c.Param("subject")}
	var body configRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	cfg, err := fromConfigRequest(body)
	if err != nil {
		return err
	}
	return answer(c, toConfigRequest)(s.cfg.Registry.SetConfig(c.Request.Context(), p.Subject, cfg))
}

// deleteConfig serves DELETE /config and DELETE /config/{subject}: it removes
// config at a level and returns what was set.
func (s *Server) deleteConfig(c *gin.Context) error {
	p := subjectParams{Subject: c.Param("subject")}
	return answer(c, toConfigResponse)(s.cfg.Registry.DeleteConfig(c.Request.Context(), p.Subject))
}
