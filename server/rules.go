package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/rulebook"
)

// ruleOperations documents the compatibility rules: GET /v1/compat/rules.
var ruleOperations = document(
	operation{Method: http.MethodGet, Path: "/v1/compat/rules", ID: "listCompatRules",
		Summary: "Every compatibility rule id, with its format and purpose, in a stable order",
		Description: "The ids are the rule field of every violation. Rules with an empty format apply to every format " +
			"and are included whatever the format filter.",
		Tags: []string{tagCompat}, Params: compatRulesParams{},
		Responses: []response{{Body: compatRulesResponse{}}},
		Errors:    []*errorRow{errInvalidParam},
		handler:   (*Server).listCompatRules},
)

// registerRuleRoutes registers GET /v1/compat/rules and, when the server has a
// catalog, the /ui/rules page. A template that does not parse is reported by
// registerPageRoutes, which stops the server; here the page is just not added.
func (s *Server) registerRuleRoutes() {
	s.registerOperations(ruleOperations)
	if s.cfg.Catalog == nil {
		return
	}
	if _, err := pageTemplates(); err != nil {
		return
	}
	p := s.pages()
	s.handleRoute(http.MethodGet, "/ui/rules", p.handle(p.rules))
}

// compatRulesParams are the parameters of GET /v1/compat/rules.
type compatRulesParams struct {
	Format string `query:"format" enum:"AVRO,JSON,PROTOBUF" description:"Only the rules of this format (and those shared by every format)."`
}

// compatRulesResponse is the list of compatibility rules.
type compatRulesResponse struct {
	Rules []compatRuleJSON `json:"rules" required:"true"`
}

// compatRuleJSON is one compatibility rule.
type compatRuleJSON struct {
	ID      string `json:"id" required:"true" description:"Stable UPPER_SNAKE id, as in a violation's rule field."`
	Format  string `json:"format" required:"true" description:"AVRO, JSON or PROTOBUF; empty for a rule every format shares."`
	Purpose string `json:"purpose" required:"true" description:"One line saying what the rule protects."`
}

// toCompatRules converts rule descriptions to their JSON form, keeping order.
func toCompatRules(rules []compat.RuleInfo) []compatRuleJSON {
	out := make([]compatRuleJSON, len(rules))
	for i, r := range rules {
		out[i] = compatRuleJSON{ID: r.ID, Format: r.Format, Purpose: r.Purpose}
	}
	return out
}

// rulesFor returns the rules of one format, with the rules every format
// shares, in rulebook.All order; the empty format returns every rule.
func rulesFor(format string) ([]compat.RuleInfo, error) {
	if format == "" {
		return rulebook.All(), nil
	}
	known := false
	for _, t := range compat.SchemaTypes {
		if t.String() == format {
			known = true
			break
		}
	}
	if !known {
		return nil, errInvalidParam.with(fmt.Sprintf("query parameter format=%q: want AVRO, JSON or PROTOBUF", format))
	}
	var out []compat.RuleInfo
	for _, r := range rulebook.All() {
		if r.Format == "" || r.Format == format {
			out = append(out, r)
		}
	}
	return out, nil
}

// listCompatRules serves GET /v1/compat/rules?format=.
func (s *Server) listCompatRules(c *gin.Context) error {
	p := compatRulesParams{Format: c.Query("format")}
	rules, err := rulesFor(p.Format)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, compatRulesResponse{Rules: toCompatRules(rules)})
}

// ruleGroup is the rules of one format on the rules page.
type ruleGroup struct {
	// Name is the heading ("Avro", "All formats"); Anchor the section id.
	Name, Anchor string
	Rules        []compat.RuleInfo
}

// rulesView is the rules page.
type rulesView struct {
	pageMeta
	Total  int
	Groups []ruleGroup
}

// formatNames are the headings of the rules page, by RuleInfo.Format.
var formatNames = map[string]string{"": "All formats", "AVRO": "Avro", "JSON": "JSON Schema", "PROTOBUF": "Protobuf"}

// groupRules groups rules by format, groups in order of first appearance and
// rules in their listed order.
func groupRules(rules []compat.RuleInfo) []ruleGroup {
	var groups []ruleGroup
	index := map[string]int{}
	for _, r := range rules {
		i, ok := index[r.Format]
		if !ok {
			name, anchor := formatNames[r.Format], "format-"+r.Format
			if name == "" {
				name = r.Format
			}
			if r.Format == "" {
				anchor = "format-all"
			}
			i = len(groups)
			index[r.Format] = i
			groups = append(groups, ruleGroup{Name: name, Anchor: anchor})
		}
		groups[i].Rules = append(groups[i].Rules, r)
	}
	return groups
}

// rules serves GET /ui/rules: every compatibility rule, grouped by format, each
// row anchored at its id so violations elsewhere can link to it.
func (p *pages) rules(c *gin.Context) error {
	all := rulebook.All()
	v := rulesView{pageMeta: p.meta("Compatibility rules", "rules"), Total: len(all), Groups: groupRules(all)}
	p.render(c, http.StatusOK, "rules", v)
	return nil
}
