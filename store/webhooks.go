package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Webhook is a target an admin registered. Secret signs the bodies sent to it.
type Webhook struct {
	ID        int64
	URL       string
	Secret    string
	CreatedBy string
	CreatedAt time.Time
}

// CreateWebhook registers a target.
func (db *DB) CreateWebhook(ctx context.Context, url, secret, actor string) (Webhook, error) {
	w := Webhook{URL: url, Secret: secret, CreatedBy: actor}
	err := db.pool.QueryRow(ctx, `INSERT INTO webhooks (url, secret, created_by) VALUES ($1, $2, $3)
		RETURNING id, created_at`, url, secret, actor).Scan(&w.ID, &w.CreatedAt)
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	return w, nil
}

// Webhooks lists the registered targets, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, url, secret, created_by, created_at FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Webhook, error) {
		var w Webhook
		return w, r.Scan(&w.ID, &w.URL, &w.Secret, &w.CreatedBy, &w.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// DeleteWebhook removes a target; its pending deliveries fail at their next attempt. It
// returns [ErrNotFound] for an unknown id.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Webhook event names, as sent in bodies and stored in webhook_events.
const (
	EventApproved  = "article.approved"
	EventWithdrawn = "article.withdrawn"
)

// WebhookEvent is an approval or withdrawal waiting to become deliveries.
type WebhookEvent struct {
	ID        int64
	ArticleID string
	Event     string
	At        time.Time
	// Summary is the approved version, for [EventApproved]; for [EventWithdrawn] only its ID
	// and URL are set.
	Summary PublicSummary
}

// NewDelivery is one target of an event, as the dispatcher decided it.
type NewDelivery struct {
	Source    string // "admin" or "env"
	WebhookID *int64 // for "admin"
	URL       string
	Body      []byte
}

// DispatchWebhookEvents turns up to limit undispatched events into deliveries, in one
// transaction: expand returns an event's deliveries. Events locked by another dispatcher are
// skipped, so several processes may call it at once. It returns the ids of the new deliveries,
// which the caller publishes.
func (db *DB) DispatchWebhookEvents(ctx context.Context, limit int, expand func(WebhookEvent) ([]NewDelivery, error)) ([]int64, error) {
	var ids []int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT e.id, e.article_id::text, e.event, e.at, e.version, a.url, a.url_key, a.title,
				a.site_name, a.byline, a.lang, a.published_at
			FROM webhook_events e JOIN articles a ON a.id = e.article_id
			WHERE e.dispatched_at IS NULL ORDER BY e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED`, limit)
		if err != nil {
			return err
		}
		var events []WebhookEvent
		var versions []*int
		for rows.Next() {
			var ev WebhookEvent
			var v *int
			s := &ev.Summary
			if err := rows.Scan(&ev.ID, &ev.ArticleID, &ev.Event, &ev.At, &v, &s.URL, &s.URLKey, &s.Title, &s.SiteName,
				&s.Byline, &s.Lang, &s.PublishedAt); err != nil {
				rows.Close()
				return err
			}
			s.ID = ev.ArticleID
			events = append(events, ev)
			versions = append(versions, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, ev := range events {
			if v := versions[i]; ev.Event == EventApproved && v != nil {
				// The version approved then, whatever happened since: drafts never change.
				var kp []byte
				s := &events[i].Summary
				s.Version, s.ApprovedAt = *v, ev.At
				if err := tx.QueryRow(ctx, `SELECT key_points, why_it_matters, what_it_means_for_you FROM drafts
					WHERE article_id = $1 AND version = $2`, ev.ArticleID, *v).Scan(&kp, &s.WhyItMatters, &s.WhatItMeansForYou); err != nil {
					return fmt.Errorf("event %d: draft v%d: %w", ev.ID, *v, err)
				}
				if err := json.Unmarshal(kp, &s.KeyPoints); err != nil {
					return fmt.Errorf("event %d: %w", ev.ID, err)
				}
			}
			dels, err := expand(events[i])
			if err != nil {
				return err
			}
			for _, d := range dels {
				var id int64
				err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (event_id, source, webhook_id, url, event, article_id, body)
					VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, url) DO NOTHING RETURNING id`,
					ev.ID, d.Source, d.WebhookID, d.URL, ev.Event, ev.ArticleID, string(d.Body)).Scan(&id)
				if errors.Is(err, pgx.ErrNoRows) {
					continue // the same URL twice (env and admin): one delivery
				}
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			if _, err := tx.Exec(ctx, `UPDATE webhook_events SET dispatched_at = now() WHERE id = $1`, ev.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dispatch webhook events: %w", err)
	}
	return ids, nil
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event sent (or to be sent) to one target, with its latest result.
type Delivery struct {
	ID            int64
	EventID       int64
	Source        string
	WebhookID     *int64
	URL           string
	Event         string
	ArticleID     string
	Body          []byte
	Status        string
	Attempts      int
	LastStatus    *int
	LastError     string
	NextAttemptAt *time.Time
	EnqueuedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   *time.Time
	// Secret is the admin target's signing secret; empty for env targets and for targets
	// deleted since.
	Secret string
}

const deliveryColumns = `d.id, d.event_id, d.source, d.webhook_id, d.url, d.event, d.article_id::text, d.body, d.status,
	d.attempts, d.last_status, d.last_error, d.next_attempt_at, d.enqueued_at, d.created_at, d.updated_at, d.delivered_at, coalesce(w.secret, '')`

func scanDelivery(row pgx.Row) (Delivery, error) {
	var d Delivery
	var body string
	err := row.Scan(&d.ID, &d.EventID, &d.Source, &d.WebhookID, &d.URL, &d.Event, &d.ArticleID, &body, &d.Status,
		&d.Attempts, &d.LastStatus, &d.LastError, &d.NextAttemptAt, &d.EnqueuedAt, &d.CreatedAt, &d.UpdatedAt, &d.DeliveredAt, &d.Secret)
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, ErrNotFound
	}
	d.Body = []byte(body)
	return d, err
}

// GetDelivery returns a delivery with its target's secret, or [ErrNotFound].
func (db *DB) GetDelivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Delivery{}, fmt.Errorf("get delivery %d: %w", id, err)
	}
	return d, err
}

// Deliveries lists deliveries, newest first, with ids below before when before > 0. Secrets
// are not included.
func (db *DB) Deliveries(ctx context.Context, before int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries d LEFT JOIN webhooks w ON false`
	args := []any{limit}
	if before > 0 {
		q += ` WHERE d.id < $2`
		args = append(args, before)
	}
	rows, err := db.pool.Query(ctx, q+` ORDER BY d.id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkDeliveriesEnqueued records that JetStream confirmed the deliveries' messages.
func (db *DB) MarkDeliveriesEnqueued(ctx context.Context, ids []int64) error {
	if _, err := db.pool.Exec(ctx, `UPDATE webhook_deliveries SET enqueued_at = now() WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("mark deliveries enqueued: %w", err)
	}
	return nil
}

// UnqueuedDeliveries returns pending deliveries whose message JetStream never confirmed (a
// crash or a broker outage between commit and publish), oldest first.
func (db *DB) UnqueuedDeliveries(ctx context.Context, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND enqueued_at IS NULL
		ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("unqueued deliveries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("unqueued deliveries: %w", err)
	}
	return ids, nil
}

// RecordAttempt stores the result of one attempt: status is the delivery's new status,
// httpStatus the response's status (0 when there was none), next the time of the retry for a
// pending delivery. It changes nothing unless the delivery is pending, and reports whether it
// did.
func (db *DB) RecordAttempt(ctx context.Context, id int64, status string, httpStatus int, errText string, next *time.Time) (bool, error) {
	var hs *int
	if httpStatus > 0 {
		hs = &httpStatus
	}
	tag, err := db.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status = $3,
		last_error = $4, next_attempt_at = $5, updated_at = now(),
		delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
		WHERE id = $1 AND status = 'pending'`, id, status, hs, errText, next)
	if err != nil {
		return false, fmt.Errorf("record attempt %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// StalledDeliveries returns pending deliveries whose message should have come back by now
// (its retry time, or its publication, is more than grace ago): the broker lost it, or gave
// up redelivering it. Republishing them is safe: the handler checks the status first.
func (db *DB) StalledDeliveries(ctx context.Context, grace time.Duration, limit int) ([]Delivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d LEFT JOIN webhooks w ON false
		WHERE d.status = 'pending' AND d.enqueued_at IS NOT NULL
		AND greatest(d.enqueued_at, coalesce(d.next_attempt_at, d.enqueued_at)) < now() - $1::interval
		ORDER BY d.id LIMIT $2`, grace, limit)
	if err != nil {
		return nil, fmt.Errorf("stalled deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("stalled deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
