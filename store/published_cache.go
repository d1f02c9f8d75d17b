package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PublicSummary is the public part of an approved article: the fields the portal may show and
// nothing else (no source text, flags, notes, tokens or history). Read caches hold these.
type PublicSummary struct {
	ID                string
	URL               string
	URLKey            string // normalised URL, for look-ups by URL
	Title             string
	SiteName          string
	Byline            string
	Lang              string
	PublishedAt       *time.Time
	Version           int
	ApprovedAt        time.Time
	KeyPoints         []string
	WhyItMatters      string
	WhatItMeansForYou string
}

// publicSummaryQuery selects the approved version only: the join is on approved_version, so a
// newer unapproved draft can never appear here.
const publicSummaryQuery = `SELECT a.id::text, a.url, a.url_key, a.title, a.site_name, a.byline, a.lang,
	a.published_at, a.approved_version, a.approved_at, d.key_points, d.why_it_matters, d.what_it_means_for_you
	FROM articles a JOIN drafts d ON d.article_id = a.id AND d.version = a.approved_version
	WHERE a.approved_version IS NOT NULL AND a.approved_at IS NOT NULL`

func scanPublicSummaries(rows pgx.Rows) ([]PublicSummary, error) {
	defer rows.Close()
	var out []PublicSummary
	for rows.Next() {
		var p PublicSummary
		var kp []byte
		if err := rows.Scan(&p.ID, &p.URL, &p.URLKey, &p.Title, &p.SiteName, &p.Byline, &p.Lang, &p.PublishedAt,
			&p.Version, &p.ApprovedAt, &kp, &p.WhyItMatters, &p.WhatItMeansForYou); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(kp, &p.KeyPoints); err != nil {
			return nil, fmt.Errorf("decode key points of %s: %w", p.ID, err)
		}
		if p.KeyPoints == nil {
			p.KeyPoints = []string{}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AllPublicSummaries returns every approved summary, most recently approved first. Read caches
// load it on start and whenever they may have missed a change.
func (db *DB) AllPublicSummaries(ctx context.Context) ([]PublicSummary, error) {
	rows, err := db.pool.Query(ctx, publicSummaryQuery+` ORDER BY a.approved_at DESC, a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("all public summaries: %w", err)
	}
	out, err := scanPublicSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("all public summaries: %w", err)
	}
	return out, nil
}

// PublicSummaries returns the approved summaries among ids; ids that are not (or no longer)
// approved, or are not ids at all, are simply absent from the result.
func (db *DB) PublicSummaries(ctx context.Context, ids []string) ([]PublicSummary, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if validUUID(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, publicSummaryQuery+` AND a.id = ANY($1::uuid[])`, valid)
	if err != nil {
		return nil, fmt.Errorf("public summaries: %w", err)
	}
	out, err := scanPublicSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("public summaries: %w", err)
	}
	return out, nil
}

// PublicSummaryByURLKey returns the approved summary of the article with this normalised URL,
// or [ErrNotFound].
func (db *DB) PublicSummaryByURLKey(ctx context.Context, key string) (PublicSummary, error) {
	rows, err := db.pool.Query(ctx, publicSummaryQuery+` AND a.url_key = $1`, key)
	if err != nil {
		return PublicSummary{}, fmt.Errorf("public summary by url: %w", err)
	}
	out, err := scanPublicSummaries(rows)
	if err != nil {
		return PublicSummary{}, fmt.Errorf("public summary by url: %w", err)
	}
	if len(out) == 0 {
		return PublicSummary{}, ErrNotFound
	}
	return out[0], nil
}

// PublicSummaryPage returns up to limit approved summaries, most recently approved first,
// strictly after the position (beforeAt, beforeID) when beforeAt is set, and approved after
// since when since is set.
func (db *DB) PublicSummaryPage(ctx context.Context, beforeAt *time.Time, beforeID string, since *time.Time, limit int) ([]PublicSummary, error) {
	q := publicSummaryQuery
	args := []any{}
	if beforeAt != nil {
		if !validUUID(beforeID) {
			return nil, errors.New("public summary page: bad cursor id")
		}
		args = append(args, *beforeAt, beforeID)
		q += ` AND (a.approved_at, a.id) < ($1, $2::uuid)`
	}
	if since != nil {
		args = append(args, *since)
		q += fmt.Sprintf(` AND a.approved_at > $%d`, len(args))
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY a.approved_at DESC, a.id DESC LIMIT $%d`, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("public summary page: %w", err)
	}
	out, err := scanPublicSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("public summary page: %w", err)
	}
	return out, nil
}

// Withdrawal is an article taken off the portal and not approved again since.
type Withdrawal struct {
	ID          string
	WithdrawnAt time.Time
}

// Withdrawals returns the articles withdrawn after since that are still off the portal, most
// recent first, so that a portal polling with ?since= learns what to take down. It reads the
// event outbox of schema 0002.
func (db *DB) Withdrawals(ctx context.Context, since time.Time) ([]Withdrawal, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, at FROM (
			SELECT DISTINCT ON (e.article_id) e.article_id::text AS id, e.at
			FROM webhook_events e JOIN articles a ON a.id = e.article_id
			WHERE e.event = 'article.withdrawn' AND e.at > $1 AND a.approved_version IS NULL
			ORDER BY e.article_id, e.at DESC) w
		ORDER BY at DESC, id DESC`, since)
	if err != nil {
		return nil, fmt.Errorf("withdrawals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Withdrawal, error) {
		var w Withdrawal
		return w, r.Scan(&w.ID, &w.WithdrawnAt)
	})
	if err != nil {
		return nil, fmt.Errorf("withdrawals: %w", err)
	}
	return out, nil
}
