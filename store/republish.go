package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The reconciler republishes jobs the queue may have lost, and counts the republishes of a
// job whose deliveries have stopped without finishing it, so that it can give up on one that
// stops its workers every time instead of republishing it until [DB.FailStalled]. The count
// lives in articles.republished_count, for the job named in republished_job (see
// schema/0003_republish_count.sql): a count for another attempt or stage reads as zero.

// jobKeySQL names an article's current job: its attempt and its working status.
const jobKeySQL = `attempt::text || ':' || status`

// republishedSQL is the number of times the current job has been republished.
const republishedSQL = `CASE WHEN republished_job = ` + jobKeySQL + ` THEN republished_count ELSE 0 END`

// stoppedSQL is true for an article whose current job was delivered to a worker and whose
// deliveries have stopped, without finishing it, for longer than the interval in param:
//
//   - extracting: every extract delivery sets updated_at (StartExtract), so none has begun
//     for that long;
//   - summarising: a delivery took the lease and nobody has held it for that long. A
//     delivery that ends with an error releases the lease and a draft clears it, so a lease
//     left behind belongs to a worker that died; a healthy slow call renews its lease and
//     never counts.
//
// A queued article, or a summarising one with a free lease (never delivered, or handed back
// after a transient error), is waiting in the queue: a backlog, a provider's rate limits or
// the daily budget may keep it there for hours, and waiting is no reason to give up on it.
func stoppedSQL(param string) string {
	return `CASE status
		WHEN 'extracting' THEN updated_at < now() - ` + param + `::interval
		WHEN 'summarising' THEN coalesce(lease_until < now() - ` + param + `::interval, false)
		ELSE false END`
}

// CountRepublished records that the reconciler republished the current job of an article
// whose deliveries had stopped (see [Job.Stopped]) and returns how many times that job has
// now been republished. It counts nothing, and returns 0, when the article has moved on from
// that attempt and status.
func (db *DB) CountRepublished(ctx context.Context, id string, attempt int, status string) (int, error) {
	// updated_at stays as it is: it is both the extract stage's evidence of deliveries and
	// the stall check's clock, and a republish is neither.
	var n int
	err := db.pool.QueryRow(ctx, `UPDATE articles SET republished_count = `+republishedSQL+` + 1,
			republished_job = `+jobKeySQL+`
		WHERE id = $1 AND attempt = $2 AND status = $3 AND status IN ('extracting', 'summarising')
		RETURNING republished_count`, id, attempt, status).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count republish %s: %w", id, err)
	}
	return n, nil
}

// FailUnfinished marks failed, with reason, an article whose current job (this attempt and
// status) has been republished at least republished times after its deliveries stopped, was
// last confirmed in the queue more than quiet ago, and has still not been worked on for quiet
// (see [Job.Stopped]), with no live lease. The history row and the notification are those
// of [DB.Fail]. ok is false when the article no longer qualifies: it finished, moved on, or a
// delivery is working on it again.
func (db *DB) FailUnfinished(ctx context.Context, id string, attempt int, status string, republished int, quiet time.Duration, reason string) (ok bool, err error) {
	// The conditions are checked on the locked row (READ COMMITTED re-reads a row changed
	// since the statement's snapshot), so a worker that saves a draft or takes the lease at
	// the same moment either wins before the lock or finds the article failed.
	tag, err := db.pool.Exec(ctx, `WITH locked AS (
			SELECT id AS locked_id, status AS from_status FROM articles
			WHERE id = $2 AND attempt = $3 AND status = $4 AND status IN ('extracting', 'summarising')
			  AND `+republishedSQL+` >= $5
			  AND enqueued_at < now() - $1::interval
			  AND `+stoppedSQL("$1")+`
			  AND (lease_until IS NULL OR lease_until < now())
			FOR UPDATE
		), moved AS (
			UPDATE articles a SET status = 'failed', error = $6, lease_owner = '', lease_until = NULL, updated_at = now()
			FROM locked WHERE a.id = locked.locked_id
			RETURNING a.id, locked.from_status
		), logged AS (
			INSERT INTO history (article_id, actor, action, from_status, to_status, note)
			SELECT id, $7, 'fail', from_status, 'failed', $6 FROM moved
			RETURNING article_id
		)
		SELECT pg_notify($8, $9) FROM logged`,
		quiet.String(), id, attempt, status, republished, reason, SystemActor, NotifyChannel, id)
	if err != nil {
		return false, fmt.Errorf("fail unfinished %s: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}
