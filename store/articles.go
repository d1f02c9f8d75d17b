package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Article is one submitted URL and where it stands.
type Article struct {
	ID              string
	URL             string
	URLKey          string
	Status          string
	Error           string
	Attempt         int
	EnqueuedAt      *time.Time
	SourceText      string
	SourceHTML      string
	Instructions    string
	Title           string
	Byline          string
	SiteName        string
	Lang            string
	CanonicalURL    string
	PublishedAt     *time.Time
	WordCount       int
	Text            string
	TextSHA256      string
	CurrentVersion  int
	ApprovedVersion *int
	ApprovedAt      *time.Time
	ApprovedBy      string
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const articleColumns = `id::text, url, url_key, status, error, attempt, enqueued_at, source_text, source_html,
	instructions, title, byline, site_name, lang, canonical_url, published_at, word_count, text, text_sha256,
	current_version, approved_version, approved_at, approved_by, created_by, created_at, updated_at`

func scanArticle(row pgx.Row) (Article, error) {
	var a Article
	err := row.Scan(&a.ID, &a.URL, &a.URLKey, &a.Status, &a.Error, &a.Attempt, &a.EnqueuedAt, &a.SourceText,
		&a.SourceHTML, &a.Instructions, &a.Title, &a.Byline, &a.SiteName, &a.Lang, &a.CanonicalURL, &a.PublishedAt,
		&a.WordCount, &a.Text, &a.TextSHA256, &a.CurrentVersion, &a.ApprovedVersion, &a.ApprovedAt, &a.ApprovedBy,
		&a.CreatedBy, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Article{}, ErrNotFound
	}
	return a, err
}

// Submission is one URL an editor submitted.
type Submission struct {
	URL        string // as submitted
	URLKey     string // normalised; the identity of the article
	SourceText string // optional pasted article text
	SourceHTML string // optional pasted HTML
	Actor      string
}

// Submit creates an article in status queued, or returns the existing article with the same
// URLKey. created reports which.
func (db *DB) Submit(ctx context.Context, s Submission) (a Article, created bool, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		a, err = scanArticle(tx.QueryRow(ctx, `INSERT INTO articles (url, url_key, source_text, source_html, created_by)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (url_key) DO NOTHING RETURNING `+articleColumns,
			s.URL, s.URLKey, s.SourceText, s.SourceHTML, s.Actor))
		if errors.Is(err, ErrNotFound) {
			// ON CONFLICT DO NOTHING returns no row; the article exists (possibly committed a
			// moment ago by a concurrent submit of the same URL).
			a, err = scanArticle(tx.QueryRow(ctx, `SELECT `+articleColumns+` FROM articles WHERE url_key = $1`, s.URLKey))
			return err
		}
		if err != nil {
			return err
		}
		created = true
		note := ""
		if s.SourceText != "" || s.SourceHTML != "" {
			note = "with pasted source"
		}
		return record(ctx, tx, a.ID, s.Actor, "submit", "", StatusQueued, note)
	})
	if err != nil {
		return Article{}, false, fmt.Errorf("submit %s: %w", s.URLKey, err)
	}
	return a, created, nil
}

// Get returns the article with id, or [ErrNotFound].
func (db *DB) Get(ctx context.Context, id string) (Article, error) {
	if !validUUID(id) {
		return Article{}, ErrNotFound
	}
	a, err := scanArticle(db.pool.QueryRow(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Article{}, fmt.Errorf("get article %s: %w", id, err)
	}
	return a, err
}

// GetByURLKey returns the article with the normalised URL key, or [ErrNotFound].
func (db *DB) GetByURLKey(ctx context.Context, key string) (Article, error) {
	a, err := scanArticle(db.pool.QueryRow(ctx, `SELECT `+articleColumns+` FROM articles WHERE url_key = $1`, key))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Article{}, fmt.Errorf("get article by url: %w", err)
	}
	return a, err
}

// MarkEnqueued records that the current attempt's message for the article's current stage
// is in the queue. The reconciler republishes articles where this never happened.
func (db *DB) MarkEnqueued(ctx context.Context, id string, attempt int) error {
	_, err := db.pool.Exec(ctx, `WITH `+asyncCommit+` UPDATE articles SET enqueued_at = now()
		FROM async WHERE id = $1 AND attempt = $2`, id, attempt)
	if err != nil {
		return fmt.Errorf("mark enqueued %s: %w", id, err)
	}
	return nil
}

// ListParams filters and pages [DB.List].
type ListParams struct {
	Status string // "" for all; "working" for queued, extracting and summarising
	Query  string // matched against title and URL
	Before string // cursor: id of the last article of the previous page
	Limit  int
}

// List returns articles newest first.
func (db *DB) List(ctx context.Context, p ListParams) ([]Article, error) {
	if p.Limit <= 0 || p.Limit > 500 {
		p.Limit = 50
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	switch p.Status {
	case "":
	case "working":
		where = append(where, "status IN ('queued', 'extracting', 'summarising')")
	default:
		where = append(where, "status = "+arg(p.Status))
	}
	if q := strings.TrimSpace(p.Query); q != "" {
		pat := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		n := arg(pat)
		where = append(where, "(title ILIKE "+n+" OR url ILIKE "+n+")")
	}
	if p.Before != "" && validUUID(p.Before) {
		n := arg(p.Before)
		where = append(where, "(created_at, id) < (SELECT created_at, id FROM articles WHERE id = "+n+")")
	}
	q := `SELECT ` + articleColumns + ` FROM articles`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(p.Limit)
	out, err := collect(ctx, db, scanArticle, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

// Counts returns the number of articles in each status.
func (db *DB) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT status, count(*) FROM articles GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count articles: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int, len(Statuses))
	for _, s := range Statuses {
		out[s] = 0
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// HistoryEntry is one line of an article's audit trail.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Note   string    `json:"note"`
}

// History returns an article's audit trail, oldest first.
func (db *DB) History(ctx context.Context, id string) ([]HistoryEntry, error) {
	rows, err := db.pool.Query(ctx, `SELECT at, actor, action, from_status, to_status, note
		FROM history WHERE article_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", id, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var h HistoryEntry
		err := r.Scan(&h.At, &h.Actor, &h.Action, &h.From, &h.To, &h.Note)
		return h, err
	})
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
