package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"newsdesk/queue"
	"newsdesk/store"
)

// Reconciler finds work the queue does not know about and makes it known again: articles
// committed but never published (a crash between commit and publish), and articles whose
// messages were lost with the broker's data. It gives up on a job whose workers keep stopping
// on it, and fails articles that have been stuck for far too long, so nothing stays invisible.
// One process at a time does it (an advisory lock).
type Reconciler struct {
	DB             *store.DB
	Queue          *queue.Queue
	Interval       time.Duration // [5s]
	RepublishAfter time.Duration // republish jobs confirmed but unfinished for this long [10m]
	// MaxRepublishes bounds the republishing of a job whose deliveries have stopped without
	// finishing it (see [store.Job.Stopped]): after that many republishes, and another
	// RepublishAfter in which no delivery worked on it, the article fails with a reason. [2]
	//
	// Such a job was lost by the broker (one republish recovers it), or it stops every
	// worker that takes it and JetStream's max-deliveries advisory, which would have failed
	// it, went unrecorded (nobody listening, or Postgres down). Postgres cannot tell the two
	// apart, and inside JetStream's duplicate window (1h) a republish of a message the broker
	// still holds is stored once and delivers nothing new. Two republishes recover a message
	// lost twice; a job still stopped after both is stopping its workers, and an editor is
	// better served by a failure to act on, about (MaxRepublishes+2) × RepublishAfter after
	// the last delivery (40 minutes by default), than by StalledAfter's 6 hours of silence.
	// Negative: never give up (the stall check remains).
	MaxRepublishes int
	StalledAfter   time.Duration // fail jobs in a working state for this long [6h]
	Logger         *slog.Logger
}

const reconcilerLock = 0x6e657772 // "newr"

// Run reconciles every Interval until ctx is cancelled.
func (r *Reconciler) Run(ctx context.Context) {
	r.defaults()
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("reconcile", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Reconciler) defaults() {
	if r.Interval == 0 {
		r.Interval = 5 * time.Second
	}
	if r.RepublishAfter == 0 {
		r.RepublishAfter = 10 * time.Minute
	}
	if r.MaxRepublishes == 0 {
		r.MaxRepublishes = 2
	}
	if r.StalledAfter == 0 {
		r.StalledAfter = 6 * time.Hour
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
}

// Once runs one reconciliation pass and returns how many jobs it republished.
func (r *Reconciler) Once(ctx context.Context) (int, error) {
	r.defaults()
	var n int
	_, err := r.DB.IfLeader(ctx, reconcilerLock, func(ctx context.Context) error {
		jobs, err := r.DB.Unpublished(ctx, r.RepublishAfter, 500)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			stage := queue.Extract
			if j.Status == store.StatusSummarising {
				stage = queue.Summarise
			}
			if j.Stopped && r.MaxRepublishes > 0 && j.Republished >= r.MaxRepublishes {
				reason := giveUpReason(j.Status, j.Republished)
				ok, err := r.DB.FailUnfinished(ctx, j.ArticleID, j.Attempt, j.Status, r.MaxRepublishes, r.RepublishAfter, reason)
				if err != nil {
					return fmt.Errorf("give up on %s: %w", j.ArticleID, err)
				}
				if ok {
					r.Logger.Warn("gave up on a job its workers keep stopping on", "article_id", j.ArticleID, "stage", string(stage),
						"attempt", j.Attempt, "republished", j.Republished)
					continue
				}
				// It moved on since the query (finished, or a delivery is working on it
				// again): republishing it is as safe as ever.
			}
			if err := Enqueue(ctx, r.DB, r.Queue, stage, queue.Job{ArticleID: j.ArticleID, Attempt: j.Attempt}); err != nil {
				return fmt.Errorf("republish %s: %w", j.ArticleID, err)
			}
			count := 0
			if j.Stopped {
				// Counted only once the publish is confirmed: a broker that refuses publishes
				// for a while must not use up the job's republishes.
				if count, err = r.DB.CountRepublished(ctx, j.ArticleID, j.Attempt, j.Status); err != nil {
					return err
				}
			}
			r.Logger.Info("republished job", "article_id", j.ArticleID, "stage", string(stage), "attempt", j.Attempt,
				"stopped", j.Stopped, "republished", count)
			n++
		}
		failed, err := r.DB.FailStalled(ctx, r.StalledAfter)
		if failed > 0 {
			r.Logger.Warn("failed stalled articles", "count", failed)
		}
		return err
	})
	return n, err
}

// giveUpReason tells an editor why the reconciler failed an article whose job was
// republished times after its deliveries stopped.
func giveUpReason(status string, republished int) string {
	doing := "extracting its text"
	if status == store.StatusSummarising {
		doing = "writing its summary"
	}
	times := "times"
	if republished == 1 {
		times = "time"
	}
	return fmt.Sprintf("Processing failed repeatedly: workers stopped on this article while %s, without finishing (they may have crashed on it), and sending it to them again %d %s did not help. Retry it, or paste its text.",
		doing, republished, times)
}

// watchMaxDeliveries listens for JetStream's MAX_DELIVERIES advisories: a job whose every
// delivery ended without an answer (the worker was killed each time, or timed out) is
// recorded as failed with a reason and removed from the stream, where JetStream would
// otherwise keep it forever.
func (w *Worker) watchMaxDeliveries() (stop func(), err error) {
	js := w.q.JetStream()
	nc := js.Conn()
	cfg := w.q.Config()
	subj := "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + cfg.Stream + ".*"
	sub, err := nc.Subscribe(subj, func(m *nats.Msg) {
		var adv struct {
			Consumer   string `json:"consumer"`
			StreamSeq  uint64 `json:"stream_seq"`
			Deliveries uint64 `json:"deliveries"`
		}
		if err := json.Unmarshal(m.Data, &adv); err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		st, err := js.Stream(ctx, cfg.Stream)
		if err != nil {
			return
		}
		raw, err := st.GetMsg(ctx, adv.StreamSeq)
		if err != nil {
			return // already removed by another process
		}
		job, err := queue.Decode(raw.Data)
		if err != nil {
			return
		}
		tries := fmt.Sprintf("%d tries", adv.Deliveries)
		if adv.Deliveries == 1 {
			tries = "1 try"
		}
		reason := fmt.Sprintf("The %s stage did not finish after %s (the worker stopped or ran out of time each time). Retry it, or paste the article's text.",
			strings.TrimSpace(adv.Consumer), tries)
		if _, err := w.db.Fail(ctx, job.ArticleID, job.Attempt, reason); err != nil {
			w.log.Warn("record max deliveries", "article_id", job.ArticleID, "err", err)
			return // keep the message: the reconciler's stall check is the last resort
		}
		w.log.Warn("job gave up after max deliveries", "article_id", job.ArticleID, "stage", adv.Consumer, "deliveries", adv.Deliveries)
		_ = st.DeleteMsg(ctx, adv.StreamSeq)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", subj, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
