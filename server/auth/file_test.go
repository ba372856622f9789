package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// testKey is an API key; testKeyHash its line in the auth file.
const testKey = "hrld_test-key-of-orders-ci"

var testKeyHash = auth.HashAPIKey(testKey)

func TestParseReadsEveryField(t *testing.T) {
	t.Parallel()
	src := `# the example of issue 10
principals:
  - name: platform
    password: "` + authtest.PasswordHash + `"
    roles: [admin]
  - name: orders-ci
    apiKey: "` + testKeyHash + `"
    roles:
      - {role: developer, subjects: ["orders-*"], topics: ["orders*"]}
      - reader
  - name: gateway.example.com
    roles: [producer]
oidc:
  issuer: https://idp.example/realms/acme
  jwksURL: https://idp.example/realms/acme/protocol/openid-connect/certs
  audience: herald
  usernameClaim: preferred_username
  rolesClaim: groups
  clientID: herald-ui
  clientSecret: ui-secret
  redirectURL: https://herald.example/ui/callback
  sessionKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  roleMapping:
    platform-admins: [admin]
    payments-team: [{role: developer, subjects: ["payments-*"], topics: ["payments*"]}]
anonymous: [reader]
`
	f, err := auth.Parse("auth.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &auth.File{
		Principals: []auth.PrincipalEntry{
			{Name: "platform", PasswordHash: authtest.PasswordHash, Bindings: []auth.Binding{{Role: auth.Admin}}, Line: 3},
			{Name: "orders-ci", HasAPIKey: true, Bindings: []auth.Binding{
				{Role: auth.Developer, Subjects: []string{"orders-*"}, Topics: []string{"orders*"}},
				{Role: auth.Reader},
			}, Line: 6},
			{Name: "gateway.example.com", Bindings: []auth.Binding{{Role: auth.Producer}}, Line: 11},
		},
		OIDC: &auth.OIDCConfig{
			Issuer: "https://idp.example/realms/acme", JWKSURL: "https://idp.example/realms/acme/protocol/openid-connect/certs",
			Audience: "herald", UsernameClaim: "preferred_username", RolesClaim: "groups", ClientID: "herald-ui",
			ClientSecret: "ui-secret", RedirectURL: "https://herald.example/ui/callback", SessionKey: seq(32),
			RoleMapping: map[string][]auth.Binding{
				"platform-admins": {{Role: auth.Admin}},
				"payments-team":   {{Role: auth.Developer, Subjects: []string{"payments-*"}, Topics: []string{"payments*"}}},
			},
		},
		Anonymous: []auth.Binding{{Role: auth.Reader}},
	}
	want.Principals[1].APIKeyHash = f.Principals[1].APIKeyHash
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("parsed file (-want +got):\n%s", diff)
	}
	if got := auth.HashAPIKey(testKey); got != "sha256:"+hexOf(f.Principals[1].APIKeyHash) {
		t.Errorf("apiKey hash not decoded: %s", got)
	}
}

// seq is the bytes 0, 1, … n-1.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func hexOf(b [32]byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	f, err := auth.Parse("a.yaml", []byte("oidc:\n  issuer: https://idp.example\n  audience: herald\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.OIDC.UsernameClaim != "sub" || f.OIDC.RolesClaim != "groups" {
		t.Errorf("claims default to %q and %q, want sub and groups", f.OIDC.UsernameClaim, f.OIDC.RolesClaim)
	}
	if f.Anonymous != nil {
		t.Errorf("anonymous defaults to %v, want none", f.Anonymous)
	}
}

// TestParseRefuses checks that every kind of mistake is an error naming the
// file, line and column, and that no secret is ever quoted back.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		want      string // substring of the error, with its position
	}{
		{"EmptyFileGrantsNothing", "", "a.yaml:1:1: the auth file grants nothing"},
		{"UnknownTopKey", "principal:\n  - name: x\n", `a.yaml:1:1: the auth file: unknown key "principal"`},
		{"UnknownPrincipalKey", "principals:\n  - name: x\n    roles: [admin]\n    passwd: hunter2\n", `a.yaml:4:5: principals[0]: unknown key "passwd"`},
		{"RepeatedKey", "principals:\n  - name: x\n    name: y\n    roles: [admin]\n", `a.yaml:3:5: YAML syntax error: mapping key "name" already defined`},
		{"PlainPassword", "principals:\n  - name: x\n    password: hunter2\n    roles: [admin]\n", "a.yaml:3:15: principals[0].password is not a bcrypt hash"},
		{"PlainAPIKey", "principals:\n  - name: x\n    apiKey: hrld_abc\n    roles: [admin]\n", `a.yaml:3:13: principals[0].apiKey must be "sha256:" and 64 hex digits`},
		{"ShortKeyHash", "principals:\n  - name: x\n    apiKey: sha256:abcd\n    roles: [admin]\n", "a.yaml:3:13: principals[0].apiKey must be"},
		{"UnknownRole", "principals:\n  - name: x\n    roles: [owner]\n", `a.yaml:3:13: principals[0].roles[0]: unknown role "owner"`},
		{"UnknownBindingKey", "principals:\n  - name: x\n    roles: [{role: admin, subject: [a]}]\n", `principals[0].roles[0]: unknown key "subject"`},
		{"BindingWithoutRole", "principals:\n  - name: x\n    roles: [{subjects: [a]}]\n", "a.yaml:3:14: principals[0].roles[0] has no role"},
		{"EmptyPatternList", "principals:\n  - name: x\n    roles: [{role: admin, subjects: []}]\n", "principals[0].roles[0].subjects is empty"},
		{"NoName", "principals:\n  - roles: [admin]\n", "a.yaml:2:5: principals[0] has no name"},
		{"NameWithColon", "principals:\n  - name: a:b\n    roles: [admin]\n", `principals[0].name "a:b": a name may not contain ":"`},
		{"NoRoles", "principals:\n  - name: x\n", "a.yaml:2:5: principals[0] (x) has no roles"},
		{"DuplicateName", "principals:\n  - name: x\n    roles: [admin]\n  - name: x\n    roles: [reader]\n", `a.yaml:4:0: principal "x" is defined twice (first at line 2)`},
		{"SharedKey", "principals:\n  - name: x\n    apiKey: " + testKeyHash + "\n    roles: [admin]\n  - name: y\n    apiKey: " + testKeyHash + "\n    roles: [reader]\n", `principal "y" has the same apiKey as "x"`},
		{"PrincipalsNotAList", "principals: {name: x}\n", "a.yaml:1:14: principals must be a list, got a mapping"},
		{"OIDCWithoutIssuer", "oidc:\n  audience: herald\n", "a.yaml:2:3: oidc.issuer is required"},
		{"OIDCBadURL", "oidc:\n  issuer: idp.example\n  audience: herald\n", `a.yaml:2:11: oidc.issuer "idp.example": want an absolute https URL`},
		{"OIDCBadMapping", "oidc:\n  issuer: https://i\n  audience: a\n  roleMapping:\n    ops: [root]\n", `oidc.roleMapping["ops"][0]: unknown role "root"`},
		{"ShortSessionKey", "oidc:\n  issuer: https://i\n  audience: a\n  sessionKey: hunter2\n", "a.yaml:4:15: oidc.sessionKey: want at least 32 random bytes"},
		{"BadRedirectURL", "oidc:\n  issuer: https://i\n  audience: a\n  redirectURL: /ui/callback\n", `a.yaml:4:16: oidc.redirectURL "/ui/callback": want an absolute https URL`},
		{"SyntaxError", "principals:\n  - name: [x\n", "a.yaml:"},
		{"Alias", "a: &r [admin]\nprincipals:\n  - name: x\n    roles: *r\n", "aliases are not supported"},
		{"TwoDocuments", "anonymous: [reader]\n---\nanonymous: [admin]\n", "the auth file must be one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := auth.Parse("a.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("parsed %+v, want an error containing %q", f, tc.want)
			}
			var fe *auth.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T, want *auth.FileError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hrld_abc") {
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
}

func TestParseRefusesHugeFile(t *testing.T) {
	t.Parallel()
	_, err := auth.Parse("big.yaml", make([]byte, auth.MaxFileBytes+1))
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("err = %v, want a size error", err)
	}
}

// FuzzParse checks that no input panics, and that whatever parses has the
// properties the rest of Herald relies on.
func FuzzParse(f *testing.F) {
	f.Add([]byte("principals:\n  - name: x\n    password: \"" + authtest.PasswordHash + "\"\n    roles: [admin]\n"))
	f.Add([]byte("principals:\n  - name: y\n    apiKey: " + testKeyHash + "\n    roles: [{role: developer, subjects: [\"a*\"], topics: [b]}]\nanonymous: [reader]\n"))
	f.Add([]byte("oidc:\n  issuer: https://i\n  audience: a\n  roleMapping:\n    g: [admin]\n"))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Add([]byte("principals: [[[[[[[[]]]]]]]]"))
	f.Add([]byte("{principals: {}, oidc: []}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := auth.Parse("f.yaml", data)
		if err != nil {
			if file != nil {
				t.Fatal("a file and an error")
			}
			return
		}
		names := map[string]bool{}
		for _, p := range file.Principals {
			if p.Name == "" || names[p.Name] || len(p.Bindings) == 0 {
				t.Fatalf("accepted principal %+v", p)
			}
			names[p.Name] = true
			for _, b := range p.Bindings {
				if b.Role < auth.Reader || b.Role > auth.Admin {
					t.Fatalf("accepted role %v", b.Role)
				}
			}
		}
	})
}
