package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"newsdesk/extract"
	"newsdesk/queue"
	"newsdesk/store"
)

// extract fetches the page (or uses the text an editor pasted), extracts the article and
// hands it to the summarise stage.
func (w *Worker) extract(ctx context.Context, job queue.Job, log *slog.Logger) error {
	a, ok, err := w.db.StartExtract(ctx, job.ArticleID, job.Attempt)
	if err != nil {
		return err
	}
	if !ok {
		log.Debug("stale extract message: article has moved on")
		return nil
	}
	pageURL, _ := url.Parse(a.URL)
	var art *extract.Article
	switch {
	case a.SourceText != "":
		art, err = extract.FromText(a.Title, a.SourceText, pageURL)
	case a.SourceHTML != "":
		art, err = w.parse(ctx, []byte(a.SourceHTML), pageURL)
	default:
		var page *extract.Page
		page, err = w.cfg.Fetcher.Fetch(ctx, a.URL)
		if err == nil {
			final, _ := url.Parse(page.URL)
			art, err = w.parse(ctx, page.HTML, final)
		}
	}
	if err != nil {
		var xe *extract.Error
		if errors.As(err, &xe) {
			w.obs.FetchError(xe.Kind)
		}
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%w: fetching took longer than %s", errDeadline, w.jobTimeout(queue.Extract))
		}
		return err
	}
	sum := sha256.Sum256([]byte(art.Text))
	e := store.Extracted{
		Title: art.Title, Byline: art.Byline, SiteName: art.SiteName, Lang: art.Lang,
		CanonicalURL: art.CanonicalURL, WordCount: art.WordCount, Text: art.Text,
		TextSHA256: hex.EncodeToString(sum[:]),
	}
	if !art.PublishedAt.IsZero() {
		t := art.PublishedAt.UTC()
		e.PublishedAt = &t
	}
	saved, err := w.db.SaveExtract(ctx, job.ArticleID, job.Attempt, e)
	if err != nil {
		return err
	}
	if !saved {
		log.Debug("extract result not saved: article has moved on")
		return nil
	}
	log.Info("extracted", "words", art.WordCount, "title", art.Title)
	w.cfg.Faults.crash(FaultExitAfterExtractCommit)
	// A crash here leaves the article summarising with enqueued_at NULL; the reconciler
	// publishes it.
	if err := publish(ctx, w.q, queue.Summarise, job); err != nil {
		log.Warn("publish summarise job; the reconciler will retry", "err", err)
		return nil
	}
	w.enqueued <- job
	return nil
}

// parse extracts the article from a page once one of the worker's parsing places is free.
func (w *Worker) parse(ctx context.Context, html []byte, u *url.URL) (*extract.Article, error) {
	select {
	case w.parsing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-w.parsing }()
	return extract.Extract(html, u)
}

// Enqueue publishes a stage's job and records that it is in the queue. It is what the API
// does after a submit, retry or regenerate commits, and what the reconciler repeats for
// articles where it never happened.
func Enqueue(ctx context.Context, db *store.DB, q *queue.Queue, s queue.Stage, j queue.Job) error {
	if err := publish(ctx, q, s, j); err != nil {
		return err
	}
	return db.MarkEnqueued(ctx, j.ArticleID, j.Attempt)
}

// publish puts a stage's job on the queue, waiting at most ten seconds for the broker.
func publish(ctx context.Context, q *queue.Queue, s queue.Stage, j queue.Job) error {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return q.Publish(pctx, s, j)
}
