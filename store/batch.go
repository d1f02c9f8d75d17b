package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SubmitResult is the outcome of one submission in [DB.SubmitMany].
type SubmitResult struct {
	Article Article
	Created bool
}

// SubmitMany is [DB.Submit] for a batch, in one statement: a morning's 10,000 wire URLs
// cost one round trip, not 10,000. Results are in the order of subs; a URL key that
// appears twice in the batch yields the same article both times.
func (db *DB) SubmitMany(ctx context.Context, subs []Submission) ([]SubmitResult, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	urls := make([]string, len(subs))
	keys := make([]string, len(subs))
	texts := make([]string, len(subs))
	htmls := make([]string, len(subs))
	for i, s := range subs {
		urls[i], keys[i], texts[i], htmls[i] = s.URL, s.URLKey, s.SourceText, s.SourceHTML
	}
	actor := subs[0].Actor
	byKey := make(map[string]SubmitResult, len(subs))
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH input AS (
				SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(url, url_key, source_text, source_html, ord)
			), ins AS (
				INSERT INTO articles (url, url_key, source_text, source_html, created_by)
				SELECT DISTINCT ON (url_key) url, url_key, source_text, source_html, $5 FROM input ORDER BY url_key, ord
				ON CONFLICT (url_key) DO NOTHING
				RETURNING `+articleColumns+`
			), hist AS (
				INSERT INTO history (article_id, actor, action, to_status, note)
				SELECT id::uuid, $5, 'submit', 'queued', CASE WHEN source_text <> '' OR source_html <> '' THEN 'with pasted source' ELSE '' END FROM ins
			)
			SELECT `+articleColumns+` FROM ins`, urls, keys, texts, htmls, actor)
		if err != nil {
			return err
		}
		for rows.Next() {
			a, err := scanArticle(rows)
			if err != nil {
				rows.Close()
				return err
			}
			byKey[a.URLKey] = SubmitResult{Article: a, Created: true}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var missing []string
		for _, k := range keys {
			if _, ok := byKey[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			rows, err := tx.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE url_key = ANY($1)`, missing)
			if err != nil {
				return err
			}
			for rows.Next() {
				a, err := scanArticle(rows)
				if err != nil {
					rows.Close()
					return err
				}
				byKey[a.URLKey] = SubmitResult{Article: a}
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, '*')`, NotifyChannel)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("submit batch: %w", err)
	}
	out := make([]SubmitResult, len(subs))
	seen := make(map[string]bool, len(subs))
	for i, k := range keys {
		r, ok := byKey[k]
		if !ok {
			return nil, fmt.Errorf("submit batch: article for %s vanished", k)
		}
		// Only the first occurrence in the batch counts as created.
		if seen[k] {
			r.Created = false
		}
		seen[k] = true
		out[i] = r
	}
	return out, nil
}

// MarkEnqueuedMany is [DB.MarkEnqueued] for a batch of articles at their attempts.
func (db *DB) MarkEnqueuedMany(ctx context.Context, ids []string, attempts []int) error {
	_, err := db.pool.Exec(ctx, `WITH `+asyncCommit+` UPDATE articles a SET enqueued_at = now()
		FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt), async WHERE a.id = t.id AND a.attempt = t.attempt`, ids, attempts)
	if err != nil {
		return fmt.Errorf("mark enqueued: %w", err)
	}
	return nil
}
