package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"newsdesk/auth"
	"newsdesk/store"
)

const (
	editor   = auth.Editor
	reviewer = auth.Reviewer
	admin    = auth.Admin
)

type principalKey struct{}

// principalFrom returns the authenticated caller of a request that passed [Server.need].
func principalFrom(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// actor is how a principal appears in the audit trail.
func actor(p auth.Principal) string { return p.Name + " (" + string(p.Role) + ")" }

// need wraps h so that it runs only for callers holding at least role min: no or an unknown
// token is 401, too weak a role is 403.
func (s *Server) need(min auth.Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if errors.Is(err, errUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="newsdesk"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing, unknown or revoked token"})
				return
			}
			s.writeError(w, r, err)
			return
		}
		if !p.Role.Allows(min) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "this needs the " + string(min) + " role; your token is " + string(p.Role)})
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

var errUnauthenticated = errors.New("unauthenticated")

// authenticate resolves the caller from a bearer token.
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	h := r.Header.Get("Authorization")
	// The scheme is case-insensitive (RFC 9110).
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return auth.Principal{}, errUnauthenticated
	}
	p, err := s.db.Authenticate(r.Context(), strings.TrimSpace(token))
	if errors.Is(err, store.ErrNotFound) {
		return auth.Principal{}, errUnauthenticated
	}
	return p, err
}
