package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"newsdesk/summary"
)

// Draft is one version of an article's summary.
type Draft struct {
	ArticleID        string
	Version          int
	Generation       *int // the attempt that wrote it, for machine-written drafts
	Summary          summary.Summary
	Flags            []summary.Flag
	Notes            []string
	Author           string // "llm", "extractive" or "editor"
	Actor            string // who saved it
	Model            string
	PromptVersion    string
	PromptTokens     int
	CompletionTokens int
	CostUSD          float64
	GenKey           string // see Claim.GenKey
	CreatedAt        time.Time
}

const draftColumns = `article_id::text, version, generation, key_points, why_it_matters, what_it_means_for_you,
	flags, notes, author, actor, model, prompt_version, prompt_tokens, completion_tokens, cost_usd, gen_key, created_at`

func scanDraft(row pgx.Row) (Draft, error) {
	var d Draft
	var kp, flags, notes []byte
	err := row.Scan(&d.ArticleID, &d.Version, &d.Generation, &kp, &d.Summary.WhyItMatters, &d.Summary.WhatItMeansForYou,
		&flags, &notes, &d.Author, &d.Actor, &d.Model, &d.PromptVersion, &d.PromptTokens, &d.CompletionTokens,
		&d.CostUSD, &d.GenKey, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, err
	}
	if err := json.Unmarshal(kp, &d.Summary.KeyPoints); err != nil {
		return Draft{}, fmt.Errorf("decode key points: %w", err)
	}
	if err := json.Unmarshal(flags, &d.Flags); err != nil {
		return Draft{}, fmt.Errorf("decode flags: %w", err)
	}
	if err := json.Unmarshal(notes, &d.Notes); err != nil {
		return Draft{}, fmt.Errorf("decode notes: %w", err)
	}
	if d.Flags == nil {
		d.Flags = []summary.Flag{}
	}
	return d, nil
}

// GetDraft returns one version of an article's summary, or [ErrNotFound].
func (db *DB) GetDraft(ctx context.Context, id string, version int) (Draft, error) {
	if !validUUID(id) {
		return Draft{}, ErrNotFound
	}
	d, err := scanDraft(db.pool.QueryRow(ctx, `SELECT `+draftColumns+` FROM drafts WHERE article_id = $1 AND version = $2`, id, version))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Draft{}, fmt.Errorf("get draft %s v%d: %w", id, version, err)
	}
	return d, err
}

// Drafts returns every version of an article's summary, oldest first.
func (db *DB) Drafts(ctx context.Context, id string) ([]Draft, error) {
	out, err := collect(ctx, db, scanDraft, `SELECT `+draftColumns+` FROM drafts WHERE article_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("list drafts %s: %w", id, err)
	}
	return out, nil
}

// draftArgs lays out d as the arguments of [insertDraftSQL]: $1 is the article id, $2..$15
// the draft's values.
func draftArgs(d Draft) ([]any, error) {
	kp, err := json.Marshal(d.Summary.KeyPoints)
	if err != nil {
		return nil, err
	}
	if d.Flags == nil {
		d.Flags = []summary.Flag{}
	}
	flags, err := json.Marshal(d.Flags)
	if err != nil {
		return nil, err
	}
	if d.Notes == nil {
		d.Notes = []string{}
	}
	notes, err := json.Marshal(d.Notes)
	if err != nil {
		return nil, err
	}
	return []any{d.ArticleID, d.Generation, kp, d.Summary.WhyItMatters, d.Summary.WhatItMeansForYou, flags, notes,
		d.Author, d.Actor, d.Model, d.PromptVersion, d.PromptTokens, d.CompletionTokens, d.CostUSD, d.GenKey}, nil
}

// insertDraftSQL inserts version current_version + 1 of the article read from source (a row
// source with id and current_version columns, which the caller has locked), with the values
// of [draftArgs]. With a generation set, a second machine-written draft for the same
// generation is refused by a unique index: the insert then returns no row. The caller bumps
// the article's current_version to the returned version.
func insertDraftSQL(source string) string {
	return `INSERT INTO drafts (article_id, version, generation, key_points, why_it_matters,
			what_it_means_for_you, flags, notes, author, actor, model, prompt_version, prompt_tokens,
			completion_tokens, cost_usd, gen_key)
		SELECT id, current_version + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
		FROM ` + source + `
		ON CONFLICT DO NOTHING
		RETURNING version`
}

// insertDraft adds version current+1 of an article the caller has locked in tx, and makes it
// the current version. With d.Generation set, a second machine-written draft for the same
// generation is refused by a unique index: inserted is then false.
func insertDraft(ctx context.Context, tx pgx.Tx, d Draft) (version int, inserted bool, err error) {
	args, err := draftArgs(d)
	if err != nil {
		return 0, false, err
	}
	// One statement: the version bump is a data-modifying CTE, which runs whether or not
	// the outer query reads it, and does nothing when the insert was refused.
	err = tx.QueryRow(ctx, `WITH ins AS (`+insertDraftSQL(`articles WHERE id = $1`)+`), bumped AS (
			UPDATE articles a SET current_version = ins.version, updated_at = now() FROM ins WHERE a.id = $1)
		SELECT version FROM ins`, args...).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert draft: %w", err)
	}
	return version, true, nil
}
