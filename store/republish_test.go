package store

import (
	"testing"
	"time"

	"newsdesk/testenv"
)

// unpublishedJob returns what Unpublished reports for one article, and whether it reports it.
func unpublishedJob(t *testing.T, db *DB, id string, olderThan time.Duration) (Job, bool) {
	t.Helper()
	jobs, err := db.Unpublished(t.Context(), olderThan, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.ArticleID == id {
			return j, true
		}
	}
	return Job{}, false
}

// TestRepublishCounting pins down which jobs count as stopped, that a count belongs to one
// (attempt, status), and when FailUnfinished gives up. Times are moved into the past with
// SQL instead of waiting.
func TestRepublishCounting(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	const quiet = time.Minute
	const reason = "Processing failed repeatedly: test."
	// age puts the job's last delivery and its last publish an hour in the past.
	age := func(id string) {
		mustExec(t, db, `UPDATE articles SET updated_at = now() - interval '1 hour', enqueued_at = now() - interval '1 hour',
			lease_until = CASE WHEN lease_until IS NULL THEN NULL ELSE now() - interval '1 hour' END WHERE id = $1`, id)
	}

	t.Run("AJobWaitingInTheQueueIsNotStopped", func(t *testing.T) {
		queued := submit(t, db, "waiting-queued")
		summ := submit(t, db, "waiting-summarising")
		if _, ok, err := db.StartExtract(ctx, summ.ID, 1); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if ok, err := db.SaveExtract(ctx, summ.ID, 1, testExtracted); err != nil || !ok {
			t.Fatal(ok, err)
		}
		for _, id := range []string{queued.ID, summ.ID} {
			age(id)
			j, found := unpublishedJob(t, db, id, quiet)
			if !found || j.Stopped || j.Republished != 0 {
				t.Errorf("%s: Unpublished = %+v (found %v), want found, not stopped", id, j, found)
			}
		}
	})

	t.Run("ExtractingIsStoppedOnceNoDeliveryBeganForTheQuietPeriod", func(t *testing.T) {
		a := submit(t, db, "extracting")
		if _, ok, err := db.StartExtract(ctx, a.ID, 1); err != nil || !ok {
			t.Fatal(ok, err)
		}
		mustExec(t, db, `UPDATE articles SET enqueued_at = now() - interval '1 hour' WHERE id = $1`, a.ID)
		if j, _ := unpublishedJob(t, db, a.ID, quiet); j.Stopped {
			t.Errorf("a delivery began just now, yet stopped: %+v", j)
		}
		age(a.ID)
		if j, _ := unpublishedJob(t, db, a.ID, quiet); !j.Stopped {
			t.Errorf("no delivery for an hour, yet not stopped: %+v", j)
		}
	})

	t.Run("ALiveLeaseIsNeverStoppedNorFailed", func(t *testing.T) {
		a := submit(t, db, "live-lease")
		if _, ok, err := db.StartExtract(ctx, a.ID, 1); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if ok, err := db.SaveExtract(ctx, a.ID, 1, testExtracted); err != nil || !ok {
			t.Fatal(ok, err)
		}
		age(a.ID)
		mustExec(t, db, `UPDATE articles SET republished_job = '1:summarising', republished_count = 5 WHERE id = $1`, a.ID)
		// A slow call: its lease was renewed a moment ago.
		if _, lease, _, err := db.ClaimSummary(ctx, a.ID, 1, "worker-1", time.Minute, ""); err != nil || lease != LeaseTaken {
			t.Fatal(lease, err)
		}
		if j, _ := unpublishedJob(t, db, a.ID, quiet); j.Stopped || j.Republished != 5 {
			t.Errorf("Unpublished = %+v, want not stopped, 5 republishes", j)
		}
		if ok, err := db.FailUnfinished(ctx, a.ID, 1, StatusSummarising, 2, quiet, reason); err != nil || ok {
			t.Errorf("FailUnfinished of a live job = %v, %v", ok, err)
		}
	})

	t.Run("CountsBelongToOneJob", func(t *testing.T) {
		a := submit(t, db, "counted")
		id := a.ID
		if _, ok, err := db.StartExtract(ctx, id, 1); err != nil || !ok {
			t.Fatal(ok, err)
		}
		for want := 1; want <= 2; want++ {
			if n, err := db.CountRepublished(ctx, id, 1, StatusExtracting); err != nil || n != want {
				t.Fatalf("CountRepublished = %d, %v; want %d", n, err, want)
			}
		}
		age(id)
		if j, _ := unpublishedJob(t, db, id, quiet); !j.Stopped || j.Republished != 2 {
			t.Errorf("Unpublished = %+v, want stopped, 2 republishes", j)
		}
		// Another attempt or status than the article's counts nothing.
		if n, err := db.CountRepublished(ctx, id, 2, StatusExtracting); err != nil || n != 0 {
			t.Errorf("CountRepublished(attempt 2) = %d, %v", n, err)
		}
		if n, err := db.CountRepublished(ctx, id, 1, StatusSummarising); err != nil || n != 0 {
			t.Errorf("CountRepublished(summarising) = %d, %v", n, err)
		}
		// The hand-over to summarise starts a new job: its count reads zero and restarts at one.
		if ok, err := db.SaveExtract(ctx, id, 1, testExtracted); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, lease, _, err := db.ClaimSummary(ctx, id, 1, "worker-1", time.Second, ""); err != nil || lease != LeaseTaken {
			t.Fatal(lease, err)
		}
		age(id)
		if j, _ := unpublishedJob(t, db, id, quiet); !j.Stopped || j.Republished != 0 {
			t.Errorf("summarise job: Unpublished = %+v, want stopped, 0 republishes", j)
		}
		if n, err := db.CountRepublished(ctx, id, 1, StatusSummarising); err != nil || n != 1 {
			t.Errorf("CountRepublished(summarising) = %d, %v; want 1", n, err)
		}
	})

	t.Run("FailUnfinishedGivesUpOnlyWhenEverythingHolds", func(t *testing.T) {
		a := submit(t, db, "give-up")
		id := a.ID
		if _, ok, err := db.StartExtract(ctx, id, 1); err != nil || !ok {
			t.Fatal(ok, err)
		}
		l := listen(t, db)
		if _, err := db.CountRepublished(ctx, id, 1, StatusExtracting); err != nil {
			t.Fatal(err)
		}
		age(id)
		// One republish of two.
		if ok, err := db.FailUnfinished(ctx, id, 1, StatusExtracting, 2, quiet, reason); err != nil || ok {
			t.Errorf("FailUnfinished after 1 republish = %v, %v", ok, err)
		}
		if _, err := db.CountRepublished(ctx, id, 1, StatusExtracting); err != nil {
			t.Fatal(err)
		}
		// Republished a moment ago (enqueued_at is recent): wait for the quiet period.
		mustExec(t, db, `UPDATE articles SET enqueued_at = now() WHERE id = $1`, id)
		if ok, err := db.FailUnfinished(ctx, id, 1, StatusExtracting, 2, quiet, reason); err != nil || ok {
			t.Errorf("FailUnfinished right after a republish = %v, %v", ok, err)
		}
		// Another attempt's view is stale.
		age(id)
		if ok, err := db.FailUnfinished(ctx, id, 2, StatusExtracting, 2, quiet, reason); err != nil || ok {
			t.Errorf("FailUnfinished(attempt 2) = %v, %v", ok, err)
		}
		l.expect("nothing failed yet")
		if ok, err := db.FailUnfinished(ctx, id, 1, StatusExtracting, 2, quiet, reason); err != nil || !ok {
			t.Fatalf("FailUnfinished = %v, %v; want failed", ok, err)
		}
		l.expect("give up", id)
		got, _ := db.Get(ctx, id)
		if got.Status != StatusFailed || got.Error != reason {
			t.Errorf("after FailUnfinished: %q %q", got.Status, got.Error)
		}
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ",
			"newsdesk fail extracting>failed "+reason)
		// Done once: a second call finds nothing to do.
		if ok, err := db.FailUnfinished(ctx, id, 1, StatusExtracting, 2, quiet, reason); err != nil || ok {
			t.Errorf("second FailUnfinished = %v, %v", ok, err)
		}
		// A retry is a new attempt whose count reads zero.
		if _, err := db.Retry(ctx, id, "ed"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := db.StartExtract(ctx, id, 2); err != nil || !ok {
			t.Fatal(ok, err)
		}
		age(id)
		if j, _ := unpublishedJob(t, db, id, quiet); !j.Stopped || j.Republished != 0 || j.Attempt != 2 {
			t.Errorf("retried: Unpublished = %+v, want attempt 2 stopped with 0 republishes", j)
		}
	})
}
