package registry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AllContexts is the subject prefix meaning "every context" (the default prefix of
// subject listings).
const AllContexts = ":*:"

// subjectName is a parsed, possibly context-qualified subject.
type subjectName struct {
	// raw is the name as the client wrote it, used in error messages.
	raw string
	// ctx is the context ("." for the default one); name the subject inside it,
	// "" when raw names a context (":.staging:").
	ctx  string
	name string
}

// scope returns the config/mode scope the name designates.
func (s subjectName) scope() Scope { return Scope{Context: s.ctx, Subject: s.name} }

func qualify(ctx, name string) string {
	if ctx == DefaultContext || ctx == "" {
		return name
	}
	return ":" + ctx + ":" + name
}

func invalidSubject(raw string) *Error {
	return newError(ErrInvalidSubject, "The specified subject '%s' is not a valid.", raw)
}

// splitSubject parses raw into context and name without judging the name.
// ok is false for a malformed qualification.
func splitSubject(raw string) (ctx, name string, ok bool) {
	if !strings.HasPrefix(raw, ":") {
		return DefaultContext, raw, true
	}
	rest := raw[1:]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return "", "", false
	}
	ctx, name = rest[:i], rest[i+1:]
	if !validContextName(ctx) {
		return "", "", false
	}
	return ctx, name, true
}

// validContextName reports whether c is a context name: "." or "." followed by
// printable characters other than ':' and '*', in valid UTF-8, at most
// MaxSubjectBytes long.
func validContextName(c string) bool {
	if c == DefaultContext {
		return true
	}
	if len(c) < 2 || c[0] != '.' || len(c) > MaxSubjectBytes || !utf8.ValidString(c) {
		return false
	}
	for _, r := range c {
		if r == ':' || r == '*' || r == '/' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// badName reports whether a subject name (unqualified) cannot be stored: it is
// not valid UTF-8, is longer than MaxSubjectBytes, or has a control character.
// Invalid UTF-8 would be stored as given and listed with U+FFFD in its place
// (JSON cannot carry it), a name no request can then address.
func badName(s string) bool {
	if len(s) > MaxSubjectBytes || !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// parseSubject parses a subject that names schemas: it must have a non-empty name,
// in valid UTF-8, at most MaxSubjectBytes long, with no control characters, not
// be a reserved name, and not live in the global context.
func parseSubject(raw string) (subjectName, error) {
	ctx, name, ok := splitSubject(raw)
	if !ok || name == "" || badName(name) || name == "__GLOBAL" || name == "__EMPTY" || ctx == GlobalContext {
		return subjectName{}, invalidSubject(raw)
	}
	return subjectName{raw: raw, ctx: ctx, name: name}, nil
}

// parseScope parses the "subject" of a config or mode request: "" or ":.__GLOBAL:"
// for the global level, ":.ctx:" for a context, anything else as a subject.
func parseScope(raw string) (subjectName, error) {
	if raw == "" {
		return subjectName{raw: raw, ctx: GlobalContext}, nil
	}
	ctx, name, ok := splitSubject(raw)
	if !ok || badName(name) {
		return subjectName{}, invalidSubject(raw)
	}
	if name == "" {
		return subjectName{raw: raw, ctx: ctx}, nil
	}
	return parseSubject(raw)
}

// parseContext parses a context name as /contexts/{ctx} spells it: ".staging",
// ":.staging:" or "." .
func parseContext(raw string) (string, error) {
	c := raw
	if strings.HasPrefix(c, ":") && strings.HasSuffix(c, ":") && len(c) >= 2 {
		c = c[1 : len(c)-1]
	}
	if !validContextName(c) || c == GlobalContext {
		return "", newError(ErrInvalidSubject, "The specified context '%s' is not valid.", raw)
	}
	return c, nil
}

// referenceTarget resolves a reference's subject against the referring schema's
// context: an unqualified subject inherits it.
func referenceTarget(referrerCtx, subject string) (subjectName, error) {
	if strings.HasPrefix(subject, ":") {
		return parseSubject(subject)
	}
	s, err := parseSubject(subject)
	if err != nil {
		return s, err
	}
	s.ctx = referrerCtx
	return s, nil
}

// prefixFilter is a parsed subject prefix for listings.
type prefixFilter struct {
	// ctx is "" for every context.
	ctx string
	// name is the prefix of the unqualified name.
	name string
}

// parsePrefix parses a listing prefix: "" or ":*:" for everything, ":.ctx:" or
// ":.ctx:abc" inside one context, and an unqualified "abc" inside the default context.
func parsePrefix(p string) prefixFilter {
	if p == "" || p == AllContexts {
		return prefixFilter{}
	}
	if strings.HasPrefix(p, AllContexts) {
		return prefixFilter{name: p[len(AllContexts):]}
	}
	if ctx, name, ok := splitSubject(p); ok {
		return prefixFilter{ctx: ctx, name: name}
	}
	// ":.ctx" without its closing colon: match the context by name prefix is not
	// supported by Confluent either; treat it as a context with no subjects.
	return prefixFilter{ctx: "\x00", name: p}
}
