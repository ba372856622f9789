package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/web"
)

// clientView is the page of a client the broker saw but the catalog does not
// declare.
type clientView struct {
	pageMeta
	Name     string
	Sends    []edgeRow
	Receives []edgeRow
	// Topics are the broker's observations of the client, topic by topic.
	Topics []broker.Observation
	// Hint is a catalog entry that would declare the client.
	Hint string
}

// client serves GET /ui/clients/{name}: what a client the catalog does not
// declare was seen sending and receiving, and how to declare it. A declared
// service's name redirects to its service page; a name nobody declared and
// the broker never saw is a 404.
func (p *pages) client(c *gin.Context) error {
	ctx := c.Request.Context()
	name := c.Param("name")
	sends, receives, declared, err := p.cat.ClientEdges(ctx, name)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	if declared {
		c.Redirect(http.StatusFound, web.EntityURL("service", name))
		return nil
	}
	v := clientView{pageMeta: p.meta(name, "services"), Name: name, Hint: declareHint(name, sends, receives)}
	// The broker's own record covers topics no catalog event is bound to.
	if b := p.s.cfg.Broker; b != nil {
		obs, err := b.Lineage(ctx)
		if err != nil {
			return err
		}
		for _, o := range obs {
			if o.Client == name {
				v.Topics = append(v.Topics, o)
			}
		}
	}
	if len(sends) == 0 && len(receives) == 0 && len(v.Topics) == 0 {
		return fmt.Errorf("%w: no service or observed client is named %q", catalog.ErrNotFound, name)
	}
	for _, e := range sends {
		v.Sends = append(v.Sends, p.edgeRow(e))
	}
	for _, e := range receives {
		v.Receives = append(v.Receives, p.edgeRow(e))
	}
	p.render(c, http.StatusOK, "client", v)
	return nil
}

// declareHint is the services entry of a catalog file that declares a client
// with what it was seen doing: a starting point to edit (catalog ids need no
// quoting; a client name with YAML punctuation would).
func declareHint(name string, sends, receives []catalog.Edge) string {
	ids := func(edges []catalog.Edge) string {
		var b []byte
		for i, e := range edges {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, e.Event...)
		}
		return "[" + string(b) + "]"
	}
	out := "services:\n  - id: " + name + "\n    name: " + name + "\n    owners: [your-team]\n"
	if len(sends) > 0 {
		out += "    sends: " + ids(sends) + "\n"
	}
	if len(receives) > 0 {
		out += "    receives: " + ids(receives) + "\n"
	}
	return out
}
