package catalog

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Validate checks the references inside doc: ids are well formed, every domain,
// team, service, event and step named exists, domains do not nest in a cycle, and
// every event's subject exists (subjects is the set of live registry subjects; nil
// skips that check). src, when not nil, gives the positions used in the problems.
// It returns nil when doc can be applied.
func Validate(doc *Document, src *Source, subjects map[string]bool) error {
	v := &validator{doc: doc, src: src}
	v.index()
	v.teams()
	v.domains()
	v.services()
	v.checkEvents(subjects)
	v.flows()
	if len(v.probs) == 0 {
		return nil
	}
	return &ApplyError{Problems: listed(v.probs, v.dropped)}
}

type validator struct {
	doc                                      *Document
	src                                      *Source
	probs                                    []Problem
	dropped                                  int // problems found past maxProblems
	teamIDs, domainIDs, serviceIDs, eventIDs map[string]bool
}

func (v *validator) errorf(key, format string, args ...any) {
	if len(v.probs) >= maxProblems {
		v.dropped++
		return
	}
	p := v.src.at(key)
	msg := fmt.Sprintf(format, args...)
	if p.File == "" {
		msg = key + ": " + msg
	}
	v.probs = append(v.probs, Problem{File: p.File, Line: p.Line, Column: p.Column, Message: msg})
}

func (v *validator) index() {
	v.teamIDs, v.domainIDs, v.serviceIDs, v.eventIDs = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range v.doc.Teams {
		v.teamIDs[t.ID] = true
	}
	for _, d := range v.doc.Domains {
		v.domainIDs[d.ID] = true
	}
	for _, s := range v.doc.Services {
		v.serviceIDs[s.ID] = true
	}
	for _, e := range v.doc.Events {
		v.eventIDs[e.ID] = true
	}
}

func (v *validator) id(key, kind, id string) {
	if !ValidID(id) {
		v.errorf(key+".id", "%s id %q is not valid: use lower-case letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit", kind, id)
	}
}

func (v *validator) owners(key string, owners []string) {
	for _, o := range owners {
		if strings.Contains(o, "@") || v.teamIDs[o] {
			continue
		}
		v.errorf(key+".owners", "unknown owner %q: declare a team with this id, or give an e-mail address", o)
	}
}

func (v *validator) ref(key, what, id string, set map[string]bool, plural string) {
	if id == "" || set[id] {
		return
	}
	v.errorf(key, "unknown %s %q: no entry with this id under %s", what, id, plural)
}

func (v *validator) teams() {
	for _, t := range v.doc.Teams {
		v.id("teams/"+t.ID, "team", t.ID)
	}
}

func (v *validator) domains() {
	parent := map[string]string{}
	for _, d := range v.doc.Domains {
		key := "domains/" + d.ID
		v.id(key, "domain", d.ID)
		v.owners(key, d.Owners)
		v.ref(key+".parent", "parent domain", d.Parent, v.domainIDs, "domains")
		parent[d.ID] = d.Parent
	}
	for _, d := range v.doc.Domains {
		seen := map[string]bool{d.ID: true}
		for p := parent[d.ID]; p != ""; p = parent[p] {
			if seen[p] {
				v.errorf("domains/"+d.ID+".parent", "domain %q is inside itself through its parents", d.ID)
				break
			}
			seen[p] = true
		}
	}
}

// inDomain checks what services, events and flows share: a valid id, known
// owners and a known domain. It returns the entity's key, plural/id.
func (v *validator) inDomain(plural, kind, id string, owners []string, domain string) string {
	key := plural + "/" + id
	v.id(key, kind, id)
	v.owners(key, owners)
	v.ref(key+".domain", "domain", domain, v.domainIDs, "domains")
	return key
}

func (v *validator) services() {
	for _, s := range v.doc.Services {
		key := v.inDomain("services", "service", s.ID, s.Owners, s.Domain)
		if s.Repository != "" {
			u, err := url.Parse(s.Repository)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				v.errorf(key+".repository", "repository %q must be an http or https URL", s.Repository)
			}
		}
		for i, m := range s.Sends {
			v.ref(fmt.Sprintf("%s.sends[%d]", key, i), "event", m.Event, v.eventIDs, "events")
		}
		for i, m := range s.Receives {
			v.ref(fmt.Sprintf("%s.receives[%d]", key, i), "event", m.Event, v.eventIDs, "events")
		}
	}
}

func (v *validator) checkEvents(subjects map[string]bool) {
	for _, e := range v.doc.Events {
		key := v.inDomain("events", "event", e.ID, e.Owners, e.Domain)
		switch {
		case e.Subject == "":
			v.errorf(key, "event %q has no subject: name the registry subject that holds its schema", e.ID)
		case subjects != nil && !subjects[e.Subject]:
			v.errorf(key+".subject", "subject %q does not exist in the registry: register its schema first", e.Subject)
		}
		if d := e.Deprecated; d != nil {
			if d.Date != "" {
				if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
					v.errorf(key+".deprecated", "deprecation date %q must be YYYY-MM-DD", d.Date)
				}
			}
			v.ref(key+".deprecated", "replacement event", d.Replacement, v.eventIDs, "events")
			if d.Replacement == e.ID {
				v.errorf(key+".deprecated", "event %q cannot replace itself", e.ID)
			}
		}
	}
}

func (v *validator) flows() {
	for _, f := range v.doc.Flows {
		key := v.inDomain("flows", "flow", f.ID, f.Owners, f.Domain)
		if len(f.Steps) == 0 {
			v.errorf(key, "flow %q has no steps", f.ID)
		}
		steps := map[string]bool{}
		for i, st := range f.Steps {
			sk := fmt.Sprintf("%s.steps[%d]", key, i)
			if steps[st.ID] {
				v.errorf(sk+".id", "duplicate step id %q in flow %q", st.ID, f.ID)
			}
			steps[st.ID] = true
			if st.Service == "" {
				v.errorf(sk, "flow step %q has no service", st.ID)
			}
			v.ref(sk+".service", "service", st.Service, v.serviceIDs, "services")
			v.ref(sk+".event", "event", st.Event, v.eventIDs, "events")
		}
		for i, st := range f.Steps {
			for j, b := range st.Next {
				if !steps[b.Step] {
					v.errorf(fmt.Sprintf("%s.steps[%d].next[%d]", key, i, j), "unknown step %q in flow %q", b.Step, f.ID)
				}
			}
		}
	}
}
