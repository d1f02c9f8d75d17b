package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/auth"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/testenv"
	"newsdesk/workers"
)

// The known gap of the fault suite: a job whose every delivery dies (the worker is killed on
// it each time) while no worker listens for JetStream's max-deliveries advisory is never
// delivered again. These tests reproduce it on the real Postgres and JetStream with a "doomed
// worker" that takes each delivery, begins the job as a real worker does, and then vanishes
// without a word, exactly what JetStream and Postgres see of a worker killed mid-job. No real
// worker runs meanwhile, so nobody hears the advisory.

const (
	giveUpAckWait   = time.Second
	giveUpDeliver   = 2
	giveUpRepublish = time.Second
	giveUpMax       = 2
)

// doomedWorker pulls a stage's messages until the test ends; for each it calls begin (what a
// worker does first) and then never settles the message. It returns the number of deliveries.
func doomedWorker(t *testing.T, s *stack, stage queue.Stage, begin func(ctx context.Context, j queue.Job)) *atomic.Int64 {
	t.Helper()
	cons, err := s.q.Consumer(t.Context(), stage)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			msg, err := cons.Next(jetstream.FetchMaxWait(200 * time.Millisecond))
			if err != nil {
				continue // no message within the wait, or the test is ending
			}
			j, err := queue.Decode(msg.Data())
			if err != nil {
				t.Errorf("decode: %v", err)
				continue
			}
			begin(ctx, j)
			n.Add(1)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &n
}

// runReconciler runs a reconciler with the tests' short intervals until the test ends.
func runReconciler(t *testing.T, s *stack) {
	t.Helper()
	rec := &workers.Reconciler{DB: s.db, Queue: s.q, Interval: 100 * time.Millisecond,
		RepublishAfter: giveUpRepublish, MaxRepublishes: giveUpMax, Logger: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rec.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// republished reads the reconciler's count for an article and the job it belongs to.
func (s *stack) republished(id string) (job string, n int) {
	s.t.Helper()
	err := s.db.Pool().QueryRow(context.Background(),
		`SELECT republished_job, republished_count FROM articles WHERE id = $1`, id).Scan(&job, &n)
	if err != nil {
		s.t.Fatal(err)
	}
	return job, n
}

// summarising commits an article the way the API and the extract stage do and publishes its
// summarise job, without any worker.
func (s *stack) summarising(slug string) string {
	s.t.Helper()
	ctx := s.t.Context()
	a, _, err := s.db.Submit(ctx, store.Submission{URL: s.pageURL("/news/" + slug), URLKey: s.pageURL("/news/" + slug), Actor: "test"})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, ok, err := s.db.StartExtract(ctx, a.ID, 1); err != nil || !ok {
		s.t.Fatalf("start extract: %v %v", ok, err)
	}
	if ok, err := s.db.SaveExtract(ctx, a.ID, 1, store.Extracted{Title: "Council backs plan for " + slug,
		Text: "Council backs plan for " + slug + ". " + articleText(), WordCount: 120}); err != nil || !ok {
		s.t.Fatalf("save extract: %v %v", ok, err)
	}
	if err := workers.Enqueue(ctx, s.db, s.q, queue.Summarise, queue.Job{ArticleID: a.ID, Attempt: 1}); err != nil {
		s.t.Fatal(err)
	}
	return a.ID
}

// TestReconcilerGivesUpOnAJobThatStopsItsWorkers lets every delivery of a job die until
// JetStream gives up on it (MaxDeliver) with nobody listening for the advisory. The
// reconciler's republishes land inside the duplicate window and deliver nothing new, as in
// production; after MaxRepublishes of them the article fails with a reason, in seconds rather
// than the stall check's hours. A job that merely waits in the queue (no worker pulls its
// stage) is republished too but never given up on. An editor's retry starts a new attempt
// with a count of zero, and a real worker then finishes it.
func TestReconcilerGivesUpOnAJobThatStopsItsWorkers(t *testing.T) {
	for _, tc := range []struct {
		stage  queue.Stage
		status string
		doing  string // in the reason
	}{
		{queue.Extract, store.StatusExtracting, "extracting its text"},
		{queue.Summarise, store.StatusSummarising, "writing its summary"},
	} {
		t.Run(string(tc.stage), func(t *testing.T) {
			s := newStack(t, stackOptions{ackWait: giveUpAckWait, maxDeliver: giveUpDeliver})
			var doomed, waiting string
			var deliveries *atomic.Int64
			switch tc.stage {
			case queue.Extract:
				deliveries = doomedWorker(t, s, queue.Extract, func(ctx context.Context, j queue.Job) {
					if _, _, err := s.db.StartExtract(ctx, j.ArticleID, j.Attempt); err != nil && ctx.Err() == nil {
						t.Errorf("start extract: %v", err)
					}
				})
				doomed = s.submit(s.pageURL("/news/doomed"))
				waiting = s.summarising("waiting") // nobody pulls the summarise stage
			case queue.Summarise:
				deliveries = doomedWorker(t, s, queue.Summarise, func(ctx context.Context, j queue.Job) {
					// The lease a real worker takes, for as long as it would hold it
					// without renewing it.
					if _, _, _, err := s.db.ClaimSummary(ctx, j.ArticleID, j.Attempt, "doomed", giveUpAckWait, ""); err != nil && ctx.Err() == nil {
						t.Errorf("take lease: %v", err)
					}
				})
				doomed = s.summarising("doomed")
				waiting = s.submit(s.pageURL("/news/waiting")) // nobody pulls the extract stage
			}

			// Every delivery dies; JetStream stops after MaxDeliver and, with no worker
			// subscribed, its advisory goes unheard.
			testenv.Eventually(t, 20*time.Second, "MaxDeliver deliveries", func() bool { return deliveries.Load() == giveUpDeliver })
			exhausted := time.Now()
			time.Sleep(2 * giveUpAckWait)
			if n := deliveries.Load(); n != giveUpDeliver {
				t.Fatalf("%d deliveries, want %d (MaxDeliver)", n, giveUpDeliver)
			}
			if a := s.get(doomed); a.Status != tc.status {
				t.Fatalf("doomed article is %q after its deliveries, want %q", a.Status, tc.status)
			}

			runReconciler(t, s)
			a := s.waitDone(doomed, 30*time.Second)
			took := time.Since(exhausted)
			t.Logf("failed %s after the last delivery (RepublishAfter %s, MaxRepublishes %d): %s",
				took.Round(10*time.Millisecond), giveUpRepublish, giveUpMax, a.Error)
			if a.Status != store.StatusFailed {
				t.Fatalf("status %q, want failed", a.Status)
			}
			for _, want := range []string{"Processing failed repeatedly", tc.doing, "2 times", "Retry it"} {
				if !strings.Contains(a.Error, want) {
					t.Errorf("reason %q does not say %q", a.Error, want)
				}
			}
			last := a.History[len(a.History)-1]
			if last.Actor != store.SystemActor || last.Action != "fail" || last.From != tc.status || last.To != store.StatusFailed || last.Note != a.Error {
				t.Errorf("last history entry %+v, want %s fail %s>failed with the reason", last, store.SystemActor, tc.status)
			}
			// At least MaxRepublishes republishes and the quiet period after the last one;
			// at most one more quiet period (the first republish after the stop may come
			// before the stop is old enough to count), the wait above, and slack for a
			// loaded machine.
			if min, max := time.Duration(giveUpMax+1)*giveUpRepublish, time.Duration(giveUpMax+3)*giveUpRepublish+5*time.Second; took < min || took > max {
				t.Errorf("failed %s after the last delivery, want within [%s, %s]", took, min, max)
			}
			if job, n := s.republished(doomed); job != "1:"+tc.status || n != giveUpMax {
				t.Errorf("republished %q %d, want 1:%s %d", job, n, tc.status, giveUpMax)
			}
			// The republishes were stored once (same message id, inside the duplicate
			// window): republishing alone would never have finished this job.
			if n := deliveries.Load(); n != giveUpDeliver {
				t.Errorf("%d deliveries, want still %d", n, giveUpDeliver)
			}

			// The job nobody pulled waited the whole time, was republished, and is untouched.
			if w := s.get(waiting); w.Status != store.StatusQueued && w.Status != store.StatusSummarising {
				t.Errorf("waiting article is %q (%s), want still in the queue", w.Status, w.Error)
			}
			if _, n := s.republished(waiting); n != 0 {
				t.Errorf("waiting article counted %d republishes, want 0", n)
			}

			// An editor retries: a new attempt, counted from zero, which a real worker
			// finishes (the doomed one is gone).
			if code := s.call("POST", "/api/v1/articles/"+doomed+"/retry", auth.Editor, nil, nil); code != http.StatusAccepted {
				t.Fatalf("retry: status %d", code)
			}
			s.startWorker(workerOptions{allowPrivate: true})
			for _, id := range []string{doomed, waiting} {
				if a := s.waitDone(id, 30*time.Second); a.Status != store.StatusDraft {
					t.Errorf("%s: status %q error %q, want draft", id, a.Status, a.Error)
				}
				if all, gen := s.draftCount(id); all != 1 || gen != 1 {
					t.Errorf("%s: %d drafts (%d generated), want 1", id, all, gen)
				}
			}
			// The count still names attempt 1: nothing was counted against attempt 2.
			if job, n := s.republished(doomed); job != "1:"+tc.status {
				t.Errorf("after the retry: republished %q %d, want the count of attempt 1 left alone", job, n)
			}
		})
	}
}

// TestReconcilerLeavesHealthyJobsAlone runs a real worker under a reconciler that would give
// up after a single republish and RepublishAfter 300ms: a summarise call slower than that
// many times over (it heartbeats and renews its lease) and a quick job both end as drafts,
// each with one LLM call, and nothing is counted against them.
func TestReconcilerLeavesHealthyJobsAlone(t *testing.T) {
	const slowCall = 5 * time.Second
	ok := llmtest.OK(llmtest.Sample())
	handler := func(w http.ResponseWriter, c *llmtest.Call) {
		if strings.Contains(c.User(), "plan for slow") {
			llmtest.Slow(slowCall, ok)(w, c)
			return
		}
		ok(w, c)
	}
	s := newStack(t, stackOptions{llm: handler, ackWait: giveUpAckWait})
	rec := &workers.Reconciler{DB: s.db, Queue: s.q, Interval: 100 * time.Millisecond,
		RepublishAfter: 300 * time.Millisecond, MaxRepublishes: 1, Logger: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rec.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	s.startWorker(workerOptions{allowPrivate: true})

	slow := s.submit(s.pageURL("/news/slow"))
	quick := s.submit(s.pageURL("/news/quick"))
	start := time.Now()
	for _, id := range []string{slow, quick} {
		a := s.waitDone(id, 30*time.Second)
		if a.Status != store.StatusDraft {
			t.Fatalf("%s: status %q error %q, want draft", id, a.Status, a.Error)
		}
		for _, h := range a.History {
			if h.Action == "fail" {
				t.Errorf("%s: history has a failure: %+v", id, h)
			}
		}
		if all, gen := s.draftCount(id); all != 1 || gen != 1 {
			t.Errorf("%s: %d drafts (%d generated), want 1", id, all, gen)
		}
		if _, n := s.republished(id); n != 0 {
			t.Errorf("%s: counted %d republishes, want 0", id, n)
		}
	}
	if took := time.Since(start); took < slowCall {
		t.Errorf("the slow job finished in %s, before its %s call could have", took, slowCall)
	}
	if n := s.llm.Requests(); n != 2 {
		t.Errorf("LLM requests = %d, want 2", n)
	}
}
