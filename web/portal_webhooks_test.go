package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/testenv"
	"newsdesk/webhooks"
)

func TestWebhookAdminAPI(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(false)
	adminToken, _, err := env.db.CreateToken(t.Context(), "root", auth.Admin)
	if err != nil {
		t.Fatal(err)
	}
	call := func(token, method, path, body string) ptResponse {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, hs.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		return ptDo(t, req)
	}

	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"no token is 401", "", http.StatusUnauthorized},
		{"a reviewer is 403", env.reviewer, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []ptResponse{
				call(tt.token, "GET", "/api/v1/webhooks", ""),
				call(tt.token, "POST", "/api/v1/webhooks", `{"url":"https://portal.example/hook"}`),
				call(tt.token, "DELETE", "/api/v1/webhooks/1", ""),
				call(tt.token, "GET", "/api/v1/webhooks/deliveries", ""),
			} {
				if r.status != tt.want {
					t.Errorf("status = %d, want %d: %s", r.status, tt.want, r.body)
				}
			}
		})
	}

	for _, body := range []string{`{"url":"ftp://portal.example/hook"}`, `{"url":"/relative"}`, `{"url":"https://p.example/h","secret":"short"}`, `{"nope":1}`,
		`{"url":"https://p.example/h","secret":"0123456789abcdef\u0000"}`, `{"url":"https://p.example/h\u0000"}`} {
		if r := call(adminToken, "POST", "/api/v1/webhooks", body); r.status != http.StatusBadRequest {
			t.Errorf("POST %s = %d, want 400", body, r.status)
		}
	}
	r := call(adminToken, "POST", "/api/v1/webhooks", `{"url":"https://portal.example/hook"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create = %d: %s", r.status, r.body)
	}
	var created webhookJSON
	json.Unmarshal([]byte(r.body), &created)
	if created.ID == 0 || len(created.Secret) < 16 || created.URL != "https://portal.example/hook" {
		t.Errorf("created = %s", r.body)
	}
	r = call(adminToken, "GET", "/api/v1/webhooks", "")
	if r.status != http.StatusOK || !strings.Contains(r.body, "https://portal.example/hook") || strings.Contains(r.body, created.Secret) {
		t.Errorf("list = %d %s (must not show the secret)", r.status, r.body)
	}

	// Approving makes a delivery row (the trigger's event, expanded by a dispatcher); without a
	// dispatcher running, the list is empty but answers.
	r = call(adminToken, "GET", "/api/v1/webhooks/deliveries", "")
	if r.status != http.StatusOK || !strings.Contains(r.body, `"deliveries":[]`) {
		t.Errorf("deliveries = %d %s", r.status, r.body)
	}

	if r := call(adminToken, "DELETE", "/api/v1/webhooks/"+jsonNumber(created.ID), ""); r.status != http.StatusNoContent {
		t.Errorf("delete = %d %s", r.status, r.body)
	}
	if r := call(adminToken, "DELETE", "/api/v1/webhooks/"+jsonNumber(created.ID), ""); r.status != http.StatusNotFound {
		t.Errorf("delete again = %d, want 404", r.status)
	}
}

func TestWebhookDeliveriesAreListedWithTheirResult(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(false)
	adminToken, _, err := env.db.CreateToken(t.Context(), "root", auth.Admin)
	if err != nil {
		t.Fatal(err)
	}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(target.Close)
	if _, err := env.db.CreateWebhook(t.Context(), target.URL, "0123456789abcdef", "root (admin)"); err != nil {
		t.Fatal(err)
	}
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	d, err := webhooks.New(t.Context(), env.db, js, webhooks.Config{Stream: stream, Subject: prefix + ".deliver", Poll: 50 * time.Millisecond, AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	id := env.published("https://news.example/hooked", "HOOK")
	var got struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	testenv.Eventually(t, 10*time.Second, "the delivery is listed as delivered", func() bool {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", hs.URL+"/api/v1/webhooks/deliveries", nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		r := ptDo(t, req)
		got.Deliveries = nil
		json.Unmarshal([]byte(r.body), &got)
		return len(got.Deliveries) == 1 && got.Deliveries[0].Status == "delivered"
	})
	dl := got.Deliveries[0]
	if dl.ArticleID != id || dl.Event != "article.approved" || dl.Attempts != 1 || dl.LastStatus == nil || *dl.LastStatus != http.StatusAccepted ||
		dl.URL != target.URL || dl.Source != "admin" || dl.DeliveredAt == nil {
		t.Errorf("delivery = %+v", dl)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
