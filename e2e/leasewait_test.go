package e2e

import (
	"testing"
	"time"

	"newsdesk/store"
)

// TestDeliveryWaitsForADeadWorkersLease: a summarise delivery that arrives while the lease of
// a worker that died on the job still runs (real Postgres and JetStream) waits for it in its
// slot and takes the job. With MaxDeliver 1 there is no second delivery: sending the job
// back to the queue, as a worker did before, would leave the article summarising for good.
func TestDeliveryWaitsForADeadWorkersLease(t *testing.T) {
	s := newStack(t, stackOptions{ackWait: 10 * time.Second, maxDeliver: 1})
	id := s.summarising("leased")
	if _, lease, _, err := s.db.ClaimSummary(t.Context(), id, 1, "dead-worker", 1500*time.Millisecond, ""); err != nil || lease != store.LeaseTaken {
		t.Fatalf("take the dead worker's lease: %v %v", lease, err)
	}
	start := time.Now()
	s.startWorker(workerOptions{allowPrivate: true})
	a := s.waitDone(id, 20*time.Second)
	if a.Status != store.StatusDraft {
		t.Fatalf("status %q error %q, want draft", a.Status, a.Error)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("draft after %s, before the dead worker's lease ran out", took)
	}
	if all, gen := s.draftCount(id); all != 1 || gen != 1 {
		t.Errorf("%d drafts (%d generated), want 1", all, gen)
	}
}
