package oidc

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Reasons the claims of a correctly signed token are refused.
var (
	errIssuer         = fmt.Errorf("%w: wrong issuer", ErrInvalidToken)
	errAudience       = fmt.Errorf("%w: wrong audience", ErrInvalidToken)
	errNoExpiry       = fmt.Errorf("%w: exp claim missing or not a number", ErrInvalidToken)
	errExpired        = fmt.Errorf("%w: token expired", ErrInvalidToken)
	errNotYetValid    = fmt.Errorf("%w: token not yet valid (nbf)", ErrInvalidToken)
	errIssuedInFuture = fmt.Errorf("%w: token issued in the future (iat)", ErrInvalidToken)
	errBadTime        = fmt.Errorf("%w: nbf or iat claim is not a number", ErrInvalidToken)
	errUsername       = fmt.Errorf("%w: username claim missing, empty or not a string", ErrInvalidToken)
	errRoles          = fmt.Errorf("%w: roles claim is not a string or an array of strings", ErrInvalidToken)
)

// identity checks claims at time now and reads the bearer's identity. The
// aud claim must hold one of audiences.
func (v *Verifier) identity(claims map[string]any, now time.Time, audiences ...string) (Identity, error) {
	if iss, _ := claims["iss"].(string); iss != v.cfg.Issuer {
		return Identity{}, errIssuer
	}
	if !slices.ContainsFunc(audiences, func(a string) bool { return a != "" && hasAudience(claims["aud"], a) }) {
		return Identity{}, errAudience
	}
	// Times compare as float seconds: NumericDate may have a fraction, and a
	// huge value must not overflow a conversion to time.Time.
	t := float64(now.UnixNano()) / 1e9
	skew := v.cfg.ClockSkew.Seconds()
	exp, ok := claims["exp"].(float64)
	if !ok {
		return Identity{}, errNoExpiry
	}
	if t > exp+skew {
		return Identity{}, errExpired
	}
	for _, c := range [...]struct {
		name string
		err  error
	}{{"nbf", errNotYetValid}, {"iat", errIssuedInFuture}} {
		raw, present := claims[c.name]
		if !present {
			continue
		}
		at, ok := raw.(float64)
		if !ok {
			return Identity{}, errBadTime
		}
		if at > t+skew {
			return Identity{}, c.err
		}
	}
	name, _ := lookupClaim(claims, v.cfg.UsernameClaim).(string)
	if name == "" {
		return Identity{}, errUsername
	}
	var roles []string
	if v.cfg.RolesClaim != "" {
		switch r := lookupClaim(claims, v.cfg.RolesClaim).(type) {
		case nil:
		case string:
			roles = []string{r}
		case []any:
			roles = make([]string, 0, len(r))
			for _, e := range r {
				s, ok := e.(string)
				if !ok {
					return Identity{}, errRoles
				}
				roles = append(roles, s)
			}
		default:
			return Identity{}, errRoles
		}
	}
	return Identity{Username: name, Roles: roles, Expiry: unixTime(exp), Claims: claims}, nil
}

// hasAudience reports whether aud, a string or an array of strings, is or
// contains want.
func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, e := range a {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// lookupClaim returns the claim called name. A name that is not a top-level
// claim is read as a dotted path into nested objects ("realm_access.roles").
// The whole name is tried first because claim names may contain dots
// themselves: namespaced claims are often URLs ("https://example.com/roles").
func lookupClaim(claims map[string]any, name string) any {
	if v, ok := claims[name]; ok {
		return v
	}
	var cur any = claims
	for part := range strings.SplitSeq(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = obj[part]; !ok {
			return nil
		}
	}
	return cur
}

// unixTime converts a NumericDate to a time, clamped to years 0 to 9999.
func unixTime(sec float64) time.Time {
	const lo, hi = -62167219200, 253402300799
	sec = math.Max(lo, math.Min(hi, sec))
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}
