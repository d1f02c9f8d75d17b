package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"newsdesk/store"
	"newsdesk/urlnorm"
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

func toPublishedJSON(p store.Published) publishedJSON {
	return publishedJSON{
		ID: p.ID, URL: p.URL, Title: p.Title, SiteName: p.SiteName, Byline: p.Byline, PublishedAt: p.PublishedAt,
		KeyPoints: p.Draft.Summary.KeyPoints, WhyItMatters: p.Draft.Summary.WhyItMatters,
		WhatItMeansForYou: p.Draft.Summary.WhatItMeansForYou, Version: p.Version, ApprovedAt: p.ApprovedAt,
		Label: DisclosureLabel,
	}
}

func (s *Server) getPublished(w http.ResponseWriter, r *http.Request) {
	p, err := s.db.GetPublished(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCached(w, r, p.ApprovedAt, toPublishedJSON(p), fmt.Sprintf("%s-%d-%d", p.ID, p.Version, p.ApprovedAt.UnixNano()))
}

func (s *Server) listPublished(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if raw := q.Get("url"); raw != "" {
		key, err := urlnorm.Normalize(raw)
		if err != nil {
			s.writeError(w, r, badRequest(err.Error()))
			return
		}
		p, err := s.db.GetPublishedByURLKey(r.Context(), key)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeCached(w, r, p.ApprovedAt, toPublishedJSON(p), fmt.Sprintf("%s-%d-%d", p.ID, p.Version, p.ApprovedAt.UnixNano()))
		return
	}
	params := store.PublishedParams{Before: q.Get("cursor")}
	params.Limit, _ = strconv.Atoi(q.Get("limit"))
	if params.Limit <= 0 || params.Limit > 200 {
		params.Limit = 50
	}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			s.writeError(w, r, badRequest("since must be an RFC 3339 time, e.g. 2026-11-26T10:00:00Z"))
			return
		}
		params.Since = &t
	}
	list, err := s.db.ListPublished(r.Context(), params)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]publishedJSON, len(list))
	h := sha256.New()
	var newest time.Time
	for i, p := range list {
		items[i] = toPublishedJSON(p)
		fmt.Fprintf(h, "%s-%d-%d;", p.ID, p.Version, p.ApprovedAt.UnixNano())
		if p.ApprovedAt.After(newest) {
			newest = p.ApprovedAt
		}
	}
	next := ""
	if len(list) == params.Limit {
		next = list[len(list)-1].ID
	}
	s.writeCached(w, r, newest, map[string]any{"articles": items, "next_cursor": next}, hex.EncodeToString(h.Sum(nil))[:32])
}

// writeCached answers with validators so that portals poll cheaply: an unchanged response is
// a 304. Caches must revalidate every time, so a withdrawal is never served from a cache.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, modified time.Time, v any, tag string) {
	etag := `"` + tag + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, no-cache")
	if !modified.IsZero() {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	s.cors(w, r)
	if match := r.Header.Get("If-None-Match"); match != "" && match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	for _, o := range s.cfg.PortalOrigins {
		if o == origin || o == "*" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			return
		}
	}
}
