package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"newsdesk/auth"
	"newsdesk/store"
	"newsdesk/urlnorm"
	"newsdesk/webhooks"
)

// DisclosureLabel is shown with every published summary.
const DisclosureLabel = "AI-assisted, editor-approved"

// publishedJSON is an approved summary as the portal receives it. It holds approved text
// only: never the source, flags, drafts or history.
type publishedJSON struct {
	ID                string     `json:"id"`
	URL               string     `json:"url"`
	Title             string     `json:"title"`
	SiteName          string     `json:"site_name"`
	Byline            string     `json:"byline"`
	PublishedAt       *time.Time `json:"published_at"`
	KeyPoints         []string   `json:"key_points"`
	WhyItMatters      string     `json:"why_it_matters"`
	WhatItMeansForYou string     `json:"what_it_means_for_you"`
	Version           int        `json:"version"`
	ApprovedAt        time.Time  `json:"approved_at"`
	Label             string     `json:"label"`
}

func publishedFrom(a store.Article, d store.Draft) publishedJSON {
	var at time.Time
	if a.ApprovedAt != nil {
		at = *a.ApprovedAt
	}
	return publishedJSON{
		ID: a.ID, URL: a.URL, Title: a.Title, SiteName: a.SiteName, Byline: a.Byline, PublishedAt: a.PublishedAt,
		KeyPoints: d.Summary.KeyPoints, WhyItMatters: d.Summary.WhyItMatters, WhatItMeansForYou: d.Summary.WhatItMeansForYou,
		Version: d.Version, ApprovedAt: at, Label: DisclosureLabel,
	}
}

func toPublic(p store.PublicSummary) publishedJSON {
	kp := p.KeyPoints
	if kp == nil {
		kp = []string{}
	}
	return publishedJSON{
		ID: p.ID, URL: p.URL, Title: p.Title, SiteName: p.SiteName, Byline: p.Byline, PublishedAt: p.PublishedAt,
		KeyPoints: kp, WhyItMatters: p.WhyItMatters, WhatItMeansForYou: p.WhatItMeansForYou,
		Version: p.Version, ApprovedAt: p.ApprovedAt.UTC(), Label: DisclosureLabel,
	}
}

// portals maps a Server to its read path, so that [Server.RunPortalCache] finds the cache the
// routes serve from.
var portals sync.Map // *Server → *portal

// portal serves the public read routes: the JSON API, the feeds and the embed fragment.
type portal struct {
	s         *Server
	cache     *portalCache
	origins   map[string]bool
	anyOrigin bool
	// Vary values, by whether the response has a gzip variant.
	vary, varyGzip []string
}

// Shared header values: never modified, so every response may point at them.
var (
	hdrCacheControl = []string{"public, no-cache"}
	hdrGzip         = []string{"gzip"}
	hdrStar         = []string{"*"}
	hdrExpose       = []string{"ETag, Last-Modified"}
	hdrMethods      = []string{"GET, HEAD, OPTIONS"}
	hdrAllowHeaders = []string{"If-None-Match, If-Modified-Since"}
	hdrMaxAge       = []string{"86400"}
	hdrJSON         = []string{"application/json; charset=utf-8"}
	notFoundBody    = []byte(`{"error":"not found"}` + "\n")
	notFoundLen     = []string{strconv.Itoa(len(notFoundBody))}
)

// portalRoutes declares the public read routes. They never need a token and never show
// anything but approved versions.
func (s *Server) portalRoutes(m *http.ServeMux) {
	p := &portal{s: s, origins: map[string]bool{}}
	p.cache = &portalCache{db: s.db, log: s.log, publicURL: strings.TrimRight(s.cfg.PublicURL, "/")}
	for _, o := range s.cfg.PortalOrigins {
		if o == "*" {
			p.anyOrigin = true
		} else if o != "" {
			p.origins[o] = true
		}
	}
	if len(p.origins) > 0 && !p.anyOrigin {
		p.vary = []string{"Origin"}
		p.varyGzip = []string{"Accept-Encoding, Origin"}
	} else {
		p.varyGzip = []string{"Accept-Encoding"}
	}
	portals.Store(s, p)

	m.HandleFunc("GET /api/v1/published", p.listPublished)
	m.HandleFunc("GET /api/v1/published/{id}", p.getPublished)
	m.HandleFunc("GET /feed.xml", p.feedRSS)
	m.HandleFunc("GET /feed.json", p.feedJSON)
	m.HandleFunc("GET /embed/{id}", p.getEmbed)
	for _, path := range []string{"/api/v1/published", "/api/v1/published/{id}", "/feed.xml", "/feed.json", "/embed/{id}"} {
		m.HandleFunc("OPTIONS "+path, p.preflight)
	}
}

// RunPortalCache keeps the public routes' in-memory copy of approved summaries current until
// ctx ends: it loads them, then listens for changes on [store.PublicNotifyChannel] and applies
// each within milliseconds, in every process that runs it. Without it (or while its connection is
// down) the public routes read Postgres on every request: correct, but slower. It returns an
// error only when called twice.
func (s *Server) RunPortalCache(ctx context.Context) error {
	v, ok := portals.Load(s)
	if !ok {
		return errors.New("portal cache: server has no portal routes")
	}
	return v.(*portal).cache.run(ctx)
}

// PortalCacheLive reports whether the public routes serve from memory.
func (s *Server) PortalCacheLive() bool {
	v, ok := portals.Load(s)
	return ok && v.(*portal).cache.load() != nil
}

func (p *portal) getPublished(w http.ResponseWriter, r *http.Request) {
	e, err := p.entry(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.serve(w, r, e.api)
}

func (p *portal) getEmbed(w http.ResponseWriter, r *http.Request) {
	e, err := p.entry(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.serve(w, r, e.embed)
}

// entry finds an approved summary by id: in memory when the cache is live, else in Postgres.
func (p *portal) entry(ctx context.Context, id string) (*pubEntry, error) {
	if snap := p.cache.load(); snap != nil {
		if e := snap.byID[id]; e != nil {
			return e, nil
		}
		return nil, store.ErrNotFound
	}
	list, err := p.s.db.PublicSummaries(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, store.ErrNotFound
	}
	return p.cache.newEntry(list[0])
}

func (p *portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		h := w.Header()
		h["Content-Type"] = hdrJSON
		h["Content-Length"] = notFoundLen
		h["Cache-Control"] = hdrCacheControl
		if p.vary != nil {
			h["Vary"] = p.vary
		}
		p.cors(h, r)
		w.WriteHeader(http.StatusNotFound)
		w.Write(notFoundBody)
		return
	}
	p.s.writeError(w, r, err)
}

// serve sends a prepared representation, or 304 when the client's copy is current. Portals
// poll with If-None-Match; "no-cache" makes every cache revalidate, so a withdrawal is never
// served from a cache.
func (p *portal) serve(w http.ResponseWriter, r *http.Request, rp *pubRep) {
	h := w.Header()
	h["Content-Type"] = rp.ctype
	h["Etag"] = rp.etag
	h["Cache-Control"] = hdrCacheControl
	if rp.lastMod != nil {
		h["Last-Modified"] = rp.lastMod
	}
	if rp.gz != nil {
		h["Vary"] = p.varyGzip
	} else if p.vary != nil {
		h["Vary"] = p.vary
	}
	p.cors(h, r)
	if notModified(r, rp) {
		delete(h, "Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, clen := rp.body, rp.clen
	if rp.gz != nil && acceptsGzip(r.Header["Accept-Encoding"]) {
		h["Content-Encoding"] = hdrGzip
		body, clen = rp.gz, rp.gzlen
	}
	// net/http computes Content-Length itself for a body written at once that fits its
	// 2 KiB buffer; one header fewer keeps the header map in a single group (8 slots), which
	// on the hot path saves an allocation and a rehash per request.
	if len(body) >= 2048 {
		h["Content-Length"] = clen
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// notModified applies RFC 9110's conditional rules: If-None-Match wins; If-Modified-Since
// counts only without it.
func notModified(r *http.Request, rp *pubRep) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, v := range inm {
			if etagMatch(v, rp.etag[0]) {
				return true
			}
		}
		return false
	}
	if ims := r.Header["If-Modified-Since"]; len(ims) > 0 && !rp.modTime.IsZero() {
		t, err := http.ParseTime(ims[0])
		return err == nil && !rp.modTime.Truncate(time.Second).After(t)
	}
	return false
}

// etagMatch reports whether an If-None-Match list names tag, with weak comparison.
func etagMatch(list, tag string) bool {
	if list == tag {
		return true
	}
	for part := range strings.SplitSeq(list, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == tag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (q > 0).
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// cors lets configured portal origins read the response from a browser. No credentials are
// ever allowed: the public routes need none.
func (p *portal) cors(h http.Header, r *http.Request) {
	if !p.anyOrigin && len(p.origins) == 0 {
		return
	}
	o := r.Header["Origin"]
	if len(o) == 0 {
		return
	}
	switch {
	case p.anyOrigin:
		h["Access-Control-Allow-Origin"] = hdrStar
	case p.origins[o[0]]:
		h["Access-Control-Allow-Origin"] = o
	default:
		return
	}
	h["Access-Control-Expose-Headers"] = hdrExpose
}

// preflight answers a browser's CORS preflight for a public route.
func (p *portal) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if p.vary != nil {
		h["Vary"] = []string{"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}
	}
	switch r.Header.Get("Access-Control-Request-Method") {
	case http.MethodGet, http.MethodHead:
		p.cors(h, r)
		if h["Access-Control-Allow-Origin"] != nil {
			h["Access-Control-Allow-Methods"] = hdrMethods
			h["Access-Control-Allow-Headers"] = hdrAllowHeaders
			h["Access-Control-Max-Age"] = hdrMaxAge
		}
	}
	w.Header().Set("Allow", "GET, HEAD, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

// Page sizes of GET /api/v1/published.
const (
	defaultPage = 50
	maxPage     = 200
)

func (p *portal) listPublished(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if raw := q.Get("url"); raw != "" {
		key, err := urlnorm.Normalize(raw)
		if err != nil {
			p.s.writeError(w, r, badRequest(err.Error()))
			return
		}
		e, err := p.byURL(r.Context(), key)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		p.serve(w, r, e.api)
		return
	}
	// As before the cache: a missing or unusable limit means the default page.
	limit := defaultPage
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, maxPage)
	}
	var cur *pubCursor
	if c := q.Get("cursor"); c != "" {
		k, err := parsePubCursor(c)
		if err != nil {
			p.s.writeError(w, r, badRequest("cursor: give back the next_cursor of the previous page"))
			return
		}
		cur = &k
	}
	var since *time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			p.s.writeError(w, r, badRequest("since must be an RFC 3339 time, e.g. 2026-11-26T10:00:00Z"))
			return
		}
		since = &t
	}
	snap := p.cache.load()
	if snap != nil && cur == nil && since == nil && limit == defaultPage {
		snap.pageOnce.Do(func() {
			page, more := pubPage(snap.sorted, nil, nil, limit)
			snap.firstPage = pubListRep(page, more, nil)
		})
		p.serve(w, r, snap.firstPage)
		return
	}
	var page []*pubEntry
	var more bool
	var withdrawn []store.Withdrawal
	var err error
	if snap != nil {
		page, more = pubPage(snap.sorted, cur, since, limit)
	} else if page, more, err = p.pageFromDB(r.Context(), cur, since, limit); err != nil {
		p.s.writeError(w, r, err)
		return
	}
	if since != nil && cur == nil {
		// A poll also learns what to take down: the first page lists the articles withdrawn
		// since then (and not approved again).
		if snap != nil && since.After(snap.horizon) {
			n := pubSearch(len(snap.withdrawn), func(i int) bool { return !snap.withdrawn[i].WithdrawnAt.After(*since) })
			withdrawn = snap.withdrawn[:n]
		} else if withdrawn, err = p.s.db.Withdrawals(r.Context(), *since); err != nil {
			p.s.writeError(w, r, err)
			return
		}
		if withdrawn == nil {
			withdrawn = []store.Withdrawal{}
		}
	}
	p.serve(w, r, pubListRep(page, more, withdrawn))
}

func (p *portal) byURL(ctx context.Context, key string) (*pubEntry, error) {
	if snap := p.cache.load(); snap != nil {
		if e := snap.byKey[key]; e != nil {
			return e, nil
		}
		return nil, store.ErrNotFound
	}
	s, err := p.s.db.PublicSummaryByURLKey(ctx, key)
	if err != nil {
		return nil, err
	}
	return p.cache.newEntry(s)
}

func (p *portal) pageFromDB(ctx context.Context, cur *pubCursor, since *time.Time, limit int) ([]*pubEntry, bool, error) {
	var at *time.Time
	var id string
	if cur != nil {
		at, id = &cur.at, cur.id
	}
	list, err := p.s.db.PublicSummaryPage(ctx, at, id, since, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > limit
	list = list[:min(len(list), limit)]
	page := make([]*pubEntry, len(list))
	for i, s := range list {
		if page[i], err = p.cache.newEntry(s); err != nil {
			return nil, false, err
		}
	}
	return page, more, nil
}

// pubCursor is a position in the list: the last item of the previous page. It holds the time as
// well as the id, so that it stays valid when that item is withdrawn.
type pubCursor struct {
	at time.Time
	id string
}

func (c pubCursor) String() string { return strconv.FormatInt(c.at.UnixMicro(), 36) + "." + c.id }

func parsePubCursor(s string) (pubCursor, error) {
	t, id, ok := strings.Cut(s, ".")
	if !ok || !uuidShaped(id) {
		return pubCursor{}, errors.New("bad cursor")
	}
	us, err := strconv.ParseInt(t, 36, 64)
	if err != nil {
		return pubCursor{}, err
	}
	return pubCursor{at: time.UnixMicro(us), id: id}, nil
}

// uuidShaped reports whether s is a UUID in its canonical text form.
func uuidShaped(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// pubPage cuts a page from entries sorted newest first: those approved after since, strictly
// after cur, at most limit of them; more reports whether any follow.
func pubPage(sorted []*pubEntry, cur *pubCursor, since *time.Time, limit int) (page []*pubEntry, more bool) {
	end := len(sorted)
	if since != nil {
		// sorted is newest first: the items approved after since are a prefix.
		end = pubSearch(len(sorted), func(i int) bool { return !sorted[i].sum.ApprovedAt.After(*since) })
	}
	start := 0
	if cur != nil {
		start = pubSearch(len(sorted), func(i int) bool {
			e := sorted[i]
			if c := e.sum.ApprovedAt.Compare(cur.at); c != 0 {
				return c < 0
			}
			return e.sum.ID < cur.id
		})
	}
	if start >= end {
		return nil, false
	}
	stop := min(start+limit, end)
	return sorted[start:stop], stop < end
}

// pubSearch returns the smallest i in [0, n) for which f is true, or n; f must be false
// then true along the range.
func pubSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// pubListRep builds the list response from pre-encoded items; withdrawn, when not nil, is
// added as "withdrawn": [{"id", "withdrawn_at"}].
func pubListRep(page []*pubEntry, more bool, withdrawn []store.Withdrawal) *pubRep {
	size := 64
	for _, e := range page {
		size += len(e.json) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"articles":[`...)
	h := sha256.New()
	var newest time.Time
	for i, e := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.json...)
		h.Write([]byte(e.api.etag[0]))
		if e.sum.ApprovedAt.After(newest) {
			newest = e.sum.ApprovedAt
		}
	}
	b = append(b, `],"next_cursor":"`...)
	if more && len(page) > 0 {
		last := page[len(page)-1]
		c := pubCursor{at: last.sum.ApprovedAt, id: last.sum.ID}.String()
		b = append(b, c...)
		h.Write([]byte(c))
	}
	b = append(b, '"')
	if withdrawn != nil {
		b = append(b, `,"withdrawn":[`...)
		for i, wd := range withdrawn {
			if i > 0 {
				b = append(b, ',')
			}
			item := `{"id":"` + wd.ID + `","withdrawn_at":"` + wd.WithdrawnAt.UTC().Format(time.RFC3339Nano) + `"}`
			b = append(b, item...)
			h.Write([]byte(item))
		}
		b = append(b, ']')
		h.Write([]byte("w"))
	}
	b = append(b, "}\n"...)
	return newPubRep("application/json; charset=utf-8", b, "l"+hex.EncodeToString(h.Sum(nil))[:32], newest)
}

// webhookRoutes declares the admin API of webhook targets and their deliveries.
func (s *Server) webhookRoutes(m *http.ServeMux) {
	m.Handle("GET /api/v1/webhooks", s.need(admin, s.listWebhooks))
	m.Handle("POST /api/v1/webhooks", s.need(admin, s.createWebhook))
	m.Handle("DELETE /api/v1/webhooks/{id}", s.need(admin, s.deleteWebhook))
	m.Handle("GET /api/v1/webhooks/deliveries", s.need(admin, s.listDeliveries))
}

type webhookJSON struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Secret is shown once, in the answer to the POST that created it.
	Secret string `json:"secret,omitempty"`
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	hooks, err := s.db.Webhooks(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]webhookJSON, len(hooks))
	for i, h := range hooks {
		out[i] = webhookJSON{ID: h.ID, URL: h.URL, CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if err := decode(w, r, bodyLimit, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.URL = strings.TrimSpace(req.URL)
	if err := webhooks.ValidURL(req.URL); err != nil || len(req.URL) > 2048 {
		s.writeError(w, r, badRequest(`"url" must be an absolute http or https URL of at most 2,048 bytes`))
		return
	}
	if req.Secret == "" {
		req.Secret = auth.NewSecret()
	} else if strings.ContainsRune(req.Secret, 0) || !utf8.ValidString(req.Secret) || len(req.Secret) > 1024 {
		s.writeError(w, r, badRequest(`"secret" must be UTF-8 text without NUL bytes, at most 1,024 bytes`))
		return
	} else if len(req.Secret) < 16 {
		s.writeError(w, r, badRequest(`"secret" must be at least 16 characters (or leave it out and one is made for you)`))
		return
	}
	h, err := s.db.CreateWebhook(r.Context(), req.URL, req.Secret, actor(principalFrom(r.Context())))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, webhookJSON{ID: h.ID, URL: h.URL, CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt, Secret: h.Secret})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, store.ErrNotFound)
		return
	}
	if err := s.db.DeleteWebhook(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type deliveryJSON struct {
	ID            int64      `json:"id"`
	EventID       int64      `json:"event_id"`
	Event         string     `json:"event"`
	ArticleID     string     `json:"article_id"`
	Source        string     `json:"source"` // "admin" (a webhook below) or "env" (NEWSDESK_WEBHOOK_URLS)
	WebhookID     *int64     `json:"webhook_id"`
	URL           string     `json:"url"`
	Status        string     `json:"status"` // pending, delivered, failed
	Attempts      int        `json:"attempts"`
	LastStatus    *int       `json:"last_status"`
	LastError     string     `json:"last_error"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var before int64
	if c := q.Get("cursor"); c != "" {
		var err error
		if before, err = strconv.ParseInt(c, 10, 64); err != nil {
			s.writeError(w, r, badRequest("cursor: give back the next_cursor of the previous page"))
			return
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	list, err := s.db.Deliveries(r.Context(), before, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]deliveryJSON, len(list))
	for i, d := range list {
		if d.Status != store.DeliveryPending {
			d.NextAttemptAt = nil
		}
		out[i] = deliveryJSON{ID: d.ID, EventID: d.EventID, Event: d.Event, ArticleID: d.ArticleID, Source: d.Source,
			WebhookID: d.WebhookID, URL: d.URL, Status: d.Status, Attempts: d.Attempts, LastStatus: d.LastStatus,
			LastError: d.LastError, NextAttemptAt: d.NextAttemptAt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
			DeliveredAt: d.DeliveredAt}
	}
	next := ""
	if len(list) == limit {
		next = strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out, "next_cursor": next})
}
