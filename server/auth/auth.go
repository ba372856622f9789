// Package auth is Herald's identity and access model: the auth file, the
// principals it names and how they prove who they are, the roles they hold, and
// the one policy function that decides every request.
//
// A caller is a Principal: a name, the Method it authenticated with and its
// role Bindings. Authenticate turns an Authorization header into one (HTTP
// Basic with a bcrypt-hashed password, a Bearer API key stored as its SHA-256,
// or a Bearer JWT checked by a TokenVerifier); a request without credentials
// gets the anonymous principal, whose bindings are the file's anonymous list
// (none by default).
//
// Roles are additive. reader reads schemas, configs, the catalog and topic
// metadata; consumer adds reading events; producer adds publishing; developer
// is producer and consumer plus registering and soft-deleting schemas, setting
// subject configs and applying the catalog; admin may do everything. A
// binding's subject and topic globs narrow where its role applies (see Match).
// Policy.Allowed is the only place a decision is made.
//
// The package reads no files and serves no HTTP: cmd/herald reads the auth file
// and hands its bytes to Parse, and package server calls Authenticate and
// Allowed from one middleware.
package auth

import (
	"context"
	"fmt"
	"time"
)

// Role is what a binding grants. The zero value is no role.
type Role uint8

// The roles, from least to most. consumer and producer each include reader;
// developer includes both; admin includes every role.
const (
	Reader Role = iota + 1
	Consumer
	Producer
	Developer
	Admin
)

var roleNames = [...]string{Reader: "reader", Consumer: "consumer", Producer: "producer", Developer: "developer", Admin: "admin"}

// String returns the role's name as written in the auth file ("developer").
func (r Role) String() string { return enumString(roleNames[:], r, "Role") }

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return enumText(roleNames[:], r, "role") }

// UnmarshalText implements encoding.TextUnmarshaler: reader, consumer,
// producer, developer or admin.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for r := Reader; r <= Admin; r++ {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q: want reader, consumer, producer, developer or admin", s)
}

// Includes reports whether holding r grants what need grants.
func (r Role) Includes(need Role) bool {
	switch r {
	case Admin:
		return need >= Reader && need <= Admin
	case Developer:
		return need >= Reader && need <= Developer
	case Producer, Consumer:
		return need == Reader || need == r
	case Reader:
		return need == Reader
	}
	return false
}

// Method is how a principal proved who it is.
type Method uint8

// The authentication methods. The zero value is the anonymous caller, who sent
// no credential.
const (
	Anonymous Method = iota
	Basic
	APIKey
	OIDC
	MTLS
	// Session is a web UI session, begun by signing in with the identity
	// provider (the session cookie).
	Session
)

var methodNames = [...]string{Anonymous: "anonymous", Basic: "basic", APIKey: "apikey", OIDC: "oidc", MTLS: "mtls", Session: "session"}

// String returns the method's name ("basic", "apikey", …).
func (m Method) String() string { return enumString(methodNames[:], m, "Method") }

// MarshalText implements encoding.TextMarshaler.
func (m Method) MarshalText() ([]byte, error) { return enumText(methodNames[:], m, "method") }

// enumName returns the name of v in names, an enum's table indexed by value;
// ok is false for a value outside the table or with no name (Role's zero).
func enumName[T ~uint8](names []string, v T) (name string, ok bool) {
	if int(v) >= len(names) || names[v] == "" {
		return "", false
	}
	return names[v], true
}

// enumString is an enum's String: its name, or Type(n) for an invalid value.
func enumString[T ~uint8](names []string, v T, typ string) string {
	if name, ok := enumName(names, v); ok {
		return name
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(v))
}

// enumText is an enum's MarshalText, which refuses an invalid value.
func enumText[T ~uint8](names []string, v T, what string) ([]byte, error) {
	name, ok := enumName(names, v)
	if !ok {
		return nil, fmt.Errorf("auth: invalid %s %d", what, uint8(v))
	}
	return []byte(name), nil
}

// Binding grants a role where its patterns match. A nil Subjects (or Topics)
// applies to every subject (or topic); otherwise a subject must match one of
// the patterns (see Match). Subjects are matched in their qualified form, so a
// subject of context .staging is seen as ":.staging:orders-value".
type Binding struct {
	Role     Role     `json:"role"`
	Subjects []string `json:"subjects,omitempty"`
	Topics   []string `json:"topics,omitempty"`
}

// unrestricted reports whether the binding applies to every subject and topic.
func (b Binding) unrestricted() bool {
	return matchesAll(b.Subjects) && matchesAll(b.Topics)
}

// matchesAll reports whether a pattern list covers every name: absent, or
// holding "*".
func matchesAll(patterns []string) bool {
	if patterns == nil {
		return true
	}
	for _, p := range patterns {
		if p == "*" {
			return true
		}
	}
	return false
}

// Principal is an authenticated caller (or the anonymous one).
type Principal struct {
	// Name is the principal's name in the auth file, the username claim of a
	// JWT, or "anonymous".
	Name string
	// Method is how the caller authenticated.
	Method Method
	// Bindings are the roles the caller holds.
	Bindings []Binding
}

// AnonymousName is the Name of the caller who sent no credential.
const AnonymousName = "anonymous"

// Identity is what a TokenVerifier learns from a valid token.
type Identity struct {
	// Username is the value of the configured username claim.
	Username string
	// Roles are the values of the configured roles claim; the auth file's
	// oidc.roleMapping turns them into bindings.
	Roles []string
	// Expires is when the token stops being valid (its exp). Zero: unknown;
	// the verification is then not cached.
	Expires time.Time
}

// TokenVerifier checks a JWT bearer token: its signature against the identity
// provider's keys, and its iss, aud, exp and nbf. It returns an error for any
// token it does not accept; the error is logged, never shown to the caller,
// and must not contain the token. Package server/auth/oidc implements it from
// the auth file's oidc section.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (Identity, error)
}
