package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Reasons a token is refused. Each wraps ErrInvalidToken; tests match them
// with errors.Is, callers need only ErrInvalidToken.
var (
	errTooLarge       = fmt.Errorf("%w: token larger than %d KiB", ErrInvalidToken, maxTokenBytes>>10)
	errMalformed      = fmt.Errorf("%w: malformed token", ErrInvalidToken)
	errAlgNone        = fmt.Errorf("%w: alg none refused", ErrInvalidToken)
	errAlgHMAC        = fmt.Errorf("%w: HMAC alg refused, only public-key algs are accepted", ErrInvalidToken)
	errAlgUnsupported = fmt.Errorf("%w: unsupported alg", ErrInvalidToken)
	errCritical       = fmt.Errorf("%w: crit header names extensions this verifier does not implement", ErrInvalidToken)
	errUnknownKey     = fmt.Errorf("%w: unknown key id", ErrInvalidToken)
	errAmbiguousKey   = fmt.Errorf("%w: token has no kid and the JWKS has several keys for its alg", ErrInvalidToken)
	errKeyMismatch    = fmt.Errorf("%w: alg does not match the type of the key its kid names", ErrInvalidToken)
	errSignature      = fmt.Errorf("%w: bad signature", ErrInvalidToken)
)

// b64 is the base64url of JWS (RFC 7515 §2): no padding, and strict so that
// one signature has one encoding.
var b64 = base64.RawURLEncoding.Strict()

// keyKind is the type of a public key, which decides the algs it may verify.
type keyKind uint8

const (
	kindRSA keyKind = iota + 1
	kindEC
	kindEd25519
)

// algorithm is one accepted JWS alg.
type algorithm struct {
	name string
	kind keyKind
	// hash is the digest signed; zero for EdDSA, which signs the message.
	hash crypto.Hash
	// pss selects RSASSA-PSS over PKCS #1 v1.5 for kindRSA.
	pss bool
	// curve is the only curve a kindEC key may be on.
	curve elliptic.Curve
}

// algorithms are the accepted algs. "none" and HS256/384/512 are absent on
// purpose: a token must be signed with a key only the provider holds, and an
// HMAC alg would let anyone who knows the public key (everyone) sign.
var algorithms = []algorithm{
	{name: "RS256", kind: kindRSA, hash: crypto.SHA256},
	{name: "RS384", kind: kindRSA, hash: crypto.SHA384},
	{name: "RS512", kind: kindRSA, hash: crypto.SHA512},
	{name: "PS256", kind: kindRSA, hash: crypto.SHA256, pss: true},
	{name: "PS384", kind: kindRSA, hash: crypto.SHA384, pss: true},
	{name: "PS512", kind: kindRSA, hash: crypto.SHA512, pss: true},
	{name: "ES256", kind: kindEC, hash: crypto.SHA256, curve: elliptic.P256()},
	{name: "ES384", kind: kindEC, hash: crypto.SHA384, curve: elliptic.P384()},
	{name: "ES512", kind: kindEC, hash: crypto.SHA512, curve: elliptic.P521()},
	{name: "EdDSA", kind: kindEd25519},
	// Ed25519 is the fully specified name RFC 9864 gives EdDSA over Ed25519.
	{name: "Ed25519", kind: kindEd25519},
}

// lookupAlg returns the accepted alg called name, or why it is refused.
func lookupAlg(name string) (*algorithm, error) {
	for i := range algorithms {
		if algorithms[i].name == name {
			return &algorithms[i], nil
		}
	}
	switch {
	case strings.EqualFold(name, "none"):
		return nil, errAlgNone
	case strings.HasPrefix(strings.ToUpper(name), "HS"):
		return nil, errAlgHMAC
	}
	return nil, errAlgUnsupported
}

// token is a JWS in compact serialization whose header has been read.
type token struct {
	alg *algorithm
	kid string
	// signed is "header.payload", what the signature covers.
	signed  string
	payload string
	sig     []byte
}

// parseToken splits raw and reads its header. It checks no signature.
func parseToken(raw string) (*token, error) {
	if len(raw) > maxTokenBytes {
		return nil, errTooLarge
	}
	header, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, fmt.Errorf("%w: want three dot-separated parts", errMalformed)
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, fmt.Errorf("%w: want three dot-separated parts", errMalformed)
	}
	hb, err := b64.DecodeString(header)
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", errMalformed)
	}
	// A map, not a struct: encoding/json matches struct fields without regard
	// to case, and "ALG" is not "alg".
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil || h == nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", errMalformed)
	}
	algName, ok := h["alg"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: header has no alg string", errMalformed)
	}
	alg, err := lookupAlg(algName)
	if err != nil {
		return nil, err
	}
	// RFC 7515 §4.1.11: a recipient must refuse extensions it does not know.
	if _, ok := h["crit"]; ok {
		return nil, errCritical
	}
	var kid string
	if k, ok := h["kid"]; ok {
		if kid, ok = k.(string); !ok {
			return nil, fmt.Errorf("%w: header kid is not a string", errMalformed)
		}
	}
	s, err := b64.DecodeString(sig)
	if err != nil || len(s) == 0 {
		return nil, fmt.Errorf("%w: signature is not base64url", errMalformed)
	}
	return &token{alg: alg, kid: kid, signed: raw[:len(header)+1+len(payload)], payload: payload, sig: s}, nil
}

// verify checks the token's signature with k, which lookup chose to match
// the token's alg.
func (t *token) verify(k *jwk) error {
	if k.kind != t.alg.kind {
		return errKeyMismatch
	}
	var buf [sha512.Size]byte
	digest := t.digest(buf[:0])
	ok := false
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		if t.alg.pss {
			ok = rsa.VerifyPSS(pub, t.alg.hash, digest, t.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, t.alg.hash, digest, t.sig) == nil
		}
	case *ecdsa.PublicKey:
		if pub.Curve != t.alg.curve {
			return errKeyMismatch
		}
		// RFC 7518 §3.4: R and S, each left-padded to the curve's byte size.
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(t.sig) != 2*size {
			return errSignature
		}
		r := new(big.Int).SetBytes(t.sig[:size])
		s := new(big.Int).SetBytes(t.sig[size:])
		ok = ecdsa.Verify(pub, digest, r, s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, []byte(t.signed), t.sig)
	}
	if !ok {
		return errSignature
	}
	return nil
}

// digest appends the hash of the signed part under the token's alg to dst;
// it appends nothing for EdDSA.
func (t *token) digest(dst []byte) []byte {
	switch t.alg.hash {
	case crypto.SHA256:
		d := sha256.Sum256([]byte(t.signed))
		return append(dst, d[:]...)
	case crypto.SHA384:
		d := sha512.Sum384([]byte(t.signed))
		return append(dst, d[:]...)
	case crypto.SHA512:
		d := sha512.Sum512([]byte(t.signed))
		return append(dst, d[:]...)
	}
	return dst
}

// claims decodes the payload, after the signature has been checked.
func (t *token) claims() (map[string]any, error) {
	pb, err := b64.DecodeString(t.payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", errMalformed)
	}
	var c map[string]any
	if err := json.Unmarshal(pb, &c); err != nil || c == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", errMalformed)
	}
	return c, nil
}
