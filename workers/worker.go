// Package workers runs the pipeline's JetStream consumers: the extract stage (fetch, extract,
// quality gate) and the summarise stage (LLM draft, grounding checks), plus the reconciler
// that finds work the queue lost.
//
// Each worker slot pulls one message at a time (no prefetch buffer in which a job's ack timer
// could run out), heartbeats with InProgress while it works, and settles the message only after
// Postgres has committed: Ack when the stage is done, Term after recording a permanent failure,
// NakWithDelay for a transient one. Handlers are idempotent: Postgres decides, by status and
// attempt, whether a delivery still has work to do.
package workers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/extract"
	"newsdesk/llm"
	"newsdesk/logctx"
	"newsdesk/queue"
	"newsdesk/store"
)

// Config configures a [Worker]. Zero values take the defaults in brackets.
type Config struct {
	ID          string              // names this process in leases and logs [hostname-pid]
	Stages      []queue.Stage       // stages to run [all]
	Concurrency map[queue.Stage]int // slots per stage [extract 8, summarise 2 × ModelCalls]
	// ModelCalls bounds the model calls in flight (NEWSDESK_LLM_CONCURRENCY), the
	// provider's limit, apart from the summarise slots: a slot spends part of each job on
	// Postgres, the queue and the grounding checks, and with more slots than calls that
	// work overlaps other jobs' calls instead of leaving the provider's capacity idle
	// [the summarise slots when they are given, else 4].
	ModelCalls int
	Fetcher    *extract.Fetcher // [default options]
	Writer     llm.Writer       // required for the summarise stage
	// GenKeyPrefix identifies the prompt version and configured model, so that identical text
	// with the same prompt and model reuses an earlier generation.
	GenKeyPrefix string
	JobTimeout   time.Duration // upper bound of one delivery's work [extract 2m, summarise 10m]
	DrainTimeout time.Duration // how long in-flight jobs may finish after shutdown starts [30s]
	Logger       *slog.Logger
	Metrics      Observer // [none]
	Faults       Faults   // deliberate failures for the fault suite [none]
	// DailyBudget is the most the summarise stage may spend per UTC day, in US dollars
	// (NEWSDESK_LLM_DAILY_BUDGET) [no limit].
	DailyBudget float64
}

// Observer receives pipeline events for metrics. All methods must be cheap and safe for
// concurrent use.
type Observer interface {
	StageDone(stage queue.Stage, outcome string, d time.Duration)
	Redelivered(stage queue.Stage)
	Generated(author, model string, u llm.Usage, cost float64, requests int)
	LLMError(err error)
	FetchError(kind string)
}

type nopObserver struct{}

func (nopObserver) StageDone(queue.Stage, string, time.Duration)      {}
func (nopObserver) Redelivered(queue.Stage)                           {}
func (nopObserver) Generated(string, string, llm.Usage, float64, int) {}
func (nopObserver) LLMError(error)                                    {}
func (nopObserver) FetchError(string)                                 {}

// Worker runs stage consumers.
type Worker struct {
	db  *store.DB
	q   *queue.Queue
	cfg Config
	log *slog.Logger
	obs Observer
	bud *budget
	// parsing admits GOMAXPROCS extractions at a time: extract slots spend most of their
	// time waiting on remote servers, so there are more of them than cores, but parsing
	// is CPU and memory, and more at once than cores only adds DOM trees in memory.
	parsing chan struct{}
	// enqueued takes the summarise jobs the extract stage has published, for markEnqueued
	// to record in batches.
	enqueued chan queue.Job
	// calling admits Config.ModelCalls model calls at a time.
	calling chan struct{}
}

// New returns a worker. It does nothing until [Worker.Run].
func New(db *store.DB, q *queue.Queue, cfg Config) *Worker {
	if cfg.ID == "" {
		cfg.ID = defaultID()
	}
	if len(cfg.Stages) == 0 {
		cfg.Stages = queue.Stages
	}
	conc := map[queue.Stage]int{queue.Extract: 8}
	for s, n := range cfg.Concurrency {
		if n > 0 {
			conc[s] = n
		}
	}
	if cfg.ModelCalls <= 0 {
		cfg.ModelCalls = cmp.Or(conc[queue.Summarise], 4)
	}
	if conc[queue.Summarise] == 0 {
		conc[queue.Summarise] = 2 * cfg.ModelCalls
	}
	cfg.Concurrency = conc
	if cfg.Fetcher == nil {
		cfg.Fetcher = extract.NewFetcher(extract.FetchOptions{})
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	obs := cfg.Metrics
	if obs == nil {
		obs = nopObserver{}
	}
	return &Worker{db: db, q: q, cfg: cfg, log: cfg.Logger, obs: obs,
		bud:      &budget{db: db, limit: cfg.DailyBudget, log: cfg.Logger},
		parsing:  make(chan struct{}, runtime.GOMAXPROCS(0)),
		enqueued: make(chan queue.Job, 256),
		calling:  make(chan struct{}, cfg.ModelCalls)}
}

func (w *Worker) jobTimeout(s queue.Stage) time.Duration {
	if w.cfg.JobTimeout > 0 {
		return w.cfg.JobTimeout
	}
	if s == queue.Summarise {
		return 10 * time.Minute
	}
	return 2 * time.Minute
}

// Run consumes until ctx is cancelled, then stops taking work and gives in-flight jobs
// DrainTimeout to finish; a job still running then is handed back to the queue at once.
func (w *Worker) Run(ctx context.Context) error {
	// Jobs run on a context that outlives ctx by the drain period.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(w.cfg.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancelJobs()
		case <-jobCtx.Done():
		}
	}()

	stopAdvisories, err := w.watchMaxDeliveries()
	if err != nil {
		w.log.Warn("max-deliveries advisories unavailable; the reconciler remains the backstop", "err", err)
	} else {
		defer stopAdvisories()
	}

	marksDone := make(chan struct{})
	go func() { defer close(marksDone); w.markEnqueued(jobCtx) }()
	defer func() { close(w.enqueued); <-marksDone }()

	var wg sync.WaitGroup
	for _, s := range w.cfg.Stages {
		if s == queue.Summarise && w.cfg.Writer == nil {
			return errors.New("workers: summarise stage needs a Writer")
		}
		for i := range w.cfg.Concurrency[s] {
			wg.Go(func() { w.slot(ctx, jobCtx, s, i) })
		}
	}
	w.log.Info("workers started", "worker_id", w.cfg.ID, "stages", w.cfg.Stages, "concurrency", w.cfg.Concurrency, "model_calls", w.cfg.ModelCalls)
	wg.Wait()
	w.log.Info("workers stopped", "worker_id", w.cfg.ID)
	return nil
}

// markEnqueued records, a batch at a time, that the summarise jobs sent to w.enqueued
// are in the queue: one statement per batch instead of one per article. A mark lost in
// a crash only makes the reconciler publish the job again, which the queue's message id
// deduplicates; it waits two seconds before doing so, far longer than a batch.
func (w *Worker) markEnqueued(ctx context.Context) {
	const most, every = 200, 50 * time.Millisecond
	var batch []queue.Job
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ids, attempts := make([]string, len(batch)), make([]int, len(batch))
		for i, j := range batch {
			ids[i], attempts[i] = j.ArticleID, j.Attempt
		}
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := w.db.MarkEnqueuedMany(mctx, ids, attempts); err != nil {
			w.log.Warn("mark jobs enqueued; the reconciler will publish them again", "jobs", len(batch), "err", err)
		}
		batch = batch[:0]
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case j, ok := <-w.enqueued:
			if !ok {
				flush()
				return
			}
			if batch = append(batch, j); len(batch) >= most {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

// slot pulls one message at a time until ctx is cancelled.
func (w *Worker) slot(ctx, jobCtx context.Context, s queue.Stage, n int) {
	log := w.log.With("stage", string(s), "slot", n)
	var cons jetstream.Consumer
	backoff := 100 * time.Millisecond
	pause := func() {
		select {
		case <-ctx.Done():
		case <-time.After(backoff + rand.N(backoff)):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	for ctx.Err() == nil {
		if cons == nil {
			c, err := w.q.Consumer(ctx, s)
			if err != nil {
				if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
					// The broker lost its state (data directory wiped): recreate it; the
					// reconciler republishes the work from Postgres.
					if err := w.q.Ensure(ctx); err != nil {
						log.Warn("recreate stream", "err", err)
					}
				} else if ctx.Err() == nil {
					log.Warn("look up consumer", "err", err)
				}
				pause()
				continue
			}
			cons = c
		}
		if s == queue.Summarise && w.bud.exhausted(ctx) {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		// A short pull: the slot notices shutdown quickly, and no message is ever buffered
		// for it while it works on another.
		fctx, fcancel := context.WithTimeout(ctx, 3*time.Second)
		msg, err := cons.Next(jetstream.FetchContext(fctx))
		fcancel()
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
				continue
			}
			if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) ||
				errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, nats.ErrNoResponders) {
				// Nothing serves this consumer any more (a broker that came back without its
				// data answers every pull with no responders): look it up again, which
				// recreates the stream and consumers when they are gone.
				cons = nil
			}
			log.Warn("fetch", "err", err)
			pause()
			continue
		}
		backoff = 100 * time.Millisecond
		w.handle(jobCtx, s, msg)
	}
}

// handle runs one delivery and settles its message.
func (w *Worker) handle(ctx context.Context, s queue.Stage, msg jetstream.Msg) {
	start := time.Now()
	job, err := queue.Decode(msg.Data())
	if err != nil {
		w.log.Error("undecodable message dropped", "stage", string(s), "err", err)
		_ = msg.TermWithReason("undecodable")
		return
	}
	log := w.log.With("article_id", job.ArticleID, "stage", string(s), "attempt", job.Attempt)
	md, err := msg.Metadata()
	delivered := uint64(1)
	if err == nil {
		delivered = md.NumDelivered
	}
	if delivered > 1 {
		w.obs.Redelivered(s)
		log = log.With("delivery", delivered)
	}

	ctx, cancel := context.WithTimeout(ctx, w.jobTimeout(s))
	defer cancel()
	ctx = logctx.With(ctx, "article_id", job.ArticleID, "stage", string(s), "attempt", job.Attempt)
	stopBeat := w.heartbeat(ctx, s, msg, job, log)
	switch s {
	case queue.Extract:
		err = w.extract(ctx, job, log)
	case queue.Summarise:
		err = w.summarise(ctx, job, log)
	default:
		err = permanentf("unknown stage %q", s)
	}
	stopBeat()
	outcome := w.settle(ctx, s, msg, job, delivered, err, log)
	w.obs.StageDone(s, outcome, time.Since(start))
}

// heartbeat tells JetStream the job is alive every third of AckWait, so a long fetch or LLM
// call is not redelivered to a second worker, and renews the summarise lease with it.
func (w *Worker) heartbeat(ctx context.Context, s queue.Stage, msg jetstream.Msg, job queue.Job, log *slog.Logger) (stop func()) {
	every := w.q.Config().AckWait[s] / 3
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					log.Warn("heartbeat", "err", err)
				}
				if s == queue.Summarise {
					if err := w.db.RenewLease(ctx, job.ArticleID, w.cfg.ID, w.leaseTTL()); err != nil && ctx.Err() == nil {
						log.Warn("renew lease", "err", err)
					}
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (w *Worker) leaseTTL() time.Duration { return w.q.Config().AckWait[queue.Summarise] }

// settle acknowledges, terminates or naks the message according to err, after Postgres has
// recorded the outcome. It returns the outcome for metrics.
func (w *Worker) settle(ctx context.Context, s queue.Stage, msg jetstream.Msg, job queue.Job, delivered uint64, err error, log *slog.Logger) string {
	// Settling must survive the job's own deadline.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err == nil {
		if w.cfg.Faults.hit(FaultSkipAck) {
			log.Warn("fault: not acknowledging a finished job")
			return "ok"
		}
		if err := msg.DoubleAck(sctx); err != nil {
			log.Warn("ack", "err", err)
		}
		return "ok"
	}
	var busy *busyError
	if errors.As(err, &busy) {
		log.Info("another worker holds the job; trying later", "wait", busy.wait)
		_ = msg.NakWithDelay(busy.wait)
		return "busy"
	}
	maxDeliver := uint64(w.q.Config().MaxDeliver)
	reason, permanent := classify(err)
	if !permanent && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// Shutting down: hand the job back at once rather than after AckWait.
		log.Info("job interrupted by shutdown; handed back to the queue")
		_ = msg.Nak()
		return "interrupted"
	}
	if !permanent && delivered >= maxDeliver {
		permanent = true
		reason = fmt.Sprintf("Gave up after %d tries. Last error: %s", delivered, reason)
	}
	if permanent {
		if _, ferr := w.db.Fail(sctx, job.ArticleID, job.Attempt, reason); ferr != nil {
			// Could not record the failure (Postgres down?): keep the message so the outcome
			// is not lost; it comes back later.
			log.Error("record failure", "err", ferr, "reason", reason)
			_ = msg.NakWithDelay(retryDelay(delivered, 0))
			return "error"
		}
		log.Info("job failed", "reason", reason)
		_ = msg.TermWithReason(truncate(reason, 200))
		return "failed"
	}
	d := retryDelay(delivered, retryAfter(err))
	log.Warn("job will be retried", "err", err, "retry_in", d)
	_ = msg.NakWithDelay(d)
	return "retry"
}

// retryDelay is exponential with jitter, at least what the provider asked for.
func retryDelay(delivered uint64, asked time.Duration) time.Duration {
	base := time.Second << min(delivered, 6) // 2s, 4s, 8s … 64s
	d := base/2 + rand.N(base/2+1)
	return max(d, asked)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
