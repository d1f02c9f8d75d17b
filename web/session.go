package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"newsdesk/auth"
	"newsdesk/store"
)

// Web sessions of the review desk.
//
// The cookie holds a random session id; the sessions table holds only its SHA-256, the
// token it was opened with and a per-session CSRF token. Over TLS the cookie is named
// "__Host-session" (Secure, Path=/, no Domain: browsers then refuse to let a sibling
// subdomain or a plain-http page set or overwrite it). Browsers accept a __Host- cookie only
// with Secure, and Chromium does not store Secure cookies set by http://127.0.0.1, so over
// plain HTTP (the default local set-up) the same cookie is named "session" without Secure.
// Both are HttpOnly and SameSite=Lax.
const (
	cookieSecure = "__Host-session"
	cookiePlain  = "session"

	// sessionIdle ends a session nobody has used for this long; sessionLifetime ends every
	// session, used or not, this long after sign-in.
	sessionIdle     = 12 * time.Hour
	sessionLifetime = 7 * 24 * time.Hour

	// formLimit caps a form body: a pasted article or a batch of URLs fits.
	formLimit = 16 << 20
)

// sessionInfo is the signed-in user of a UI request.
type sessionInfo struct {
	ID        string
	Principal auth.Principal
	CSRF      string
}

type sessionKey struct{}

func sessionFrom(ctx context.Context) sessionInfo {
	si, _ := ctx.Value(sessionKey{}).(sessionInfo)
	return si
}

// secure reports whether the browser reached us over TLS, directly or, as PublicURL
// declares, through a TLS-terminating proxy.
func (u *ui) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(u.s.cfg.PublicURL, "https://")
}

func (u *ui) cookieName(r *http.Request) string {
	if u.secure(r) {
		return cookieSecure
	}
	return cookiePlain
}

// sessionID returns the session cookie's value, if any.
func (u *ui) sessionID(r *http.Request) string {
	c, err := r.Cookie(u.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

func (u *ui) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	c := &http.Cookie{
		Name: u.cookieName(r), Value: id, Path: "/", HttpOnly: true, Secure: u.secure(r),
		SameSite: http.SameSiteLaxMode,
	}
	if id == "" {
		c.MaxAge = -1
	} else {
		// The browser may keep the cookie as long as the session could live; the server
		// decides when it is over.
		c.MaxAge = int(sessionLifetime / time.Second)
	}
	http.SetCookie(w, c)
}

// open wraps a handler that needs no session (sign-in): cross-origin writes are refused.
func (u *ui) open(h http.HandlerFunc) http.Handler {
	return u.cop.Handler(noStore(h))
}

// page wraps a UI handler that needs a signed-in user holding at least role min. Without a
// session, GETs are sent to the sign-in page and come back afterwards. Every POST must come
// from our own origin (CrossOriginProtection) and carry the session's CSRF token.
func (u *ui) page(min auth.Role, h http.HandlerFunc) http.Handler {
	return u.cop.Handler(noStore(func(w http.ResponseWriter, r *http.Request) {
		id := u.sessionID(r)
		sess, err := u.s.db.Session(r.Context(), id, sessionIdle, sessionLifetime)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				u.fail(w, r, err)
				return
			}
			if id != "" {
				u.setSessionCookie(w, r, "")
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.Header.Get("Referer")
				if ref, err := url.Parse(next); err == nil {
					next = ref.RequestURI()
				}
			}
			http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(localPath(next)), http.StatusSeeOther)
			return
		}
		si := sessionInfo{ID: id, Principal: sess.Principal, CSRF: sess.CSRF}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, si))
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, formLimit)
			if err := r.ParseForm(); err != nil {
				u.problem(w, r, http.StatusBadRequest, "The form could not be read", "The form was too large or malformed.")
				return
			}
			if !cleanForm(r.PostForm) {
				u.problem(w, r, http.StatusBadRequest, "The form could not be read",
					"The form holds characters that are not text (a NUL byte or invalid UTF-8). Remove them and try again.")
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(sess.CSRF)) != 1 {
				u.problem(w, r, http.StatusForbidden, "This form has expired",
					"The page this form came from belongs to an older session. Go back, reload the page and try again.")
				return
			}
		}
		if !sess.Principal.Role.Allows(min) {
			u.problem(w, r, http.StatusForbidden, "Not allowed",
				"This needs the "+string(min)+" role; you are signed in as "+string(sess.Principal.Role)+".")
			return
		}
		h(w, r)
	}))
}

// cleanForm reports whether every value is valid UTF-8 without NUL bytes, which Postgres
// text refuses (a 500 otherwise).
func cleanForm(v url.Values) bool {
	for _, vals := range v {
		for _, s := range vals {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				return false
			}
		}
	}
	return true
}

// noStore keeps pages with article text and tokens out of shared and back-button caches.
func noStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// localPath returns p if it is a path inside the review desk, else the queue: a sign-in
// link must never redirect elsewhere.
func localPath(p string) string {
	if strings.HasPrefix(p, "/ui/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\\r\n") &&
		!strings.HasPrefix(p, "/ui/signin") && !strings.HasPrefix(p, "/ui/signout") {
		return p
	}
	return "/ui/queue"
}

func (u *ui) signinPage(w http.ResponseWriter, r *http.Request) {
	data := &signinPage{base: base{Title: "Sign in"}, Next: localPath(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("out") == "1" {
		data.Notice = "You are signed out."
	}
	u.render(w, r, http.StatusOK, "signin", data)
}

func (u *ui) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		u.problem(w, r, http.StatusBadRequest, "The form could not be read", "The form was too large or malformed.")
		return
	}
	next := localPath(r.PostForm.Get("next"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	p, err := u.s.db.Authenticate(r.Context(), token)
	if token == "" || errors.Is(err, store.ErrNotFound) {
		u.render(w, r, http.StatusUnauthorized, "signin", &signinPage{
			base: base{Title: "Sign in", Error: "That token is unknown or has been revoked. Check it and try again."}, Next: next})
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// Rotation: whatever session this browser had ends here, and a new id is issued, so a
	// session id planted before sign-in is worth nothing after it.
	if old := u.sessionID(r); old != "" {
		if err := u.s.db.DeleteSession(r.Context(), old); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	// Housekeeping: sign-ins are rare enough to sweep expired sessions here.
	if _, err := u.s.db.DeleteExpiredSessions(r.Context()); err != nil {
		u.log.Warn("delete expired sessions", "err", err)
	}
	id, _, err := u.s.db.CreateSession(r.Context(), p.TokenID, sessionIdle, sessionLifetime)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.setSessionCookie(w, r, id)
	u.log.Info("signed in", "token_id", p.TokenID, "name", p.Name, "role", p.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *ui) signout(w http.ResponseWriter, r *http.Request) {
	if err := u.s.db.DeleteSession(r.Context(), sessionFrom(r.Context()).ID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.setSessionCookie(w, r, "")
	http.Redirect(w, r, "/ui/signin?out=1", http.StatusSeeOther)
}
