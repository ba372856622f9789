package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// HashCost is the bcrypt cost HashPassword uses: about a quarter of a second
// per check on a current core, which successful checks pay once per cache
// lifetime (five minutes) and guessers pay every time.
const HashCost = 12

// HashPassword returns the bcrypt hash of a password, the value of a
// principal's password in the auth file.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("auth: empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), HashCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// HashAPIKey returns "sha256:" and the hex SHA-256 of an API key, the value of
// a principal's apiKey in the auth file.
func HashAPIKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(h[:])
}

// keyPrefix marks Herald API keys, so that secret scanners and people can
// recognise one.
const keyPrefix = "hrld_"

// NewAPIKey returns a new random API key: "hrld_" and 32 random bytes in
// unpadded base64url (256 bits of entropy, so its SHA-256 alone is a safe
// thing to store).
func NewAPIKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}
