package auth

import "context"

// SignInProvider is the identity provider's side of the web UI's sign-in
// (the authorization code flow with PKCE). The TokenVerifier a VerifierFunc
// builds for an oidc section with a clientID implements it too; the server
// finds it through Authorizer.SignIn.
type SignInProvider interface {
	// AuthCodeURL is where the browser goes to sign in.
	AuthCodeURL(ctx context.Context, r SignInRequest) (string, error)
	// Exchange trades the code the browser came back with for the ID token
	// and verifies it: signature, iss, aud (the client id), exp, and the
	// nonce of the sign-in. Errors never quote the code or a token.
	Exchange(ctx context.Context, r CodeExchange) (Identity, error)
}

// SignInRequest is one sign-in's parameters, random per sign-in but the
// redirect URI.
type SignInRequest struct {
	RedirectURI, State, Nonce, CodeVerifier string
}

// CodeExchange is what the browser brought back, with what the sign-in kept.
type CodeExchange struct {
	Code, CodeVerifier, RedirectURI, Nonce string
}

// SignIn returns the sign-in provider and the oidc section when the file in
// force offers web sign-in (oidc.clientID is set and the verifier can sign
// in); nil, nil otherwise.
func (a *Authorizer) SignIn() (SignInProvider, *OIDCConfig) {
	st := a.state.Load()
	if st.file.OIDC == nil || st.file.OIDC.ClientID == "" {
		return nil, nil
	}
	sp, ok := st.verifier.(SignInProvider)
	if !ok {
		return nil, nil
	}
	return sp, st.file.OIDC
}

// SessionPrincipal is the principal of a web session begun by signing in as
// name with the roles claim values roles: the file in force maps them, so a
// reloaded roleMapping applies to sessions already open.
func (a *Authorizer) SessionPrincipal(name string, roles []string) *Principal {
	st := a.state.Load()
	p := &Principal{Name: name, Method: Session}
	if st.file.OIDC != nil {
		for _, r := range roles {
			p.Bindings = append(p.Bindings, st.file.OIDC.RoleMapping[r]...)
		}
	}
	return p
}
