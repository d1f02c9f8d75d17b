package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"newsdesk/auth"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/urlnorm"
	"newsdesk/workers"
)

// Request body limits: a batch of 10,000 URLs or a pasted article fits; anything else is small.
const (
	submitLimit = 16 << 20
	bodyLimit   = 1 << 20
	maxBatch    = 10_000
)

type submitRequest struct {
	URL  string   `json:"url"`
	URLs []string `json:"urls"`
	// Text or HTML pasted by an editor for a paywalled or script-rendered page: the fetch is
	// skipped. Only with a single url.
	Text  string `json:"text"`
	HTML  string `json:"html"`
	Title string `json:"title"`
}

type submitted struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
}

// Submission is one URL that passed validation, ready for the store.
type Submission = store.Submission

// validateSubmission normalises every URL of a request; the first bad one fails the whole
// request, so that nothing is queued from a batch with a mistake in it.
func validateSubmission(req submitRequest, who string) ([]store.Submission, error) {
	urls := req.URLs
	if req.URL != "" {
		urls = append([]string{req.URL}, urls...)
	}
	if len(urls) == 0 {
		return nil, badRequest(`give "url" or "urls"`)
	}
	if len(urls) > maxBatch {
		return nil, badRequest(fmt.Sprintf("at most %d URLs per request, got %d", maxBatch, len(urls)))
	}
	if (req.Text != "" || req.HTML != "") && len(urls) != 1 {
		return nil, badRequest("pasted text or HTML goes with exactly one URL")
	}
	if !utf8.ValidString(req.Text) || !utf8.ValidString(req.HTML) {
		return nil, badRequest("pasted text must be UTF-8")
	}
	subs := make([]store.Submission, len(urls))
	for i, u := range urls {
		key, err := urlnorm.Normalize(u)
		if err != nil {
			if len(urls) == 1 {
				return nil, badRequest(err.Error())
			}
			return nil, badRequest(fmt.Sprintf("URL %d (%.80q): %v", i+1, u, err))
		}
		subs[i] = store.Submission{URL: strings.TrimSpace(u), URLKey: key, Actor: who}
	}
	if req.Text != "" {
		subs[0].SourceText = req.Text
		if req.Title != "" {
			subs[0].SourceText = req.Title + "\n\n" + req.Text
		}
	}
	subs[0].SourceHTML = req.HTML
	return subs, nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var req submitRequest
	if err := decode(w, r, submitLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	subs, err := validateSubmission(req, actor(p))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, anyCreated, err := s.Submit(r.Context(), subs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if anyCreated {
		status = http.StatusAccepted
	}
	if req.URL != "" && len(req.URLs) == 0 {
		writeJSON(w, status, out[0])
		return
	}
	writeJSON(w, status, map[string]any{"articles": out})
}

// Submit stores submissions and queues the new ones. It is shared by the API and the UI.
func (s *Server) Submit(ctx context.Context, subs []store.Submission) ([]submitted, bool, error) {
	results, err := s.db.SubmitMany(ctx, subs)
	if err != nil {
		return nil, false, err
	}
	out := make([]submitted, len(results))
	var jobs []queue.Job
	anyCreated := false
	for i, res := range results {
		a := res.Article
		out[i] = submitted{ID: a.ID, URL: a.URL, Status: a.Status, Created: res.Created}
		if res.Created {
			anyCreated = true
			jobs = append(jobs, queue.Job{ArticleID: a.ID, Attempt: a.Attempt})
		}
	}
	switch {
	case len(jobs) > publishInline:
		// A big batch: the committed rows are the acknowledgement. Publishing 10,000 jobs
		// to a JetStream that fsyncs every write takes seconds, so it happens after the
		// answer; if this process dies first, the reconciler publishes the rest (their
		// enqueued_at stays NULL).
		go s.publish(context.WithoutCancel(ctx), jobs)
	case len(jobs) > 0:
		s.publish(ctx, jobs)
	}
	return out, anyCreated, nil
}

// publishInline is the largest batch whose jobs are published before the API answers.
const publishInline = 100

// publishTimeout bounds how long a submit waits for JetStream to confirm its jobs.
const publishTimeout = 5 * time.Second

// publish puts the extract jobs of committed articles on the queue and records which ones
// the stream confirmed. A publish that fails is repeated by the reconciler.
func (s *Server) publish(ctx context.Context, jobs []queue.Job) {
	// The rows are committed; an editor must not wait on a broker that hangs. Jobs not
	// confirmed in time are published by the reconciler. (A big batch published in the
	// background gets longer: it is fsync-bound, about a millisecond a job.)
	ctx, cancel := context.WithTimeout(ctx, publishTimeout+time.Duration(len(jobs))*5*time.Millisecond)
	defer cancel()
	confirmed, err := s.q.PublishMany(ctx, queue.Extract, jobs)
	if err != nil {
		s.log.Warn("publish extract jobs; the reconciler will retry", "err", err, "confirmed", len(confirmed), "of", len(jobs))
	}
	if len(confirmed) == 0 {
		return
	}
	ids := make([]string, len(confirmed))
	attempts := make([]int, len(confirmed))
	for i, j := range confirmed {
		ids[i], attempts[i] = j.ArticleID, j.Attempt
	}
	if err := s.db.MarkEnqueuedMany(ctx, ids, attempts); err != nil {
		s.log.Warn("mark enqueued", "err", err)
	}
}

type draftJSON struct {
	Version           int            `json:"version"`
	KeyPoints         []string       `json:"key_points"`
	WhyItMatters      string         `json:"why_it_matters"`
	WhatItMeansForYou string         `json:"what_it_means_for_you"`
	Flags             []summary.Flag `json:"flags"`
	Author            string         `json:"author"`
	Actor             string         `json:"actor"`
	Model             string         `json:"model"`
	PromptVersion     string         `json:"prompt_version"`
	Usage             usageJSON      `json:"usage"`
	CostUSD           float64        `json:"cost_usd"`
	Notes             []string       `json:"notes"`
	CreatedAt         time.Time      `json:"created_at"`
}

type usageJSON struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

func toDraftJSON(d store.Draft) *draftJSON {
	kp := d.Summary.KeyPoints
	if kp == nil {
		kp = []string{}
	}
	notes := d.Notes
	if notes == nil {
		notes = []string{}
	}
	return &draftJSON{
		Version: d.Version, KeyPoints: kp, WhyItMatters: d.Summary.WhyItMatters,
		WhatItMeansForYou: d.Summary.WhatItMeansForYou, Flags: d.Flags, Author: d.Author, Actor: d.Actor,
		Model: d.Model, PromptVersion: d.PromptVersion,
		Usage:   usageJSON{d.PromptTokens, d.CompletionTokens},
		CostUSD: d.CostUSD, Notes: notes, CreatedAt: d.CreatedAt,
	}
}

type articleJSON struct {
	ID           string               `json:"id"`
	URL          string               `json:"url"`
	Status       string               `json:"status"`
	Error        string               `json:"error"`
	Attempt      int                  `json:"attempt"`
	Title        string               `json:"title"`
	Byline       string               `json:"byline"`
	SiteName     string               `json:"site_name"`
	Lang         string               `json:"lang"`
	CanonicalURL string               `json:"canonical_url"`
	PublishedAt  *time.Time           `json:"published_at"`
	WordCount    int                  `json:"word_count"`
	Text         string               `json:"text,omitempty"`
	Draft        *draftJSON           `json:"draft"`
	Published    *publishedJSON       `json:"published"`
	History      []store.HistoryEntry `json:"history,omitempty"`
	CreatedAt    time.Time            `json:"created_at"`
	UpdatedAt    time.Time            `json:"updated_at"`
}

func toArticleJSON(a store.Article) articleJSON {
	return articleJSON{
		ID: a.ID, URL: a.URL, Status: a.Status, Error: a.Error, Attempt: a.Attempt, Title: a.Title,
		Byline: a.Byline, SiteName: a.SiteName, Lang: a.Lang, CanonicalURL: a.CanonicalURL,
		PublishedAt: a.PublishedAt, WordCount: a.WordCount, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && status != "working" && !validStatus(status) {
		s.writeError(w, r, badRequest("unknown status "+strconv.Quote(status)))
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := s.db.List(r.Context(), store.ListParams{Status: status, Query: q.Get("q"), Before: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]articleJSON, len(list))
	for i, a := range list {
		items[i] = toArticleJSON(a)
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	next := ""
	if len(list) == limit {
		next = list[len(list)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"articles": items, "next_cursor": next})
}

func validStatus(s string) bool {
	for _, v := range store.Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// ArticleView gathers everything shown about one article: the API's JSON and the UI's page.
func (s *Server) ArticleView(ctx context.Context, id string) (articleJSON, []store.Draft, error) {
	a, err := s.db.Get(ctx, id)
	if err != nil {
		return articleJSON{}, nil, err
	}
	out := toArticleJSON(a)
	out.Text = a.Text
	drafts, err := s.db.Drafts(ctx, id)
	if err != nil {
		return articleJSON{}, nil, err
	}
	for _, d := range drafts {
		if d.Version == a.CurrentVersion {
			out.Draft = toDraftJSON(d)
		}
		if a.ApprovedVersion != nil && d.Version == *a.ApprovedVersion {
			pj := publishedFrom(a, d)
			out.Published = &pj
		}
	}
	out.History, err = s.db.History(ctx, id)
	if err != nil {
		return articleJSON{}, nil, err
	}
	return out, drafts, nil
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) {
	out, _, err := s.ArticleView(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		s.writeError(w, r, badRequest("version must be a number"))
		return
	}
	d, err := s.db.GetDraft(r.Context(), r.PathValue("id"), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDraftJSON(d))
}

type saveDraftRequest struct {
	KeyPoints         []string `json:"key_points"`
	WhyItMatters      string   `json:"why_it_matters"`
	WhatItMeansForYou string   `json:"what_it_means_for_you"`
	BaseVersion       *int     `json:"base_version"`
}

// SaveDraft validates and stores an edit; shared by the API and the UI.
func (s *Server) SaveDraft(ctx context.Context, id string, p auth.Principal, sum summary.Summary, base int) (store.Draft, error) {
	a, err := s.db.Get(ctx, id)
	if err != nil {
		return store.Draft{}, err
	}
	sum = summary.Clean(sum)
	if err := summary.Validate(sum); err != nil {
		return store.Draft{}, badRequest(err.Error())
	}
	d := store.Draft{
		ArticleID: id, Summary: sum, Actor: actor(p),
		Flags: summary.Check(sum, summary.Source{Title: a.Title, Byline: a.Byline, Text: a.Text, Lang: a.Lang}),
	}
	d.Version, err = s.db.SaveEdit(ctx, d, base)
	if err != nil {
		return store.Draft{}, err
	}
	return s.db.GetDraft(ctx, id, d.Version)
}

func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) {
	var req saveDraftRequest
	if err := decode(w, r, bodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.BaseVersion == nil {
		s.writeError(w, r, badRequest("base_version is required: the version your edit starts from"))
		return
	}
	d, err := s.SaveDraft(r.Context(), r.PathValue("id"), principalFrom(r.Context()),
		summary.Summary{KeyPoints: req.KeyPoints, WhyItMatters: req.WhyItMatters, WhatItMeansForYou: req.WhatItMeansForYou}, *req.BaseVersion)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDraftJSON(d))
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Version int `json:"version"`
	}
	if err := decode(w, r, bodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Version < 1 {
		s.writeError(w, r, badRequest("version is required: the version to publish"))
		return
	}
	id := r.PathValue("id")
	if err := s.db.Approve(r.Context(), id, req.Version, actor(principalFrom(r.Context()))); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getArticle(w, r)
}

func (s *Server) reason(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, bodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return "", false
	}
	if strings.TrimSpace(req.Reason) == "" {
		s.writeError(w, r, badRequest("a reason is required"))
		return "", false
	}
	return strings.TrimSpace(req.Reason), true
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request) {
	reason, ok := s.reason(w, r)
	if !ok {
		return
	}
	if err := s.db.Reject(r.Context(), r.PathValue("id"), reason, actor(principalFrom(r.Context()))); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getArticle(w, r)
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) {
	reason, ok := s.reason(w, r)
	if !ok {
		return
	}
	if err := s.db.Withdraw(r.Context(), r.PathValue("id"), reason, actor(principalFrom(r.Context()))); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getArticle(w, r)
}

// Regenerate asks for a new machine draft; shared by the API and the UI.
func (s *Server) Regenerate(ctx context.Context, id, instructions string, p auth.Principal) error {
	attempt, err := s.db.Regenerate(ctx, id, strings.TrimSpace(instructions), actor(p))
	if err != nil {
		return err
	}
	if err := workers.Enqueue(ctx, s.db, s.q, queue.Summarise, queue.Job{ArticleID: id, Attempt: attempt}); err != nil {
		s.log.Warn("publish summarise job; the reconciler will retry", "article_id", id, "err", err)
	}
	return nil
}

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Instructions string `json:"instructions"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, bodyLimit, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if len(req.Instructions) > 2000 {
		s.writeError(w, r, badRequest("instructions are limited to 2,000 characters"))
		return
	}
	if err := s.Regenerate(r.Context(), r.PathValue("id"), req.Instructions, principalFrom(r.Context())); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, _, err := s.ArticleView(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

// Retry re-queues a failed article; shared by the API and the UI.
func (s *Server) Retry(ctx context.Context, id string, p auth.Principal) error {
	attempt, err := s.db.Retry(ctx, id, actor(p))
	if err != nil {
		return err
	}
	if err := workers.Enqueue(ctx, s.db, s.q, queue.Extract, queue.Job{ArticleID: id, Attempt: attempt}); err != nil {
		s.log.Warn("publish extract job; the reconciler will retry", "article_id", id, "err", err)
	}
	return nil
}

func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	if err := s.Retry(r.Context(), r.PathValue("id"), principalFrom(r.Context())); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.db.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, toArticleJSON(a))
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.Tokens(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": list})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decode(w, r, bodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		s.writeError(w, r, badRequest(err.Error()))
		return
	}
	if strings.TrimSpace(req.Name) == "" {
		s.writeError(w, r, badRequest("a name is required"))
		return
	}
	secret, t, err := s.db.CreateToken(r.Context(), strings.TrimSpace(req.Name), role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "info": t})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, store.ErrNotFound)
		return
	}
	if err := s.db.RevokeToken(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// usageReport is the model's cost per day and the state of the daily budget.
type usageReport struct {
	Today          store.DayUsage   `json:"today"`
	Days           []store.DayUsage `json:"days"`
	DailyBudgetUSD float64          `json:"daily_budget_usd"` // 0: no limit
	Paused         bool             `json:"paused"`           // summarising waits for the budget
	ResumesAt      *time.Time       `json:"resumes_at,omitempty"`
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request) {
	rep, err := s.usageReport(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// usageReport sums the model's cost per day; shared by the API and the UI.
func (s *Server) usageReport(ctx context.Context) (usageReport, error) {
	days, err := s.db.UsageByDay(ctx, 30)
	if err != nil {
		return usageReport{}, err
	}
	rep := usageReport{Days: days, DailyBudgetUSD: s.cfg.DailyBudget}
	if rep.Days == nil {
		rep.Days = []store.DayUsage{}
	}
	today := time.Now().UTC().Format("2006-01-02")
	rep.Today = store.DayUsage{Day: today}
	if len(days) > 0 && days[0].Day == today {
		rep.Today = days[0]
	}
	if s.cfg.DailyBudget > 0 && rep.Today.CostUSD >= s.cfg.DailyBudget {
		rep.Paused = true
		t := store.NextUTCMidnight(time.Now())
		rep.ResumesAt = &t
	}
	return rep, nil
}
