package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"newsdesk/auth"
)

// Session is a signed-in web session of the review desk. Only the SHA-256 of its id is
// stored, as for API tokens: a leaked sessions table lets nobody in.
type Session struct {
	Principal auth.Principal
	// CSRF is the per-session token every form of the session must carry.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// CreateSession starts a session for the holder of token tokenID and returns its id, the
// cookie value, which is shown to nobody else and stored only as a hash. The session ends
// after idle without use, and after lifetime whatever happens.
func (db *DB) CreateSession(ctx context.Context, tokenID int64, idle, lifetime time.Duration) (id string, s Session, err error) {
	id = newSecret()
	s.CSRF = newSecret()
	ttl := min(idle, lifetime)
	var role string
	err = db.pool.QueryRow(ctx, `WITH t AS (SELECT id, name, role FROM tokens WHERE id = $1 AND revoked_at IS NULL),
		ins AS (INSERT INTO sessions (hash, token_id, csrf, expires_at)
			SELECT $2, t.id, $3, now() + make_interval(secs => $4) FROM t RETURNING created_at, expires_at)
		SELECT t.id, t.name, t.role, ins.created_at, ins.expires_at FROM t, ins`,
		tokenID, sessionHash(id), s.CSRF, ttl.Seconds()).
		Scan(&s.Principal.TokenID, &s.Principal.Name, &role, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", Session{}, ErrNotFound
	}
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	s.Principal.Role = auth.Role(role)
	return id, s, nil
}

// Session returns the live session with id and extends it by idle, never beyond lifetime
// from its start. An unknown, expired or revoked-token session is [ErrNotFound].
func (db *DB) Session(ctx context.Context, id string, idle, lifetime time.Duration) (Session, error) {
	if id == "" {
		return Session{}, ErrNotFound
	}
	var s Session
	var role string
	err := db.pool.QueryRow(ctx, `UPDATE sessions s
		SET expires_at = least(s.created_at + make_interval(secs => $3), now() + make_interval(secs => $2))
		FROM tokens t
		WHERE s.hash = $1 AND s.expires_at > now() AND t.id = s.token_id AND t.revoked_at IS NULL
		RETURNING t.id, t.name, t.role, s.csrf, s.created_at, s.expires_at`,
		sessionHash(id), idle.Seconds(), lifetime.Seconds()).
		Scan(&s.Principal.TokenID, &s.Principal.Name, &role, &s.CSRF, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	s.Principal.Role = auth.Role(role)
	return s, nil
}

// DeleteSession ends the session with id (sign-out, or rotation at sign-in). Ending an
// unknown session is not an error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, sessionHash(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
