package server

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// apiSpecView is the OpenAPI spec reduced to what the API page shows.
type apiSpecView struct {
	Title, Version, Description, OpenAPI string
	Groups                               []apiGroup
}

// apiGroup is the operations of one tag.
type apiGroup struct {
	Name, Anchor string
	Ops          []apiOp
}

// apiOp is one operation.
type apiOp struct {
	Method, Path, Summary, Description string
	Params                             []apiParam
	Responses                          []string
}

// apiParam is one parameter of an operation.
type apiParam struct {
	Name, In, Description string
	Required              bool
}

// apiView is the API page.
type apiView struct {
	pageMeta
	Spec  apiSpecView
	Error string
}

// openAPIDoc is the part of an OpenAPI document the page reads.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title, Version, Description string
	} `json:"info"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIOp struct {
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Parameters  []struct {
		Name        string `json:"name"`
		In          string `json:"in"`
		Required    bool   `json:"required"`
		Description string `json:"description"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

var methodOrder = map[string]int{"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}

// api serves GET /ui/api: the generated /openapi.json rendered readably, grouped
// by tag.
func (p *pages) api(c *gin.Context) error {
	v := apiView{pageMeta: p.meta("API", "api")}
	spec, err := apiSpec()
	if err != nil {
		v.Error = "The OpenAPI document is not available."
		v.Spec.Title = "Herald API"
		p.render(c, http.StatusOK, "api", v)
		return nil
	}
	v.Spec = spec
	p.render(c, http.StatusOK, "api", v)
	return nil
}

// apiSpec is the API page's view of the OpenAPI document, built once per
// process: operations are only documented during package initialization. The
// document is OpenAPI(), the bytes /openapi.json serves, so the page shows
// exactly what clients get.
var apiSpec = sync.OnceValues(func() (apiSpecView, error) {
	b, err := OpenAPI()
	if err != nil {
		return apiSpecView{}, err
	}
	var doc openAPIDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return apiSpecView{}, err
	}
	spec := apiSpecView{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description, OpenAPI: doc.OpenAPI}
	groups := map[string]*apiGroup{}
	var order []string
	for _, t := range doc.Tags {
		if _, ok := groups[t.Name]; !ok {
			groups[t.Name] = &apiGroup{Name: t.Name}
			order = append(order, t.Name)
		}
	}
	paths := make([]string, 0, len(doc.Paths))
	for path := range doc.Paths {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		methods := make([]string, 0, len(doc.Paths[path]))
		for m := range doc.Paths[path] {
			if _, ok := methodOrder[m]; ok {
				methods = append(methods, m)
			}
		}
		sort.Slice(methods, func(i, j int) bool { return methodOrder[methods[i]] < methodOrder[methods[j]] })
		for _, m := range methods {
			var op openAPIOp
			if json.Unmarshal(doc.Paths[path][m], &op) != nil {
				continue
			}
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g, ok := groups[tag]
			if !ok {
				g = &apiGroup{Name: tag}
				groups[tag] = g
				order = append(order, tag)
			}
			o := apiOp{Method: m, Path: path, Summary: op.Summary, Description: op.Description}
			for _, prm := range op.Parameters {
				o.Params = append(o.Params, apiParam{Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required})
			}
			for code := range op.Responses {
				o.Responses = append(o.Responses, code)
			}
			sort.Strings(o.Responses)
			g.Ops = append(g.Ops, o)
		}
	}
	for _, name := range order {
		g := groups[name]
		if len(g.Ops) == 0 {
			continue
		}
		g.Anchor = strings.ToLower(strings.NewReplacer(" ", "-", "/", "-").Replace(name))
		spec.Groups = append(spec.Groups, *g)
	}
	return spec, nil
})
