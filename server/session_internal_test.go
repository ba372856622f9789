package server

import (
	"bytes"
	"testing"
)

// TestSealRoundTrip checks that a sealed value opens with its key and
// purpose only.
func TestSealRoundTrip(t *testing.T) {
	key, other := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	in := session{ID: "id", Name: "alice", Roles: []string{"ops"}, Expires: 42}
	sealed, err := seal(key, purposeSession, in)
	if err != nil {
		t.Fatal(err)
	}
	var out session
	if err := unseal(key, purposeSession, sealed, &out); err != nil || out.Name != "alice" || out.Expires != 42 {
		t.Fatalf("unseal = %+v, %v", out, err)
	}
	for name, try := range map[string]func() error{
		"other key":     func() error { return unseal(other, purposeSession, sealed, &out) },
		"other purpose": func() error { return unseal(key, purposeSignIn, sealed, &out) },
		"tampered":      func() error { return unseal(key, purposeSession, "x"+sealed[1:], &out) },
		"no signature":  func() error { return unseal(key, purposeSession, sealed[:len(sealed)-44], &out) },
	} {
		if err := try(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// FuzzUnseal checks that no cookie value makes unseal panic or accept a
// value it did not sign.
func FuzzUnseal(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	good, _ := seal(key, purposeSession, session{ID: "a", Name: "b", Expires: 1})
	f.Add(good)
	f.Add("")
	f.Add(".")
	f.Add("e30.")
	f.Fuzz(func(t *testing.T, v string) {
		var s session
		if unseal(key, purposeSession, v, &s) == nil && v != good {
			t.Fatalf("unseal accepted %q, which it did not sign", v)
		}
	})
}
