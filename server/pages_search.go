package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/web"
)

// searchView is the search page: hits ranked across kinds.
type searchView struct {
	pageMeta
	Hits []searchHit
	// Total counts every match, Hits only the best of them.
	Total int
	// Incomplete says a limit may have left matches out.
	Incomplete bool
	// Error says why the query was refused (too long, too many words).
	Error string
}

// searchHit is one hit with its link and its relations as sentences.
type searchHit struct {
	catalog.Hit
	Href      string
	Relations []relationLine
}

// relationLine is one kind of relation of a hit: "Sent by Order Service".
type relationLine struct {
	Rel, Label string
	Links      []pageLink
}

// pageLink is a link with its text.
type pageLink struct {
	Label, Href string
}

// relationLabels say how a hit relates to the entities listed after it.
var relationLabels = map[string]string{
	"producer": "Sent by", "consumer": "Received by", "flow": "In flows",
	"sends": "Sends", "receives": "Receives", "used-by": "Used by", "carries": "Carries",
	"field-of": "Field of", "service": "Services",
}

// search serves GET /ui/search?q=: hits ranked across kinds, each with what it
// leads to. A query past the search limits answers 400 with the page and the
// reason, so that it can be corrected in place.
func (p *pages) search(c *gin.Context) error {
	q := strings.TrimSpace(c.Query("q"))
	v := searchView{pageMeta: p.meta("Search", "search")}
	v.Query = q
	status := http.StatusOK
	if q != "" {
		v.Title = "Search: " + q
		res, err := p.cat.Search(c.Request.Context(), q, 0)
		switch {
		case errors.Is(err, catalog.ErrBadRequest):
			v.Error, status = err.Error(), http.StatusBadRequest
		case err != nil:
			return err
		default:
			v.Total, v.Incomplete = res.Total, res.Incomplete
			v.Hits = make([]searchHit, len(res.Hits))
			for i, h := range res.Hits {
				v.Hits[i] = toSearchHit(h)
			}
		}
	}
	p.render(c, status, "search", v)
	return nil
}

// toSearchHit links a hit and turns its relations into lines, in the order
// they first appear.
func toSearchHit(h catalog.Hit) searchHit {
	out := searchHit{Hit: h, Href: hitURL(h.Kind, h.ID)}
	out.Summary = web.MarkdownText(h.Summary) // descriptions are markdown; a result shows their text
	if h.Kind == "field" {
		out.Href = web.EntityURL("event", h.ID) + "#fields"
	}
	at := map[string]int{}
	for _, r := range h.Related {
		i, ok := at[r.Rel]
		if !ok {
			i = len(out.Relations)
			at[r.Rel] = i
			label := relationLabels[r.Rel]
			if label == "" {
				label = r.Rel
			}
			out.Relations = append(out.Relations, relationLine{Rel: r.Rel, Label: label})
		}
		out.Relations[i].Links = append(out.Relations[i].Links, pageLink{Label: r.Label, Href: hitURL(r.Kind, r.ID)})
	}
	return out
}

// hitURL is the page of a hit or of a related entity. Subjects, topics and
// clients the catalog does not declare have pages of their own.
func hitURL(kind, id string) string {
	switch kind {
	case "subject", "topic", "client":
		return "/ui/" + kind + "s/" + url.PathEscape(id)
	}
	return web.EntityURL(kind, id)
}
