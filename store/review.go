package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockArticle reads an article's status and current version for update inside tx.
func lockArticle(ctx context.Context, tx pgx.Tx, id string) (status string, current int, approved *int, err error) {
	if !validUUID(id) {
		return "", 0, nil, ErrNotFound
	}
	err = tx.QueryRow(ctx, `SELECT status, current_version, approved_version FROM articles WHERE id = $1 FOR UPDATE`, id).
		Scan(&status, &current, &approved)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, nil, ErrNotFound
	}
	return status, current, approved, err
}

// SaveEdit stores a person's edit as a new version. baseVersion is the version the editor
// started from; when someone else saved since, it returns a [*ConflictError].
func (db *DB) SaveEdit(ctx context.Context, d Draft, baseVersion int) (version int, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		status, current, _, err := lockArticle(ctx, tx, d.ArticleID)
		if err != nil {
			return err
		}
		switch status {
		case StatusDraft, StatusApproved, StatusRejected, StatusWithdrawn:
		default:
			return conflict("The article is %s; there is no draft to edit yet.", status)
		}
		if baseVersion != current {
			return conflict("Someone else saved version %d while you were editing version %d. Reload to see their changes, then edit again.", current, baseVersion)
		}
		d.Generation = nil
		d.Author = "editor"
		version, _, err = insertDraft(ctx, tx, d)
		if err != nil {
			return err
		}
		// An edit is unreviewed text: it goes back to review. An approved version stays on
		// the portal until a newer one is approved.
		if _, err := tx.Exec(ctx, `UPDATE articles SET status = 'draft', updated_at = now() WHERE id = $1`, d.ArticleID); err != nil {
			return err
		}
		return record(ctx, tx, d.ArticleID, d.Actor, "edit", status, StatusDraft, fmt.Sprintf("v%d from v%d", version, baseVersion))
	})
	if err != nil {
		return 0, fmt.Errorf("save edit: %w", err)
	}
	return version, nil
}

// Approve publishes a version of the summary. The portal shows it from the moment this
// commits.
func (db *DB) Approve(ctx context.Context, id string, version int, actor string) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		status, current, _, err := lockArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		switch status {
		case StatusDraft, StatusApproved, StatusRejected, StatusWithdrawn:
		default:
			return conflict("The article is %s; only a finished draft can be approved.", status)
		}
		if version < 1 || version > current {
			return conflict("Version %d does not exist; the latest is %d.", version, current)
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET status = 'approved', approved_version = $2, approved_at = now(),
			approved_by = $3, updated_at = now() WHERE id = $1`, id, version, actor); err != nil {
			return err
		}
		return record(ctx, tx, id, actor, "approve", status, StatusApproved, fmt.Sprintf("v%d", version))
	})
	if err != nil {
		return fmt.Errorf("approve %s: %w", id, err)
	}
	return nil
}

// Reject turns a draft down with a reason.
func (db *DB) Reject(ctx context.Context, id, reason, actor string) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		status, _, _, err := lockArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if status != StatusDraft {
			if status == StatusApproved {
				return conflict("The article is approved and on the portal; withdraw it instead.")
			}
			return conflict("The article is %s; only a draft can be rejected.", status)
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET status = 'rejected', updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		return record(ctx, tx, id, actor, "reject", status, StatusRejected, reason)
	})
	if err != nil {
		return fmt.Errorf("reject %s: %w", id, err)
	}
	return nil
}

// Withdraw takes an article off the portal at once.
func (db *DB) Withdraw(ctx context.Context, id, reason, actor string) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		status, _, approved, err := lockArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if approved == nil {
			return conflict("The article is not on the portal.")
		}
		to := status
		if status == StatusApproved {
			to = StatusWithdrawn
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET status = $2, approved_version = NULL, approved_at = NULL,
			approved_by = '', updated_at = now() WHERE id = $1`, id, to); err != nil {
			return err
		}
		return record(ctx, tx, id, actor, "withdraw", status, to, reason)
	})
	if err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	return nil
}

// Regenerate asks for a new machine-written draft, guided by instructions. It returns the
// new attempt, whose summarise message the caller publishes.
func (db *DB) Regenerate(ctx context.Context, id, instructions, actor string) (attempt int, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		status, _, _, err := lockArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		switch status {
		case StatusDraft, StatusApproved, StatusRejected, StatusWithdrawn:
		default:
			return conflict("The article is %s; it can be regenerated once it has a draft.", status)
		}
		if err := tx.QueryRow(ctx, `UPDATE articles SET status = 'summarising', attempt = attempt + 1, instructions = $2,
			enqueued_at = NULL, lease_owner = '', lease_until = NULL, error = '', updated_at = now()
			WHERE id = $1 RETURNING attempt`, id, instructions).Scan(&attempt); err != nil {
			return err
		}
		return record(ctx, tx, id, actor, "regenerate", status, StatusSummarising, instructions)
	})
	if err != nil {
		return 0, fmt.Errorf("regenerate %s: %w", id, err)
	}
	return attempt, nil
}

// Retry sends a failed article through the pipeline again from the start. It returns the new
// attempt, whose extract message the caller publishes.
func (db *DB) Retry(ctx context.Context, id, actor string) (attempt int, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		status, _, _, err := lockArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if status != StatusFailed {
			return conflict("The article is %s; only a failed article can be retried.", status)
		}
		if err := tx.QueryRow(ctx, `UPDATE articles SET status = 'queued', attempt = attempt + 1, error = '',
			enqueued_at = NULL, lease_owner = '', lease_until = NULL, updated_at = now()
			WHERE id = $1 RETURNING attempt`, id).Scan(&attempt); err != nil {
			return err
		}
		return record(ctx, tx, id, actor, "retry", status, StatusQueued, "")
	})
	if err != nil {
		return 0, fmt.Errorf("retry %s: %w", id, err)
	}
	return attempt, nil
}

// Published is an approved summary as the portal shows it.
type Published struct {
	ID          string
	URL         string
	Title       string
	SiteName    string
	Byline      string
	PublishedAt *time.Time
	Version     int
	ApprovedAt  time.Time
	Draft       Draft
}

const publishedQuery = `SELECT a.id::text, a.url, a.title, a.site_name, a.byline, a.published_at, a.approved_version,
	a.approved_at, ` + "d." + `article_id::text, d.version, d.generation, d.key_points, d.why_it_matters, d.what_it_means_for_you,
	d.flags, d.notes, d.author, d.actor, d.model, d.prompt_version, d.prompt_tokens, d.completion_tokens, d.cost_usd,
	d.gen_key, d.created_at
	FROM articles a JOIN drafts d ON d.article_id = a.id AND d.version = a.approved_version
	WHERE a.approved_version IS NOT NULL`

func scanPublished(row pgx.Row) (Published, error) {
	var p Published
	var kp, flags, notes []byte
	d := &p.Draft
	err := row.Scan(&p.ID, &p.URL, &p.Title, &p.SiteName, &p.Byline, &p.PublishedAt, &p.Version, &p.ApprovedAt,
		&d.ArticleID, &d.Version, &d.Generation, &kp, &d.Summary.WhyItMatters, &d.Summary.WhatItMeansForYou,
		&flags, &notes, &d.Author, &d.Actor, &d.Model, &d.PromptVersion, &d.PromptTokens, &d.CompletionTokens,
		&d.CostUSD, &d.GenKey, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Published{}, ErrNotFound
	}
	if err != nil {
		return Published{}, err
	}
	if err := json.Unmarshal(kp, &d.Summary.KeyPoints); err != nil {
		return Published{}, err
	}
	return p, nil
}

// GetPublished returns the approved version of an article, or [ErrNotFound] when it has none
// (whatever its status).
func (db *DB) GetPublished(ctx context.Context, id string) (Published, error) {
	if !validUUID(id) {
		return Published{}, ErrNotFound
	}
	p, err := scanPublished(db.pool.QueryRow(ctx, publishedQuery+` AND a.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Published{}, fmt.Errorf("get published %s: %w", id, err)
	}
	return p, err
}

// GetPublishedByURLKey is [DB.GetPublished] by normalised URL.
func (db *DB) GetPublishedByURLKey(ctx context.Context, key string) (Published, error) {
	p, err := scanPublished(db.pool.QueryRow(ctx, publishedQuery+` AND a.url_key = $1`, key))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Published{}, fmt.Errorf("get published by url: %w", err)
	}
	return p, err
}

// PublishedParams pages [DB.ListPublished].
type PublishedParams struct {
	Before string     // cursor: id of the last item of the previous page
	Since  *time.Time // only items approved after this
	Limit  int
}

// ListPublished returns approved summaries, most recently approved first.
func (db *DB) ListPublished(ctx context.Context, p PublishedParams) ([]Published, error) {
	if p.Limit <= 0 || p.Limit > 200 {
		p.Limit = 50
	}
	q := publishedQuery
	args := []any{}
	if p.Before != "" && validUUID(p.Before) {
		args = append(args, p.Before)
		q += fmt.Sprintf(` AND (a.approved_at, a.id) < (SELECT approved_at, id FROM articles WHERE id = $%d AND approved_at IS NOT NULL)`, len(args))
	}
	if p.Since != nil {
		args = append(args, *p.Since)
		q += fmt.Sprintf(` AND a.approved_at > $%d`, len(args))
	}
	args = append(args, p.Limit)
	q += fmt.Sprintf(` ORDER BY a.approved_at DESC, a.id DESC LIMIT $%d`, len(args))
	out, err := collect(ctx, db, scanPublished, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list published: %w", err)
	}
	return out, nil
}
