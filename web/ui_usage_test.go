package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"newsdesk/auth"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/testenv"
)

func TestUsageShowsCostPerDayAndTheBudget(t *testing.T) {
	db := store.New(testenv.Pool(t))
	ctx := t.Context()
	a, _, err := db.Submit(ctx, store.Submission{URL: "https://news.example/u", URLKey: "https://news.example/u", Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.StartExtract(ctx, a.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveExtract(ctx, a.ID, 1, store.Extracted{Title: "T", Text: "Some text."}); err != nil {
		t.Fatal(err)
	}
	d := store.Draft{ArticleID: a.ID, Author: "llm", Model: "gpt-4o-mini", PromptTokens: 1500, CompletionTokens: 300, CostUSD: 0.0004,
		Summary: summary.Summary{KeyPoints: []string{"One.", "Two.", "Three."}, WhyItMatters: "W.", WhatItMeansForYou: "Y."}}
	if _, ok, err := db.SaveGenerated(ctx, 1, d); err != nil || !ok {
		t.Fatalf("save generated: %v %v", ok, err)
	}
	secret, _, err := db.CreateToken(ctx, "ed", auth.Editor)
	if err != nil {
		t.Fatal(err)
	}
	s := New(db, nil, Config{DailyBudget: 0.0001})
	id, _, err := db.CreateSession(ctx, mustAuth(t, db, secret).TokenID, sessionIdle, sessionLifetime)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/ui/usage", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: id})
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	for _, want := range []string{"1 generation,", "1500 prompt and 300 completion tokens", "Daily budget reached"} {
		if !strings.Contains(body, want) {
			t.Errorf("usage page lacks %q", want)
		}
	}
}

func mustAuth(t *testing.T, db *store.DB, secret string) auth.Principal {
	t.Helper()
	p, err := db.Authenticate(t.Context(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
