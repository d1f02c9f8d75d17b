package web

// Rate limits, secrets at rest and in logs, security headers, and request limits.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/ratelimit"
	"newsdesk/testenv"
	"newsdesk/workers"
)

func TestSubmitIsRateLimitedPerToken(t *testing.T) {
	t.Setenv(SubmitRateEnv, "3/m")
	f := newSecFixture(t, Config{})
	editor, reviewer := f.caller("the editor"), f.caller("the reviewer")
	submit := func(c *secCaller) *httptest.ResponseRecorder {
		return f.api(t, c, http.MethodPost, "/api/v1/articles", `{"url":"https://news.example/`+testenv.RandomName("rl-")+`"}`)
	}
	for i := range 3 {
		if w := submit(editor); w.Code != http.StatusAccepted {
			t.Fatalf("submit %d within the limit = %d %s", i+1, w.Code, w.Body.String())
		}
	}
	w := submit(editor)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("4th submit in a minute with a 3/m limit = %d, want 429", w.Code)
	}
	ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After = %q, want whole seconds in 1..60", w.Header().Get("Retry-After"))
	}
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || !strings.Contains(body["error"], "too many requests") {
		t.Errorf("429 body = %s, want a JSON error saying too many requests", w.Body.String())
	}
	// The limit is per token: another token is unaffected.
	if w := submit(reviewer); w.Code != http.StatusAccepted {
		t.Errorf("another token's submit = %d, want 202", w.Code)
	}
	// Unauthenticated floods are refused before the limiter and do not use up its buckets.
	for range 10 {
		if w := submit(f.caller("a made-up token")); w.Code != http.StatusUnauthorized {
			t.Fatalf("made-up token submit = %d, want 401", w.Code)
		}
	}
	// Reads are not limited.
	for range 10 {
		if w := f.api(t, editor, http.MethodGet, "/api/v1/articles", ""); w.Code != 200 {
			t.Fatalf("list while rate limited = %d, want 200", w.Code)
		}
	}
	if !strings.Contains(f.logs.String(), "rate limited") {
		t.Error("a refused request was not logged")
	}
}

func TestSubmitRateLimitCanBeSwitchedOff(t *testing.T) {
	t.Setenv(SubmitRateEnv, "off")
	f := newSecFixture(t, Config{})
	for i := range 25 {
		w := f.api(t, f.caller("the editor"), http.MethodPost, "/api/v1/articles", `{"url":"https://news.example/`+testenv.RandomName("rl-")+`"}`)
		if w.Code != http.StatusAccepted {
			t.Fatalf("submit %d with the limit off = %d", i+1, w.Code)
		}
	}
}

func TestMalformedSubmitRateFallsBackToTheDefault(t *testing.T) {
	t.Setenv(SubmitRateEnv, "lots")
	f := newSecFixture(t, Config{})
	if !strings.Contains(f.logs.String(), SubmitRateEnv) {
		t.Errorf("a malformed %s was not logged; logs: %s", SubmitRateEnv, f.logs.String())
	}
	if got := f.srv.rateFromEnv(SubmitRateEnv, DefaultSubmitRate); got != DefaultSubmitRate {
		t.Errorf("rate = %v, want the default %v", got, DefaultSubmitRate)
	}
}

// fakeClock is moved by tests instead of sleeping.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestSignInLimiterCountsPOSTsPerAddress(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)}
	s := &Server{log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	lim := ratelimit.New(ratelimit.Rate{Events: 5, Per: time.Minute}, clock.now)
	reached := 0
	h := s.limitPerClient(lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	do := func(method, addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/ui/signin", strings.NewReader("token=guess"))
		r.RemoteAddr = addr
		// A forged forwarding header must not buy a fresh bucket.
		r.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", reached))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 5 {
		if w := do(http.MethodPost, "203.0.113.5:4000"); w.Code != 200 {
			t.Fatalf("attempt %d = %d, want it through", i+1, w.Code)
		}
	}
	w := do(http.MethodPost, "203.0.113.5:4001")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "12" {
		t.Errorf("6th attempt from the same address (new port) = %d, Retry-After %q; want 429 and 12 s",
			w.Code, w.Header().Get("Retry-After"))
	}
	if w := do(http.MethodGet, "203.0.113.5:4002"); w.Code != 200 {
		t.Errorf("showing the form while limited = %d, want 200", w.Code)
	}
	if w := do(http.MethodPost, "192.0.2.44:4000"); w.Code != 200 {
		t.Errorf("another address = %d, want 200", w.Code)
	}
	// IPv6: one /64 is one client.
	for i := range 5 {
		do(http.MethodPost, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
	}
	if w := do(http.MethodPost, "[2001:db8:1:2:ffff::1]:443"); w.Code != http.StatusTooManyRequests {
		t.Errorf("6th attempt from the same IPv6 /64 = %d, want 429", w.Code)
	}
	if w := do(http.MethodPost, "[::ffff:203.0.113.5]:4000"); w.Code != http.StatusTooManyRequests {
		t.Errorf("the limited IPv4 address written as IPv4-mapped IPv6 = %d, want 429", w.Code)
	}
	clock.t = clock.t.Add(12 * time.Second)
	if w := do(http.MethodPost, "203.0.113.5:4000"); w.Code != 200 {
		t.Errorf("after Retry-After has passed = %d, want 200", w.Code)
	}
}

func TestClientKey(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"203.0.113.5:1234", "ip4:203.0.113.5"},
		{"[::ffff:203.0.113.5]:1234", "ip4:203.0.113.5"},
		{"[2001:db8:1:2:3:4:5:6]:80", "ip6:2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "ip6:fe80::/64"},
		{"@", "addr:@"},
	} {
		if got := clientKey(tt.addr); got != tt.want {
			t.Errorf("clientKey(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestTokensAndSessionsAreStoredOnlyAsHashes(t *testing.T) {
	f := newSecFixture(t, Config{})
	w := f.api(t, f.caller("the admin"), http.MethodPost, "/api/v1/tokens", `{"name":"hash check","role":"editor"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create token = %d %s", w.Code, w.Body.String())
	}
	var created struct {
		Token string `json:"token"`
		Info  struct {
			ID int64 `json:"id"`
		} `json:"info"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || !strings.HasPrefix(created.Token, auth.TokenPrefix) {
		t.Fatalf("create token answer %s: %v", w.Body.String(), err)
	}
	// The new token signs in to the review desk, which makes a session.
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/signin",
		strings.NewReader(url.Values{"token": {created.Token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = f.serve(r)
	var sessionID string
	for _, c := range w.Result().Cookies() {
		if c.Name == cookiePlain && c.Value != "" {
			sessionID = c.Value
		}
	}
	if w.Code != http.StatusSeeOther || sessionID == "" {
		t.Fatalf("sign-in = %d, cookie %q; want 303 and a session cookie", w.Code, sessionID)
	}

	ctx := t.Context()
	pool := f.db.Pool()
	var hash []byte
	if err := pool.QueryRow(ctx, `SELECT hash FROM tokens WHERE id = $1`, created.Info.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256([]byte(created.Token)); !bytes.Equal(hash, want[:]) {
		t.Errorf("tokens.hash = %x, want sha256(secret) = %x", hash, want)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE hash = $1`, sessionHashForTest(sessionID)).Scan(&n); err != nil || n != 1 {
		t.Errorf("sessions with hash sha256(cookie) = %d (%v), want 1", n, err)
	}

	// No column of any table holds a secret, in any encoding the database might use.
	secrets := map[string]string{"token": created.Token, "token without prefix": strings.TrimPrefix(created.Token, auth.TokenPrefix),
		"session id": sessionID}
	for _, c := range f.callers {
		if c.role != "" {
			secrets["token of "+c.name] = c.token
			secrets["session of "+c.name] = c.session
		}
	}
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if rows.Err() != nil || len(tables) < 4 {
		t.Fatalf("tables: %v %v", tables, rows.Err())
	}
	for _, table := range tables {
		var dump string
		if err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(to_jsonb(t)::text, E'\n'), '') FROM `+table+` t`).Scan(&dump); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for what, s := range secrets {
			if strings.Contains(dump, s) {
				t.Errorf("table %s holds the %s in clear", table, what)
			}
		}
	}
}

func sessionHashForTest(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	f := newSecFixture(t, Config{})
	a := f.article(t, "approved")
	editor := f.caller("the editor")
	for _, tt := range []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"an API answer", func() *http.Request { return secAuthed(t, editor, "/api/v1/articles/"+a.ID) }, 200},
		{"an API 401", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/api/v1/articles", nil) }, 401},
		{"an API 404", func() *http.Request {
			return secAuthed(t, editor, "/api/v1/articles/00000000-0000-0000-0000-000000000000")
		}, 404},
		{"a public summary", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/api/v1/published/"+a.ID, nil) }, 200},
		{"the RSS feed", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/feed.xml", nil) }, 200},
		{"the sign-in page", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/ui/signin", nil) }, 200},
		{"a review-desk page", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/ui/articles/"+a.ID, nil)
			r.AddCookie(&http.Cookie{Name: cookiePlain, Value: editor.session})
			return r
		}, 200},
		{"a static file", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/static/"+secStaticFile(t), nil) }, 200},
		{"an unknown path", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/wp-admin/", nil) }, 404},
		{"health", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/healthz", nil) }, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.serve(tt.req())
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			h := w.Header()
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := h.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" && got != "strict-origin-when-cross-origin" {
				t.Errorf("Referrer-Policy = %q, want same-origin or stricter", got)
			}
			csp := secCSP(h.Get("Content-Security-Policy"))
			if csp["frame-ancestors"] != "'none'" && h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("page may be framed: CSP frame-ancestors %q, X-Frame-Options %q", csp["frame-ancestors"], h.Get("X-Frame-Options"))
			}
			if csp["default-src"] == "" {
				t.Errorf("CSP %q has no default-src", h.Get("Content-Security-Policy"))
			}
			for _, dir := range []string{"script-src", "default-src", "style-src"} {
				if v := csp[dir]; strings.Contains(v, "unsafe-inline") || strings.Contains(v, "unsafe-eval") || strings.Contains(v, "*") {
					t.Errorf("CSP %s = %q allows inline or any-origin code", dir, v)
				}
			}
			if csp["base-uri"] == "" || csp["form-action"] == "" {
				t.Errorf("CSP %q lacks base-uri or form-action", h.Get("Content-Security-Policy"))
			}
			if ct := h.Get("Content-Type"); ct == "" {
				t.Error("no Content-Type: nosniff needs one")
			}
		})
	}
}

func secAuthed(t *testing.T, c *secCaller, path string) *http.Request {
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
	r.Header.Set("Authorization", "Bearer "+c.token)
	return r
}

// secCSP splits a Content-Security-Policy into its directives.
func secCSP(v string) map[string]string {
	out := map[string]string{}
	for d := range strings.SplitSeq(v, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name != "" {
			out[name] = strings.TrimSpace(val)
		}
	}
	return out
}

func TestRequestBodyLimitsAndMalformedJSON(t *testing.T) {
	f := newSecFixture(t, Config{})
	editor, reviewer := f.caller("the editor"), f.caller("the reviewer")
	a := f.article(t, "draft")
	big := func(n int) string { return `{"why_it_matters":"` + strings.Repeat("a", n) + `"}` }
	for _, tt := range []struct {
		name, method, path, body string
		c                        *secCaller
		want                     int
	}{
		{"a draft edit over 1 MiB", http.MethodPut, "/api/v1/articles/" + a.ID + "/draft", big(1 << 20), editor, 413},
		{"a submit over 16 MiB", http.MethodPost, "/api/v1/articles", `{"text":"` + strings.Repeat("a", 16<<20) + `"}`, editor, 413},
		{"an approval over 1 MiB", http.MethodPost, "/api/v1/articles/" + a.ID + "/approve", `{"version":1` + strings.Repeat(" ", 1<<20) + `}`, reviewer, 413},
		{"truncated JSON", http.MethodPut, "/api/v1/articles/" + a.ID + "/draft", `{"key_points":["a"`, editor, 400},
		{"not JSON at all", http.MethodPost, "/api/v1/articles", `url=https://example.com`, editor, 400},
		{"an unknown field", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/x","role":"admin"}`, editor, 400},
		{"two objects", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/a"}{"url":"https://example.com/b"}`, editor, 400},
		{"a wrong type", http.MethodPost, "/api/v1/articles/" + a.ID + "/approve", `{"version":"1; DROP TABLE articles"}`, reviewer, 400},
		{"a JSON array", http.MethodPost, "/api/v1/articles", `[{"url":"https://example.com/a"}]`, editor, 400},
		{"an empty body", http.MethodPost, "/api/v1/articles", ``, editor, 400},
		{"a huge batch", http.MethodPost, "/api/v1/articles", `{"urls":[` + strings.Repeat(`"https://example.com/x",`, 10_001) + `"https://example.com/y"]}`, editor, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.api(t, tt.c, tt.method, tt.path, tt.body)
			if w.Code != tt.want {
				t.Errorf("%s %s = %d, want %d; body %.200s", tt.method, tt.path, w.Code, tt.want, w.Body.String())
			}
			if w.Code >= 500 {
				t.Errorf("a hostile body caused a server error")
			}
		})
	}
	if d, err := f.db.GetDraft(t.Context(), a.ID, 2); err == nil {
		t.Errorf("a refused edit was stored as v2: %+v", d.Summary)
	}
}

func TestHTTPServerHasTimeoutsAndHeaderLimit(t *testing.T) {
	f := newSecFixture(t, Config{})
	hs := f.srv.HTTPServer("127.0.0.1:0")
	if hs.ReadHeaderTimeout <= 0 || hs.ReadHeaderTimeout > 30*time.Second {
		t.Errorf("ReadHeaderTimeout = %v, want set and short (slow-header clients)", hs.ReadHeaderTimeout)
	}
	if hs.ReadTimeout <= 0 || hs.ReadTimeout > 5*time.Minute {
		t.Errorf("ReadTimeout = %v, want set (slow-body clients)", hs.ReadTimeout)
	}
	if hs.IdleTimeout <= 0 {
		t.Errorf("IdleTimeout = %v, want set", hs.IdleTimeout)
	}
	if hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want set and at most 1 MiB", hs.MaxHeaderBytes)
	}
	// A real listener: a header block over the limit is refused (431), not buffered.
	ts := httptest.NewUnstartedServer(hs.Handler)
	ts.Config.MaxHeaderBytes = hs.MaxHeaderBytes
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", hs.MaxHeaderBytes+8<<10))
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized headers = %d, want 431", resp.StatusCode)
	}
}

// Postgres text cannot hold NUL; a body carrying one must be a 400, not a failed INSERT (500).
func TestNULBytesInBodiesAreRefusedNotServerErrors(t *testing.T) {
	f := newSecFixture(t, Config{})
	editor := f.caller("the editor")
	a := f.article(t, "draft")
	for _, tt := range []struct{ name, method, path, body string }{
		{"in a draft key point", http.MethodPut, "/api/v1/articles/" + a.ID + "/draft",
			`{"key_points":["One point here.","Two points here.","Three \u0000 points."],"why_it_matters":"Why.","what_it_means_for_you":"What.","base_version":1}`},
		{"in a draft paragraph", http.MethodPut, "/api/v1/articles/" + a.ID + "/draft",
			`{"key_points":["One point here.","Two points here.","Three points."],"why_it_matters":"Why\u0000.","what_it_means_for_you":"What.","base_version":1}`},
		{"in a submitted URL", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/\u0000"}`},
		{"in pasted text", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/nul","text":"a\u0000b"}`},
		{"in pasted HTML", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/nul2","html":"<p>a\u0000b</p>"}`},
		{"in a pasted title", http.MethodPost, "/api/v1/articles", `{"url":"https://example.com/nul3","text":"ab","title":"t\u0000"}`},
		{"in a reject reason", http.MethodPost, "/api/v1/articles/" + a.ID + "/reject", `{"reason":"no\u0000"}`},
		{"in a token name", http.MethodPost, "/api/v1/tokens", `{"name":"n\u0000","role":"editor"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := editor
			switch {
			case strings.HasSuffix(tt.path, "/reject"):
				c = f.caller("the reviewer")
			case strings.HasSuffix(tt.path, "/tokens"):
				c = f.caller("the admin")
			}
			w := f.api(t, c, tt.method, tt.path, tt.body)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s %s = %d, want 400; body %.200s", tt.method, tt.path, w.Code, w.Body.String())
			}
		})
	}
}

// TestNoSecretReachesTheLogs runs the whole pipeline (submit over the API, extract, summarise
// with an OpenAI-compatible fake, sign-in, failed sign-ins, provider errors that echo the API
// key) with every log line captured, then looks for any secret in them.
func TestNoSecretReachesTheLogs(t *testing.T) {
	f := newSecFixture(t, Config{})
	apiKey := "sk-proj-" + testenv.RandomName("") + "Zq9SECRETKEYMATERIALxY"
	var mu sync.Mutex
	failedOnce := map[string]bool{}
	fake := llmtest.NewServer(t, func(w http.ResponseWriter, c *llmtest.Call) {
		key := strings.TrimPrefix(c.Header.Get("Authorization"), "Bearer ")
		user := c.User()
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.Contains(user, "Keyecho401"):
			// As OpenAI does (it masks the middle; some compatible proxies echo it whole).
			llmtest.WriteError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
				"Incorrect API key provided: "+key+". You can find your API key at https://platform.openai.com/account/api-keys.")
		case strings.Contains(user, "Keyecho500") && !failedOnce["500"]:
			failedOnce["500"] = true
			llmtest.WriteError(w, http.StatusInternalServerError, "server_error", "", "upstream rejected credential "+key)
		case strings.Contains(user, "Keyecho502") && !failedOnce["502"]:
			failedOnce["502"] = true
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><body><h1>502 Bad Gateway</h1><p>request with key %s refused</p></body></html>", key)
		default:
			llmtest.OK(llmtest.Sample())(w, c)
		}
	})
	writer, err := llm.NewOpenAI(llm.Config{BaseURL: fake.URL, APIKey: apiKey, Model: "gpt-test", NoRetries: true,
		RetryBaseDelay: time.Millisecond, Logger: f.log})
	if err != nil {
		t.Fatal(err)
	}
	wk := workers.New(f.db, f.q, workers.Config{Writer: writer, Logger: f.log, DrainTimeout: 2 * time.Second,
		Concurrency: map[queue.Stage]int{queue.Extract: 2, queue.Summarise: 2}})
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() { defer close(done); wk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	editor := f.caller("the editor")
	submit := func(marker string) string {
		body, _ := json.Marshal(map[string]string{"url": "https://news.example/" + testenv.RandomName("logs-"),
			"title": "Council approves road repairs", "text": secGroundText + "\n\nFiled under " + marker + "."})
		w := f.api(t, editor, http.MethodPost, "/api/v1/articles", string(body))
		if w.Code != http.StatusAccepted {
			t.Fatalf("submit = %d %s", w.Code, w.Body.String())
		}
		var out struct{ ID string }
		json.Unmarshal(w.Body.Bytes(), &out)
		return out.ID
	}
	ok, e401, e500, e502 := submit("Plainstory"), submit("Keyecho401"), submit("Keyecho500"), submit("Keyecho502")

	// Noise around the pipeline: sign-ins right and wrong, refused API calls.
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/signin", strings.NewReader(url.Values{"token": {editor.token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := f.serve(r)
	var sessionID string
	for _, c := range w.Result().Cookies() {
		if c.Name == cookiePlain {
			sessionID = c.Value
		}
	}
	if sessionID == "" {
		t.Fatalf("sign-in gave no session (status %d)", w.Code)
	}
	mistyped := editor.token[:len(editor.token)-1] + "X"
	r = httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/signin", strings.NewReader(url.Values{"token": {mistyped}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f.serve(r)
	f.api(t, &secCaller{token: mistyped}, http.MethodGet, "/api/v1/articles", "")
	f.api(t, f.caller("a revoked admin token"), http.MethodGet, "/api/v1/tokens", "")
	f.api(t, editor, http.MethodGet, "/api/v1/tokens", "")

	status := func(id string) string { return f.get(t, id).Status }
	testenv.Eventually(t, 60*time.Second, "every article reaches draft or failed", func() bool {
		return status(ok) == "draft" && status(e401) == "failed" && status(e500) == "draft" && status(e502) == "draft"
	})
	cancel()
	<-done

	logs := f.logs.String()
	if !strings.Contains(logs, "draft saved") || !strings.Contains(logs, "job will be retried") || !strings.Contains(logs, "signed in") {
		t.Fatalf("the logs miss the pipeline's own lines, so the check below proves nothing:\n%s", logs)
	}
	if n := fake.Requests(); n < 6 {
		t.Fatalf("the fake provider saw %d requests, want at least 6", n)
	}
	if got := fake.Calls()[0].Header.Get("Authorization"); got != "Bearer "+apiKey {
		t.Fatalf("the provider got Authorization %q; the key was not in play", got)
	}
	secrets := map[string]string{
		"the API key":                 apiKey,
		"the API key's secret part":   strings.TrimPrefix(apiKey, "sk-proj-"),
		"the session id":              sessionID,
		"a mistyped token":            mistyped,
		"an Authorization header":     "Authorization",
		"a bearer credential":         "Bearer ",
		"the key's distinctive infix": "SECRETKEYMATERIAL",
	}
	for _, c := range f.callers {
		if c.token != "" {
			secrets["the token of "+c.name] = c.token
			secrets["the token (after its prefix) of "+c.name] = strings.TrimPrefix(c.token, auth.TokenPrefix)
		}
		if len(c.session) > 20 {
			secrets["the session of "+c.name] = c.session
		}
	}
	for what, s := range secrets {
		if i := strings.Index(logs, s); i >= 0 {
			t.Errorf("the logs hold %s: …%s…", what, logs[max(0, i-120):min(len(logs), i+len(s)+40)])
		}
	}
	// Editors see the failure reason; it must not carry the key either.
	view := f.api(t, editor, http.MethodGet, "/api/v1/articles/"+e401, "").Body.String()
	if !strings.Contains(view, "Incorrect API key") {
		t.Errorf("the failed article does not say why: %.400s", view)
	}
	for what, s := range secrets {
		if strings.Contains(view, s) && what != "an Authorization header" {
			t.Errorf("the failed article's JSON holds %s: %.400s", what, view)
		}
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	// Many sign-ins from one address: the sign-in rate limit is not what this tests.
	t.Setenv(SignInRateEnv, "off")
	f := newSecFixture(t, Config{PublicURL: "https://newsdesk.example"})
	editor := f.caller("the editor")
	base, _ := url.Parse("https://newsdesk.example/ui/signin")
	for _, next := range []string{
		"https://evil.example/", "//evil.example/x", "/\\evil.example", "/ui/\\evil.example", "\\\\evil.example",
		"/ui/..//evil.example", "/ui/%2F%2Fevil.example", "javascript:alert(1)", "/ui/\r\nSet-Cookie: x=1",
		"/ui/queue\nLocation: https://evil.example", " //evil.example", "/ui/signout", "https:evil.example", "/%09/evil.example",
	} {
		t.Run(fmt.Sprintf("next=%q", next), func(t *testing.T) {
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/signin",
				strings.NewReader(url.Values{"token": {editor.token}, "next": {next}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := f.serve(r)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("sign-in = %d", w.Code)
			}
			loc := w.Header().Get("Location")
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("Location %q does not parse: %v", loc, err)
			}
			if got := base.ResolveReference(u); got.Host != "newsdesk.example" || got.Scheme != "https" || strings.HasPrefix(got.Path, "//") {
				t.Errorf("next=%q redirects to %q (resolves to %s), off the review desk", next, loc, got)
			}
			if strings.ContainsAny(loc, "\r\n") || len(w.Header().Values("Set-Cookie")) != 1 {
				t.Errorf("next=%q split the response headers: %q", next, w.Header())
			}
		})
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		name, publicURL, cookie string
		secure                  bool
	}{
		{"behind TLS", "https://newsdesk.example", cookieSecure, true},
		{"over plain HTTP", "http://127.0.0.1:8080", cookiePlain, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newSecFixture(t, Config{PublicURL: tt.publicURL})
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/signin",
				strings.NewReader(url.Values{"token": {f.caller("the editor").token}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := f.serve(r)
			cs := w.Result().Cookies()
			if len(cs) != 1 {
				t.Fatalf("sign-in set %d cookies, want 1", len(cs))
			}
			c := cs[0]
			if c.Name != tt.cookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != tt.secure {
				t.Errorf("cookie %s: HttpOnly %v SameSite %v Path %q Domain %q Secure %v; want %s, HttpOnly, Lax, /, no domain, Secure %v",
					c.Name, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.Secure, tt.cookie, tt.secure)
			}
			if len(c.Value) < 40 {
				t.Errorf("session id %q is short (want 256 random bits)", c.Value)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("sign-in answer Cache-Control = %q, want no-store", cc)
			}
		})
	}
}

func TestReviewDeskFormsRefuseCrossSiteAndMissingCSRF(t *testing.T) {
	f := newSecFixture(t, Config{})
	rv := f.caller("the reviewer")
	for _, tt := range []struct {
		name    string
		csrf    string
		headers map[string]string
	}{
		{"no CSRF token", "", nil},
		{"another session's CSRF token", f.caller("the admin").csrf, nil},
		{"a cross-site browser request", rv.csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"a foreign Origin", rv.csrf, map[string]string{"Origin": "https://evil.example"}},
		{"a same-site but other-origin request", rv.csrf, map[string]string{"Sec-Fetch-Site": "same-site"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := f.article(t, "draft")
			before := f.snap(t, a.ID)
			form := url.Values{"version": {"1"}, "confirm": {"yes"}}
			if tt.csrf != "" {
				form.Set("csrf", tt.csrf)
			}
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/articles/"+a.ID+"/approve", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(&http.Cookie{Name: cookiePlain, Value: rv.session})
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := f.serve(r)
			if w.Code != http.StatusForbidden {
				t.Errorf("approve with %s = %d, want 403", tt.name, w.Code)
			}
			if after := f.snap(t, a.ID); after != before {
				t.Errorf("refused approve changed the article: %+v → %+v", before, after)
			}
		})
	}
	// The control: the same request done right is accepted.
	a := f.article(t, "draft")
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/ui/articles/"+a.ID+"/approve",
		strings.NewReader(url.Values{"version": {"1"}, "confirm": {"yes"}, "csrf": {rv.csrf}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(&http.Cookie{Name: cookiePlain, Value: rv.session})
	if w := f.serve(r); w.Code >= 400 {
		t.Fatalf("a proper approve = %d", w.Code)
	}
	if got := f.get(t, a.ID); got.ApprovedVersion == nil {
		t.Error("a proper approve did not approve; the refusals above prove nothing")
	}
}

func TestMetricsNeedAdminExceptFromThisMachine(t *testing.T) {
	f := newSecFixture(t, Config{})
	for _, tt := range []struct {
		name, remote, xff string
		c                 *secCaller
		want              int
	}{
		{"a local scraper", "127.0.0.1:50000", "", nil, 200},
		{"a local IPv6 scraper", "[::1]:50000", "", nil, 200},
		{"a request relayed by a local proxy", "127.0.0.1:50000", "203.0.113.9", nil, 401},
		{"a remote caller without a token", "203.0.113.9:50000", "", nil, 401},
		{"a remote editor", "203.0.113.9:50000", "", f.caller("the editor"), 403},
		{"a remote caller claiming to be local", "203.0.113.9:50000", "127.0.0.1", nil, 401},
		{"a remote admin", "203.0.113.9:50000", "", f.caller("the admin"), 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.c != nil {
				r.Header.Set("Authorization", "Bearer "+tt.c.token)
			}
			w := f.serve(r)
			if w.Code != tt.want {
				t.Errorf("GET /metrics = %d, want %d", w.Code, tt.want)
			}
			if (w.Code == 200) != strings.Contains(w.Body.String(), secMetricsBody) {
				t.Errorf("status %d with body %q", w.Code, w.Body.String())
			}
		})
	}
}
