package catalog

import (
	"fmt"
	"strconv"
)

// The hooks of the catalog types for the YAML decoder (decode.go): their names in
// messages, the file form of a flow step, and the defaults of steps and examples.

func (Document) yamlName() (string, string)    { return "catalog file", "" }
func (Team) yamlName() (string, string)        { return "team", "team" }
func (Domain) yamlName() (string, string)      { return "domain", "domain" }
func (Application) yamlName() (string, string) { return "service", "service" }
func (Event) yamlName() (string, string)       { return "event", "event" }
func (Example) yamlName() (string, string)     { return "example", "example" }
func (Deprecation) yamlName() (string, string) { return "deprecated", "deprecation" }
func (Flow) yamlName() (string, string)        { return "flow", "flow" }
func (Step) yamlName() (string, string)        { return "flow step", "step" }

// yamlForm reads a step as written, with the action as the key of its event
// (sends: EVENT or receives: EVENT). A step without an id is numbered from 1 by
// its place in the flow.
func (s *Step) yamlForm() (any, func(*mapping)) {
	f := &stepJSON{}
	return f, func(m *mapping) {
		*s = Step{ID: f.ID, Title: f.Title, Service: f.Service, Event: f.Sends, Next: f.Next, End: f.End}
		if !m.has("id") {
			s.ID = strconv.Itoa(m.index + 1)
		}
		sends, receives := m.keyIndex("sends"), m.keyIndex("receives")
		if receives >= 0 {
			s.Action, s.Event = Receives, f.Receives
		}
		switch {
		case sends >= 0 && receives >= 0:
			m.errorf(m.n.vals[max(sends, receives)].pos, "flow step has both sends and receives: split it into two steps")
		case sends >= 0:
			m.setSource("event", m.n.vals[sends].pos)
		case receives >= 0:
			m.setSource("event", m.n.vals[receives].pos)
		case m.isMap():
			m.errorf(m.n.pos, "flow step %q needs sends: EVENT or receives: EVENT", s.ID)
		}
	}
}

// checkYAML requires a value and names an unnamed example by its place.
func (e *Example) checkYAML(m *mapping) {
	if e.Value == nil {
		m.errorf(m.n.pos, "example %q has no value", e.Name)
	}
	if e.Name == "" {
		e.Name = fmt.Sprintf("example %d", m.index+1)
	}
}
