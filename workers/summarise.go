package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"newsdesk/llm"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/summary"
)

// leaseWaitInSlot is the longest a summarise delivery waits in its slot for another
// worker's lease to run out; a longer lease goes back to the queue for that long.
const leaseWaitInSlot = 5 * time.Second

// summarise writes the draft: it takes the article's lease (so a duplicate delivery never
// pays for a second generation), calls the writer, runs the grounding checks and stores
// version N+1.
func (w *Worker) summarise(ctx context.Context, job queue.Job, log *slog.Logger) error {
	c, lease, wait, err := w.db.ClaimSummary(ctx, job.ArticleID, job.Attempt, w.cfg.ID, w.leaseTTL(), w.cfg.GenKeyPrefix)
	// A delivery that races the lease of a worker that died on this job (JetStream
	// redelivers about when that lease runs out) waits for it here instead of going back
	// to the queue: every nak spends one of the job's MaxDeliver deliveries, and a few
	// crashes in a row could spend them all. The heartbeat keeps the message alive.
	for tries := 0; err == nil && lease == store.LeaseBusy && wait <= leaseWaitInSlot && tries < 3; tries++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		c, lease, wait, err = w.db.ClaimSummary(ctx, job.ArticleID, job.Attempt, w.cfg.ID, w.leaseTTL(), w.cfg.GenKeyPrefix)
	}
	if err != nil {
		return err
	}
	switch lease {
	case store.LeaseStale:
		log.Debug("stale summarise message: article has moved on")
		return nil
	case store.LeaseBusy:
		return &busyError{wait: wait}
	}
	a := c.Article
	releaseOnError := func(err error) error {
		if rerr := w.db.ReleaseLease(context.WithoutCancel(ctx), a.ID, w.cfg.ID); rerr != nil {
			log.Warn("release lease", "err", rerr)
		}
		return err
	}

	draft := store.Draft{ArticleID: a.ID, GenKey: c.GenKey, Actor: store.SystemActor}
	src := summary.Source{Title: a.Title, Byline: a.Byline, Text: a.Text, Lang: a.Lang}

	prev, reused, err := w.reusable(ctx, c)
	if err != nil {
		return releaseOnError(err)
	}
	if reused {
		draft.Summary, draft.Author, draft.Model, draft.PromptVersion = prev.Summary, prev.Author, prev.Model, prev.PromptVersion
		draft.Notes = append(prev.Notes, fmt.Sprintf("reused the generation of article %s v%d (identical text, prompt and model): no tokens spent", prev.ArticleID, prev.Version))
	}
	if !reused {
		res, err := w.write(ctx, llm.Request{
			Title: a.Title, Byline: a.Byline, SiteName: a.SiteName, Lang: a.Lang, Text: a.Text,
			Instructions: a.Instructions,
		})
		if err != nil {
			return releaseOnError(err)
		}
		cost := llm.Cost(res.Model, res.Usage)
		w.obs.Generated(res.Author, res.Model, res.Usage, cost, res.Requests)
		draft.Summary, draft.Author, draft.Model, draft.PromptVersion = res.Summary, res.Author, res.Model, res.PromptVersion
		draft.PromptTokens, draft.CompletionTokens, draft.CostUSD = res.Usage.PromptTokens, res.Usage.CompletionTokens, cost
		draft.Notes = res.Notes
		if a.Instructions != "" {
			draft.Notes = append(draft.Notes, "regenerated with instructions: "+a.Instructions)
		}
	}
	draft.Flags = summary.Check(draft.Summary, src)

	version, saved, err := w.db.SaveGenerated(ctx, job.Attempt, draft)
	if err != nil {
		return releaseOnError(err)
	}
	if !saved {
		log.Info("draft not saved: this attempt already has one, or the article moved on")
		return nil
	}
	w.cfg.Faults.crash(FaultExitAfterDraftCommit)
	log.Info("draft saved", "version", version, "author", draft.Author, "model", draft.Model,
		"flags", len(draft.Flags), "prompt_tokens", draft.PromptTokens, "completion_tokens", draft.CompletionTokens, "reused", reused)
	return nil
}

// reusable returns the earlier generation of the same text, prompt and model that the
// claim found: only for an article on its first version without a reviewer's
// instructions (see [store.Claim]).
func (w *Worker) reusable(ctx context.Context, c store.Claim) (store.Draft, bool, error) {
	if c.Reuse == "" {
		return store.Draft{}, false, nil
	}
	d, err := w.db.GetDraft(ctx, c.Reuse, c.ReuseVersion)
	if errors.Is(err, store.ErrNotFound) {
		return store.Draft{}, false, nil
	}
	return d, err == nil, err
}

// write asks the model once one of the worker's model calls is free, and counts the
// model's errors (not the wait's).
func (w *Worker) write(ctx context.Context, req llm.Request) (llm.Result, error) {
	select {
	case w.calling <- struct{}{}:
	case <-ctx.Done():
		return llm.Result{}, ctx.Err()
	}
	defer func() { <-w.calling }()
	res, err := w.cfg.Writer.Write(ctx, req)
	if err != nil {
		w.obs.LLMError(err)
	}
	return res, err
}
