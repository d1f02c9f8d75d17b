package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"newsdesk/auth"
	"newsdesk/extract"
	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/testenv"
	"newsdesk/web"
	"newsdesk/workers"
)

// stack is a whole newsdesk on real parts: a fresh database on the test Postgres, a private
// stream on the test JetStream, the real API and workers in this process, a local web server
// with articles, and an OpenAI-compatible fake provider over HTTP.
type stack struct {
	t      *testing.T
	dbURL  string
	db     *store.DB
	q      *queue.Queue
	api    *httptest.Server
	llm    *llmtest.Server
	pages  *httptest.Server
	tokens map[auth.Role]string
	qcfg   queue.Config
	model  string
}

type stackOptions struct {
	llm        llmtest.Handler
	ackWait    time.Duration // summarise and extract AckWait
	maxDeliver int
	model      string // [test-model]
}

func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	if o.llm == nil {
		o.llm = llmtest.OK(llmtest.Sample())
	}
	if o.ackWait == 0 {
		o.ackWait = 10 * time.Second
	}
	dbURL := testenv.Database(t)
	if o.model == "" {
		o.model = "test-model"
	}
	s := &stack{t: t, dbURL: dbURL, tokens: map[auth.Role]string{}, model: o.model}
	p := mustPool(t, dbURL)
	s.db = store.New(p)
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	s.qcfg = queue.Config{
		Stream: stream, Prefix: prefix, MaxDeliver: o.maxDeliver,
		AckWait: map[queue.Stage]time.Duration{queue.Extract: o.ackWait, queue.Summarise: o.ackWait},
	}
	q, err := queue.Open(t.Context(), js, s.qcfg)
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	s.q = q
	s.llm = llmtest.NewServer(t, o.llm)
	s.pages = httptest.NewServer(pageHandler())
	t.Cleanup(s.pages.Close)
	s.useAPI(t, 0)
	for _, r := range []auth.Role{auth.Editor, auth.Reviewer, auth.Admin} {
		secret, _, err := s.db.CreateToken(t.Context(), "test "+string(r), r)
		if err != nil {
			t.Fatalf("create token: %v", err)
		}
		s.tokens[r] = secret
	}
	return s
}

// useAPI (re)starts the HTTP API with a daily budget.
func (s *stack) useAPI(t *testing.T, dailyBudget float64) {
	if s.api != nil {
		s.api.Close()
	}
	srv := web.New(s.db, s.q, web.Config{Logger: testLogger(t), DailyBudget: dailyBudget})
	s.api = httptest.NewServer(srv.Handler())
	t.Cleanup(s.api.Close)
}

func mustPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// writer returns an OpenAI writer pointed at the fake provider, with fast retries.
func (s *stack) writer() llm.Writer {
	w, err := llm.NewOpenAI(llm.Config{
		BaseURL: s.llm.URL, APIKey: "test-key", Model: s.model, MaxRetries: 1,
		RetryBaseDelay: 10 * time.Millisecond, Timeout: 30 * time.Second, Logger: testLogger(s.t),
	})
	if err != nil {
		s.t.Fatalf("writer: %v", err)
	}
	return w
}

type workerOptions struct {
	allowPrivate bool
	id           string
	dailyBudget  float64
	slots        map[queue.Stage]int // [extract 2, summarise 2]
	modelCalls   int                 // [the summarise slots]
}

// startWorker runs a worker until the returned stop is called (or the test ends).
func (s *stack) startWorker(o workerOptions) (stop func()) {
	s.t.Helper()
	slots := o.slots
	if slots == nil {
		slots = map[queue.Stage]int{queue.Extract: 2, queue.Summarise: 2}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := workers.New(s.db, s.q, workers.Config{
		ID:           o.id,
		Fetcher:      extract.NewFetcher(extract.FetchOptions{AllowPrivate: o.allowPrivate}),
		Writer:       s.writer(),
		GenKeyPrefix: "test-model|v",
		Concurrency:  slots,
		ModelCalls:   o.modelCalls,
		DrainTimeout: 5 * time.Second,
		DailyBudget:  o.dailyBudget,
		Logger:       testLogger(s.t),
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			s.t.Errorf("worker: %v", err)
		}
	}()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	s.t.Cleanup(stop)
	return stop
}

// call makes an API request and decodes the JSON answer into out (when non-nil).
func (s *stack) call(method, path string, role auth.Role, body, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.api.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// article is the API's article JSON, as much as the tests read.
type article struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Status string `json:"status"`
	Error  string `json:"error"`
	Title  string `json:"title"`
	Text   string `json:"text"`
	Draft  *struct {
		Version           int      `json:"version"`
		KeyPoints         []string `json:"key_points"`
		WhyItMatters      string   `json:"why_it_matters"`
		WhatItMeansForYou string   `json:"what_it_means_for_you"`
		Author            string   `json:"author"`
		Model             string   `json:"model"`
		PromptVersion     string   `json:"prompt_version"`
		Flags             []struct {
			Section, Kind, Text, Reason string
		} `json:"flags"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	} `json:"draft"`
	Published *struct {
		Version      int      `json:"version"`
		KeyPoints    []string `json:"key_points"`
		WhyItMatters string   `json:"why_it_matters"`
	} `json:"published"`
	History []struct {
		Actor, Action, From, To, Note string
	} `json:"history"`
}

func (s *stack) submit(url string) string {
	s.t.Helper()
	var res struct{ ID, Status string }
	if code := s.call("POST", "/api/v1/articles", auth.Editor, map[string]string{"url": url}, &res); code != http.StatusAccepted && code != http.StatusOK {
		s.t.Fatalf("submit %s: status %d", url, code)
	}
	return res.ID
}

func (s *stack) get(id string) article {
	s.t.Helper()
	var a article
	if code := s.call("GET", "/api/v1/articles/"+id, auth.Editor, nil, &a); code != http.StatusOK {
		s.t.Fatalf("get %s: status %d", id, code)
	}
	return a
}

// waitDone waits until the article leaves the working states and returns it.
func (s *stack) waitDone(id string, within time.Duration) article {
	s.t.Helper()
	var a article
	testenv.Eventually(s.t, within, "article "+id+" to finish", func() bool {
		a = s.get(id)
		return a.Status != "queued" && a.Status != "extracting" && a.Status != "summarising"
	})
	return a
}

// draftCount counts the stored versions of an article's summary.
func (s *stack) draftCount(id string) (all, generated int) {
	s.t.Helper()
	err := s.db.Pool().QueryRow(context.Background(),
		`SELECT count(*), count(generation) FROM drafts WHERE article_id = $1`, id).Scan(&all, &generated)
	if err != nil {
		s.t.Fatal(err)
	}
	return all, generated
}

func (s *stack) pageURL(path string) string { return s.pages.URL + path }

// pageHandler serves articles and the pages that must fail.
func pageHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /news/{slug}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, articleHTML(r.PathValue("slug")))
	})
	mux.HandleFunc("GET /same/{copy}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, articleHTML("syndicated"))
	})
	mux.HandleFunc("GET /short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Hi</title></head><body><p>Just a line.</p></body></html>`)
	})
	mux.HandleFunc("GET /report.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"))
	})
	return mux
}

// articleHTML is a news page with its furniture: navigation, a share bar, related links and
// a footer around an article of several paragraphs. slug varies the facts.
func articleHTML(slug string) string {
	var b strings.Builder
	n := len(slug)
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council backs plan for %s | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example"><meta name="author" content="Alex Writer">
<meta property="article:published_time" content="2026-11-20T09:30:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="share">Share on Facebook Share on X</div>
<article><h1>Council backs plan for %s</h1><p class="byline">By Alex Writer</p>`, slug, slug)
	paras := []string{
		"The city council voted on Tuesday to approve a plan for %[1]s, committing %[2]d million pounds over the next three years to the project.",
		"Council leader Jane Porter said the decision followed a consultation in which %[3]d residents took part, most of them in favour of the proposal.",
		"Opposition councillors argued that the money could have been spent on social care, and asked for a review of the costs after the first year.",
		"Work on the first phase of %[1]s is due to begin in March, with contractors chosen through an open tender that closes at the end of January.",
		"Local businesses welcomed the announcement, saying that the disruption during construction would be outweighed by the long-term benefits to the area.",
		"The council will publish quarterly reports on spending and progress, and residents can comment on the detailed designs at public meetings in the spring.",
	}
	for i, p := range paras {
		fmt.Fprintf(&b, "<p>"+p+" This is paragraph %[4]d of the report.</p>\n", slug, 10+n, 1000+n*37, i+1)
	}
	b.WriteString(`</article><aside><h2>Related articles</h2><ul><li><a href="/a">Other story</a></li></ul></aside>
<footer>Copyright The Daily Example. Sign up to our newsletter.</footer></body></html>`)
	return b.String()
}
