package store

import (
	"context"
	"fmt"
)

// FlagCounts returns, for each of the articles ids that has a draft, how many grounding and
// style flags its current version carries; the review desk's queue shows them per row.
func (db *DB) FlagCounts(ctx context.Context, ids []string) (map[string]int, error) {
	var valid []string
	for _, id := range ids {
		if validUUID(id) {
			valid = append(valid, id)
		}
	}
	out := make(map[string]int, len(valid))
	if len(valid) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT a.id::text, jsonb_array_length(d.flags)
		FROM articles a JOIN drafts d ON d.article_id = a.id AND d.version = a.current_version
		WHERE a.id = ANY($1::uuid[])`, valid)
	if err != nil {
		return nil, fmt.Errorf("flag counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("flag counts: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// SessionAlive reports whether the session with id exists, has not expired and belongs to
// a token that is not revoked. Unlike [DB.Session] it does not extend the session: a
// long-lived event stream checking on it is not a sign that anyone is at the desk.
func (db *DB) SessionAlive(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions s JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = $1 AND s.expires_at > now() AND t.revoked_at IS NULL)`, sessionHash(id)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("session alive: %w", err)
	}
	return ok, nil
}
