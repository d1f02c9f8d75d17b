// Package webhooks tells portals when a summary is approved or withdrawn: it POSTs a signed
// JSON body to every configured URL, retrying with backoff through JetStream, and records each
// delivery's result in Postgres.
//
// The flow is an outbox. A trigger on the history table writes a webhook_events row in the
// same transaction as every approval and withdrawal, whatever code path made it. A
// [Dispatcher] turns new events into one delivery row per target (the admin-managed webhooks
// table plus NEWSDESK_WEBHOOK_URLS), publishes one message per delivery carrying only its id
// on its own stream, and its consumers POST the body. Postgres decides whether a delivery still
// has work, so a redelivered message never sends a delivered body again.
//
//	d, err := webhooks.New(db, js, webhooks.ConfigFromEnv(os.Getenv))
//	go d.Run(ctx)
//
// Receivers verify X-Newsdesk-Signature with [Verify].
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"newsdesk/store"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body under the target's
// secret.
const SignatureHeader = "X-Newsdesk-Signature"

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is body's signature under secret, in constant time.
func Verify(secret, header string, body []byte) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// Body is what a target receives.
type Body struct {
	Event      string    `json:"event"` // "article.approved" or "article.withdrawn"
	EventID    int64     `json:"event_id"`
	OccurredAt time.Time `json:"occurred_at"`
	Article    Article   `json:"article"`
}

// Article is the approved summary in the published JSON shape (GET /api/v1/published/{id});
// for a withdrawal only id and url are set.
type Article struct {
	ID                string     `json:"id"`
	URL               string     `json:"url"`
	Title             string     `json:"title,omitempty"`
	SiteName          string     `json:"site_name,omitempty"`
	Byline            string     `json:"byline,omitempty"`
	PublishedAt       *time.Time `json:"published_at,omitempty"`
	KeyPoints         []string   `json:"key_points,omitempty"`
	WhyItMatters      string     `json:"why_it_matters,omitempty"`
	WhatItMeansForYou string     `json:"what_it_means_for_you,omitempty"`
	Version           int        `json:"version,omitempty"`
	ApprovedAt        *time.Time `json:"approved_at,omitempty"`
	Label             string     `json:"label,omitempty"`
}

// disclosureLabel matches the portal's label (web.DisclosureLabel).
const disclosureLabel = "AI-assisted, editor-approved"

func bodyOf(ev store.WebhookEvent) ([]byte, error) {
	s := ev.Summary
	b := Body{Event: ev.Event, EventID: ev.ID, OccurredAt: ev.At.UTC(), Article: Article{ID: ev.ArticleID, URL: s.URL}}
	if ev.Event == store.EventApproved {
		at := s.ApprovedAt.UTC()
		kp := s.KeyPoints
		if kp == nil {
			kp = []string{}
		}
		b.Article = Article{ID: ev.ArticleID, URL: s.URL, Title: s.Title, SiteName: s.SiteName, Byline: s.Byline,
			PublishedAt: s.PublishedAt, KeyPoints: kp, WhyItMatters: s.WhyItMatters,
			WhatItMeansForYou: s.WhatItMeansForYou, Version: s.Version, ApprovedAt: &at, Label: disclosureLabel}
	}
	return json.Marshal(b)
}

// ConfigFromEnv reads NEWSDESK_WEBHOOK_URLS (comma-separated) and NEWSDESK_WEBHOOK_SECRET.
func ConfigFromEnv(getenv func(string) string) Config {
	var c Config
	for _, u := range strings.Split(getenv("NEWSDESK_WEBHOOK_URLS"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.URLs = append(c.URLs, u)
		}
	}
	c.Secret = getenv("NEWSDESK_WEBHOOK_SECRET")
	c.AllowLoopback = strings.EqualFold(getenv("NEWSDESK_WEBHOOK_ALLOW_LOOPBACK"), "true")
	return c
}
