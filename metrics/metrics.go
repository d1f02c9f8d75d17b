// Package metrics exposes newsdesk's Prometheus metrics: articles by state and queue depth
// (read from Postgres and JetStream at scrape time), stage durations, redeliveries, LLM
// requests, tokens, cost and errors, and fetch errors (counted as the pipeline runs).
//
// A [Metrics] is the workers' observer and the handler of /metrics:
//
//	m := metrics.New(db, q)
//	wk := workers.New(db, q, workers.Config{Metrics: m, …})
//	srv := web.New(db, q, web.Config{Metrics: m.Handler(), …})
//
// Each process has its own counters, so every process that runs workers must be scraped
// (newsdesk worker serves /metrics on its own address); the gauges read from Postgres and
// JetStream are the same whichever process answers.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"newsdesk/llm"
	"newsdesk/queue"
	"newsdesk/store"
)

const namespace = "newsdesk"

// scrapeTimeout bounds the Postgres and JetStream queries of one scrape, so a stuck
// dependency makes a scrape report it as down rather than hang.
const scrapeTimeout = 3 * time.Second

// Metrics holds newsdesk's metrics in a registry of its own. Its methods are safe for
// concurrent use. It implements workers.Observer.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	stageDuration *prometheus.HistogramVec
	redeliveries  *prometheus.CounterVec
	llmRequests   *prometheus.CounterVec
	llmTokens     *prometheus.CounterVec
	llmCost       *prometheus.CounterVec
	llmErrors     *prometheus.CounterVec
	fetchErrors   *prometheus.CounterVec
}

// New returns metrics that read article counts from db and queue depths from q at scrape
// time; either may be nil (then those gauges are absent). It also registers the Go runtime
// and process collectors.
func New(db *store.DB, q *queue.Queue) *Metrics {
	return NewWithLogger(db, q, slog.Default())
}

// NewWithLogger is [New] with a logger for scrape-time errors.
func NewWithLogger(db *store.DB, q *queue.Queue, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		stageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "stage_duration_seconds",
			Help: "Time one delivery of a stage's job took, by outcome (ok, retry, failed, busy, interrupted, error).",
			// Extraction takes milliseconds to seconds; LLM calls seconds to minutes.
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"stage", "outcome"}),
		redeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "redeliveries_total",
			Help: "Jobs delivered more than once (a worker died, timed out or asked for a retry).",
		}, []string{"stage"}),
		llmRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "llm_requests_total",
			Help: "HTTP requests made to the LLM provider for drafts that were written, retries and repairs included.",
		}, []string{"author", "model"}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "llm_tokens_total",
			Help: "Tokens the LLM provider billed, by kind (prompt, completion).",
		}, []string{"model", "kind"}),
		llmCost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "llm_cost_usd_total",
			Help: "Estimated cost of LLM usage in US dollars, from the price table.",
		}, []string{"model"}),
		llmErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "llm_errors_total",
			Help: "Failed draft generations by class (rate_limited, unavailable, quota, refused, unusable_answer, insufficient_source, context_length, other).",
		}, []string{"class"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "fetch_errors_total",
			Help: "Failed page fetches and extractions by kind (http_status, content_type, not_article, network, timeout, refused, …).",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.stageDuration, m.redeliveries, m.llmRequests, m.llmTokens, m.llmCost, m.llmErrors, m.fetchErrors,
		&stateCollector{db: db, q: q, log: log},
	)
	// Show the error classes at zero from the start, so rate() and alerts work before the
	// first error.
	for _, c := range llmErrorClasses {
		m.llmErrors.WithLabelValues(c)
	}
	for _, s := range queue.Stages {
		m.redeliveries.WithLabelValues(string(s))
	}
	return m
}

// Registry returns the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format (for /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.reg,
		EnableOpenMetrics: true,
	})
}

// StageDone records one delivery of a stage's job and how it ended.
func (m *Metrics) StageDone(stage queue.Stage, outcome string, d time.Duration) {
	m.stageDuration.WithLabelValues(string(stage), outcome).Observe(d.Seconds())
}

// Redelivered counts a job delivered more than once.
func (m *Metrics) Redelivered(stage queue.Stage) {
	m.redeliveries.WithLabelValues(string(stage)).Inc()
}

// Generated records a written draft: its requests, tokens and cost.
func (m *Metrics) Generated(author, model string, u llm.Usage, cost float64, requests int) {
	m.llmRequests.WithLabelValues(author, model).Add(float64(requests))
	m.llmTokens.WithLabelValues(model, "prompt").Add(float64(u.PromptTokens))
	m.llmTokens.WithLabelValues(model, "completion").Add(float64(u.CompletionTokens))
	if cost > 0 {
		m.llmCost.WithLabelValues(model).Add(cost)
	}
}

// LLMError counts a failed generation by the class of err (see [LLMErrorClass]).
func (m *Metrics) LLMError(err error) {
	m.llmErrors.WithLabelValues(LLMErrorClass(err)).Inc()
}

// FetchError counts a failed fetch or extraction by its extract.Error kind.
func (m *Metrics) FetchError(kind string) {
	if kind == "" {
		kind = "other"
	}
	m.fetchErrors.WithLabelValues(kind).Inc()
}

var llmErrorClasses = []string{"rate_limited", "unavailable", "quota", "refused", "unusable_answer", "insufficient_source", "context_length", "timeout", "other"}

// LLMErrorClass names the class of an error returned by an llm.Writer, for the class label
// of newsdesk_llm_errors_total.
func LLMErrorClass(err error) string {
	switch {
	case errors.Is(err, llm.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, llm.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, llm.ErrQuota):
		return "quota"
	case errors.Is(err, llm.ErrRefused):
		return "refused"
	case errors.Is(err, llm.ErrUnusableAnswer):
		return "unusable_answer"
	case errors.Is(err, llm.ErrInsufficientSource):
		return "insufficient_source"
	case errors.Is(err, llm.ErrContextLength):
		return "context_length"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
}

// stateCollector reads the gauges that live in Postgres and JetStream at scrape time.
type stateCollector struct {
	db  *store.DB
	q   *queue.Queue
	log *slog.Logger
}

var (
	articlesDesc = prometheus.NewDesc(namespace+"_articles", "Articles by status.", []string{"status"}, nil)
	pendingDesc  = prometheus.NewDesc(namespace+"_queue_pending", "Jobs waiting in a stage's queue, not yet delivered.", []string{"stage"}, nil)
	inFlightDesc = prometheus.NewDesc(namespace+"_queue_in_flight", "Jobs delivered to a worker and not yet acknowledged.", []string{"stage"}, nil)
	oldestDesc   = prometheus.NewDesc(namespace+"_queue_oldest_age_seconds", "Age of the oldest job waiting in a stage's queue; 0 when none waits.", []string{"stage"}, nil)
	upDesc       = prometheus.NewDesc(namespace+"_dependency_up", "Whether the last scrape could read from the dependency (postgres, jetstream).", []string{"dependency"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- articlesDesc
	ch <- pendingDesc
	ch <- inFlightDesc
	ch <- oldestDesc
	ch <- upDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if c.db != nil {
		counts, err := c.db.Counts(ctx)
		if err != nil {
			c.log.Warn("metrics: count articles", "err", err)
		}
		for status, n := range counts {
			ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, float64(n), status)
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolf(err == nil), "postgres")
	}
	if c.q != nil {
		depths, err := c.q.Depths(ctx)
		if err != nil {
			c.log.Warn("metrics: queue depths", "err", err)
		}
		for s, d := range depths {
			ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(d.Pending), string(s))
			ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(d.AckPending), string(s))
			ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, d.OldestAge.Seconds(), string(s))
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolf(err == nil), "jetstream")
	}
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
