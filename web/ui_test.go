package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/testenv"
	"newsdesk/urlnorm"
)

// uiFixture is a real server (real Postgres and JetStream, no workers) for UI tests.
type uiFixture struct {
	db  *store.DB
	srv *httptest.Server
}

func newUIFixture(t *testing.T) *uiFixture {
	t.Helper()
	pool := testenv.Pool(t)
	db := store.New(pool)
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := queue.Open(t.Context(), js, queue.Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	s := New(db, q, Config{Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &uiFixture{db: db, srv: srv}
}

// uiUser is a browser-like client: a cookie jar, redirects not followed so that tests see them.
type uiUser struct {
	t      *testing.T
	f      *uiFixture
	c      *http.Client
	secret string
}

func (f *uiFixture) user(t *testing.T, name string, role auth.Role) *uiUser {
	t.Helper()
	secret, _, err := f.db.CreateToken(t.Context(), name, role)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &uiUser{t: t, f: f, c: c, secret: secret}
}

func (u *uiUser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(u.t.Context(), method, u.f.srv.URL+path, body)
	if err != nil {
		u.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := u.c.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (u *uiUser) signIn() {
	u.t.Helper()
	res, body := u.do("POST", "/ui/signin", url.Values{"token": {u.secret}})
	if res.StatusCode != http.StatusSeeOther {
		u.t.Fatalf("sign in: status %d, want 303; body: %.300s", res.StatusCode, body)
	}
}

func (u *uiUser) cookie() string {
	for _, c := range u.c.Jar.Cookies(mustURL(u.t, u.f.srv.URL)) {
		if c.Name == cookiePlain {
			return c.Value
		}
	}
	return ""
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page, as a browser's form would carry it.
func (u *uiUser) csrf() string {
	u.t.Helper()
	_, body := u.do("GET", "/ui/submit", nil)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		u.t.Fatalf("no csrf token on the submit page: %.300s", body)
	}
	return m[1]
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// draftArticle takes an article through the pipeline's store steps to draft v1.
func (f *uiFixture) draftArticle(t *testing.T, rawURL, title, text string, sum summary.Summary, flags []summary.Flag) string {
	t.Helper()
	ctx := t.Context()
	key, err := urlnorm.Normalize(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := f.db.Submit(ctx, store.Submission{URL: rawURL, URLKey: key, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.db.StartExtract(ctx, a.ID, a.Attempt); err != nil || !ok {
		t.Fatalf("start extract: ok=%v err=%v", ok, err)
	}
	if ok, err := f.db.SaveExtract(ctx, a.ID, a.Attempt, store.Extracted{Title: title, Byline: "By <b>Bob</b>", SiteName: "Example <News>",
		Lang: "en", Text: text, WordCount: len(strings.Fields(text))}); err != nil || !ok {
		t.Fatalf("save extract: ok=%v err=%v", ok, err)
	}
	if _, ok, err := f.db.SaveGenerated(ctx, a.Attempt, store.Draft{ArticleID: a.ID, Summary: sum, Flags: flags, Author: "llm",
		Model: "test-model", PromptVersion: "p1", PromptTokens: 1200, CompletionTokens: 180, CostUSD: 0.0021}); err != nil || !ok {
		t.Fatalf("save generated: ok=%v err=%v", ok, err)
	}
	return a.ID
}

func sampleSummary() summary.Summary {
	return summary.Summary{
		KeyPoints: []string{
			"The council approved a new budget of 12 million pounds on Tuesday.",
			"Spending on libraries rises for the first time in a decade.",
			"Opposition members voted against the plan.",
		},
		WhyItMatters:      "The budget decides which local services survive next year.",
		WhatItMeansForYou: "Library opening hours in the borough are set to grow from April.",
	}
}

func TestSessionSignInRotationAndSignOut(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)

	t.Run("a page without a session sends the browser to sign in and back", func(t *testing.T) {
		res, _ := u.do("GET", "/ui/queue?tab=failed", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", res.StatusCode)
		}
		if loc := res.Header.Get("Location"); loc != "/ui/signin?next="+url.QueryEscape("/ui/queue?tab=failed") {
			t.Errorf("Location = %q", loc)
		}
	})

	t.Run("a wrong token is refused with a message", func(t *testing.T) {
		res, body := u.do("POST", "/ui/signin", url.Values{"token": {"nd_wrong"}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "unknown or has been revoked") {
			t.Fatalf("status %d, body %.200s", res.StatusCode, body)
		}
		if u.cookie() != "" {
			t.Error("a failed sign-in set a session cookie")
		}
	})

	u.signIn()
	first := u.cookie()
	t.Run("sign-in sets an HttpOnly SameSite=Lax session cookie stored only as a hash", func(t *testing.T) {
		if first == "" {
			t.Fatal("no session cookie")
		}
		var n int
		if err := f.db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE hash = $1`, auth.Hash(first)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("sessions with the cookie's hash: %d (%v), want 1", n, err)
		}
		var raw int
		f.db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE encode(hash, 'escape') LIKE '%' || $1 || '%'`, first).Scan(&raw)
		if raw != 0 {
			t.Error("the session id is stored in the clear")
		}
		res, _ := u.do("POST", "/ui/signin", url.Values{"token": {u.secret}})
		sc := res.Header.Get("Set-Cookie")
		for _, want := range []string{"session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("Set-Cookie %q is Secure over plain http: Chromium would drop it", sc)
		}
	})

	t.Run("signing in again rotates the session id and ends the old one", func(t *testing.T) {
		second := u.cookie()
		if second == first || second == "" {
			t.Fatalf("session id not rotated: %q then %q", first, second)
		}
		if _, err := f.db.Session(t.Context(), first, sessionIdle, sessionLifetime); err != store.ErrNotFound {
			t.Errorf("old session still valid: err=%v", err)
		}
		res, _ := u.do("GET", "/ui/queue", nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("queue with the new session: %d", res.StatusCode)
		}
	})

	t.Run("sign-out deletes the session row", func(t *testing.T) {
		id := u.cookie()
		res, _ := u.do("POST", "/ui/signout", url.Values{"csrf": {u.csrf()}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		var n int
		f.db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE hash = $1`, auth.Hash(id)).Scan(&n)
		if n != 0 {
			t.Errorf("session row survived sign-out")
		}
		// Even a copy of the old cookie is worthless now.
		req, _ := http.NewRequest("GET", f.srv.URL+"/ui/queue", nil)
		req.AddCookie(&http.Cookie{Name: cookiePlain, Value: id})
		res2, err := u.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res2.Body.Close()
		if res2.StatusCode != http.StatusSeeOther {
			t.Errorf("old cookie after sign-out: %d, want 303 to sign-in", res2.StatusCode)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	f := newUIFixture(t)
	ctx := t.Context()
	u := f.user(t, "Ed", auth.Editor)
	p, err := f.db.Authenticate(ctx, u.secret)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		shift string // SQL run on the session before use
		alive bool
	}{
		{"a session used within the idle time stays alive", ``, true},
		{"a session idle for longer than the idle time ends", `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE hash = $1`, false},
		{"a session older than its lifetime ends even when in use", `UPDATE sessions SET created_at = now() - interval '8 days' WHERE hash = $1`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _, err := f.db.CreateSession(ctx, p.TokenID, sessionIdle, sessionLifetime)
			if err != nil {
				t.Fatal(err)
			}
			if tt.shift != "" {
				if _, err := f.db.Pool().Exec(ctx, tt.shift, auth.Hash(id)); err != nil {
					t.Fatal(err)
				}
			}
			// The first use after the lifetime clamps expiry into the past; the next one fails.
			_, err1 := f.db.Session(ctx, id, sessionIdle, sessionLifetime)
			_, err2 := f.db.Session(ctx, id, sessionIdle, sessionLifetime)
			alive := err1 == nil && err2 == nil
			if alive != tt.alive {
				t.Errorf("alive = %v (errs %v, %v), want %v", alive, err1, err2, tt.alive)
			}
		})
	}
	t.Run("use extends the idle expiry but never past the lifetime", func(t *testing.T) {
		id, s0, err := f.db.CreateSession(ctx, p.TokenID, sessionIdle, sessionLifetime)
		if err != nil {
			t.Fatal(err)
		}
		f.db.Pool().Exec(ctx, `UPDATE sessions SET created_at = now() - interval '7 days' + interval '1 hour', expires_at = now() + interval '1 minute' WHERE hash = $1`, auth.Hash(id))
		s1, err := f.db.Session(ctx, id, sessionIdle, sessionLifetime)
		if err != nil {
			t.Fatal(err)
		}
		if d := s1.ExpiresAt.Sub(s1.CreatedAt); d > sessionLifetime {
			t.Errorf("expiry %v after creation, beyond the lifetime %v", d, sessionLifetime)
		}
		if !s1.ExpiresAt.After(s0.CreatedAt) {
			t.Errorf("expiry %v not extended", s1.ExpiresAt)
		}
	})
	t.Run("revoking the token ends its sessions", func(t *testing.T) {
		id, _, err := f.db.CreateSession(ctx, p.TokenID, sessionIdle, sessionLifetime)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.RevokeToken(ctx, p.TokenID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Session(ctx, id, sessionIdle, sessionLifetime); err != store.ErrNotFound {
			t.Errorf("session of a revoked token: err=%v, want ErrNotFound", err)
		}
	})
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	token := u.csrf()
	id := f.draftArticle(t, "https://news.example/a", "A title", "Some text. More text. Even more text.", sampleSummary(), nil)
	approve := "/ui/articles/" + id + "/approve"
	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "version": {"1"}, "confirm": {"yes"}}
	}
	tests := []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"a cross-site POST is refused by Sec-Fetch-Site", form(token), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a POST from another origin is refused", form(token), []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"a POST without the form token is refused", form(""), nil, http.StatusForbidden},
		{"a POST with another session's token is refused", form("x" + token[1:]), nil, http.StatusForbidden},
		{"a NUL byte in a form is a 400, not a database error", url.Values{"csrf": {token}, "version": {"1"}, "reason": {"a\x00b"}}, nil, http.StatusBadRequest},
		{"a cross-site sign-in is refused", url.Values{"token": {u.secret}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := approve
			if _, ok := tt.form["token"]; ok {
				path = "/ui/signin"
			}
			res, _ := u.do("POST", path, tt.form, tt.header...)
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
	a, err := f.db.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != store.StatusDraft || a.ApprovedVersion != nil {
		t.Fatalf("a refused request changed the article: status %s", a.Status)
	}
	t.Run("the same POST from our own page works", func(t *testing.T) {
		res, body := u.do("POST", approve, form(token), "Sec-Fetch-Site", "same-origin", "Origin", f.srv.URL)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d: %.300s", res.StatusCode, body)
		}
		if _, err := f.db.GetPublished(t.Context(), id); err != nil {
			t.Errorf("not published after approval: %v", err)
		}
	})
}

func TestEditorCannotApproveFromTheUI(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Ed", auth.Editor)
	u.signIn()
	id := f.draftArticle(t, "https://news.example/b", "B", "Text one. Text two. Text three.", sampleSummary(), nil)
	res, _ := u.do("POST", "/ui/articles/"+id+"/approve", url.Values{"csrf": {u.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("editor approve: %d, want 403", res.StatusCode)
	}
	_, body := u.do("GET", "/ui/articles/"+id, nil)
	if strings.Contains(body, "/approve") {
		t.Error("the article page offers an editor the approve form")
	}
}

const hostile = `<script>alert(1)</script>`

func TestEveryPageRendersAndEscapesHostileText(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Ada "+hostile, auth.Admin)
	u.signIn()
	sum := sampleSummary()
	sum.KeyPoints[0] = "The council said " + hostile + " in a statement."
	sum.WhyItMatters = "It matters because " + hostile + " was found."
	flags := []summary.Flag{{Section: summary.KeyPointSection(0), Kind: summary.KindQuote, Text: hostile, Reason: "Not in the source " + hostile}}
	id := f.draftArticle(t, "https://news.example/x?q=<b>", "Title "+hostile,
		"First paragraph "+hostile+".\n\nSecond paragraph with \"quotes\" & ampersands.", sum, flags)
	// A second version, so that the diff page has two versions to compare.
	edited := sum
	edited.WhatItMeansForYou = "Readers " + hostile + " should check opening hours."
	_, edit := u.do("GET", "/ui/articles/"+id+"?edit=1", nil)
	if !strings.Contains(edit, `name="base_version" value="1"`) {
		t.Fatalf("edit form lacks base_version 1")
	}
	form := url.Values{"csrf": {u.csrf()}, "base_version": {"1"}, "key_point": edited.KeyPoints,
		"why_it_matters": {edited.WhyItMatters}, "what_it_means_for_you": {edited.WhatItMeansForYou}}
	if res, body := u.do("POST", "/ui/articles/"+id+"/save", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.500s", res.StatusCode, body)
	}
	failedKey, _ := urlnorm.Normalize("https://news.example/failed")
	fa, _, err := f.db.Submit(t.Context(), store.Submission{URL: "https://news.example/failed", URLKey: failedKey, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	f.db.Fail(t.Context(), fa.ID, fa.Attempt, "The page said "+hostile)

	pages := []struct {
		name, method, path string
		form               url.Values
		want               int
	}{
		{"queue", "GET", "/ui/queue?tab=all&q=", nil, 200},
		{"queue failed tab", "GET", "/ui/queue?tab=failed", nil, 200},
		{"queue search", "GET", "/ui/queue?tab=all&q=" + url.QueryEscape(hostile), nil, 200},
		{"submit", "GET", "/ui/submit?ids=" + id, nil, 200},
		{"usage", "GET", "/ui/usage", nil, 200},
		{"submit error", "POST", "/ui/submit", url.Values{"urls": {"javascript:" + hostile}}, 400},
		{"article", "GET", "/ui/articles/" + id, nil, 200},
		{"article edit", "GET", "/ui/articles/" + id + "?edit=1", nil, 200},
		{"preview", "GET", "/ui/articles/" + id + "/preview", nil, 200},
		{"diff", "GET", "/ui/articles/" + id + "/diff?from=1&to=2", nil, 200},
		{"confirm", "POST", "/ui/articles/" + id + "/approve", url.Values{"version": {"2"}}, 200},
		{"tokens", "GET", "/ui/admin/tokens", nil, 200},
		{"token created", "POST", "/ui/admin/tokens", url.Values{"name": {hostile}, "role": {"editor"}}, 200},
		{"problem", "GET", "/ui/articles/00000000-0000-0000-0000-000000000000", nil, 404},
	}
	for _, p := range pages {
		t.Run("the "+p.name+" page", func(t *testing.T) {
			if p.form != nil {
				p.form.Set("csrf", u.csrf())
			}
			res, body := u.do(p.method, p.path, p.form)
			if res.StatusCode != p.want {
				t.Fatalf("status %d, want %d: %.400s", res.StatusCode, p.want, body)
			}
			if strings.Contains(body, hostile) {
				t.Errorf("raw %s in the page", hostile)
			}
			if p.want == 200 && p.name != "problem" && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("the hostile text is not shown escaped")
			}
			if strings.Contains(body, " style=") || regexp.MustCompile(`<script>`).MatchString(body) {
				t.Errorf("inline style or script in the page (CSP forbids them)")
			}
		})
	}
	t.Run("the signed-out sign-in page", func(t *testing.T) {
		res, err := http.Get(f.srv.URL + "/ui/signin?next=" + url.QueryEscape("https://evil.example/"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), `name="next" value="/ui/queue"`) {
			t.Errorf("sign-in page: %d, next not reset to the queue", res.StatusCode)
		}
	})
}

func TestStaticFilesAndTemplates(t *testing.T) {
	f := newUIFixture(t)
	for _, p := range []string{"/static/app.css", "/static/app.js"} {
		res, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	for _, name := range uiPages {
		if _, err := templateFS.Open("templates/" + name + ".html"); err != nil {
			t.Errorf("page %s: %v", name, err)
		}
	}
}

func TestSaveConflictKeepsTheEditorsText(t *testing.T) {
	f := newUIFixture(t)
	a := f.user(t, "Alice", auth.Reviewer)
	b := f.user(t, "Bob", auth.Reviewer)
	a.signIn()
	b.signIn()
	id := f.draftArticle(t, "https://news.example/c", "C", "Text one. Text two. Text three.", sampleSummary(), nil)
	save := func(u *uiUser, base, why string) (*http.Response, string) {
		s := sampleSummary()
		return u.do("POST", "/ui/articles/"+id+"/save", url.Values{"csrf": {u.csrf()}, "base_version": {base},
			"key_point": s.KeyPoints, "why_it_matters": {why}, "what_it_means_for_you": {s.WhatItMeansForYou}})
	}
	if res, body := save(b, "1", "Bob's reason why this matters to the borough."); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Bob's save: %d %.300s", res.StatusCode, body)
	}
	res, body := save(a, "1", "Alice's careful wording about the budget.")
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409", res.StatusCode)
	}
	for _, want := range []string{
		"Someone else saved version 2 while you were editing version 1",
		"You both changed “Why this matters”",
		"Alice&#39;s careful wording about the budget.</textarea>",
		`id="why-theirs"`, "Bob&#39;s reason why this matters to the borough.",
		`name="base_version" value="2"`,
		"diff?from=1&amp;to=2",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	d, err := f.db.GetDraft(t.Context(), id, 2)
	if err != nil || !strings.HasPrefix(d.Summary.WhyItMatters, "Bob's") {
		t.Errorf("Bob's version was overwritten: %+v %v", d.Summary, err)
	}
	if _, err := f.db.GetDraft(t.Context(), id, 3); err != store.ErrNotFound {
		t.Errorf("the stale save made a version 3 (err=%v)", err)
	}
}

func TestSaveConflictMergesSectionsOnlyOneSideChanged(t *testing.T) {
	f := newUIFixture(t)
	a := f.user(t, "Alice", auth.Reviewer)
	b := f.user(t, "Bob", auth.Reviewer)
	a.signIn()
	b.signIn()
	id := f.draftArticle(t, "https://news.example/m", "M", "Text one. Text two. Text three.", sampleSummary(), nil)
	s := sampleSummary()
	bobWhy := "Bob: the budget decides which services survive."
	res, _ := b.do("POST", "/ui/articles/"+id+"/save", url.Values{"csrf": {b.csrf()}, "base_version": {"1"},
		"key_point": s.KeyPoints, "why_it_matters": {bobWhy}, "what_it_means_for_you": {s.WhatItMeansForYou}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Bob's save: %d", res.StatusCode)
	}
	aliceWhat := "Alice: library hours grow from April."
	kps := append(append([]string(nil), s.KeyPoints...), "", "")
	res, body := a.do("POST", "/ui/articles/"+id+"/save", url.Values{"csrf": {a.csrf()}, "base_version": {"1"},
		"key_point": kps, "why_it_matters": {s.WhyItMatters}, "what_it_means_for_you": {aliceWhat}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409", res.StatusCode)
	}
	for _, want := range []string{
		"Their changes to “Why this matters” are merged into your text below",
		"Bob: the budget decides which services survive.</textarea>",
		"Alice: library hours grow from April.</textarea>",
		"Taken from version 2",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("merged conflict page lacks %q", want)
		}
	}
	if strings.Contains(body, "You both changed") {
		t.Error("the page reports a clash where only one side changed each section")
	}
}

func TestMergeEdit(t *testing.T) {
	base := summary.Summary{KeyPoints: []string{"a", "b", "c"}, WhyItMatters: "why", WhatItMeansForYou: "what"}
	tests := []struct {
		name          string
		mine, theirs  summary.Summary
		want          summary.Summary
		took, clashes string
	}{
		{"only they changed a paragraph: theirs is taken",
			base, summary.Summary{KeyPoints: base.KeyPoints, WhyItMatters: "their why", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: []string{"a", "b", "c", "", ""}, WhyItMatters: "their why", WhatItMeansForYou: "what"}, "why", ""},
		{"only I changed a key point: mine is kept",
			summary.Summary{KeyPoints: []string{"a", "B!", "c"}, WhyItMatters: "why", WhatItMeansForYou: "what"}, base,
			summary.Summary{KeyPoints: []string{"a", "B!", "c", "", ""}, WhyItMatters: "why", WhatItMeansForYou: "what"}, "", ""},
		{"both changed the same paragraph: mine is kept and theirs reported",
			summary.Summary{KeyPoints: base.KeyPoints, WhyItMatters: "my why", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: base.KeyPoints, WhyItMatters: "their why", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: []string{"a", "b", "c", "", ""}, WhyItMatters: "my why", WhatItMeansForYou: "what"}, "", "why"},
		{"both made the same change, up to white space: no clash",
			summary.Summary{KeyPoints: base.KeyPoints, WhyItMatters: "same  new", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: base.KeyPoints, WhyItMatters: "same new", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: []string{"a", "b", "c", "", ""}, WhyItMatters: "same  new", WhatItMeansForYou: "what"}, "", ""},
		{"they added a key point and I removed another",
			summary.Summary{KeyPoints: []string{"a", "", "c"}, WhyItMatters: "why", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: []string{"a", "b", "c", "d"}, WhyItMatters: "why", WhatItMeansForYou: "what"},
			summary.Summary{KeyPoints: []string{"a", "", "c", "d", ""}, WhyItMatters: "why", WhatItMeansForYou: "what"}, "kp4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mergeEdit(base, tt.mine, tt.theirs)
			if fmt.Sprint(m.Form) != fmt.Sprint(tt.want) {
				t.Errorf("form = %+v, want %+v", m.Form, tt.want)
			}
			var took, clashes []string
			for _, id := range []string{"kp1", "kp2", "kp3", "kp4", "kp5", "why", "what"} {
				if m.Took[id] {
					took = append(took, id)
				}
				if _, ok := m.Clash[id]; ok {
					clashes = append(clashes, id)
				}
			}
			if strings.Join(took, ",") != tt.took || strings.Join(clashes, ",") != tt.clashes {
				t.Errorf("took %v clashes %v, want %q %q", took, clashes, tt.took, tt.clashes)
			}
		})
	}
}

func TestDiffWords(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"identical text has no changes", "the cat sat", "the cat sat", "=the cat sat"},
		{"a replaced word is a deletion and an insertion", "the cat sat", "the dog sat", "=the|-cat|+dog|=sat"},
		{"added words at the end", "one two", "one two three four", "=one two|+three four"},
		{"removed words at the start", "so then it rained", "it rained", "-so then|=it rained"},
		{"whitespace differences are not changes", "a  b\nc", "a b c", "=a b c"},
		{"from empty", "", "new text", "+new text"},
		{"a short match inside a rewrite is folded into it",
			"the council said it would close the road", "the mayor said it would open the bridge",
			"=the|-council|+mayor|=said it would|-close the road|+open the bridge"},
		{"to empty", "old text", "", "-old text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			for _, op := range diffWords(tt.a, tt.b) {
				parts = append(parts, string(op.Op)+op.Text)
			}
			if got := strings.Join(parts, "|"); got != tt.want {
				t.Errorf("diffWords(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
	t.Run("the deletions and kept words spell the old text, the insertions and kept words the new", func(t *testing.T) {
		pairs := [][2]string{
			{"a b c d e f", "a x c y e f"}, {"one two three", "three two one"}, {"", ""},
			{strings.Repeat("w ", 300) + "end", "start " + strings.Repeat("w ", 299) + "fin"},
		}
		for _, tt := range tests {
			pairs = append(pairs, [2]string{tt.a, tt.b})
		}
		for _, p := range pairs {
			var old, neu []string
			for _, op := range diffWords(p[0], p[1]) {
				if op.Op != '+' {
					old = append(old, op.Text)
				}
				if op.Op != '-' {
					neu = append(neu, op.Text)
				}
			}
			if got, want := strings.Join(old, " "), normSpace(p[0]); got != want {
				t.Errorf("old side of %q → %q: %q", p[0], p[1], got)
			}
			if got, want := strings.Join(neu, " "), normSpace(p[1]); got != want {
				t.Errorf("new side of %q → %q: %q", p[0], p[1], got)
			}
		}
	})
	t.Run("the HTML escapes words and marks changes", func(t *testing.T) {
		got := string(diffHTML(diffWords("a <b>", "a <i>")))
		if strings.Contains(got, "<b>") || strings.Contains(got, "<i>") {
			t.Errorf("unescaped: %s", got)
		}
		if !strings.Contains(got, "<del>") || !strings.Contains(got, "<ins>") {
			t.Errorf("no del/ins: %s", got)
		}
	})
}

func TestHighlightMarksFlagsInPlace(t *testing.T) {
	flags := []summary.Flag{
		{Kind: summary.KindNumber, Text: "48.5 million", Reason: "Not in the source."},
		{Kind: summary.KindSpeculation, Text: "WILL LIKELY", Reason: "Speculation."},
		{Kind: summary.KindName, Text: "Nobody Here", Reason: "Unknown name."},
	}
	got, unplaced := highlight("It will cost 48.5 million & it will likely <grow>.", flags)
	s := string(got)
	for _, want := range []string{
		`<mark class="flag flag-number" tabindex="0">48.5 million<span class="tip" role="tooltip"><strong>Number:</strong> Not in the source.</span></mark>`,
		`<mark class="flag flag-speculation" tabindex="0">will likely<span`,
		"&amp; it", "&lt;grow&gt;",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("highlight lacks %q in %s", want, s)
		}
	}
	if len(unplaced) != 1 || unplaced[0].Text != "Nobody Here" {
		t.Errorf("unplaced = %+v, want the name that is not in the text", unplaced)
	}
}

func TestApproveWithoutJavaScriptAsksFirst(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	id := f.draftArticle(t, "https://news.example/d", "D", "Text one. Text two. Text three.", sampleSummary(), nil)
	res, body := u.do("POST", "/ui/articles/"+id+"/approve", url.Values{"csrf": {u.csrf()}, "version": {"1"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Approve version 1?") || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("approve without confirmation: %d, want the confirmation page: %.300s", res.StatusCode, body)
	}
	if _, err := f.db.GetPublished(t.Context(), id); err != store.ErrNotFound {
		t.Fatalf("published before confirmation (err=%v)", err)
	}
	res, _ = u.do("POST", "/ui/articles/"+id+"/approve", url.Values{"csrf": {u.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed approve: %d", res.StatusCode)
	}
	if _, err := f.db.GetPublished(t.Context(), id); err != nil {
		t.Errorf("not published after confirmation: %v", err)
	}
}

func TestEventsStreamArticleChanges(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	id := f.draftArticle(t, "https://news.example/e", "E", "Text one. Text two. Text three.", sampleSummary(), nil)

	t.Run("the stream needs a session", func(t *testing.T) {
		res, err := http.Get(f.srv.URL + "/ui/events")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/ui/signin" {
			t.Errorf("events without a session ended at %s, want the sign-in page", res.Request.URL.Path)
		}
	})

	req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+"/ui/events", nil)
	res, err := u.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := make(chan string, 100)
	go func() {
		b := make([]byte, 4096)
		var acc string
		for {
			n, err := res.Body.Read(b)
			acc += string(b[:n])
			for {
				i := strings.Index(acc, "\n\n")
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+2:]
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	// The hub announces "*" once it listens; only then can a change not be missed.
	want := func(data string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended before %q", data)
				}
				if strings.Contains(ev, "event: change\ndata: "+data) {
					return
				}
			case <-deadline:
				t.Fatalf("no change event for %q within 10s", data)
			}
		}
	}
	want("*")
	if err := f.db.Reject(t.Context(), id, "off topic", "test"); err != nil {
		t.Fatal(err)
	}
	want(id)

	// Postgres drops the listening connection: the hub reconnects and tells browsers to
	// re-query ("*"), since changes in between were not announced to anyone.
	tag, err := f.db.Pool().Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("terminate the LISTEN connection: %v (%d rows)", err, tag.RowsAffected())
	}
	want("*")
	if _, err := f.db.Regenerate(t.Context(), id, "shorter", "test"); err != nil {
		t.Fatal(err)
	}
	want(id)
}

func TestAMissingTemplateStopsTheServerAtBoot(t *testing.T) {
	saved := uiPages
	t.Cleanup(func() { uiPages = saved })
	uiPages = append(append([]string(nil), saved...), "no-such-page")
	defer func() {
		if recover() == nil {
			t.Error("New did not panic with a template missing")
		}
	}()
	New(nil, nil, Config{})
}

func TestPreviewShowsEachHeadingOnce(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	sum := sampleSummary()
	// The defect of the reference page: a heading repeated inside its own section.
	sum.WhyItMatters = "Why this matters: " + sum.WhyItMatters
	sum.WhatItMeansForYou = "What this means for you: What this means for you: " + sum.WhatItMeansForYou
	id := f.draftArticle(t, "https://news.example/p", "P", "Text one. Text two. Text three.", sum, nil)
	res, body := u.do("GET", "/ui/articles/"+id+"/preview", nil)
	if res.StatusCode != 200 {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	portal := body[strings.Index(body, `<article class="portal"`):]
	for _, h := range []string{"Key points", "Why this matters", "What this means for you", DisclosureLabel} {
		if n := strings.Count(portal, h); n != 1 {
			t.Errorf("%q appears %d times in the preview, want once", h, n)
		}
	}
	if !strings.Contains(body, "not approved") {
		t.Error("an unapproved preview does not say so")
	}
}

func TestQueueShowsRemarksAndFailures(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Ed", auth.Editor)
	u.signIn()
	flags := []summary.Flag{
		{Section: summary.SectionWhy, Kind: summary.KindNumber, Text: "12", Reason: "x"},
		{Section: summary.SectionWhat, Kind: summary.KindSpeculation, Text: "set to", Reason: "y"},
	}
	f.draftArticle(t, "https://news.example/q", "Flagged story", "Text one. Text two. Text three.", sampleSummary(), flags)
	_, body := u.do("GET", "/ui/queue", nil)
	if !strings.Contains(body, "Flagged story") || !strings.Contains(body, "2 remarks to check") {
		t.Errorf("needs-review tab lacks the story or its remark count")
	}
	key, _ := urlnorm.Normalize("https://news.example/broken")
	a, _, err := f.db.Submit(t.Context(), store.Submission{URL: "https://news.example/broken", URLKey: key, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.db.Fail(t.Context(), a.ID, a.Attempt, "The page is behind a paywall."); err != nil || !ok {
		t.Fatal(ok, err)
	}
	_, body = u.do("GET", "/ui/queue?tab=failed", nil)
	if !strings.Contains(body, "The page is behind a paywall.") || !strings.Contains(body, "/ui/articles/"+a.ID+"/retry") {
		t.Errorf("failed tab lacks the reason or the Retry form")
	}
	res, _ := u.do("POST", "/ui/articles/"+a.ID+"/retry", url.Values{"csrf": {u.csrf()}, "back": {"/ui/queue?tab=failed"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ui/queue?tab=failed" {
		t.Errorf("retry: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got, _ := f.db.Get(t.Context(), a.ID); got.Status != store.StatusQueued {
		t.Errorf("after Retry the article is %s, want queued", got.Status)
	}
}

func TestSessionCookieOverTLSIsHostPrefixedAndSecure(t *testing.T) {
	f := newUIFixture(t)
	secret, _, err := f.db.CreateToken(t.Context(), "Tess", auth.Editor)
	if err != nil {
		t.Fatal(err)
	}
	tls := httptest.NewTLSServer(f.srv.Config.Handler)
	t.Cleanup(tls.Close)
	c := tls.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.PostForm(tls.URL+"/ui/signin", url.Values{"token": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{cookieSecure + "=", "Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(sc, "Domain=") {
		t.Errorf("Set-Cookie %q has a Domain; __Host- cookies must not", sc)
	}
}

func TestReviewActionsFromForms(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	id := f.draftArticle(t, "https://news.example/r", "R", "Text one. Text two. Text three.", sampleSummary(), nil)
	post := func(action string, form url.Values) (*http.Response, string) {
		form.Set("csrf", u.csrf())
		return u.do("POST", "/ui/articles/"+id+"/"+action, form)
	}
	status := func() string {
		a, err := f.db.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Status
	}
	t.Run("reject needs a reason", func(t *testing.T) {
		res, body := post("reject", url.Values{"reason": {"  "}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Give a reason") || status() != store.StatusDraft {
			t.Errorf("reject without reason: %d, status %s", res.StatusCode, status())
		}
	})
	t.Run("reject with a reason", func(t *testing.T) {
		res, _ := post("reject", url.Values{"reason": {"Off topic for us."}})
		if res.StatusCode != http.StatusSeeOther || status() != store.StatusRejected {
			t.Errorf("reject: %d, status %s", res.StatusCode, status())
		}
		_, body := u.do("GET", "/ui/articles/"+id, nil)
		if !strings.Contains(body, "Off topic for us.") {
			t.Error("the reason is not in the audit trail on the page")
		}
	})
	t.Run("approve a rejected draft, then withdraw it", func(t *testing.T) {
		if res, _ := post("approve", url.Values{"version": {"1"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", res.StatusCode)
		}
		_, body := u.do("GET", "/ui/articles/"+id, nil)
		if !strings.Contains(body, "/withdraw") {
			t.Fatal("an approved article offers no Withdraw form")
		}
		if res, _ := post("withdraw", url.Values{"reason": {"Legal asked us to."}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		if _, err := f.db.GetPublished(t.Context(), id); err != store.ErrNotFound || status() != store.StatusWithdrawn {
			t.Errorf("after withdrawal: published err %v, status %s", err, status())
		}
	})
	t.Run("regenerate with instructions queues a new draft", func(t *testing.T) {
		res, _ := post("regenerate", url.Values{"instructions": {"Lead with the vote."}})
		if res.StatusCode != http.StatusSeeOther || status() != store.StatusSummarising {
			t.Errorf("regenerate: %d, status %s", res.StatusCode, status())
		}
		a, _ := f.db.Get(t.Context(), id)
		if a.Instructions != "Lead with the vote." {
			t.Errorf("instructions stored as %q", a.Instructions)
		}
		_, body := u.do("GET", "/ui/articles/"+id, nil)
		if !strings.Contains(body, "This page updates by itself") {
			t.Error("a working article does not say it updates by itself")
		}
	})
	t.Run("an action the state does not allow explains why", func(t *testing.T) {
		res, body := post("reject", url.Values{"reason": {"again"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "only a draft can be rejected") {
			t.Errorf("reject while summarising: %d", res.StatusCode)
		}
	})
}

func TestAfterADecisionTheNextDraftIsOffered(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	other := f.draftArticle(t, "https://news.example/n1", "Waiting story", "Text one. Text two. Text three.", sampleSummary(), nil)
	id := f.draftArticle(t, "https://news.example/n2", "Decided story", "Text one. Text two. Text three.", sampleSummary(), nil)
	res, _ := u.do("POST", "/ui/articles/"+id+"/approve", url.Values{"csrf": {u.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	_, body := u.do("GET", res.Header.Get("Location"), nil)
	if !strings.Contains(body, "Next waiting for review") || !strings.Contains(body, "/ui/articles/"+other) {
		t.Error("after approving, the page does not offer the next draft")
	}
	_, body = u.do("GET", "/ui/articles/"+id, nil)
	if strings.Contains(body, "Next waiting for review") {
		t.Error("the next draft is offered on a plain visit too")
	}
}

func TestQueueSearchAndPaging(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Ed", auth.Editor)
	u.signIn()
	for i := range queuePageSize + 2 {
		f.draftArticle(t, fmt.Sprintf("https://news.example/page-%02d", i), fmt.Sprintf("Story number %02d", i),
			"Text one. Text two. Text three.", sampleSummary(), nil)
	}
	rows := regexp.MustCompile(`data-row data-id="([^"]+)"`)
	_, body := u.do("GET", "/ui/queue?tab=review", nil)
	first := rows.FindAllStringSubmatch(body, -1)
	if len(first) != queuePageSize {
		t.Fatalf("first page has %d rows, want %d", len(first), queuePageSize)
	}
	if !strings.Contains(body, "Story number 26") || strings.Contains(body, "Story number 01<") {
		t.Error("the first page is not newest first")
	}
	older := regexp.MustCompile(`href="(/ui/queue\?cursor=[^"]+)">Older`).FindStringSubmatch(body)
	if older == nil {
		t.Fatal("no Older link on a full page")
	}
	_, body = u.do("GET", strings.ReplaceAll(older[1], "&amp;", "&"), nil)
	second := rows.FindAllStringSubmatch(body, -1)
	if len(second) != 2 || !strings.Contains(body, "Story number 00") {
		t.Errorf("second page has %d rows, want the 2 oldest", len(second))
	}
	_, body = u.do("GET", "/ui/queue?tab=review&q="+url.QueryEscape("number 13"), nil)
	if got := rows.FindAllStringSubmatch(body, -1); len(got) != 1 || !strings.Contains(body, "Story number 13") {
		t.Errorf("search for one title found %d rows", len(got))
	}
	_, body = u.do("GET", "/ui/queue?tab=all&q="+url.QueryEscape("page-07"), nil)
	if got := rows.FindAllStringSubmatch(body, -1); len(got) != 1 {
		t.Errorf("search by URL found %d rows, want 1", len(got))
	}
}

func TestSubmitFormWithPastedText(t *testing.T) {
	f := newUIFixture(t)
	u := f.user(t, "Ed", auth.Editor)
	u.signIn()
	t.Run("pasted text goes with exactly one URL", func(t *testing.T) {
		res, body := u.do("POST", "/ui/submit", url.Values{"csrf": {u.csrf()}, "urls": {"https://a.example/1\nhttps://a.example/2"},
			"text": {"Pasted article text."}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "exactly one URL") || !strings.Contains(body, "Pasted article text.") {
			t.Errorf("two URLs with pasted text: %d; the error or the user's text is missing", res.StatusCode)
		}
	})
	t.Run("one URL with pasted text and a headline is stored without a fetch", func(t *testing.T) {
		res, _ := u.do("POST", "/ui/submit", url.Values{"csrf": {u.csrf()}, "urls": {"https://paywalled.example/story"},
			"title": {"The headline"}, "text": {"The first paragraph.\n\nThe second paragraph."}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/ui/submit?n=1&ids=") {
			t.Fatalf("submit: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		key, _ := urlnorm.Normalize("https://paywalled.example/story")
		a, err := f.db.GetByURLKey(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a.SourceText, "The headline\n\nThe first paragraph.") {
			t.Errorf("source text stored as %q", a.SourceText)
		}
		_, body := u.do("GET", res.Header.Get("Location"), nil)
		if !strings.Contains(body, "https://paywalled.example/story") || !strings.Contains(body, "badge-queued") {
			t.Error("the result list does not show the submission and its state")
		}
	})
	t.Run("several URLs, one per line", func(t *testing.T) {
		res, _ := u.do("POST", "/ui/submit", url.Values{"csrf": {u.csrf()}, "urls": {" https://b.example/1 \r\n\r\nhttps://b.example/2\n"}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "n=2") {
			t.Errorf("batch: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestEventsStreamEndsWithItsSessionAndIsCapped(t *testing.T) {
	saved := pingEvery
	pingEvery = 200 * time.Millisecond
	t.Cleanup(func() { pingEvery = saved })
	f := newUIFixture(t)
	u := f.user(t, "Rita", auth.Reviewer)
	u.signIn()
	open := func() *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+"/ui/events", nil)
		res, err := u.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	var streams []*http.Response
	for range maxStreamsPerSession {
		res := open()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", res.StatusCode)
		}
		streams = append(streams, res)
	}
	t.Run("one stream too many is refused", func(t *testing.T) {
		if res := open(); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("stream %d: %d, want 429", maxStreamsPerSession+1, res.StatusCode)
		}
	})
	t.Run("signing out ends the open streams", func(t *testing.T) {
		if res, _ := u.do("POST", "/ui/signout", url.Values{"csrf": {u.csrf()}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		for i, res := range streams {
			done := make(chan struct{})
			go func() {
				io.Copy(io.Discard, res.Body)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("stream %d still open 5 s after sign-out", i+1)
			}
		}
	})
}
