package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// ruleConfluentMessage is the rule of a violation read from a Confluent
// verbose message that names no rule of its own.
const ruleConfluentMessage = "INCOMPATIBLE"

// isMissingRoute reports whether err is a 404 for a path the server does not
// serve at all (a registry without Herald's /v1 API), rather than a 404 for a
// subject, version or schema, whose codes are 404xx.
func isMissingRoute(err error) bool {
	e := apiError(err)
	return e != nil && e.Status == http.StatusNotFound && (e.Code < 40400 || e.Code > 40499)
}

// checkConfluent asks a registry without Herald's report for the verdict on s
// with Confluent's POST /compatibility/subjects/{subject}/versions/latest?verbose=true,
// and reads its messages back into violations. It checks against the latest
// version only, which is what that endpoint does.
func (c *Client) checkConfluent(ctx context.Context, subject string, s Schema) (Report, error) {
	var out struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
	}
	r := request{method: "POST", path: "/compatibility/subjects/" + url.PathEscape(subject) + "/versions/latest",
		query: url.Values{"verbose": {"true"}}, body: toSchemaJSON(s)}
	if err := c.do(ctx, r, &out); err != nil {
		if IsNotFound(err) {
			// A subject with no versions: nothing to be incompatible with.
			return Report{Compatible: true, Violations: []compat.Violation{}}, nil
		}
		return Report{}, fmt.Errorf("check compatibility with %s: %w", subject, err)
	}
	return confluentReport(out.IsCompatible, out.Messages), nil
}

var (
	// avroMessage is Confluent's Avro verbose message:
	// {errorType:'TYPE', description:'…', additionalInfo:'…'}.
	avroMessage = regexp.MustCompile(`^\{errorType:'([A-Z_]+)', description:'(.*?)'(?:, additionalInfo:'(.*)')?\}$`)
	// diffMessage is Confluent's JSON Schema and Protobuf verbose message:
	// "TYPE #/path" (Confluent's words may follow).
	diffMessage = regexp.MustCompile(`^([A-Z][A-Z_]+) (#/\S*)(?:\s+(.*))?$`)
	// pathInText finds the path an Avro description names ("at path '/fields/0'").
	pathInText = regexp.MustCompile(`at path '([^']*)'`)
	// levelMessage is the trailing {validateFields: '…', compatibility: 'LEVEL'}.
	levelMessage = regexp.MustCompile(`compatibility: '([A-Z_]+)'`)
)

// confluentReport turns Confluent's verbose answer into a report: one
// violation per message that describes one, the level from the trailing
// message. An incompatible answer whose messages describe nothing still has
// one violation, carrying the messages as they are.
func confluentReport(compatible bool, messages []string) Report {
	rep := Report{Compatible: compatible, Violations: []compat.Violation{}}
	var other []string
	for _, m := range messages {
		m = strings.TrimSpace(m)
		if lm := levelMessage.FindStringSubmatch(m); lm != nil {
			if l, err := compat.ParseLevel(lm[1]); err == nil {
				rep.Level = l
			}
			continue
		}
		if strings.HasPrefix(m, "{oldSchemaVersion:") || strings.HasPrefix(m, "{oldSchema:") {
			continue
		}
		if am := avroMessage.FindStringSubmatch(m); am != nil {
			v := compat.Violation{Rule: am[1], Message: am[2]}
			if pm := pathInText.FindStringSubmatch(am[2]); pm != nil {
				v.Path = pm[1]
			}
			rep.Violations = append(rep.Violations, v)
			continue
		}
		if dm := diffMessage.FindStringSubmatch(m); dm != nil {
			msg := dm[3]
			if msg == "" {
				msg = strings.ToLower(strings.ReplaceAll(dm[1], "_", " "))
			}
			rep.Violations = append(rep.Violations, compat.Violation{Rule: dm[1], Path: dm[2], Message: msg})
			continue
		}
		if m != "" {
			other = append(other, m)
		}
	}
	if !compatible && len(rep.Violations) == 0 {
		msg := strings.Join(other, "; ")
		if msg == "" {
			msg = "the registry found the schema incompatible and gave no reason"
		}
		rep.Violations = append(rep.Violations, compat.Violation{Rule: ruleConfluentMessage, Message: msg})
	}
	return rep
}
