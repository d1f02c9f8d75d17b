package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"newsdesk/auth"
)

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateToken makes a new token and returns its secret, which is shown once.
func (db *DB) CreateToken(ctx context.Context, name string, role auth.Role) (secret string, t Token, err error) {
	if !role.Valid() {
		return "", Token{}, fmt.Errorf("create token: invalid role %q", role)
	}
	secret = auth.NewSecret()
	t, err = db.insertToken(ctx, name, role, secret)
	return secret, t, err
}

func (db *DB) insertToken(ctx context.Context, name string, role auth.Role, secret string) (Token, error) {
	t := Token{Name: name, Role: role, Prefix: auth.Display(secret)}
	err := db.pool.QueryRow(ctx, `INSERT INTO tokens (name, role, hash, prefix) VALUES ($1, $2, $3, $4)
		RETURNING id, created_at`, name, string(role), auth.Hash(secret), t.Prefix).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return Token{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// EnsureToken stores a token with a secret chosen by the operator (NEWSDESK_ADMIN_TOKEN) if
// it is not stored yet. A revoked bootstrap token stays revoked.
func (db *DB) EnsureToken(ctx context.Context, name string, role auth.Role, secret string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO tokens (name, role, hash, prefix) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hash) DO NOTHING`, name, string(role), auth.Hash(secret), auth.Display(secret))
	if err != nil {
		return fmt.Errorf("ensure token %s: %w", name, err)
	}
	return nil
}

// Authenticate returns who holds secret, or [ErrNotFound] for an unknown or revoked token.
func (db *DB) Authenticate(ctx context.Context, secret string) (auth.Principal, error) {
	var p auth.Principal
	var role string
	var last *time.Time
	err := db.pool.QueryRow(ctx, `SELECT id, name, role, last_used_at FROM tokens WHERE hash = $1 AND revoked_at IS NULL`,
		auth.Hash(secret)).Scan(&p.TokenID, &p.Name, &role, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Principal{}, ErrNotFound
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	// Record use at most once a minute: a write on every API call would cost more than the call.
	if last == nil || time.Since(*last) > time.Minute {
		if _, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used_at = now() WHERE id = $1`, p.TokenID); err != nil {
			return auth.Principal{}, fmt.Errorf("authenticate: %w", err)
		}
	}
	p.Role = auth.Role(role)
	return p, nil
}

// Tokens lists every token, newest first.
func (db *DB) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, role, prefix, created_at, last_used_at, revoked_at
		FROM tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		var role string
		err := r.Scan(&t.ID, &t.Name, &role, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		t.Role = auth.Role(role)
		return t, err
	})
}

// RevokeToken stops a token working at once, and ends its web sessions.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE token_id = $1`, id)
		return err
	})
}
