package server

// Dead letters: GET /v1/topics/{topic}/deadletters lists the events a topic
// dead-lettered, and POST /v1/topics/{topic}/deadletters/redrive publishes
// them to it again once the contract is fixed (broker.Redrive: through the
// validated publish, never twice). The web page of the same (the list and,
// for admins, a Redrive button) is in pages_deadletters.go.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/broker"
)

// deadLetterOperations are the dead-letter routes.
var deadLetterOperations = document(
	operation{Method: http.MethodGet, Path: "/v1/topics/{topic}/deadletters", ID: "listDeadLetters", Summary: "List the events a topic dead-lettered",
		Description: "The events of the topic's dead-letter topic that came from it (a dead-letter topic may serve several topics), oldest first, each with why it was dead-lettered " +
			"and whether it was redriven. Page with from (a dead-letter topic offset) and nextOffset.",
		Tags: []string{tagBroker}, Params: deadLettersParams{}, Responses: []response{{Body: deadLettersJSON{}}},
		Errors:  brokerReadErrors,
		handler: (*Server).listDeadLetters},
	operation{Method: http.MethodPost, Path: "/v1/topics/{topic}/deadletters/redrive", ID: "redriveDeadLetters", Summary: "Publish dead letters to their topic again, after a fix",
		Description: "Each dead letter (the offsets named, or all of them) is published to the topic through the same validation as any publish, one at a time, oldest first: " +
			"an event that still breaks the contract is refused and stays a dead letter; one that was redriven before is never published twice. " +
			"The answer lists what happened to each. A redrive of all stops after 1000 events with more set. Admins only.",
		Tags: []string{tagBroker}, Params: topicPathParams{}, Body: redriveJSON{},
		Responses: []response{{Body: redriveResultJSON{}}},
		Errors:    brokerBodyErrors,
		handler:   (*Server).redriveDeadLetters},
)

// registerDeadLetterRoutes registers the dead-letter routes when a broker is
// configured.
func (s *Server) registerDeadLetterRoutes() {
	if s.cfg.Broker == nil {
		return
	}
	s.registerOperations(deadLetterOperations)
}

// deadLettersParams are the parameters of GET /v1/topics/{topic}/deadletters.
type deadLettersParams struct {
	topicPathParams
	From  int64 `query:"from" minimum:"0" description:"The dead-letter topic offset to start at. Default: 0."`
	Limit int   `query:"limit" minimum:"0" maximum:"10000" description:"Most dead letters returned. Default: 100."`
}

// deadLetterEventJSON is one dead letter.
type deadLetterEventJSON struct {
	eventJSON
	Reason   string `json:"reason" description:"Why the event was dead-lettered."`
	Redriven bool   `json:"redriven" description:"Whether it was published to its topic again."`
}

// deadLettersJSON is a page of dead letters.
type deadLettersJSON struct {
	Topic           string                `json:"topic" required:"true"`
	DeadLetterTopic string                `json:"deadLetterTopic" required:"true"`
	DeadLetters     []deadLetterEventJSON `json:"deadLetters" required:"true" description:"Offsets are the dead-letter topic's."`
	NextOffset      int64                 `json:"nextOffset" required:"true" description:"Where to continue (from=nextOffset)."`
}

// deadLetterPage reads the page the request's from and limit ask for.
func (s *Server) deadLetterPage(c *gin.Context) (broker.DeadLetterPage, error) {
	var from int64
	if v := c.Query("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return broker.DeadLetterPage{}, errInvalidParam.with(fmt.Sprintf("query parameter from=%q: want a dead-letter topic offset (0 or more)", v))
		}
		from = n
	}
	limit, err := queryCount(c, "limit")
	if err != nil {
		return broker.DeadLetterPage{}, err
	}
	return s.cfg.Broker.DeadLetters(c.Request.Context(), c.Param("topic"), from, limit)
}

// listDeadLetters handles GET /v1/topics/{topic}/deadletters.
func (s *Server) listDeadLetters(c *gin.Context) error {
	page, err := s.deadLetterPage(c)
	if err != nil {
		return err
	}
	t, err := s.cfg.Broker.TopicConfig(page.DeadLetterTopic)
	if err != nil {
		return err
	}
	out := deadLettersJSON{Topic: page.Topic, DeadLetterTopic: page.DeadLetterTopic, NextOffset: page.Next, DeadLetters: make([]deadLetterEventJSON, len(page.Letters))}
	for i := range page.Letters {
		l := &page.Letters[i]
		out.DeadLetters[i] = deadLetterEventJSON{eventJSON: toEventJSON(&l.Record, t.Encoding), Reason: l.Reason, Redriven: l.Redriven}
	}
	return writeJSON(c, http.StatusOK, out)
}

// redriveJSON is the body of a redrive: offsets, or all.
type redriveJSON struct {
	Offsets []int64 `json:"offsets,omitempty" description:"Dead-letter topic offsets of the dead letters to redrive (at most 1000)."`
	All     bool    `json:"all,omitempty" description:"Redrive every dead letter not redriven yet."`
}

// redriveOutcomeJSON is what happened to one dead letter.
type redriveOutcomeJSON struct {
	DeadLetterOffset int64                 `json:"deadLetterOffset" required:"true"`
	Status           string                `json:"status" required:"true" enum:"redriven,still-invalid,already-redriven,not-found"`
	Offset           *int64                `json:"offset,omitempty" description:"Where a redriven event now is in the topic."`
	Problems         []broker.EventProblem `json:"problems,omitempty" description:"Why a still-invalid event was refused."`
}

// redriveResultJSON is the answer of a redrive.
type redriveResultJSON struct {
	Topic           string               `json:"topic" required:"true"`
	DeadLetterTopic string               `json:"deadLetterTopic" required:"true"`
	Redriven        int                  `json:"redriven" required:"true"`
	StillInvalid    int                  `json:"stillInvalid" required:"true"`
	More            bool                 `json:"more,omitempty" description:"A redrive of all stopped at its bound: call it again."`
	Results         []redriveOutcomeJSON `json:"results" required:"true"`
}

// toRedriveResultJSON renders a redrive's result.
func toRedriveResultJSON(r broker.RedriveResult) redriveResultJSON {
	out := redriveResultJSON{Topic: r.Topic, DeadLetterTopic: r.DeadLetterTopic, Redriven: r.Redriven, StillInvalid: r.StillInvalid, More: r.More,
		Results: make([]redriveOutcomeJSON, len(r.Outcomes))}
	for i, o := range r.Outcomes {
		out.Results[i] = redriveOutcomeJSON{DeadLetterOffset: o.DeadLetterOffset, Status: o.Status.String(), Problems: o.Problems}
		if o.Status == broker.Redriven {
			off := o.Offset
			out.Results[i].Offset = &off
		}
	}
	return out
}

// redrive runs a redrive and records its counts for the audit line.
func (s *Server) redrive(c *gin.Context, req broker.RedriveRequest) (broker.RedriveResult, error) {
	res, err := s.cfg.Broker.Redrive(c.Request.Context(), req)
	if err == nil || res.Redriven > 0 {
		s.setAuditResult(c, auditResult{Count: res.Redriven, Refused: res.StillInvalid})
	}
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "redrive", "topic", req.Topic, "redriven", res.Redriven, "err", err)
	}
	return res, err
}

// redriveDeadLetters handles POST /v1/topics/{topic}/deadletters/redrive.
func (s *Server) redriveDeadLetters(c *gin.Context) error {
	var body redriveJSON
	if err := decodeJSONBody(c, &body); err != nil {
		return err
	}
	if body.All == (len(body.Offsets) > 0) {
		return fmt.Errorf("%w: send either offsets or all:true", broker.ErrInvalidRequest)
	}
	res, err := s.redrive(c, broker.RedriveRequest{Topic: c.Param("topic"), All: body.All, Offsets: body.Offsets})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toRedriveResultJSON(res))
}

// parseOffsets reads a comma- or space-separated list of offsets (a form field).
func parseOffsets(s string) ([]int64, error) {
	var out []int64
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: offset %q: want a dead-letter topic offset (0 or more)", broker.ErrInvalidRequest, f)
		}
		out = append(out, n)
	}
	return out, nil
}
