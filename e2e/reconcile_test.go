package e2e

import (
	"testing"
	"time"

	"newsdesk/store"
	"newsdesk/workers"
)

// TestReconcilerPublishesWhatACrashNeverPublished commits articles the way the API and the
// extract stage do but "crashes" before publishing: the reconciler finds them from Postgres
// and the pipeline finishes them.
func TestReconcilerPublishesWhatACrashNeverPublished(t *testing.T) {
	s := newStack(t, stackOptions{})
	ctx := t.Context()

	// Committed by the API, never published.
	queued, _, err := s.db.Submit(ctx, store.Submission{URL: s.pageURL("/news/lost-submit"), URLKey: s.pageURL("/news/lost-submit"), Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// Extracted and committed by a worker that died before publishing the summarise job.
	other, _, err := s.db.Submit(ctx, store.Submission{URL: s.pageURL("/news/lost-handoff"), URLKey: s.pageURL("/news/lost-handoff"), Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.db.StartExtract(ctx, other.ID, 1); err != nil || !ok {
		t.Fatalf("start extract: %v %v", ok, err)
	}
	if ok, err := s.db.SaveExtract(ctx, other.ID, 1, store.Extracted{Title: "Lost hand-off", Text: "Council backs plan for lost-handoff. " + articleText(), WordCount: 120}); err != nil || !ok {
		t.Fatalf("save extract: %v %v", ok, err)
	}

	s.startWorker(workerOptions{allowPrivate: true})
	time.Sleep(3 * time.Second) // nothing is in the queue: the worker has nothing to do
	if a := s.get(queued.ID); a.Status != "queued" {
		t.Fatalf("unpublished article moved without the reconciler: %s", a.Status)
	}
	rec := &workers.Reconciler{DB: s.db, Queue: s.q, RepublishAfter: time.Hour, Logger: testLogger(t)}
	n, err := rec.Once(ctx)
	if err != nil || n != 2 {
		t.Fatalf("reconcile: republished %d (%v), want 2", n, err)
	}
	for _, id := range []string{queued.ID, other.ID} {
		if a := s.waitDone(id, 30*time.Second); a.Status != "draft" {
			t.Fatalf("%s: status %q error %q, want draft", id, a.Status, a.Error)
		}
	}
	// Nothing left to republish.
	if n, err := rec.Once(ctx); err != nil || n != 0 {
		t.Fatalf("second pass republished %d (%v), want 0", n, err)
	}
}

func articleText() string {
	return "The city council voted on Tuesday to approve the plan, committing 12 million pounds over three years. " +
		"Council leader Jane Porter said the decision followed a consultation in which 1,200 residents took part. " +
		"Opposition councillors asked for a review of the costs after the first year. " +
		"Work on the first phase is due to begin in March, with contractors chosen through an open tender."
}
