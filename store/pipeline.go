package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The pipeline's transitions. Each one names the attempt it belongs to: a message from an
// older attempt (an editor retried, a reviewer regenerated) finds nothing to change.
//
// The worker makes them for every article, so each is a single statement: the compare-and-set,
// the audit row and the notification as data-modifying CTEs. A single statement is atomic on
// its own, so it needs no BEGIN and COMMIT, and costs one round trip. The shape they share:
//
//   - locked (where the old status or version matters): SELECT ... FOR UPDATE of the article,
//     filtered on attempt and status. It serialises concurrent deliveries and yields the row
//     before the change (UPDATE ... RETURNING only sees the new one). Under READ COMMITTED
//     the lock re-reads a row changed since the statement's snapshot, so the filter and the
//     values read here are the latest ones.
//   - moved: the UPDATE, joined to what locked found, so it changes nothing when locked found
//     nothing. It is the only place the article row is updated: all CTEs share one snapshot,
//     and a row must not be updated twice in one statement.
//   - logged: the history row, one per moved row (and only when the status changed).
//   - the outer SELECT announces each logged row with pg_notify, payload the id as given,
//     exactly as [record] does. A data-modifying CTE always runs; a function in the outer
//     query runs only for the rows it reads, so no history row means no notification.
//
// Claims (StartExtract, ClaimSummary, the leases, the enqueued marks) commit without
// waiting for their WAL to reach disk ([asyncCommit]). Losing one in a Postgres crash only
// repeats work its job redoes anyway: the next transition of the same job accepts the
// state before the claim, and any later synchronous commit (SaveExtract, SaveGenerated,
// Fail: the ones a worker acknowledges a message on) flushes the claims before it. Two of a
// pipeline article's four commits no longer wait on an fsync.

// asyncCommit is a CTE that makes the statement's transaction commit asynchronously
// (synchronous_commit off, for this transaction only). A statement names it in a FROM list
// so that it runs; it yields one row.
const asyncCommit = `async AS (SELECT set_config('synchronous_commit', 'off', true) AS async_commit)`

// SystemActor is the actor recorded for changes the pipeline makes.
const SystemActor = "newsdesk"

// StartExtract moves a queued article of this attempt to extracting and returns it. ok is
// false when the article has moved on or belongs to another attempt: the message is stale.
// A redelivery while extracting returns the article again, without a second history row.
func (db *DB) StartExtract(ctx context.Context, id string, attempt int) (a Article, ok bool, err error) {
	a, err = scanArticle(notifyColumn{db.pool.QueryRow(ctx, `WITH `+asyncCommit+`, locked AS (
			SELECT id AS locked_id, status AS from_status FROM articles, async
			WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'extracting')
			FOR UPDATE OF articles
		), moved AS (
			UPDATE articles a SET status = 'extracting', updated_at = now()
			FROM locked WHERE a.id = locked.locked_id
			RETURNING locked.from_status, `+articleColumns+`
		), logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			SELECT $1, $3, 'extract', from_status, 'extracting', '' FROM moved WHERE from_status = 'queued'
			RETURNING article_id
		)
		SELECT `+articleColumns+`, (SELECT pg_notify($4, $5) FROM logged) FROM moved`,
		id, attempt, SystemActor, NotifyChannel, id)})
	if errors.Is(err, ErrNotFound) {
		return Article{}, false, nil
	}
	if err != nil {
		return Article{}, false, fmt.Errorf("start extract %s: %w", id, err)
	}
	return a, true, nil
}

// notifyColumn is a row whose last column only runs pg_notify; Scan drops it (its value is
// void, or NULL when there was nothing to announce).
type notifyColumn struct{ pgx.Row }

func (r notifyColumn) Scan(dest ...any) error { return r.Row.Scan(append(dest, nil)...) }

// Extracted is what the extract stage found.
type Extracted struct {
	Title, Byline, SiteName, Lang, CanonicalURL string
	PublishedAt                                 *time.Time
	WordCount                                   int
	Text                                        string
	TextSHA256                                  string
}

// SaveExtract stores the text and metadata and moves the article to summarising. ok is false
// when the article was no longer extracting (or queued: a crash lost the claim) for this
// attempt.
func (db *DB) SaveExtract(ctx context.Context, id string, attempt int, e Extracted) (ok bool, err error) {
	// The UPDATE's own condition is the compare-and-set (the status it leaves is fixed), so
	// there is no locked step. The outer SELECT returns one row per announced change.
	tag, err := db.pool.Exec(ctx, `WITH moved AS (
			UPDATE articles SET status = 'summarising', enqueued_at = NULL, title = $3, byline = $4,
				site_name = $5, lang = $6, canonical_url = $7, published_at = $8, word_count = $9, text = $10,
				text_sha256 = $11, updated_at = now()
			WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'extracting')
			RETURNING id
		), logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			SELECT id, $12, 'extracted', 'extracting', 'summarising', $13 FROM moved
			RETURNING article_id
		)
		SELECT pg_notify($14, $15) FROM logged`,
		id, attempt, e.Title, e.Byline, e.SiteName, e.Lang, e.CanonicalURL, e.PublishedAt, e.WordCount, e.Text, e.TextSHA256,
		SystemActor, fmt.Sprintf("%d words", e.WordCount), NotifyChannel, id)
	if err != nil {
		return false, fmt.Errorf("save extract %s: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Fail marks a working article of this attempt as failed with a reason an editor can read.
// ok is false when it was not in a working state for this attempt.
func (db *DB) Fail(ctx context.Context, id string, attempt int, reason string) (ok bool, err error) {
	tag, err := db.pool.Exec(ctx, `WITH locked AS (
			SELECT id AS locked_id, status AS from_status FROM articles
			WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'extracting', 'summarising')
			FOR UPDATE
		), moved AS (
			UPDATE articles a SET status = 'failed', error = $3, lease_owner = '', lease_until = NULL, updated_at = now()
			FROM locked WHERE a.id = locked.locked_id
			RETURNING a.id, locked.from_status
		), logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			SELECT id, $4, 'fail', from_status, 'failed', $3 FROM moved
			RETURNING article_id
		)
		SELECT pg_notify($5, $6) FROM logged`,
		id, attempt, reason, SystemActor, NotifyChannel, id)
	if err != nil {
		return false, fmt.Errorf("fail %s: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Lease is the outcome of [DB.ClaimSummary].
type Lease int

// Lease outcomes.
const (
	LeaseStale Lease = iota // the article is not summarising for this attempt: the message is stale
	LeaseTaken              // the caller holds the lease and may spend money on the LLM
	LeaseBusy               // another live worker holds it
)

// Claim is what a summarise job starts from: the article, under the caller's lease.
type Claim struct {
	Article
	// GenKey is the generation key of the article's text for the caller's prompt and
	// model: hex SHA-256 of genKeyPrefix, a zero byte and the text; "" without a prefix.
	GenKey string
	// Reuse names the earliest machine-written draft with the same GenKey, when the
	// article is on its first version and has no reviewer's instructions, so that
	// resubmitting identical text costs no tokens; ReuseVersion is its version.
	Reuse        string
	ReuseVersion int
}

// ClaimSummary claims the right to summarise an article for ttl (the lease) and, in the
// same statement, looks for a generation to reuse: a summarise job needs both, and one
// round trip instead of two is a tenth of the pipeline's Postgres work per article. A
// summarise message redelivered while another worker is still on the job (JetStream
// accepts late acks) finds LeaseBusy instead of paying for a second generation.
func (db *DB) ClaimSummary(ctx context.Context, id string, attempt int, owner string, ttl time.Duration, genKeyPrefix string) (Claim, Lease, time.Duration, error) {
	var c Claim
	var reuse *string
	var reuseVersion *int
	a, err := scanArticle(extraColumns{db.pool.QueryRow(ctx, claimSummarySQL, id, attempt, owner, ttl.String(), genKeyPrefix), []any{&c.GenKey, &reuse, &reuseVersion}})
	if err == nil {
		c.Article = a
		if reuse != nil && reuseVersion != nil {
			c.Reuse, c.ReuseVersion = *reuse, *reuseVersion
		}
		return c, LeaseTaken, 0, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Claim{}, LeaseStale, 0, fmt.Errorf("take lease %s: %w", id, err)
	}
	var left time.Duration
	var until *time.Time
	err = db.pool.QueryRow(ctx, `SELECT lease_until FROM articles WHERE id = $1 AND attempt = $2 AND status = 'summarising'`,
		id, attempt).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return Claim{}, LeaseStale, 0, nil
	}
	if err != nil {
		return Claim{}, LeaseStale, 0, fmt.Errorf("read lease %s: %w", id, err)
	}
	if until != nil {
		left = time.Until(*until)
	}
	return Claim{}, LeaseBusy, max(left, time.Second), nil
}

// claimSummarySQL takes the lease ($1 id, $2 attempt, $3 owner, $4 ttl) and returns the
// article, its generation key for prefix $5 (the same as hex SHA-256 of prefix, a zero
// byte and the UTF-8 text), and the earliest machine draft with that key, if the article
// may reuse one. The lookup repeats drafts_reuse_idx's predicate (a non-empty key), so the
// prepared statement's generic plan can use the index.
const claimSummarySQL = `WITH ` + asyncCommit + `, moved AS (
			UPDATE articles SET lease_owner = $3, lease_until = now() + $4::interval
			FROM async
			WHERE id = $1 AND attempt = $2 AND status = 'summarising'
			  AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $3)
			RETURNING ` + articleColumns + `, CASE WHEN $5 = '' THEN ''
				ELSE encode(sha256(convert_to($5, 'UTF8') || '\x00'::bytea || convert_to(text, 'UTF8')), 'hex') END AS gen_key
		)
		SELECT m.*, r.article_id, r.version FROM moved m LEFT JOIN LATERAL (
			SELECT d.article_id::text, d.version FROM drafts d
			WHERE d.gen_key = m.gen_key AND d.gen_key <> '' AND d.generation IS NOT NULL
			  AND m.instructions = '' AND m.current_version = 0
			ORDER BY d.created_at LIMIT 1
		) r ON true`

// extraColumns is a row with more columns after the ones its reader scans: Scan fills
// them into extra.
type extraColumns struct {
	pgx.Row
	extra []any
}

func (r extraColumns) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }

// RenewLease extends a lease the caller holds.
func (db *DB) RenewLease(ctx context.Context, id, owner string, ttl time.Duration) error {
	_, err := db.pool.Exec(ctx, `WITH `+asyncCommit+` UPDATE articles SET lease_until = now() + $3::interval
		FROM async WHERE id = $1 AND lease_owner = $2 AND status = 'summarising'`, id, owner, ttl.String())
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", id, err)
	}
	return nil
}

// ReleaseLease gives a lease back early, e.g. when a transient error sends the job back to
// the queue, so the next delivery need not wait for it to expire.
func (db *DB) ReleaseLease(ctx context.Context, id, owner string) error {
	_, err := db.pool.Exec(ctx, `WITH `+asyncCommit+` UPDATE articles SET lease_owner = '', lease_until = NULL
		FROM async WHERE id = $1 AND lease_owner = $2`, id, owner)
	if err != nil {
		return fmt.Errorf("release lease %s: %w", id, err)
	}
	return nil
}

// SaveGenerated stores a machine-written draft for this attempt and moves the article to
// draft. ok is false when the article had moved on or this attempt already has its draft.
func (db *DB) SaveGenerated(ctx context.Context, attempt int, d Draft) (version int, ok bool, err error) {
	d.Generation = &attempt
	args, err := draftArgs(d)
	if err != nil {
		return 0, false, fmt.Errorf("save draft %s: %w", d.ArticleID, err)
	}
	// The history note is "v<version> by <author> (<model>)"; only the version comes from
	// the insert.
	noteTail := " by " + d.Author
	if d.Model != "" {
		noteTail += " (" + d.Model + ")"
	}
	args = append(args, attempt, SystemActor, noteTail, NotifyChannel, d.ArticleID)
	// ins is refused (no row) when this generation already has its draft: then nothing moves.
	// The version comes from locked, the row as locked, not from the statement's snapshot.
	err = db.pool.QueryRow(ctx, `WITH locked AS (
			SELECT id, current_version FROM articles
			WHERE id = $1 AND attempt = $16 AND status = 'summarising'
			FOR UPDATE
		), ins AS (
			`+insertDraftSQL("locked")+`
		), moved AS (
			UPDATE articles a SET status = 'draft', current_version = ins.version, error = '', lease_owner = '',
				lease_until = NULL, instructions = '', updated_at = now()
			FROM ins WHERE a.id = $1
			RETURNING ins.version
		), logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			SELECT $1, $17, 'draft', 'summarising', 'draft', 'v' || version || $18 FROM moved
			RETURNING article_id
		)
		SELECT (SELECT version FROM moved), pg_notify($19, $20) FROM logged`, args...).Scan(&version, nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("save draft %s: %w", d.ArticleID, err)
	}
	return version, true, nil
}

// Job names the queue message an article is owed.
type Job struct {
	ArticleID string
	Attempt   int
	Status    string // queued, extracting or summarising: which stage owes the work
	// Stopped: the job was delivered, and its deliveries have stopped without finishing it
	// for longer than Unpublished's olderThan (a worker died on its last delivery, or the
	// broker lost the message). A job merely waiting in the queue is not stopped.
	Stopped bool
	// Republished counts the reconciler's republishes of this job while it was stopped
	// ([DB.CountRepublished]).
	Republished int
}

// Unpublished returns articles whose current stage's message was never confirmed in the
// queue (a crash between commit and publish), or whose extract or summarise message was
// confirmed longer than olderThan ago and may have been lost with the broker's data.
// Republishing is safe: message ids deduplicate, and handlers are idempotent.
func (db *DB) Unpublished(ctx context.Context, olderThan time.Duration, limit int) ([]Job, error) {
	rows, err := db.pool.Query(ctx, `SELECT id::text, attempt, status, `+stoppedSQL("$1")+`, `+republishedSQL+` FROM articles
		WHERE status IN ('queued', 'extracting', 'summarising')
		  AND (enqueued_at IS NULL AND updated_at < now() - interval '2 seconds' OR enqueued_at < now() - $1::interval)
		ORDER BY updated_at LIMIT $2`, olderThan.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("find unpublished: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) {
		var j Job
		err := r.Scan(&j.ArticleID, &j.Attempt, &j.Status, &j.Stopped, &j.Republished)
		return j, err
	})
}

// FailStalled marks failed every article that has sat in a working state for longer than
// after: a job whose worker crashed on every delivery ends visible, never silently stuck.
func (db *DB) FailStalled(ctx context.Context, after time.Duration) (int, error) {
	var n int
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text, status FROM articles
			WHERE status IN ('queued', 'extracting', 'summarising') AND updated_at < now() - $1::interval
			  AND (lease_until IS NULL OR lease_until < now())
			FOR UPDATE SKIP LOCKED LIMIT 100`, after.String())
		if err != nil {
			return err
		}
		type stalled struct{ id, status string }
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stalled, error) {
			var s stalled
			return s, r.Scan(&s.id, &s.status)
		})
		if err != nil {
			return err
		}
		for _, s := range list {
			reason := fmt.Sprintf("Processing stalled: the article stayed %s for more than %s (workers may have crashed on it repeatedly). Retry it, or paste its text.", s.status, after.Round(time.Second))
			if _, err := tx.Exec(ctx, `UPDATE articles SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`, s.id, reason); err != nil {
				return err
			}
			if err := record(ctx, tx, s.id, SystemActor, "fail", s.status, StatusFailed, reason); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("fail stalled: %w", err)
	}
	return n, nil
}
