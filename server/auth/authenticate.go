package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// ErrUnauthenticated is wrapped by every refusal of a credential. Its message
// and those of the errors wrapping it may be shown to the caller: they say
// what was wrong with the header, never whether a user exists, and never
// quote a secret.
var ErrUnauthenticated = errors.New("authentication failed")

// Errors wrapping ErrUnauthenticated.
var (
	// ErrMalformed is an Authorization header that cannot be read.
	ErrMalformed = fmt.Errorf("%w: malformed Authorization header", ErrUnauthenticated)
	// ErrInvalidCredentials is an unknown user, a wrong password or an unknown
	// API key: one error for all three, so that a caller cannot tell which.
	ErrInvalidCredentials = fmt.Errorf("%w: invalid credentials", ErrUnauthenticated)
	// ErrInvalidToken is a JWT that was not accepted, or one sent to a server
	// that verifies none.
	ErrInvalidToken = fmt.Errorf("%w: invalid bearer token", ErrUnauthenticated)
)

// Scheme is the scheme of an Authorization header.
type Scheme uint8

// The schemes Herald reads. SchemeNone is an absent header.
const (
	SchemeNone Scheme = iota
	SchemeBasic
	SchemeBearer
)

// MaxCredentialBytes bounds an Authorization header's credential: a longer
// one is malformed (it bounds the work of decoding and hashing it).
const MaxCredentialBytes = 16 << 10

// Credentials is what an Authorization header carries.
type Credentials struct {
	Scheme Scheme
	// User and Password are Basic's.
	User, Password string
	// Token is Bearer's: an API key or a JWT.
	Token string
}

// IsJWT reports whether a bearer token has the shape of a JWT (three
// dot-separated parts); anything else is taken for an API key.
func (c Credentials) IsJWT() bool { return strings.Count(c.Token, ".") == 2 }

// ParseAuthorization reads an Authorization header value (RFC 9110): Basic with
// base64("user:password"), or Bearer with a token68. The scheme is matched
// without regard to case. An empty header is SchemeNone. Errors wrap
// ErrMalformed and never quote the credential.
func ParseAuthorization(h string) (Credentials, error) {
	if h == "" {
		return Credentials{}, nil
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimLeft(cred, " ")
	if len(cred) > MaxCredentialBytes {
		return Credentials{}, fmt.Errorf("%w: the credential is longer than %d bytes", ErrMalformed, MaxCredentialBytes)
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		if cred == "" {
			return Credentials{}, fmt.Errorf("%w: Basic without credentials", ErrMalformed)
		}
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return Credentials{}, fmt.Errorf("%w: Basic credentials are not base64", ErrMalformed)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return Credentials{}, fmt.Errorf("%w: Basic credentials must be user:password", ErrMalformed)
		}
		return Credentials{Scheme: SchemeBasic, User: user, Password: pass}, nil
	case strings.EqualFold(scheme, "Bearer"):
		if cred == "" || !isToken68(cred) {
			return Credentials{}, fmt.Errorf("%w: a Bearer token is one word of letters, digits and -._~+/=", ErrMalformed)
		}
		return Credentials{Scheme: SchemeBearer, Token: cred}, nil
	}
	if !isToken68(scheme) {
		return Credentials{}, fmt.Errorf("%w: no scheme", ErrMalformed)
	}
	return Credentials{}, fmt.Errorf("%w: scheme %q is not Basic or Bearer", ErrMalformed, scheme)
}

// isToken68 reports whether s is an RFC 9110 token68: letters, digits and
// -._~+/ followed by optional '=' padding.
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~+/", c) >= 0 {
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// VerifierFunc builds the TokenVerifier for an auth file's oidc section; the
// Authorizer calls it at New and at every Replace of a file with one.
type VerifierFunc func(*OIDCConfig) (TokenVerifier, error)

// Cache bounds. Verified Basic credentials and JWTs are kept, keyed by a
// SHA-256 of the credential (never the credential), so that bcrypt and
// signature checks are not paid on every request.
const (
	// cacheTTL is how long a verified credential is trusted without being
	// checked again.
	cacheTTL = 5 * time.Minute
	// cacheEntries bounds the cache; an entry is about 100 bytes.
	cacheEntries = 10_000
)

// Authorizer authenticates callers against an auth file. Replace swaps the
// file in as a whole; requests in flight keep the one they started with. It is
// safe for concurrent use.
type Authorizer struct {
	newVerifier VerifierFunc
	state       atomic.Pointer[state]
	// now is time.Now; tests replace it.
	now func() time.Time
}

// state is one auth file, compiled.
type state struct {
	file      *File
	byName    map[string]*account
	byKey     map[[32]byte]*account
	anonymous *Principal
	verifier  TokenVerifier
	cache     *cache
}

// account is a principal of the file, with one Principal per method so that
// authenticating allocates none.
type account struct {
	entry                   *PrincipalEntry
	basic, apiKey, viaCert  *Principal
	passwordHash, keyDigest []byte
}

// New compiles f. newVerifier builds the JWT verifier when f has an oidc
// section; nil refuses every JWT.
func New(f *File, newVerifier VerifierFunc) (*Authorizer, error) {
	a := &Authorizer{newVerifier: newVerifier, now: time.Now}
	if err := a.Replace(f); err != nil {
		return nil, err
	}
	return a, nil
}

// Replace puts f in force, for every request that starts afterwards. On error
// the file in force stays.
func (a *Authorizer) Replace(f *File) error {
	if f == nil {
		return errors.New("auth: no auth file")
	}
	st := &state{file: f, byName: map[string]*account{}, byKey: map[[32]byte]*account{}, cache: newCache(cacheEntries)}
	for i := range f.Principals {
		e := &f.Principals[i]
		acc := &account{entry: e,
			basic:   &Principal{Name: e.Name, Method: Basic, Bindings: e.Bindings},
			apiKey:  &Principal{Name: e.Name, Method: APIKey, Bindings: e.Bindings},
			viaCert: &Principal{Name: e.Name, Method: MTLS, Bindings: e.Bindings},
		}
		if e.PasswordHash != "" {
			acc.passwordHash = []byte(e.PasswordHash)
		}
		if e.HasAPIKey {
			acc.keyDigest = e.APIKeyHash[:]
			st.byKey[e.APIKeyHash] = acc
		}
		st.byName[e.Name] = acc
	}
	st.anonymous = &Principal{Name: AnonymousName, Method: Anonymous, Bindings: f.Anonymous}
	if f.OIDC != nil && a.newVerifier != nil {
		v, err := a.newVerifier(f.OIDC)
		if err != nil {
			return fmt.Errorf("auth: oidc: %w", err)
		}
		st.verifier = v
	}
	a.state.Store(st)
	return nil
}

// File returns the auth file in force.
func (a *Authorizer) File() *File { return a.state.Load().file }

// VerifiesJWT reports whether bearer JWTs can be accepted (the file has an
// oidc section and a verifier was built for it).
func (a *Authorizer) VerifiesJWT() bool { return a.state.Load().verifier != nil }

// Anonymous returns the principal of a caller with no credential.
func (a *Authorizer) Anonymous() *Principal { return a.state.Load().anonymous }

// Authenticate returns the principal an Authorization header value proves:
// the anonymous principal for an empty one. Errors wrap ErrUnauthenticated.
func (a *Authorizer) Authenticate(ctx context.Context, header string) (*Principal, error) {
	st := a.state.Load()
	cred, err := ParseAuthorization(header)
	if err != nil {
		return nil, err
	}
	switch cred.Scheme {
	case SchemeBasic:
		return a.basic(st, cred.User, cred.Password)
	case SchemeBearer:
		if cred.IsJWT() {
			return a.jwt(ctx, st, cred.Token)
		}
		return st.key(cred.Token)
	}
	return st.anonymous, nil
}

// Certificate returns the principal a verified client certificate's subject
// CN names, if the file has one by that name.
func (a *Authorizer) Certificate(cn string) (*Principal, bool) {
	acc := a.state.Load().byName[cn]
	if acc == nil {
		return nil, false
	}
	return acc.viaCert, true
}

// dummyHash is compared against when the user is unknown or has no password,
// so that the answer takes about as long as for a wrong password. It has the
// cost `herald auth hash` uses (HashCost); nothing hashes to it on purpose.
var dummyHash = []byte("$2a$12$ETnVen4m3lLk1Z62rWINMOg.15AkyxFNpqoliXIXhTOFAc.d9JuHe")

// basic checks a Basic user and password.
func (a *Authorizer) basic(st *state, user, password string) (*Principal, error) {
	key := digest("basic", user, password)
	now := a.now()
	if p, ok := st.cache.get(key, now); ok {
		return p, nil
	}
	acc := st.byName[user]
	if acc == nil || acc.passwordHash == nil {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrInvalidCredentials
	}
	// CompareHashAndPassword compares in constant time.
	if bcrypt.CompareHashAndPassword(acc.passwordHash, []byte(password)) != nil {
		return nil, ErrInvalidCredentials
	}
	st.cache.put(key, acc.basic, now, now.Add(cacheTTL))
	return acc.basic, nil
}

// key checks an API key. The map is keyed by the key's SHA-256, so how long
// the lookup takes tells nothing about the stored keys; the digest is then
// compared in constant time all the same.
func (st *state) key(token string) (*Principal, error) {
	h := sha256.Sum256([]byte(token))
	acc := st.byKey[h]
	if acc == nil || subtle.ConstantTimeCompare(h[:], acc.keyDigest) != 1 {
		return nil, ErrInvalidCredentials
	}
	return acc.apiKey, nil
}

// jwt checks a JWT through the verifier and maps its roles claim.
func (a *Authorizer) jwt(ctx context.Context, st *state, token string) (*Principal, error) {
	if st.verifier == nil {
		return nil, fmt.Errorf("%w: it is not an API key, and this server verifies no JWTs (no oidc section in the auth file)", ErrInvalidToken)
	}
	key := digest("jwt", token, "")
	now := a.now()
	if p, ok := st.cache.get(key, now); ok {
		return p, nil
	}
	id, err := st.verifier.Verify(ctx, token)
	if err != nil {
		return nil, ErrInvalidToken
	}
	if id.Username == "" {
		return nil, fmt.Errorf("%w: the token has no %s claim", ErrInvalidToken, st.file.OIDC.UsernameClaim)
	}
	p := &Principal{Name: id.Username, Method: OIDC}
	for _, r := range id.Roles {
		p.Bindings = append(p.Bindings, st.file.OIDC.RoleMapping[r]...)
	}
	if !id.Expires.IsZero() {
		exp := now.Add(cacheTTL)
		if id.Expires.Before(exp) {
			exp = id.Expires
		}
		st.cache.put(key, p, now, exp)
	}
	return p, nil
}

// digest is the SHA-256 of a credential's parts, which is what the cache keeps.
func digest(kind, a, b string) [32]byte {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(a))
	h.Write([]byte{0})
	h.Write([]byte(b))
	var out [32]byte
	h.Sum(out[:0])
	return out
}
