// Package store is newsdesk's Postgres access: articles, their draft versions, the audit
// trail, tokens and sessions. Postgres is the source of truth; every state change is a
// compare-and-set on the article's status and attempt, so that a redelivered queue message or
// a second worker can never move an article twice.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when no row matches.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when the change was based on a stale view: a draft saved on an old
// version, or an action the article's current status does not allow.
var ErrConflict = errors.New("store: conflict")

// ConflictError says what the conflict was, for people.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string        { return e.Reason }
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func conflict(format string, args ...any) error {
	return &ConflictError{Reason: fmt.Sprintf(format, args...)}
}

// Status values of an article.
const (
	StatusQueued      = "queued"
	StatusExtracting  = "extracting"
	StatusSummarising = "summarising"
	StatusDraft       = "draft"
	StatusApproved    = "approved"
	StatusRejected    = "rejected"
	StatusWithdrawn   = "withdrawn"
	StatusFailed      = "failed"
)

// Statuses lists every status in pipeline order.
var Statuses = []string{StatusQueued, StatusExtracting, StatusSummarising, StatusDraft, StatusApproved, StatusRejected, StatusWithdrawn, StatusFailed}

// NotifyChannel is the Postgres channel on which every article change is announced (payload:
// the article id, or "*" for many at once). Used for live UI updates.
const NotifyChannel = "newsdesk_articles"

// PublicNotifyChannel is the Postgres channel on which a change to what the portal shows is
// announced (payload: the article id): an approval, a withdrawal, or a change to a public
// column of an approved article. A trigger (schema 0005) sends it, whatever the code path.
// The portal's read caches listen here, so pipeline traffic never wakes them.
const PublicNotifyChannel = "newsdesk_public"

// DB is the store. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
}

// New returns a store on pool.
func New(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// Pool returns the underlying pool.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping checks that Postgres answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// record writes one audit row and announces the change; it runs inside the change's tx so
// the audit trail and the notification commit with the change or not at all. It is one
// statement (the insert as a CTE, which always runs) to spare a round trip per change.
func record(ctx context.Context, tx pgx.Tx, id, actor, action, from, to, note string) error {
	if _, err := tx.Exec(ctx, `WITH logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			VALUES ($1, $2, $3, $4, $5, $6))
		SELECT pg_notify($7, $8)`, id, actor, action, from, to, note, NotifyChannel, id); err != nil {
		return fmt.Errorf("record %s: %w", action, err)
	}
	return nil
}

// IfLeader runs fn only if this process wins the session advisory lock key, so that of many
// processes running the same periodic task one does it at a time. ran reports whether fn ran.
func (db *DB) IfLeader(ctx context.Context, key int64, fn func(context.Context) error) (ran bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("leader lock: %w", err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return false, fmt.Errorf("leader lock: %w", err)
	}
	if !got {
		return false, nil
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key) //nolint:errcheck // released with the session anyway
	return true, fn(ctx)
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, db *DB, scan func(pgx.Row) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}
