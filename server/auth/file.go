package auth

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"golang.org/x/crypto/bcrypt"

	"github.com/heraldhq/herald/internal/textpos"
)

// MaxFileBytes bounds an auth file: Parse refuses a larger one.
const MaxFileBytes = 4 << 20

// File is a parsed auth file:
//
//	principals:
//	  - name: platform            # HTTP Basic; password is a bcrypt hash
//	    password: "$2a$12$..."
//	    roles: [admin]
//	  - name: orders-ci           # API key; only its SHA-256 is stored
//	    apiKey: "sha256:<64 hex digits>"
//	    roles:
//	      - {role: developer, subjects: ["orders-*"], topics: ["orders*"]}
//	oidc:                         # optional: JWT bearer tokens
//	  issuer: https://idp.example/realms/acme
//	  audience: herald
//	  roleMapping:
//	    platform-admins: [admin]
//	anonymous: []                 # bindings for callers with no credential
//
// A principal with neither password nor apiKey can still be named by the
// subject CN of a client certificate.
type File struct {
	// Principals are the users and keys, in file order.
	Principals []PrincipalEntry
	// OIDC configures JWT bearer tokens. Nil: JWTs are refused.
	OIDC *OIDCConfig
	// Anonymous are the bindings of callers with no credential. Nil: none.
	Anonymous []Binding
}

// PrincipalEntry is one principal of the auth file.
type PrincipalEntry struct {
	// Name identifies the principal: the Basic user name, the certificate CN.
	Name string
	// PasswordHash is the bcrypt hash of the Basic password. Empty: no Basic.
	PasswordHash string
	// APIKeyHash is the SHA-256 of the API key; HasAPIKey says it is set.
	APIKeyHash [32]byte
	HasAPIKey  bool
	// Bindings are the principal's roles.
	Bindings []Binding
	// Line is where the entry starts in the file.
	Line int
}

// OIDCConfig is the auth file's oidc section, which the JWT verifier
// (server/auth/oidc) and the web sign-in read.
type OIDCConfig struct {
	// Issuer is the expected iss claim and the base of discovery. Required.
	Issuer string
	// JWKSURL is where the signing keys are. Empty: found by discovery from
	// Issuer.
	JWKSURL string
	// Audience is the expected aud claim. Required.
	Audience string
	// UsernameClaim names the principal. Empty in the file: "sub".
	UsernameClaim string
	// RolesClaim holds the values RoleMapping maps. Empty in the file: "groups".
	RolesClaim string
	// ClientID, when set, lets the web UI offer sign-in with the identity
	// provider. Empty: no sign-in.
	ClientID string
	// ClientSecret authenticates Herald at the token endpoint, for a
	// confidential client. Empty: a public client (PKCE alone).
	ClientSecret string
	// RedirectURL is where the provider sends the browser back
	// (https://herald.example.com/ui/callback). Empty: built from each
	// request's host, which Config.AllowedHosts vets.
	RedirectURL string
	// SessionKey signs the web session cookies: 32 bytes or more, written as
	// hex or base64. Give every instance behind a load balancer the same one.
	// Empty: a key generated at start, so sessions end at a restart and are
	// known to one instance only.
	SessionKey []byte
	// RoleMapping maps a value of RolesClaim to bindings.
	RoleMapping map[string][]Binding
}

// Problem is one thing wrong with an auth file, at a place in it.
type Problem = textpos.Problem

// FileError lists every problem of an auth file. It never quotes a password
// or key: only the place and what is wrong.
type FileError struct {
	Problems []Problem
}

func (e *FileError) Error() string { return textpos.List("auth file", e.Problems) }

// Parse reads an auth file. name is used in error messages only. Unknown
// keys, repeated keys, bad values, duplicate names and duplicate API keys are
// all reported, each with its line and column, in a *FileError.
func Parse(name string, data []byte) (*File, error) {
	d := &decoder{file: name}
	if len(data) > MaxFileBytes {
		d.problem(0, 0, "the file is %d bytes, more than the %d an auth file may have", len(data), MaxFileBytes)
		return nil, d.err()
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			d.problem(se.Token.Position.Line, se.Token.Position.Column, "YAML syntax error: %s", se.Message)
		} else {
			d.problem(1, 1, "YAML syntax error: %v", err)
		}
		return nil, d.err()
	}
	out := &File{}
	seenDoc := false
	for _, doc := range f.Docs {
		body := unwrap(doc.Body)
		if isEmpty(body) {
			continue
		}
		if seenDoc {
			d.errorf(body, "the auth file must be one YAML document")
			break
		}
		seenDoc = true
		d.top(body, out)
	}
	if len(d.probs) == 0 {
		d.check(out)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// decoder walks the YAML AST of one auth file, collecting problems.
type decoder struct {
	file  string
	probs []Problem
}

func (d *decoder) problem(line, col int, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.problem(line, col, format, args...)
}

func (d *decoder) err() error {
	if len(d.probs) == 0 {
		return nil
	}
	sort.SliceStable(d.probs, func(i, j int) bool { return d.probs[i].Line < d.probs[j].Line })
	return &FileError{Problems: d.probs}
}

// position is where a node starts; a key-value pair starts at its key.
func position(n ast.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		n = mv.Key
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key != nil {
		n = m.Values[0].Key
	}
	tok := n.GetToken()
	if tok == nil || tok.Position == nil {
		return 0, 0
	}
	return tok.Position.Line, tok.Position.Column
}

// unwrap looks through anchors and tags.
func unwrap(n ast.Node) ast.Node {
	for i := 0; i < 16 && n != nil; i++ {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
	return n
}

// isEmpty reports whether a node holds nothing (absent, null or a comment).
func isEmpty(n ast.Node) bool {
	switch n.(type) {
	case nil, *ast.NullNode, *ast.CommentGroupNode, *ast.CommentNode:
		return true
	}
	return false
}

// pairs returns the key-value pairs of a mapping, or reports what it is not.
func (d *decoder) pairs(n ast.Node, what string) ([]*ast.MappingValueNode, bool) {
	switch t := unwrap(n).(type) {
	case *ast.MappingNode:
		return t.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}, true
	}
	d.errorf(n, "%s must be a mapping, got %s", what, kindOf(n))
	return nil, false
}

// fields walks a mapping: every key must be one of allowed and appear once.
// fn gets the key and its value.
func (d *decoder) fields(n ast.Node, what string, allowed []string, fn func(key string, k, v ast.Node)) bool {
	ps, ok := d.pairs(n, what)
	if !ok {
		return false
	}
	seen := map[string]bool{}
	for _, mv := range ps {
		key, ok := scalarText(mv.Key)
		if !ok {
			d.errorf(mv.Key, "%s: keys must be plain words", what)
			continue
		}
		if seen[key] {
			d.errorf(mv.Key, "%s: key %q appears twice", what, key)
			continue
		}
		seen[key] = true
		if !slices.Contains(allowed, key) {
			d.errorf(mv.Key, "%s: unknown key %q (allowed: %s)", what, key, strings.Join(allowed, ", "))
			continue
		}
		fn(key, mv.Key, mv.Value)
	}
	return true
}

// items walks a list.
func (d *decoder) items(n ast.Node, what string, fn func(i int, item ast.Node)) bool {
	seq, ok := unwrap(n).(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "%s must be a list, got %s", what, kindOf(n))
		return false
	}
	for i, v := range seq.Values {
		fn(i, v)
	}
	return true
}

// str reads a non-empty scalar as text.
func (d *decoder) str(n ast.Node, what string) (string, bool) {
	s, ok := scalarText(n)
	if !ok {
		d.errorf(n, "%s must be a string, got %s", what, kindOf(n))
		return "", false
	}
	if s == "" {
		d.errorf(n, "%s must not be empty", what)
		return "", false
	}
	return s, true
}

// scalarText is a scalar's text; false for anything else (and for null).
func scalarText(n ast.Node) (string, bool) {
	n = unwrap(n)
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.NullNode:
		return "", false
	case ast.ScalarNode:
		if tok := t.GetToken(); tok != nil {
			return tok.Value, true
		}
		return fmt.Sprint(t.GetValue()), true
	}
	return "", false
}

// kindOf names a node's kind for messages.
func kindOf(n ast.Node) string {
	switch unwrap(n).(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an alias (aliases are not supported: repeat the value)"
	}
	return "a scalar"
}

// top reads the document's root mapping.
func (d *decoder) top(n ast.Node, out *File) {
	d.fields(n, "the auth file", []string{"principals", "oidc", "anonymous"}, func(key string, _, v ast.Node) {
		switch key {
		case "principals":
			if isEmpty(unwrap(v)) {
				return
			}
			d.items(v, "principals", func(i int, item ast.Node) {
				if p, ok := d.principal(item, i); ok {
					out.Principals = append(out.Principals, p)
				}
			})
		case "oidc":
			out.OIDC = d.oidc(v)
		case "anonymous":
			out.Anonymous = d.bindings(v, "anonymous")
			if out.Anonymous == nil {
				out.Anonymous = []Binding{}
			}
		}
	})
}

// principal reads one entry of principals.
func (d *decoder) principal(n ast.Node, i int) (PrincipalEntry, bool) {
	line, _ := position(n)
	p := PrincipalEntry{Line: line}
	what := fmt.Sprintf("principals[%d]", i)
	start := len(d.probs)
	var hasRoles bool
	d.fields(n, what, []string{"name", "password", "apiKey", "roles"}, func(key string, _, v ast.Node) {
		switch key {
		case "name":
			if s, ok := d.str(v, what+".name"); ok {
				if strings.ContainsAny(s, ":\r\n") || strings.TrimSpace(s) != s {
					d.errorf(v, "%s.name %q: a name may not contain \":\", line breaks or surrounding spaces (HTTP Basic could not send it)", what, s)
				}
				p.Name = s
			}
		case "password":
			if s, ok := d.str(v, what+".password"); ok {
				if _, err := bcrypt.Cost([]byte(s)); err != nil || !strings.HasPrefix(s, "$2") {
					d.errorf(v, "%s.password is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters): store the output of `herald auth hash`, never the password itself", what)
				} else {
					p.PasswordHash = s
				}
			}
		case "apiKey":
			if s, ok := d.str(v, what+".apiKey"); ok {
				h, ok := parseKeyHash(s)
				if !ok {
					d.errorf(v, "%s.apiKey must be \"sha256:\" and 64 hex digits (the output of `herald auth hash --api-key`), never the key itself", what)
				} else {
					p.APIKeyHash, p.HasAPIKey = h, true
				}
			}
		case "roles":
			hasRoles = true
			p.Bindings = d.bindings(v, what+".roles")
			if len(p.Bindings) == 0 && len(d.probs) == start {
				d.errorf(v, "%s.roles is empty: a principal needs at least one role", what)
			}
		}
	})
	if p.Name == "" && len(d.probs) == start {
		d.errorf(n, "%s has no name", what)
	}
	if !hasRoles && len(d.probs) == start {
		d.errorf(n, "%s (%s) has no roles: give it at least one (reader, consumer, producer, developer or admin)", what, p.Name)
	}
	return p, len(d.probs) == start
}

// parseKeyHash reads "sha256:<64 hex>".
func parseKeyHash(s string) ([32]byte, bool) {
	var h [32]byte
	rest, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(rest) != 64 {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(rest)); err != nil {
		return h, false
	}
	return h, true
}

// bindings reads a list of bindings: role names, or {role, subjects, topics}.
func (d *decoder) bindings(n ast.Node, what string) []Binding {
	var out []Binding
	if isEmpty(unwrap(n)) {
		return nil
	}
	d.items(n, what, func(i int, item ast.Node) {
		if b, ok := d.binding(item, fmt.Sprintf("%s[%d]", what, i)); ok {
			out = append(out, b)
		}
	})
	return out
}

// binding reads one binding.
func (d *decoder) binding(n ast.Node, what string) (Binding, bool) {
	if s, ok := scalarText(n); ok {
		r, err := ParseRole(s)
		if err != nil {
			d.errorf(n, "%s: %v", what, err)
			return Binding{}, false
		}
		return Binding{Role: r}, true
	}
	var b Binding
	start := len(d.probs)
	okShape := d.fields(n, what, []string{"role", "subjects", "topics"}, func(key string, _, v ast.Node) {
		switch key {
		case "role":
			if s, ok := d.str(v, what+".role"); ok {
				r, err := ParseRole(s)
				if err != nil {
					d.errorf(v, "%s.role: %v", what, err)
					return
				}
				b.Role = r
			}
		case "subjects":
			b.Subjects = d.patterns(v, what+".subjects")
		case "topics":
			b.Topics = d.patterns(v, what+".topics")
		}
	})
	if okShape && b.Role == 0 && len(d.probs) == start {
		d.errorf(n, "%s has no role", what)
	}
	return b, len(d.probs) == start
}

// patterns reads a non-empty list of glob patterns. An absent list means all;
// an empty one would grant nothing, which is never what was meant.
func (d *decoder) patterns(n ast.Node, what string) []string {
	out := []string{}
	d.items(n, what, func(i int, item ast.Node) {
		if s, ok := d.str(item, fmt.Sprintf("%s[%d]", what, i)); ok {
			out = append(out, s)
		}
	})
	if len(out) == 0 {
		d.errorf(n, "%s is empty: list patterns, or leave the key out to cover every name", what)
	}
	return out
}

// oidc reads the oidc section.
func (d *decoder) oidc(n ast.Node) *OIDCConfig {
	o := &OIDCConfig{UsernameClaim: "sub", RolesClaim: "groups"}
	start := len(d.probs)
	ok := d.fields(n, "oidc", []string{"issuer", "jwksURL", "audience", "usernameClaim", "rolesClaim", "clientID", "clientSecret", "redirectURL", "sessionKey", "roleMapping"}, func(key string, _, v ast.Node) {
		switch key {
		case "issuer":
			o.Issuer = d.urlField(v, "oidc.issuer")
		case "jwksURL":
			o.JWKSURL = d.urlField(v, "oidc.jwksURL")
		case "audience":
			o.Audience, _ = d.str(v, "oidc.audience")
		case "usernameClaim":
			o.UsernameClaim, _ = d.str(v, "oidc.usernameClaim")
		case "rolesClaim":
			o.RolesClaim, _ = d.str(v, "oidc.rolesClaim")
		case "clientID":
			o.ClientID, _ = d.str(v, "oidc.clientID")
		case "clientSecret":
			o.ClientSecret, _ = d.str(v, "oidc.clientSecret")
		case "redirectURL":
			o.RedirectURL = d.urlField(v, "oidc.redirectURL")
		case "sessionKey":
			if s, ok := d.str(v, "oidc.sessionKey"); ok {
				if k, ok := decodeKey(s); ok && len(k) >= MinSessionKeyBytes {
					o.SessionKey = k
				} else {
					d.errorf(v, "oidc.sessionKey: want at least %d random bytes written as hex or base64 (`openssl rand -hex 32`)", MinSessionKeyBytes)
				}
			}
		case "roleMapping":
			o.RoleMapping = d.roleMapping(v)
		}
	})
	if !ok {
		return nil
	}
	if len(d.probs) == start {
		if o.Issuer == "" {
			d.errorf(n, "oidc.issuer is required: the identity provider's issuer URL (the iss claim)")
		}
		if o.Audience == "" {
			d.errorf(n, "oidc.audience is required: the aud claim tokens for Herald carry")
		}
	}
	return o
}

// MinSessionKeyBytes is the shortest oidc.sessionKey accepted.
const MinSessionKeyBytes = 32

// decodeKey reads a key written as hex or as base64 (standard or URL, with
// or without padding).
func decodeKey(s string) ([]byte, bool) {
	if k, err := hex.DecodeString(s); err == nil {
		return k, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			return k, true
		}
	}
	return nil, false
}

// roleMapping reads oidc.roleMapping: claim value → bindings.
func (d *decoder) roleMapping(n ast.Node) map[string][]Binding {
	out := map[string][]Binding{}
	if isEmpty(unwrap(n)) {
		return out
	}
	ps, ok := d.pairs(n, "oidc.roleMapping")
	if !ok {
		return out
	}
	for _, mv := range ps {
		key, ok := scalarText(mv.Key)
		if !ok || key == "" {
			d.errorf(mv.Key, "oidc.roleMapping: keys must be claim values")
			continue
		}
		if _, dup := out[key]; dup {
			d.errorf(mv.Key, "oidc.roleMapping: key %q appears twice", key)
			continue
		}
		out[key] = d.bindings(mv.Value, fmt.Sprintf("oidc.roleMapping[%q]", key))
	}
	return out
}

// urlField reads a string that must be an absolute http(s) URL.
func (d *decoder) urlField(n ast.Node, what string) string {
	s, ok := d.str(n, what)
	if ok {
		d.checkURL(n, what, s)
	}
	return s
}

// checkURL reports a value that is not an absolute http(s) URL.
func (d *decoder) checkURL(n ast.Node, what, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.errorf(n, "%s %q: want an absolute https URL", what, s)
	}
}

// check reports what is wrong across entries: duplicate names and keys, and a
// file that grants nothing.
func (d *decoder) check(f *File) {
	names := map[string]int{}
	keys := map[[32]byte]string{}
	for _, p := range f.Principals {
		if line, dup := names[p.Name]; dup {
			d.problem(p.Line, 0, "principal %q is defined twice (first at line %d)", p.Name, line)
		}
		names[p.Name] = p.Line
		if p.HasAPIKey {
			if other, dup := keys[p.APIKeyHash]; dup {
				d.problem(p.Line, 0, "principal %q has the same apiKey as %q: give each its own key", p.Name, other)
			}
			keys[p.APIKeyHash] = p.Name
		}
	}
	if len(f.Principals) == 0 && f.OIDC == nil && len(f.Anonymous) == 0 {
		d.problem(1, 1, "the auth file grants nothing: list principals, configure oidc or give anonymous bindings")
	}
}
