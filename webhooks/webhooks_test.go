package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/testenv"
	"newsdesk/urlnorm"
	"newsdesk/webhooks"
)

// receiver is a webhook target that records what it got and answers with the next status of
// a script (the last one repeats).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	got    []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), b})
		status := r.script[min(len(r.got), len(r.script))-1]
		r.mu.Unlock()
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
		}
		w.WriteHeader(status)
		io.WriteString(w, "answer from the receiver")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// setup returns a store and a running dispatcher with fast retries on its own stream.
func setup(t *testing.T, cfg webhooks.Config) *store.DB {
	db, _ := setupStream(t, cfg)
	return db
}

func setupStream(t *testing.T, cfg webhooks.Config) (*store.DB, jetstream.Stream) {
	t.Helper()
	db := store.New(testenv.Pool(t))
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	cfg.Stream, cfg.Subject = stream, prefix+".deliver"
	cfg.Poll = 50 * time.Millisecond
	cfg.AllowLoopback = true // the receivers are httptest servers on 127.0.0.1
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := webhooks.New(t.Context(), db, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	st, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return db, st
}

// approved makes an article with an approved v1 and returns its id.
func approved(t *testing.T, db *store.DB, rawURL string) string {
	t.Helper()
	ctx := t.Context()
	key, _ := urlnorm.Normalize(rawURL)
	a, _, err := db.Submit(ctx, store.Submission{URL: rawURL, URLKey: key, Actor: "test", SourceText: "SOURCE TEXT"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.StartExtract(ctx, a.ID, a.Attempt); err != nil || !ok {
		t.Fatalf("StartExtract: %v %v", ok, err)
	}
	if ok, err := db.SaveExtract(ctx, a.ID, a.Attempt, store.Extracted{Title: "Council budget", Text: "SOURCE TEXT", WordCount: 2}); err != nil || !ok {
		t.Fatalf("SaveExtract: %v %v", ok, err)
	}
	d := store.Draft{ArticleID: a.ID, Author: "llm", Summary: summary.Summary{
		KeyPoints: []string{"One.", "Two.", "Three."}, WhyItMatters: "Why.", WhatItMeansForYou: "What."}}
	if _, ok, err := db.SaveGenerated(ctx, a.Attempt, d); err != nil || !ok {
		t.Fatalf("SaveGenerated: %v %v", ok, err)
	}
	if err := db.Approve(ctx, a.ID, 1, "rev (reviewer)"); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func deliveriesTo(t *testing.T, db *store.DB, url string) []store.Delivery {
	t.Helper()
	all, err := db.Deliveries(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Delivery
	for _, d := range all {
		if d.URL == url {
			out = append(out, d)
		}
	}
	return out
}

func TestApprovalAndWithdrawalAreDeliveredSignedWithRetries(t *testing.T) {
	admin := newReceiver(t, 500, 200) // fails once, then accepts
	env := newReceiver(t, 200)
	db := setup(t, webhooks.Config{URLs: []string{env.URL}, Secret: "env-secret",
		Backoff: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}})
	if _, err := db.CreateWebhook(t.Context(), admin.URL, "admin-secret", "root (admin)"); err != nil {
		t.Fatal(err)
	}
	id := approved(t, db, "https://news.example/budget")

	testenv.Eventually(t, 10*time.Second, "the admin target gets the approval on the second attempt", func() bool {
		return len(admin.requests()) == 2 && len(env.requests()) == 1
	})
	for _, tt := range []struct {
		name   string
		got    received
		secret string
	}{
		{"admin target", admin.requests()[1], "admin-secret"},
		{"env target", env.requests()[0], "env-secret"},
	} {
		t.Run("the "+tt.name+" gets a signed approval", func(t *testing.T) {
			sig := tt.got.header.Get(webhooks.SignatureHeader)
			if !strings.HasPrefix(sig, "sha256=") || !webhooks.Verify(tt.secret, sig, tt.got.body) {
				t.Errorf("signature %q does not verify with the target's secret", sig)
			}
			if webhooks.Verify("other", sig, tt.got.body) {
				t.Error("signature verifies with another secret")
			}
			var b webhooks.Body
			if err := json.Unmarshal(tt.got.body, &b); err != nil {
				t.Fatal(err)
			}
			if b.Event != store.EventApproved || b.Article.ID != id || b.Article.Version != 1 ||
				len(b.Article.KeyPoints) != 3 || b.Article.WhyItMatters != "Why." || b.Article.ApprovedAt == nil {
				t.Errorf("body = %s", tt.got.body)
			}
			if strings.Contains(string(tt.got.body), "SOURCE TEXT") {
				t.Errorf("body leaks the source text: %s", tt.got.body)
			}
			if tt.got.header.Get("X-Newsdesk-Event") != store.EventApproved || tt.got.header.Get("X-Newsdesk-Delivery") == "" {
				t.Errorf("headers = %v", tt.got.header)
			}
		})
	}
	// A retry sends the same bytes.
	if a := admin.requests(); string(a[0].body) != string(a[1].body) {
		t.Errorf("retry body differs:\n%s\n%s", a[0].body, a[1].body)
	}
	ds := deliveriesTo(t, db, admin.URL)
	if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 2 || ds[0].LastStatus == nil || *ds[0].LastStatus != 200 {
		t.Errorf("admin delivery = %+v", ds)
	}

	if err := db.Withdraw(t.Context(), id, "legal", "rev (reviewer)"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "both targets get the withdrawal", func() bool {
		return len(admin.requests()) == 3 && len(env.requests()) == 2
	})
	var b webhooks.Body
	json.Unmarshal(env.requests()[1].body, &b)
	if b.Event != store.EventWithdrawn || b.Article.ID != id || b.Article.WhyItMatters != "" {
		t.Errorf("withdrawal body = %s", env.requests()[1].body)
	}
}

func TestRedirectsAreNotFollowedAndDeliveriesGiveUp(t *testing.T) {
	target := newReceiver(t, http.StatusFound)
	db := setup(t, webhooks.Config{Backoff: []time.Duration{50 * time.Millisecond}})
	if _, err := db.CreateWebhook(t.Context(), target.URL, "s", "root (admin)"); err != nil {
		t.Fatal(err)
	}
	approved(t, db, "https://news.example/redirect")
	var d store.Delivery
	testenv.Eventually(t, 10*time.Second, "the delivery fails after two attempts", func() bool {
		ds := deliveriesTo(t, db, target.URL)
		if len(ds) == 1 {
			d = ds[0]
		}
		return d.Status == store.DeliveryFailed
	})
	if d.Attempts != 2 || d.LastStatus == nil || *d.LastStatus != http.StatusFound || !strings.Contains(d.LastError, "redirects are not followed") {
		t.Errorf("delivery = %+v", d)
	}
	if n := len(target.requests()); n != 2 {
		t.Errorf("target got %d requests, want 2", n)
	}
}

func TestSlowTargetsTimeOut(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	db := setup(t, webhooks.Config{Timeout: 200 * time.Millisecond, Backoff: []time.Duration{}})
	if _, err := db.CreateWebhook(t.Context(), slow.URL, "s", "root (admin)"); err != nil {
		t.Fatal(err)
	}
	approved(t, db, "https://news.example/slow")
	var d store.Delivery
	testenv.Eventually(t, 10*time.Second, "the slow delivery fails", func() bool {
		ds := deliveriesTo(t, db, slow.URL)
		if len(ds) == 1 {
			d = ds[0]
		}
		return d.Status == store.DeliveryFailed
	})
	if d.Attempts != 1 || d.LastStatus != nil || d.LastError == "" {
		t.Errorf("delivery = %+v", d)
	}
}

func TestEnvURLsNeedASecret(t *testing.T) {
	db := store.New(testenv.Pool(t))
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	_, err := webhooks.New(t.Context(), db, js, webhooks.Config{URLs: []string{"https://portal.example/hook"}, Stream: stream, Subject: prefix + ".d"})
	if err != webhooks.ErrNoSecret {
		t.Errorf("New without a secret = %v, want ErrNoSecret", err)
	}
	_, err = webhooks.New(t.Context(), db, js, webhooks.Config{URLs: []string{"ftp://x"}, Secret: "s", Stream: stream, Subject: prefix + ".d"})
	if err == nil {
		t.Error("New accepted an ftp URL")
	}
}

func TestSignIsHMACSHA256(t *testing.T) {
	// RFC 4231 test case 2.
	got := webhooks.Sign("Jefe", []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"NEWSDESK_WEBHOOK_URLS": " https://a.example/h , ,https://b.example/h", "NEWSDESK_WEBHOOK_SECRET": "s"}
	c := webhooks.ConfigFromEnv(func(k string) string { return env[k] })
	if len(c.URLs) != 2 || c.URLs[0] != "https://a.example/h" || c.URLs[1] != "https://b.example/h" || c.Secret != "s" {
		t.Errorf("ConfigFromEnv = %+v", c)
	}
}

func TestALostMessageIsPublishedAgain(t *testing.T) {
	target := newReceiver(t, 500, 200)
	db, st := setupStream(t, webhooks.Config{Backoff: []time.Duration{2 * time.Second}, StallGrace: 500 * time.Millisecond})
	if _, err := db.CreateWebhook(t.Context(), target.URL, "s", "root (admin)"); err != nil {
		t.Fatal(err)
	}
	approved(t, db, "https://news.example/lost")
	testenv.Eventually(t, 10*time.Second, "the first attempt fails", func() bool {
		ds := deliveriesTo(t, db, target.URL)
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	// The broker loses the message that waits for its retry.
	if err := st.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(t.Context()); err != nil || info.State.Msgs != 0 {
		t.Fatalf("stream after purge: %+v, %v", info, err)
	}
	testenv.Eventually(t, 10*time.Second, "the delivery is published again and succeeds", func() bool {
		ds := deliveriesTo(t, db, target.URL)
		return len(ds) == 1 && ds[0].Status == store.DeliveryDelivered && ds[0].Attempts == 2
	})
}

func TestDeliveriesNeverReachMetadataOrLoopbackByDefault(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := webhooks.ConfigFromEnv(func(string) string { return "" })
	if c.AllowLoopback {
		t.Fatal("loopback allowed by default")
	}
	client := webhooks.NewClientForTest(time.Second, false)
	for _, target := range []string{srv.URL, "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/"} {
		resp, err := client.Post(target, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s went through", target)
		} else if !strings.Contains(err.Error(), "refused") {
			t.Errorf("POST %s: %v, want a refusal", target, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback receiver was reached %d times", hits.Load())
	}
}
