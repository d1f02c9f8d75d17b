// Package auth holds newsdesk's roles and the format of its API tokens.
//
// Tokens are 256-bit random secrets shown once and stored only as their SHA-256: a fast hash is
// right for high-entropy secrets (slow hashes are for passwords people choose).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Role is what a token may do. Each role can do everything the roles before it can.
type Role string

// The roles, weakest first.
const (
	Editor   Role = "editor"
	Reviewer Role = "reviewer"
	Admin    Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case Editor:
		return 1
	case Reviewer:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a holder of r may do what needs min.
func (r Role) Allows(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("unknown role %q (want editor, reviewer or admin)", s)
	}
	return r, nil
}

// Principal is who is making a request.
type Principal struct {
	TokenID int64
	Name    string
	Role    Role
}

// TokenPrefix starts every newsdesk token, so that secret scanners and people recognise one.
const TokenPrefix = "nd_"

// NewSecret returns a new random token.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash is what is stored for a secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Display returns a short, non-secret prefix of a token for lists and logs.
func Display(secret string) string {
	if len(secret) > 9 {
		return secret[:9] + "…"
	}
	return "…"
}
