package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/web"
)

// deadLettersView is the dead letters page of a topic.
type deadLettersView struct {
	pageMeta
	Topic, DeadLetterTopic string
	Letters                []broker.DeadLetterEvent
	// NextURL is the next page's link, when the page is full.
	NextURL string
	// CanRedrive is set for a caller allowed to redrive (an admin).
	CanRedrive bool
	// Result is the outcome of the redrive just posted.
	Result *broker.RedriveResult
}

// registerDeadLetterPages registers the dead letters page and its form.
func (s *Server) registerDeadLetterPages() {
	if s.cfg.Catalog == nil || s.cfg.Broker == nil {
		return
	}
	p := s.pages()
	s.handleRoute(http.MethodGet, "/ui/topics/:topic/deadletters", p.handle(p.deadLetters))
	s.handleRoute(http.MethodPost, "/ui/topics/:topic/deadletters/redrive", s.csrfMiddleware, p.handle(p.redriveForm))
}

// deadLetters serves GET /ui/topics/{topic}/deadletters?from&limit.
func (p *pages) deadLetters(c *gin.Context) error {
	return p.renderDeadLetters(c, nil)
}

// redriveForm serves POST /ui/topics/{topic}/deadletters/redrive, the
// Redrive button (csrfMiddleware has checked the form): it redrives every
// dead letter not redriven yet, or the offsets the form names, and shows the
// page with the outcome.
func (p *pages) redriveForm(c *gin.Context) error {
	req := broker.RedriveRequest{Topic: c.Param("topic"), All: c.PostForm("all") == "true"}
	if !req.All {
		offs, err := parseOffsets(c.PostForm("offsets"))
		if err != nil {
			return err
		}
		req.Offsets = offs
	}
	res, err := p.s.redrive(c, req)
	if err != nil {
		return err
	}
	return p.renderDeadLetters(c, &res)
}

// renderDeadLetters renders the page, with a redrive's result when given.
func (p *pages) renderDeadLetters(c *gin.Context, res *broker.RedriveResult) error {
	page, err := p.s.deadLetterPage(c)
	if err != nil {
		return err
	}
	v := deadLettersView{pageMeta: p.meta("Dead letters of "+page.Topic, "topics"), Topic: page.Topic, DeadLetterTopic: page.DeadLetterTopic,
		Letters: page.Letters, Result: res,
		CanRedrive: p.s.mayRead(c, auth.RedriveDeadLetters, auth.Resource{Topic: page.Topic})}
	limit, _ := queryCount(c, "limit")
	if limit == 0 {
		limit = 100
	}
	if len(page.Letters) >= limit {
		v.NextURL = fmt.Sprintf("%s/deadletters?from=%s&limit=%d", web.EntityURL("topic", page.Topic), strconv.FormatInt(page.Next, 10), limit)
	}
	status := http.StatusOK
	p.render(c, status, "deadletters", v)
	return nil
}
