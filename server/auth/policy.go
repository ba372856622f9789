package auth

import "fmt"

// Action is what a request does. The server's route table maps every route to
// one; Policy.Allowed decides whether a principal may do it to a Resource.
type Action uint8

// The actions. Each names the role it needs and what narrows it (see actionInfo).
const (
	// Public needs nothing and no credential: liveness, readiness.
	Public Action = iota + 1
	// WhoAmI needs no role, but a credential sent is checked.
	WhoAmI
	// ReadMetrics is GET /metrics: public unless Policy.MetricsRole is set.
	ReadMetrics
	// ReadAPI reads what describes the server: the OpenAPI spec, metadata,
	// schema types, the compatibility rules.
	ReadAPI
	// ReadSchema reads a schema by id or GUID. Ids are not scoped by subject:
	// a deserializer needs the writer's schema whoever registered it.
	ReadSchema
	// ListSubjects lists subjects or schemas; the answer is filtered to the
	// subjects the caller may read (ReadSubject).
	ListSubjects
	// ReadSubject reads a subject: versions, lookups, its config and mode.
	ReadSubject
	// ReadConfig reads the global config and mode, and the list of contexts.
	ReadConfig
	// TestCompat tests a schema against a subject's versions.
	TestCompat
	// Register registers a schema (or a new contract) under a subject.
	Register
	// SoftDelete soft-deletes a subject or a version.
	SoftDelete
	// HardDelete deletes a subject or version permanently.
	HardDelete
	// WriteSubjectConfig sets or deletes a subject's config.
	WriteSubjectConfig
	// WriteGlobalConfig sets or deletes the global config.
	WriteGlobalConfig
	// WriteSubjectMode sets or deletes a subject's mode (IMPORT included).
	WriteSubjectMode
	// WriteGlobalMode sets or deletes the global mode.
	WriteGlobalMode
	// DeleteContext deletes a context.
	DeleteContext
	// ReadCatalog reads the catalog, through the API or the web pages.
	ReadCatalog
	// ApplyCatalog replaces the catalog with catalog-as-code files.
	ApplyCatalog
	// ImportCatalog imports an AsyncAPI document, which also registers the
	// schemas it holds under the subjects it names: it needs a developer
	// binding that covers every subject and topic.
	ImportCatalog
	// ListTopics lists topics, filtered to those the caller may read (ReadTopic).
	ListTopics
	// ReadTopic reads a topic's configuration and counts.
	ReadTopic
	// WriteTopic creates, changes or deletes a topic.
	WriteTopic
	// Publish publishes events to a topic.
	Publish
	// Consume reads or streams a topic's events, and receives, acks and nacks
	// a queue's messages.
	Consume
	// GroupOffsets reads or commits a consumer group's offsets. Groups are not
	// bound to a topic, so any consumer binding allows it.
	GroupOffsets
	// ReadDeadLetters lists a topic's dead letters: event payloads, so it
	// needs what reading the topic's events needs.
	ReadDeadLetters
	// RedriveDeadLetters publishes a topic's dead letters to it again: an
	// operator's repair, for admins.
	RedriveDeadLetters
	// SignIn is the web sign-in and its callback: open to anyone, since it
	// is how a caller gets a credential (audited: it begins a session).
	SignIn
	// SignOut ends a web session: any caller may end its own.
	SignOut

	actionCount
)

// scope says which of a binding's patterns an action is narrowed by.
type scope uint8

const (
	// scopeAny: any binding of the role will do.
	scopeAny scope = iota
	// scopeSubject: the binding's subject patterns must match Resource.Subject.
	scopeSubject
	// scopeTopic: the binding's topic patterns must match Resource.Topic.
	scopeTopic
	// scopeAll: the binding must cover every subject and topic.
	scopeAll
)

// actionInfo is, per action, its stable name (in refusals and the audit log),
// the role it needs and its scope.
var actionInfo = [actionCount]struct {
	name  string
	need  Role
	scope scope
}{
	Public:             {"public", 0, scopeAny},
	WhoAmI:             {"whoami", 0, scopeAny},
	ReadMetrics:        {"metrics.read", 0, scopeAny},
	ReadAPI:            {"api.read", Reader, scopeAny},
	ReadSchema:         {"schema.read", Reader, scopeAny},
	ListSubjects:       {"subject.list", Reader, scopeAny},
	ReadSubject:        {"subject.read", Reader, scopeSubject},
	ReadConfig:         {"config.read", Reader, scopeAny},
	TestCompat:         {"subject.compat", Developer, scopeSubject},
	Register:           {"subject.register", Developer, scopeSubject},
	SoftDelete:         {"subject.delete", Developer, scopeSubject},
	HardDelete:         {"subject.delete.permanent", Admin, scopeSubject},
	WriteSubjectConfig: {"config.write.subject", Developer, scopeSubject},
	WriteGlobalConfig:  {"config.write.global", Admin, scopeAll},
	WriteSubjectMode:   {"mode.write.subject", Admin, scopeSubject},
	WriteGlobalMode:    {"mode.write.global", Admin, scopeAll},
	DeleteContext:      {"context.delete", Admin, scopeAll},
	ReadCatalog:        {"catalog.read", Reader, scopeAny},
	ApplyCatalog:       {"catalog.apply", Developer, scopeAny},
	ImportCatalog:      {"catalog.import", Developer, scopeAll},
	ListTopics:         {"topic.list", Reader, scopeAny},
	ReadTopic:          {"topic.read", Reader, scopeTopic},
	WriteTopic:         {"topic.write", Admin, scopeTopic},
	Publish:            {"topic.publish", Producer, scopeTopic},
	Consume:            {"topic.consume", Consumer, scopeTopic},
	GroupOffsets:       {"group.offsets", Consumer, scopeAny},
	ReadDeadLetters:    {"deadletters.read", Consumer, scopeTopic},
	RedriveDeadLetters: {"deadletters.redrive", Admin, scopeTopic},
	SignIn:             {"session.signin", 0, scopeAny},
	SignOut:            {"session.signout", 0, scopeAny},
}

// String returns the action's stable name ("subject.register").
func (a Action) String() string {
	if a > 0 && a < actionCount {
		return actionInfo[a].name
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) {
	if a == 0 || a >= actionCount {
		return nil, fmt.Errorf("auth: invalid action %d", uint8(a))
	}
	return []byte(actionInfo[a].name), nil
}

// Actions lists every action, for tests that cover them all.
func Actions() []Action {
	out := make([]Action, 0, actionCount-1)
	for a := Public; a < actionCount; a++ {
		out = append(out, a)
	}
	return out
}

// Resource is what an action is done to. Only the field the action's scope
// reads matters: Subject (qualified, ":.ctx:name" outside the default context)
// or Topic.
type Resource struct {
	Subject string
	Topic   string
}

// String names the resource for a refusal: subject "x", topic "y", or "".
func (r Resource) String() string {
	switch {
	case r.Subject != "":
		return fmt.Sprintf("subject %q", r.Subject)
	case r.Topic != "":
		return fmt.Sprintf("topic %q", r.Topic)
	}
	return ""
}

// Policy is the one place access is decided.
type Policy struct {
	// MetricsRole is the role GET /metrics needs. Zero: /metrics is public.
	MetricsRole Role
}

// Allowed reports whether p may do a to r, and the role a needs (zero when it
// needs none), for a refusal to name. A nil principal holds no binding.
//
// A binding allows the action when its role includes the role needed and its
// patterns cover the resource as the action's scope says: the subject
// patterns for subject actions, the topic patterns for topic actions, both
// absent (or "*") for actions on the whole registry; actions of any scope
// need only the role.
func (pol Policy) Allowed(p *Principal, a Action, r Resource) (ok bool, need Role) {
	if a == 0 || a >= actionCount {
		return false, Admin
	}
	info := actionInfo[a]
	need = info.need
	if a == ReadMetrics {
		need = pol.MetricsRole
	}
	if need == 0 {
		return true, 0
	}
	if p == nil {
		return false, need
	}
	for _, b := range p.Bindings {
		if !b.Role.Includes(need) {
			continue
		}
		switch info.scope {
		case scopeAny:
			return true, need
		case scopeSubject:
			if matchAny(b.Subjects, r.Subject) {
				return true, need
			}
		case scopeTopic:
			if matchAny(b.Topics, r.Topic) {
				return true, need
			}
		case scopeAll:
			if b.unrestricted() {
				return true, need
			}
		}
	}
	return false, need
}

// matchAny reports whether name matches one of patterns; nil patterns match
// every name, and an empty name matches only a pattern that matches anything.
func matchAny(patterns []string, name string) bool {
	if patterns == nil {
		return true
	}
	for _, p := range patterns {
		if Match(p, name) {
			return true
		}
	}
	return false
}

// Match reports whether name matches pattern. A pattern is literal text in
// which each * stands for any run of characters, the empty run included, and
// with no exception for "/", ":" or "." (so "orders-*" matches
// "orders-value" and "orders-a/b.proto", and ":.staging:*" every subject of
// context .staging). There are no other special characters.
//
// It runs in O(len(pattern)·len(name)) at worst: a failed match after the last
// star backtracks only to that star.
func Match(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			// Let the last star swallow one more character and retry.
			mark++
			p, n = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
