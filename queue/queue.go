// Package queue is newsdesk's work queue on NATS JetStream: one WorkQueue stream with a
// subject per stage, one durable pull consumer per stage, and messages that carry ids only.
//
// Postgres is the source of truth; the queue only says "article X, attempt N, owes stage S
// some work". Message ids include the stage and the attempt, so a publish retried after a
// timeout is deduplicated while an editor's retry (a new attempt) is not.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stage is a step of the pipeline that has a consumer.
type Stage string

// The stages.
const (
	Extract   Stage = "extract"
	Summarise Stage = "summarise"
)

// Stages lists every stage.
var Stages = []Stage{Extract, Summarise}

// Job is the body of every message.
type Job struct {
	ArticleID string `json:"article_id"`
	Attempt   int    `json:"attempt"`
}

// MsgID is the deduplication id of a job's message.
func MsgID(stage Stage, j Job) string { return fmt.Sprintf("%s:%s:%d", stage, j.ArticleID, j.Attempt) }

// Config names the stream and tunes its consumers. Zero values take the defaults in
// brackets.
type Config struct {
	Stream     string        // ["NEWSDESK"]
	Prefix     string        // subject prefix ["jobs"]: subjects are jobs.extract, jobs.summarise
	Replicas   int           // [1]; 3 on a three-node cluster
	Duplicates time.Duration // dedupe window [1h]
	MaxDeliver int           // deliveries before a job is given up [5]
	// AckWait per stage [extract 30s, summarise 60s]; workers heartbeat with InProgress at a
	// third of it, so it only has to outlast a crashed worker.
	AckWait map[Stage]time.Duration
	// MaxAckPending caps a stage's in-flight jobs across all workers [1000].
	MaxAckPending int
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "NEWSDESK"
	}
	if c.Prefix == "" {
		c.Prefix = "jobs"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Duplicates == 0 {
		c.Duplicates = time.Hour
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 5
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = 1000
	}
	ack := map[Stage]time.Duration{Extract: 30 * time.Second, Summarise: 60 * time.Second}
	for s, d := range c.AckWait {
		ack[s] = d
	}
	c.AckWait = ack
	return c
}

// Queue publishes jobs and hands out stage consumers.
type Queue struct {
	js  jetstream.JetStream
	cfg Config
}

// Open creates or updates the stream and the stage consumers and returns the queue.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Queue, error) {
	q := &Queue{js: js, cfg: cfg.withDefaults()}
	if err := q.Ensure(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

// Config returns the queue's configuration with defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

// JetStream returns the JetStream context the queue uses.
func (q *Queue) JetStream() jetstream.JetStream { return q.js }

// Subject returns the subject of a stage.
func (q *Queue) Subject(s Stage) string { return q.cfg.Prefix + "." + string(s) }

// Ensure creates or updates the stream and consumers. Workers call it again when the broker
// lost them (a data directory wiped, a cluster rebuilt).
func (q *Queue) Ensure(ctx context.Context) error {
	subjects := make([]string, 0, len(Stages))
	for _, s := range Stages {
		subjects = append(subjects, q.Subject(s))
	}
	var err error
	// A new cluster may still be electing its meta leader: retry briefly.
	for try := 0; try < 10; try++ {
		_, err = q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        q.cfg.Stream,
			Description: "newsdesk work queue: one subject per stage, ids only",
			Subjects:    subjects,
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    q.cfg.Replicas,
			Duplicates:  q.cfg.Duplicates,
			// With the default DiscardOld a full stream silently drops the oldest jobs;
			// DiscardNew turns that into a publish error the reconciler retries.
			Discard:    jetstream.DiscardNew,
			MaxMsgs:    1_000_000,
			MaxMsgSize: 64 << 10,
		})
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("queue: create stream %s: %w", q.cfg.Stream, err)
	}
	for _, s := range Stages {
		_, err := q.js.CreateOrUpdateConsumer(ctx, q.cfg.Stream, jetstream.ConsumerConfig{
			Durable:       string(s),
			Description:   "newsdesk " + string(s) + " workers",
			FilterSubject: q.Subject(s),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       q.cfg.AckWait[s],
			MaxDeliver:    q.cfg.MaxDeliver,
			MaxAckPending: q.cfg.MaxAckPending,
		})
		if err != nil {
			return fmt.Errorf("queue: create consumer %s: %w", s, err)
		}
	}
	return nil
}

// Publish puts a job on a stage's subject. A retry of the same (stage, article, attempt)
// inside the dedupe window is stored once.
func (q *Queue) Publish(ctx context.Context, s Stage, j Job) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if _, err := q.js.Publish(ctx, q.Subject(s), body, jetstream.WithMsgID(MsgID(s, j)), jetstream.WithExpectStream(q.cfg.Stream)); err != nil {
		return fmt.Errorf("queue: publish %s %s: %w", s, j.ArticleID, err)
	}
	return nil
}

// Consumer returns a stage's durable consumer.
func (q *Queue) Consumer(ctx context.Context, s Stage) (jetstream.Consumer, error) {
	c, err := q.js.Consumer(ctx, q.cfg.Stream, string(s))
	if err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", s, err)
	}
	return c, nil
}

// Decode reads a message's job.
func Decode(data []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return Job{}, fmt.Errorf("queue: decode job: %w", err)
	}
	if j.ArticleID == "" || j.Attempt < 1 {
		return Job{}, errors.New("queue: job without article id or attempt")
	}
	return j, nil
}

// Depth is a stage's backlog.
type Depth struct {
	Pending    uint64        // messages not yet delivered
	AckPending int           // delivered, not yet acknowledged
	OldestAge  time.Duration // age of the oldest undelivered message, 0 when none
}

// Depths returns each stage's backlog, for metrics and readiness.
func (q *Queue) Depths(ctx context.Context) (map[Stage]Depth, error) {
	out := make(map[Stage]Depth, len(Stages))
	for _, s := range Stages {
		c, err := q.js.Consumer(ctx, q.cfg.Stream, string(s))
		if err != nil {
			return nil, fmt.Errorf("queue: consumer %s: %w", s, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("queue: consumer %s info: %w", s, err)
		}
		d := Depth{Pending: info.NumPending, AckPending: info.NumAckPending}
		if info.NumPending > 0 {
			st, err := q.js.Stream(ctx, q.cfg.Stream)
			if err == nil {
				if m, err := st.GetMsg(ctx, info.Delivered.Stream+1); err == nil {
					d.OldestAge = time.Since(m.Time)
				}
			}
		}
		out[s] = d
	}
	return out, nil
}

// PublishMany publishes a stage's jobs without waiting for each acknowledgement in turn, and
// returns the jobs the stream confirmed. Jobs it could not confirm are left to the reconciler.
func (q *Queue) PublishMany(ctx context.Context, s Stage, jobs []Job) (confirmed []Job, err error) {
	// Chunks keep the number of unconfirmed publishes under the client's async limit.
	const chunk = 1000
	for start := 0; start < len(jobs); start += chunk {
		part := jobs[start:min(start+chunk, len(jobs))]
		ok, err := q.publishChunk(ctx, s, part)
		confirmed = append(confirmed, ok...)
		if err != nil {
			return confirmed, fmt.Errorf("queue: publish %s batch: %w", s, err)
		}
	}
	return confirmed, nil
}

func (q *Queue) publishChunk(ctx context.Context, s Stage, jobs []Job) (confirmed []Job, err error) {
	futures := make([]jetstream.PubAckFuture, 0, len(jobs))
	var firstErr error
	for _, j := range jobs {
		body, err := json.Marshal(j)
		if err != nil {
			return nil, err
		}
		f, err := q.js.PublishAsync(q.Subject(s), body, jetstream.WithMsgID(MsgID(s, j)), jetstream.WithExpectStream(q.cfg.Stream))
		if err != nil {
			firstErr = err
			break
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
			confirmed = append(confirmed, jobs[i])
		case e := <-f.Err():
			if firstErr == nil {
				firstErr = e
			}
		case <-ctx.Done():
			return confirmed, ctx.Err()
		}
	}
	return confirmed, firstErr
}
