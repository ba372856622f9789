package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// contextOperations are the /contexts routes.
var contextOperations = document(
	operation{Method: http.MethodGet, Path: "/contexts", ID: "listContexts", Summary: "List contexts",
		Description: "The default context \".\" is always listed. Any other route may also be called under /contexts/{context}/…: subjects in the path are then qualified with that context.",
		Tags:        []string{tagRegistry}, Params: listContextsParams{},
		Responses: []response{{Body: []string{}}},
		Errors:    []*errorRow{errBadRequest},
		handler:   (*Server).listContexts},
	operation{Method: http.MethodDelete, Path: "/contexts/{context}", ID: "deleteContext", Summary: "Delete an empty context",
		Tags: []string{tagRegistry}, Params: contextParams{},
		Responses: []response{{Status: http.StatusNoContent, Description: "Deleted."}},
		Errors:    []*errorRow{errBadRequest, errInvalidSubject, errContextNotEmpty},
		handler:   (*Server).deleteContext},
)

// listContextsParams are the parameters of GET /contexts.
type listContextsParams struct {
	ContextPrefix string `query:"contextPrefix" description:"Only contexts starting with this prefix."`
	pageParams
}

// contextParams name a context in the path.
type contextParams struct {
	Context string `path:"context" description:"Context name, such as .staging."`
}

// listContexts serves GET /contexts.
func (s *Server) listContexts(c *gin.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	p := listContextsParams{ContextPrefix: c.Query("contextPrefix"), pageParams: pg}
	return answer(c, nonNil[string])(s.cfg.Registry.Contexts(c.Request.Context(), registry.ListOptions{Prefix: p.ContextPrefix, Offset: p.Offset, Limit: p.Limit}))
}

// deleteContext serves DELETE /contexts/{context}.
func (s *Server) deleteContext(c *gin.Context) error {
	p := contextParams{Context: c.Param("context")}
	name, _, err := parseContextSegment(p.Context)
	if err != nil {
		return errBadRequest.with(err.Error())
	}
	if err := s.cfg.Registry.DeleteContext(c.Request.Context(), name); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// parseContextSegment reads a context as written in a /contexts/{ctx} path: ".ctx",
// "ctx" (the dot is implied) or ":.ctx:"; ":.:" and "." are the default context.
// It returns the context name (".ctx") and whether it is the default context.
func parseContextSegment(seg string) (string, bool, error) {
	name := seg
	if strings.HasPrefix(name, ":") && strings.HasSuffix(name, ":") && len(name) >= 2 {
		name = name[1 : len(name)-1]
	}
	if name == "" || name == registry.DefaultContext {
		return registry.DefaultContext, true, nil
	}
	if !strings.HasPrefix(name, ".") {
		name = "." + name
	}
	if strings.Contains(name, ":") {
		return "", false, errors.New("Invalid context " + seg)
	}
	return name, false, nil
}

// scopePrefix confines a listing's subjectPrefix to the context whose qualified
// prefix is prefix (":.:" for the default one, whose listing then leaves out
// every other context), unless the wildcard ":*:" asks for all of them.
func scopePrefix(q url.Values, prefix string) {
	p := q.Get("subjectPrefix")
	if p == registry.AllContexts {
		return
	}
	q.Set("subjectPrefix", prefix+p)
}

// rewriteContextPath turns /contexts/{ctx}/… into the path it stands for, as
// Confluent's context filter does (franz-go scopes requests this way):
//
//   - the segment after "subjects" (anywhere), "config" or "mode" is qualified as
//     :{ctx}:subject; a bare /config or /mode becomes /config/:{ctx}:;
//   - /subjects and /schemas listings get subjectPrefix=:{ctx}: unless a wildcard
//     prefix was asked for;
//   - /schemas/ids/… gets subject=:{ctx}: so the id resolves in that context.
//
// Paths of the form /contexts or /contexts/{ctx} are left alone.
func rewriteContextPath(r *http.Request) error {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if len(segs) < 3 || segs[0] != "contexts" || segs[2] == "" {
		return nil
	}
	ctxSeg, err := url.PathUnescape(segs[1])
	if err != nil {
		return err
	}
	name, isDefault, err := parseContextSegment(ctxSeg)
	if err != nil {
		return err
	}
	rest := make([]string, 0, len(segs)-2)
	for _, sg := range segs[2:] {
		u, err := url.PathUnescape(sg)
		if err != nil {
			return err
		}
		rest = append(rest, u)
	}
	if len(rest) > 0 && rest[len(rest)-1] == "" {
		rest = rest[:len(rest)-1]
	}
	prefix := ":" + name + ":"
	qualify := func(subject string) string {
		if isDefault || strings.HasPrefix(subject, ":") {
			return subject
		}
		return prefix + subject
	}
	q := r.URL.Query()
	switch rest[0] {
	case "config", "mode":
		if len(rest) == 1 {
			if !isDefault {
				rest = append(rest, prefix)
			}
		} else {
			rest[1] = qualify(rest[1])
		}
	case "schemas":
		if len(rest) >= 2 && rest[1] == "ids" {
			if !isDefault && q.Get("subject") == "" {
				q.Set("subject", prefix)
			}
		} else if len(rest) == 1 {
			scopePrefix(q, prefix)
		}
	case "subjects":
		if len(rest) == 1 {
			scopePrefix(q, prefix)
		}
	}
	for i := 0; i+1 < len(rest); i++ {
		if rest[i] == "subjects" {
			rest[i+1] = qualify(rest[i+1])
			break
		}
	}
	var esc, plain strings.Builder
	for _, sg := range rest {
		esc.WriteByte('/')
		esc.WriteString(url.PathEscape(sg))
		plain.WriteByte('/')
		plain.WriteString(sg)
	}
	r.URL.Path = plain.String()
	r.URL.RawPath = esc.String()
	r.URL.RawQuery = q.Encode()
	return nil
}
