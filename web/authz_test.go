package web

// The authorisation matrix: every route the server declares × six callers (no credentials, a
// made-up token, a revoked token, editor, reviewer, admin), on real Postgres and JetStream.
// The route list is read from the package's own source, so a route added without a row here
// fails the test. Public routes must never show drafts, source text, flags, tokens or history.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/testenv"
	"newsdesk/urlnorm"
)

// secLogBuffer is a log sink that tests read while handlers write.
type secLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *secLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *secLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secCaller is one column of the matrix.
type secCaller struct {
	name    string
	role    auth.Role // empty for the three unauthenticated callers
	token   string    // bearer secret ("" for none)
	tokenID int64
	session string // review-desk session cookie value ("" for none)
	csrf    string
}

// secFixture is a server on a fresh database and a private JetStream stream.
type secFixture struct {
	db      *store.DB
	q       *queue.Queue
	srv     *Server
	h       http.Handler
	logs    *secLogBuffer
	log     *slog.Logger
	callers []*secCaller
}

const secMetricsBody = "newsdesk_test_metric 1\n"

// secGroundText is a source the sample summary is faithful to.
const secGroundText = "The council approved a £12 million budget for road repairs on Tuesday. " +
	"Work on the first 40 streets starts in March.\n\n" +
	"The leader of the council, Jane Porter, said the money comes from reserves. " +
	"Road repairs had been delayed for two years because of budget pressures. " +
	"Drivers and cyclists on the listed streets can expect roadworks from March."

func newSecFixture(t *testing.T, cfg Config) *secFixture {
	t.Helper()
	pool := testenv.Pool(t)
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := queue.Open(t.Context(), js, queue.Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	f := &secFixture{db: store.New(pool), q: q, logs: &secLogBuffer{}}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f.log = cfg.Logger
	if cfg.Metrics == nil {
		cfg.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, secMetricsBody) })
	}
	f.srv = New(f.db, q, cfg)
	f.h = f.srv.Handler()

	ctx := t.Context()
	bad := &secCaller{name: "a made-up token", token: auth.NewSecret(), session: "not-a-session-" + testenv.RandomName(""), csrf: "x"}
	revoked := &secCaller{name: "a revoked admin token"}
	f.callers = []*secCaller{{name: "no credentials"}, bad, revoked}
	for _, role := range []auth.Role{auth.Editor, auth.Reviewer, auth.Admin} {
		f.callers = append(f.callers, f.newCaller(t, "the "+string(role), role))
	}
	// The revoked caller signed in before the token was revoked: revoking must end both.
	*revoked = *f.newCaller(t, revoked.name, auth.Admin)
	revoked.role = ""
	if err := f.db.RevokeToken(ctx, revoked.tokenID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	return f
}

// newCaller makes a token of role and opens a review-desk session with it.
func (f *secFixture) newCaller(t *testing.T, name string, role auth.Role) *secCaller {
	t.Helper()
	secret, tok, err := f.db.CreateToken(t.Context(), "matrix "+name, role)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	id, sess, err := f.db.CreateSession(t.Context(), tok.ID, time.Hour, time.Hour)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return &secCaller{name: name, role: role, token: secret, tokenID: tok.ID, session: id, csrf: sess.CSRF}
}

func (f *secFixture) caller(name string) *secCaller {
	for _, c := range f.callers {
		if c.name == name {
			return c
		}
	}
	panic("no caller " + name)
}

// serve runs one request through the full handler chain. Streaming routes end when ctx does.
func (f *secFixture) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// api sends a JSON request with c's bearer token.
func (f *secFixture) api(t *testing.T, c *secCaller, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if c != nil && c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	return f.serve(r)
}

// article makes an article in the given state straight through the store: "draft" (v1
// written by the pipeline), "approved" (v1 approved), "edited" (v1 approved, v2 a newer
// unapproved edit), "failed" or "queued".
func (f *secFixture) article(t *testing.T, state string) store.Article {
	t.Helper()
	return f.articleWith(t, state, "Council approves road repairs", secGroundText, llmtest.Sample(), llmtest.Sample())
}

func (f *secFixture) articleWith(t *testing.T, state, title, text string, v1, v2 summary.Summary) store.Article {
	t.Helper()
	ctx := t.Context()
	u := "https://news.example/" + testenv.RandomName("story-")
	key, err := urlnorm.Normalize(u)
	if err != nil {
		t.Fatalf("normalise %s: %v", u, err)
	}
	a, _, err := f.db.Submit(ctx, store.Submission{URL: u, URLKey: key, Actor: "fixture"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if state == "queued" {
		return a
	}
	if _, ok, err := f.db.StartExtract(ctx, a.ID, a.Attempt); err != nil || !ok {
		t.Fatalf("start extract: %v %v", ok, err)
	}
	if state == "failed" {
		if _, err := f.db.Fail(ctx, a.ID, a.Attempt, "fixture failure"); err != nil {
			t.Fatalf("fail: %v", err)
		}
		return f.get(t, a.ID)
	}
	if ok, err := f.db.SaveExtract(ctx, a.ID, a.Attempt, store.Extracted{Title: title, Byline: "Sam Reporter",
		Lang: "en", Text: text, WordCount: summary.WordCount(text)}); err != nil || !ok {
		t.Fatalf("save extract: %v %v", ok, err)
	}
	if _, ok, err := f.db.SaveGenerated(ctx, a.Attempt, store.Draft{ArticleID: a.ID, Summary: v1, Author: "llm", Model: "test-model",
		Flags: summary.Check(v1, summary.Source{Title: title, Text: text, Lang: "en"})}); err != nil || !ok {
		t.Fatalf("save generated: %v %v", ok, err)
	}
	if state == "draft" {
		return f.get(t, a.ID)
	}
	if err := f.db.Approve(ctx, a.ID, 1, "fixture reviewer"); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if state == "edited" {
		if _, err := f.db.SaveEdit(ctx, store.Draft{ArticleID: a.ID, Summary: v2, Actor: "fixture editor",
			Flags: summary.Check(v2, summary.Source{Title: title, Text: text, Lang: "en"})}, 1); err != nil {
			t.Fatalf("save edit: %v", err)
		}
	}
	return f.get(t, a.ID)
}

func (f *secFixture) get(t *testing.T, id string) store.Article {
	t.Helper()
	a, err := f.db.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return a
}

// secState is what a refused request must leave unchanged.
type secState struct {
	status          string
	current         int
	approved        string
	attempt         int
	history, tokens int
	webhooks        int
	articles        int
}

func (f *secFixture) snap(t *testing.T, id string) secState {
	t.Helper()
	var s secState
	if id != "" {
		a := f.get(t, id)
		s.status, s.current, s.attempt = a.Status, a.CurrentVersion, a.Attempt
		if a.ApprovedVersion != nil {
			s.approved = strconv.Itoa(*a.ApprovedVersion)
		}
		h, err := f.db.History(t.Context(), id)
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		s.history = len(h)
	}
	hooks, err := f.db.Webhooks(t.Context())
	if err != nil {
		t.Fatalf("webhooks: %v", err)
	}
	s.webhooks = len(hooks)
	counts, err := f.db.Counts(t.Context())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	for _, n := range counts {
		s.articles += n
	}
	toks, err := f.db.Tokens(t.Context())
	if err != nil {
		t.Fatalf("tokens: %v", err)
	}
	for _, tok := range toks {
		if tok.RevokedAt == nil {
			s.tokens++
		}
	}
	return s
}

// secAccess is who a route is for.
type secAccess int

const (
	accessPublic  secAccess = iota // anyone, credentials ignored
	accessBearer                   // API: Authorization: Bearer, at least minRole
	accessSession                  // review desk: session cookie, at least minRole
	accessSignIn                   // the sign-in form itself: a token in the body
)

// secRequest is one prepared request of a matrix row.
type secRequest struct {
	path    string
	body    string
	article string // the article the request may change, checked when it is refused
}

// secRoute is one row of the matrix.
type secRoute struct {
	pattern string // as declared in the source
	access  secAccess
	minRole auth.Role
	// ok is the status an allowed caller gets; 0 means "any success or client error that is
	// not an authorisation failure" (review-desk forms whose fields are the UI's business).
	ok      int
	prepare func(t *testing.T, f *secFixture, c *secCaller) secRequest
	stream  bool // a streaming response that ends when the request's context does
	// changes marks routes that change state: an allowed call must change something, or
	// the refused calls' "nothing changed" would prove nothing.
	changes bool
}

func secFixed(path string) func(*testing.T, *secFixture, *secCaller) secRequest {
	return func(*testing.T, *secFixture, *secCaller) secRequest { return secRequest{path: path} }
}

// secOnArticle prepares a request on a fresh article in state.
func secOnArticle(state, format, body string) func(*testing.T, *secFixture, *secCaller) secRequest {
	return func(t *testing.T, f *secFixture, c *secCaller) secRequest {
		a := f.article(t, state)
		return secRequest{path: fmt.Sprintf(format, a.ID), body: body, article: a.ID}
	}
}

var secDraftEdit = func() string {
	s := llmtest.Sample()
	b, _ := json.Marshal(map[string]any{"key_points": s.KeyPoints, "why_it_matters": s.WhyItMatters,
		"what_it_means_for_you": s.WhatItMeansForYou, "base_version": 1})
	return string(b)
}()

var secUISave = func() string {
	s := llmtest.Sample()
	v := url.Values{"key_point": s.KeyPoints, "why_it_matters": {s.WhyItMatters},
		"what_it_means_for_you": {s.WhatItMeansForYou + " Residents were told on Tuesday."}, "base_version": {"1"}}
	return v.Encode()
}()

// secMatrix lists every route. Keep it in the order of the source.
func secMatrix() []secRoute {
	return []secRoute{
		// API.
		{pattern: "POST /api/v1/articles", changes: true, access: accessBearer, minRole: auth.Editor, ok: http.StatusAccepted,
			prepare: func(t *testing.T, f *secFixture, c *secCaller) secRequest {
				return secRequest{path: "/api/v1/articles", body: `{"url":"https://news.example/` + testenv.RandomName("new-") + `"}`}
			}},
		{pattern: "GET /api/v1/articles", access: accessBearer, minRole: auth.Editor, ok: 200, prepare: secFixed("/api/v1/articles")},
		{pattern: "GET /api/v1/articles/{id}", access: accessBearer, minRole: auth.Editor, ok: 200, prepare: secOnArticle("edited", "/api/v1/articles/%s", "")},
		{pattern: "GET /api/v1/articles/{id}/versions/{version}", access: accessBearer, minRole: auth.Editor, ok: 200,
			prepare: secOnArticle("edited", "/api/v1/articles/%s/versions/2", "")},
		{pattern: "PUT /api/v1/articles/{id}/draft", changes: true, access: accessBearer, minRole: auth.Editor, ok: 200, prepare: secOnArticle("draft", "/api/v1/articles/%s/draft", secDraftEdit)},
		{pattern: "POST /api/v1/articles/{id}/retry", changes: true, access: accessBearer, minRole: auth.Editor, ok: http.StatusAccepted, prepare: secOnArticle("failed", "/api/v1/articles/%s/retry", "")},
		{pattern: "POST /api/v1/articles/{id}/approve", changes: true, access: accessBearer, minRole: auth.Reviewer, ok: 200, prepare: secOnArticle("draft", "/api/v1/articles/%s/approve", `{"version":1}`)},
		{pattern: "POST /api/v1/articles/{id}/reject", changes: true, access: accessBearer, minRole: auth.Reviewer, ok: 200, prepare: secOnArticle("draft", "/api/v1/articles/%s/reject", `{"reason":"off topic"}`)},
		{pattern: "POST /api/v1/articles/{id}/regenerate", changes: true, access: accessBearer, minRole: auth.Reviewer, ok: http.StatusAccepted,
			prepare: secOnArticle("draft", "/api/v1/articles/%s/regenerate", `{"instructions":"shorter"}`)},
		{pattern: "POST /api/v1/articles/{id}/withdraw", changes: true, access: accessBearer, minRole: auth.Reviewer, ok: 200, prepare: secOnArticle("approved", "/api/v1/articles/%s/withdraw", `{"reason":"legal"}`)},
		{pattern: "GET /api/v1/usage", access: accessBearer, minRole: auth.Editor, ok: 200, prepare: secFixed("/api/v1/usage")},
		{pattern: "GET /api/v1/tokens", access: accessBearer, minRole: auth.Admin, ok: 200, prepare: secFixed("/api/v1/tokens")},
		{pattern: "POST /api/v1/tokens", changes: true, access: accessBearer, minRole: auth.Admin, ok: http.StatusCreated,
			prepare: func(*testing.T, *secFixture, *secCaller) secRequest {
				return secRequest{path: "/api/v1/tokens", body: `{"name":"intern","role":"admin"}`}
			}},
		{pattern: "DELETE /api/v1/tokens/{id}", changes: true, access: accessBearer, minRole: auth.Admin, ok: http.StatusNoContent,
			prepare: func(t *testing.T, f *secFixture, c *secCaller) secRequest {
				_, tok, err := f.db.CreateToken(t.Context(), "victim", auth.Editor)
				if err != nil {
					t.Fatal(err)
				}
				return secRequest{path: "/api/v1/tokens/" + strconv.FormatInt(tok.ID, 10)}
			}},
		{pattern: "GET /api/v1/webhooks", access: accessBearer, minRole: auth.Admin, ok: 200, prepare: secFixed("/api/v1/webhooks")},
		{pattern: "POST /api/v1/webhooks", changes: true, access: accessBearer, minRole: auth.Admin, ok: http.StatusCreated,
			prepare: func(*testing.T, *secFixture, *secCaller) secRequest {
				return secRequest{path: "/api/v1/webhooks", body: `{"url":"https://hooks.example/newsdesk"}`}
			}},
		{pattern: "DELETE /api/v1/webhooks/{id}", changes: true, access: accessBearer, minRole: auth.Admin, ok: http.StatusNoContent,
			prepare: func(t *testing.T, f *secFixture, c *secCaller) secRequest {
				h, err := f.db.CreateWebhook(t.Context(), "https://hooks.example/victim", "0123456789abcdef0123", "fixture")
				if err != nil {
					t.Fatal(err)
				}
				return secRequest{path: "/api/v1/webhooks/" + strconv.FormatInt(h.ID, 10)}
			}},
		{pattern: "GET /api/v1/webhooks/deliveries", access: accessBearer, minRole: auth.Admin, ok: 200, prepare: secFixed("/api/v1/webhooks/deliveries")},

		// Public read routes.
		{pattern: "GET /api/v1/published", access: accessPublic, ok: 200, prepare: secFixed("/api/v1/published")},
		{pattern: "GET /api/v1/published/{id}", access: accessPublic, ok: 200, prepare: secOnArticle("edited", "/api/v1/published/%s", "")},
		{pattern: "GET /feed.xml", access: accessPublic, ok: 200, prepare: secFixed("/feed.xml")},
		{pattern: "GET /feed.json", access: accessPublic, ok: 200, prepare: secFixed("/feed.json")},
		{pattern: "GET /embed/{id}", access: accessPublic, ok: 200, prepare: secOnArticle("edited", "/embed/%s", "")},
		{pattern: "OPTIONS /api/v1/published", access: accessPublic, ok: http.StatusNoContent, prepare: secFixed("/api/v1/published")},
		{pattern: "OPTIONS /api/v1/published/{id}", access: accessPublic, ok: http.StatusNoContent, prepare: secOnArticle("edited", "/api/v1/published/%s", "")},
		{pattern: "OPTIONS /feed.xml", access: accessPublic, ok: http.StatusNoContent, prepare: secFixed("/feed.xml")},
		{pattern: "OPTIONS /feed.json", access: accessPublic, ok: http.StatusNoContent, prepare: secFixed("/feed.json")},
		{pattern: "OPTIONS /embed/{id}", access: accessPublic, ok: http.StatusNoContent, prepare: secOnArticle("edited", "/embed/%s", "")},

		// Operations.
		{pattern: "GET /healthz", access: accessPublic, ok: 200, prepare: secFixed("/healthz")},
		{pattern: "GET /readyz", access: accessPublic, ok: 200, prepare: secFixed("/readyz")},
		// From another machine /metrics needs an admin token; scrapers on loopback need none
		// (TestMetricsOpenOnLoopbackOnly).
		{pattern: "GET /metrics", access: accessBearer, minRole: auth.Admin, ok: 200, prepare: secFixed("/metrics")},

		// Review desk.
		{pattern: "GET /static/", access: accessPublic, ok: 200, prepare: func(t *testing.T, _ *secFixture, _ *secCaller) secRequest {
			return secRequest{path: "/static/" + secStaticFile(t)}
		}},
		{pattern: "GET /ui", access: accessPublic, ok: http.StatusSeeOther, prepare: secFixed("/ui")},
		{pattern: "GET /ui/{$}", access: accessPublic, ok: http.StatusSeeOther, prepare: secFixed("/ui/")},
		{pattern: "GET /ui/signin", access: accessPublic, ok: 200, prepare: secFixed("/ui/signin")},
		{pattern: "POST /ui/signin", access: accessSignIn, ok: http.StatusSeeOther, prepare: func(t *testing.T, f *secFixture, c *secCaller) secRequest {
			return secRequest{path: "/ui/signin", body: url.Values{"token": {c.token}, "next": {"/ui/queue"}}.Encode()}
		}},
		{pattern: "POST /ui/signout", access: accessSession, minRole: auth.Editor, ok: http.StatusSeeOther, prepare: secFixed("/ui/signout")},
		{pattern: "GET /ui/queue", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secFixed("/ui/queue")},
		{pattern: "GET /ui/events", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secFixed("/ui/events"), stream: true},
		{pattern: "GET /ui/submit", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secFixed("/ui/submit")},
		{pattern: "POST /ui/submit", changes: true, access: accessSession, minRole: auth.Editor, prepare: func(*testing.T, *secFixture, *secCaller) secRequest {
			return secRequest{path: "/ui/submit", body: url.Values{"urls": {"https://news.example/" + testenv.RandomName("ui-")}}.Encode()}
		}},
		{pattern: "GET /ui/articles/{id}", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secOnArticle("edited", "/ui/articles/%s", "")},
		{pattern: "GET /ui/articles/{id}/preview", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secOnArticle("edited", "/ui/articles/%s/preview", "")},
		{pattern: "GET /ui/articles/{id}/diff", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secOnArticle("edited", "/ui/articles/%s/diff", "")},
		{pattern: "POST /ui/articles/{id}/save", changes: true, access: accessSession, minRole: auth.Editor, prepare: secOnArticle("draft", "/ui/articles/%s/save", secUISave)},
		{pattern: "POST /ui/articles/{id}/retry", changes: true, access: accessSession, minRole: auth.Editor, prepare: secOnArticle("failed", "/ui/articles/%s/retry", "")},
		{pattern: "POST /ui/articles/{id}/approve", changes: true, access: accessSession, minRole: auth.Reviewer, prepare: secOnArticle("draft", "/ui/articles/%s/approve", "version=1&confirm=yes")},
		{pattern: "POST /ui/articles/{id}/reject", changes: true, access: accessSession, minRole: auth.Reviewer, prepare: secOnArticle("draft", "/ui/articles/%s/reject", "reason=off+topic")},
		{pattern: "POST /ui/articles/{id}/regenerate", changes: true, access: accessSession, minRole: auth.Reviewer, prepare: secOnArticle("draft", "/ui/articles/%s/regenerate", "instructions=shorter")},
		{pattern: "POST /ui/articles/{id}/withdraw", changes: true, access: accessSession, minRole: auth.Reviewer, prepare: secOnArticle("approved", "/ui/articles/%s/withdraw", "reason=legal")},
		{pattern: "GET /ui/usage", access: accessSession, minRole: auth.Editor, ok: 200, prepare: secFixed("/ui/usage")},
		{pattern: "GET /ui/admin/tokens", access: accessSession, minRole: auth.Admin, ok: 200, prepare: secFixed("/ui/admin/tokens")},
		{pattern: "POST /ui/admin/tokens", changes: true, access: accessSession, minRole: auth.Admin, prepare: func(*testing.T, *secFixture, *secCaller) secRequest {
			return secRequest{path: "/ui/admin/tokens", body: "name=intern&role=admin"}
		}},
		{pattern: "POST /ui/admin/tokens/{tid}/revoke", changes: true, access: accessSession, minRole: auth.Admin, prepare: func(t *testing.T, f *secFixture, c *secCaller) secRequest {
			_, tok, err := f.db.CreateToken(t.Context(), "victim", auth.Editor)
			if err != nil {
				t.Fatal(err)
			}
			return secRequest{path: "/ui/admin/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke"}
		}},
	}
}

func secStaticFile(t *testing.T) string {
	t.Helper()
	var first string
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && first == "" {
			first = strings.TrimPrefix(p, "static/")
		}
		return nil
	})
	if first == "" {
		t.Fatal("no file under web/static")
	}
	return first
}

// secDeclaredRoutes reads every pattern passed to a Handle or HandleFunc call in the package's
// non-test source files. A pattern may be a string literal, or literals joined with + to the
// variable of a range loop over a literal list of strings (one route per element).
func secDeclaredRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		var walk func(n ast.Node, env map[string][]string)
		walk = func(n ast.Node, env map[string][]string) {
			ast.Inspect(n, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.RangeStmt:
					v, ok := n.Value.(*ast.Ident)
					if !ok {
						return true
					}
					if vals, ok := secLiterals(n.X, env); ok {
						inner := maps.Clone(env)
						inner[v.Name] = vals
						walk(n.Body, inner)
						return false
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || len(n.Args) != 2 || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
						return true
					}
					vals, ok := secStrings(n.Args[0], env)
					if !ok {
						t.Errorf("%s: route pattern is not a string built from literals; the matrix cannot see it", fset.Position(n.Pos()))
						return true
					}
					out = append(out, vals...)
				}
				return true
			})
		}
		walk(file, map[string][]string{})
	}
	return out
}

// secStrings returns the values a string expression can take: a literal, a range variable
// bound in env, or a + of those.
func secStrings(e ast.Expr, env map[string][]string) ([]string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return nil, false
		}
		v, err := strconv.Unquote(e.Value)
		return []string{v}, err == nil
	case *ast.Ident:
		v, ok := env[e.Name]
		return v, ok
	case *ast.ParenExpr:
		return secStrings(e.X, env)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		l, ok1 := secStrings(e.X, env)
		r, ok2 := secStrings(e.Y, env)
		if !ok1 || !ok2 {
			return nil, false
		}
		var out []string
		for _, a := range l {
			for _, b := range r {
				out = append(out, a+b)
			}
		}
		return out, true
	}
	return nil, false
}

// secLiterals returns the elements of a composite literal of strings.
func secLiterals(e ast.Expr, env map[string][]string) ([]string, bool) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	var out []string
	for _, el := range cl.Elts {
		v, ok := secStrings(el, env)
		if !ok {
			return nil, false
		}
		out = append(out, v...)
	}
	return out, true
}

func TestEveryDeclaredRouteHasAMatrixRow(t *testing.T) {
	rows := map[string]bool{}
	for _, r := range secMatrix() {
		if rows[r.pattern] {
			t.Errorf("route %q has two matrix rows", r.pattern)
		}
		rows[r.pattern] = true
	}
	declared := secDeclaredRoutes(t)
	if len(declared) < 15 {
		t.Fatalf("found only %d route declarations in the source; the parser is missing them", len(declared))
	}
	for _, p := range declared {
		if !rows[p] {
			t.Errorf("route %q has no row in the authorisation matrix (web/authz_test.go): add one with the role it needs", p)
		}
	}
}

// secExpectation is what a caller should get from a row.
type secExpectation struct {
	status  int
	allowed bool // the caller may use the route
	anyOK   bool // allowed with any non-authorisation status (status is 0)
}

func secExpect(r secRoute, c *secCaller) secExpectation {
	switch r.access {
	case accessPublic:
		return secExpectation{status: r.ok, allowed: true}
	case accessSignIn:
		if c.role == "" {
			return secExpectation{status: http.StatusUnauthorized}
		}
		return secExpectation{status: r.ok, allowed: true}
	case accessBearer:
		switch {
		case c.role == "":
			return secExpectation{status: http.StatusUnauthorized}
		case !c.role.Allows(r.minRole):
			return secExpectation{status: http.StatusForbidden}
		}
	case accessSession:
		switch {
		case c.role == "":
			return secExpectation{status: http.StatusSeeOther} // to the sign-in page
		case !c.role.Allows(r.minRole):
			return secExpectation{status: http.StatusForbidden}
		}
	}
	return secExpectation{status: r.ok, allowed: true, anyOK: r.ok == 0}
}

func (f *secFixture) secMatrixRequest(t *testing.T, r secRoute, c *secCaller, req secRequest) *http.Request {
	method, _, _ := strings.Cut(r.pattern, " ")
	ctx := t.Context()
	var cancel context.CancelFunc
	if r.stream {
		ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
		t.Cleanup(cancel)
	}
	body := req.body
	if r.access == accessSession && method == http.MethodPost {
		// Every review-desk form carries the session's CSRF token; a caller without a
		// session sends a made-up one.
		csrf := c.csrf
		if csrf == "" {
			csrf = "made-up"
		}
		if body != "" {
			body += "&"
		}
		body += "csrf=" + url.QueryEscape(csrf)
	}
	hr := httptest.NewRequestWithContext(ctx, method, req.path, strings.NewReader(body))
	switch r.access {
	case accessBearer:
		hr.Header.Set("Content-Type", "application/json")
	case accessSession, accessSignIn:
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	// Every caller presents every credential it has: the matrix checks that each route
	// honours only its own kind.
	if c.token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.session != "" {
		hr.AddCookie(&http.Cookie{Name: cookiePlain, Value: c.session})
	}
	return hr
}

func TestAuthorisationMatrix(t *testing.T) {
	f := newSecFixture(t, Config{})
	cells, refused := 0, 0
	for _, r := range secMatrix() {
		method, _, _ := strings.Cut(r.pattern, " ")
		// The row must reach its own pattern in the mux; a declared route that the server
		// does not serve (not wired yet) has nothing to test.
		probe := r.prepare(t, f, f.callers[3])
		_, served := f.srv.mux.Handler(httptest.NewRequest(method, probe.path, nil))
		if served != r.pattern {
			t.Logf("route %q is not served (the path %s reaches %q); its row is not run", r.pattern, probe.path, served)
			continue
		}
		for _, c := range f.callers {
			t.Run(r.pattern+" by "+c.name, func(t *testing.T) {
				cells++
				want := secExpect(r, c)
				if c.role != "" && r.access == accessSession {
					// A fresh session per cell: signing out ends the one it is sent with.
					fresh := *c
					id, sess, err := f.db.CreateSession(t.Context(), c.tokenID, time.Hour, time.Hour)
					if err != nil {
						t.Fatal(err)
					}
					fresh.session, fresh.csrf = id, sess.CSRF
					c = &fresh
				}
				req := r.prepare(t, f, c)
				before := f.snap(t, req.article)
				w := f.serve(f.secMatrixRequest(t, r, c, req))
				got := w.Code
				switch {
				case want.anyOK:
					if got == 401 || got == 403 || got >= 500 || (got == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/ui/signin")) {
						t.Errorf("%s %s by %s = %d (Location %q), want it allowed; body: %.300s", method, req.path, c.name, got, w.Header().Get("Location"), w.Body.String())
					}
				case got != want.status:
					t.Errorf("%s %s by %s = %d, want %d; body: %.300s", method, req.path, c.name, got, want.status, w.Body.String())
				}
				if r.access == accessSession && c.role == "" {
					if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/ui/signin") {
						t.Errorf("unauthenticated %s %s redirected to %q, want the sign-in page", method, req.path, loc)
					}
				}
				if want.allowed && r.changes {
					if after := f.snap(t, req.article); after == before {
						t.Errorf("allowed %s %s by %s = %d but changed nothing; body %.300s", method, req.path, c.name, got, w.Body.String())
					}
				}
				if !want.allowed {
					refused++
					if after := f.snap(t, req.article); after != before {
						t.Errorf("refused %s %s by %s changed state: before %+v, after %+v", method, req.path, c.name, before, after)
					}
				}
			})
		}
	}
	t.Logf("authorisation matrix: %d cells, %d of them refused callers", cells, refused)
	if cells < 20*6 {
		t.Errorf("only %d cells ran; expected at least the API and accessPublic rows × 6 callers", cells)
	}
}

func TestUnknownArticlesAre404NotLeaks(t *testing.T) {
	f := newSecFixture(t, Config{})
	editor := f.caller("the editor")
	draft := f.article(t, "draft")
	for _, tt := range []struct {
		name, path string
		c          *secCaller
	}{
		{"an unknown id for an editor", "/api/v1/articles/00000000-0000-0000-0000-000000000000", editor},
		{"a malformed id for an editor", "/api/v1/articles/1%20OR%201=1", editor},
		{"an unknown version", "/api/v1/articles/" + draft.ID + "/versions/9", editor},
		{"a draft-only article on the accessPublic route", "/api/v1/published/" + draft.ID, nil},
		{"a draft-only article by URL on the accessPublic route", "/api/v1/published?url=" + url.QueryEscape(draft.URL), nil},
		{"an unknown token id", "/api/v1/tokens/999999", f.caller("the admin")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasPrefix(tt.path, "/api/v1/tokens/") {
				method = http.MethodDelete
			}
			w := f.api(t, tt.c, method, tt.path, "")
			if w.Code != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404; body %.200s", method, tt.path, w.Code, w.Body.String())
			}
		})
	}
}

// Markers planted in an article's unapproved parts; none may appear on a public route.
const (
	secMarkApproved = "Mxapprovedv1"
	secMarkDraft    = "Mxunapprovedv2"
	secMarkSource   = "Mxsourceonly"
	secMarkHidden   = "Mxdraftonlytitle"
)

func TestPublicRoutesShowApprovedTextOnly(t *testing.T) {
	f := newSecFixture(t, Config{PortalOrigins: []string{"*"}})
	src := secGroundText + "\n\nThe statement was signed " + secMarkSource + " by the clerk."
	v1 := llmtest.Sample()
	v1.WhyItMatters = "Road repairs had been delayed for two years because of budget pressures " + secMarkApproved + "."
	v2 := llmtest.Sample()
	// The edit adds a claim the source does not support, so that it carries a flag.
	v2.WhyItMatters = "The mayor likely secured 93,000 extra jobs " + secMarkDraft + " for the region."
	edited := f.articleWith(t, "edited", "Council approves road repairs", src, v1, v2)
	hidden := f.articleWith(t, "draft", "Secret story "+secMarkHidden, src, v2, v2)

	// Preconditions, so that the test cannot pass vacuously.
	w := f.api(t, f.caller("the editor"), http.MethodGet, "/api/v1/articles/"+edited.ID, "")
	var view struct {
		Draft struct {
			Version int            `json:"version"`
			Flags   []summary.Flag `json:"flags"`
		} `json:"draft"`
		History []store.HistoryEntry `json:"history"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &view); err != nil || view.Draft.Version != 2 || len(view.Draft.Flags) == 0 || len(view.History) == 0 {
		t.Fatalf("editor's view of the edited article: version %d, %d flags, %d history rows (err %v); want v2 with flags and history",
			view.Draft.Version, len(view.Draft.Flags), len(view.History), err)
	}

	secrets := []string{secMarkDraft, secMarkSource, secMarkHidden, `"flags"`, `"history"`, `"text"`, "fixture editor", "fixture reviewer", "Mxunapproved"}
	for _, fl := range view.Draft.Flags {
		if fl.Reason != "" {
			secrets = append(secrets, fl.Reason)
		}
	}
	for _, c := range f.callers {
		if c.token != "" {
			secrets = append(secrets, c.token, c.session, c.csrf)
		}
	}

	paths := []string{
		"/api/v1/published",
		"/api/v1/published?limit=200",
		"/api/v1/published/" + edited.ID,
		"/api/v1/published?url=" + url.QueryEscape(edited.URL),
		"/api/v1/published/" + hidden.ID,
		"/api/v1/published?url=" + url.QueryEscape(hidden.URL),
	}
	for _, r := range secMatrix() {
		if r.access != accessPublic || strings.Contains(r.pattern, "{") {
			continue
		}
		method, path, _ := strings.Cut(r.pattern, " ")
		if _, served := f.srv.mux.Handler(httptest.NewRequest(method, path, nil)); served != r.pattern || path == "/static/" {
			continue
		}
		paths = append(paths, path)
	}
	sawApproved := 0
	for _, p := range paths {
		for _, c := range f.callers {
			t.Run(p+" for "+c.name, func(t *testing.T) {
				r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, p, nil)
				r.Header.Set("Origin", "https://portal.example")
				if c.token != "" {
					r.Header.Set("Authorization", "Bearer "+c.token)
					r.AddCookie(&http.Cookie{Name: cookiePlain, Value: c.session})
				}
				w := f.serve(r)
				body := w.Body.String()
				for _, s := range secrets {
					if len(s) >= 8 && strings.Contains(body, s) {
						t.Errorf("public %s (as %s) shows %q; body: %.400s", p, c.name, s, body)
					}
				}
				if strings.Contains(body, secMarkApproved) {
					sawApproved++
				}
			})
		}
	}
	if sawApproved == 0 {
		t.Error("no public route showed the approved v1 text; the check above proves nothing")
	}
	t.Logf("public routes: %d requests (%d paths × %d callers), each searched for %d secrets", len(paths)*len(f.callers), len(paths), len(f.callers), len(secrets))
}

func TestRevokedTokenStopsAtOnce(t *testing.T) {
	f := newSecFixture(t, Config{})
	c := f.newCaller(t, "soon revoked", auth.Editor)
	if w := f.api(t, c, http.MethodGet, "/api/v1/articles", ""); w.Code != 200 {
		t.Fatalf("before revoking: %d", w.Code)
	}
	w := f.api(t, f.caller("the admin"), http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(c.tokenID, 10), "")
	if w.Code != http.StatusNoContent {
		t.Fatalf("revoke = %d %s", w.Code, w.Body.String())
	}
	if w := f.api(t, c, http.MethodGet, "/api/v1/articles", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("API with the revoked token = %d, want 401", w.Code)
	}
	if _, err := f.db.Session(t.Context(), c.session, time.Hour, time.Hour); err == nil {
		t.Error("the revoked token's review-desk accessSession still works")
	}
}

func TestCredentialsOfOneKindDoNotOpenTheOther(t *testing.T) {
	f := newSecFixture(t, Config{})
	admin := f.caller("the admin")
	// A session cookie is an ambient credential: the API must not accept it, or every API
	// route would be open to cross-site requests.
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/api/v1/tokens", nil)
	r.AddCookie(&http.Cookie{Name: cookiePlain, Value: admin.session})
	r.AddCookie(&http.Cookie{Name: cookieSecure, Value: admin.session})
	if w := f.serve(r); w.Code != http.StatusUnauthorized {
		t.Errorf("API with only an admin accessSession cookie = %d, want 401", w.Code)
	}
	// Token in the query string or a different scheme: not accepted (they end up in logs).
	for _, tt := range []struct{ name, path, header string }{
		{"a token in the query string", "/api/v1/tokens?token=" + admin.token, ""},
		{"a token in the access_token parameter", "/api/v1/tokens?access_token=" + admin.token, ""},
		{"a Basic scheme", "/api/v1/tokens", "Basic " + admin.token},
		{"a token without a scheme", "/api/v1/tokens", admin.token},
		{"a token with a trailing NUL", "/api/v1/tokens", "Bearer " + admin.token + "\x00"},
		{"a second token after the first", "/api/v1/tokens", "Bearer " + auth.NewSecret() + " " + admin.token},
		{"an empty bearer", "/api/v1/tokens", "Bearer "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, tt.path, nil)
			if tt.header != "" {
				r.Header["Authorization"] = []string{tt.header}
			}
			if w := f.serve(r); w.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", tt.name, w.Code)
			}
		})
	}
	if !slices.ContainsFunc(f.callers, func(c *secCaller) bool { return c.role == auth.Admin }) {
		t.Fatal("no admin caller")
	}
}

func TestWithdrawnArticleLeavesEveryPublicRoute(t *testing.T) {
	f := newSecFixture(t, Config{})
	v1 := llmtest.Sample()
	v1.WhyItMatters = "Road repairs had been delayed for two years because of budget pressures " + secMarkApproved + "."
	a := f.articleWith(t, "approved", "Council approves road repairs", secGroundText, v1, v1)
	paths := []string{"/api/v1/published/" + a.ID, "/api/v1/published?url=" + url.QueryEscape(a.URL), "/api/v1/published",
		"/feed.xml", "/feed.json", "/embed/" + a.ID}
	get := func(p string) (int, string) {
		w := f.serve(httptest.NewRequestWithContext(t.Context(), http.MethodGet, p, nil))
		return w.Code, w.Body.String()
	}
	for _, p := range paths {
		if code, body := get(p); code != 200 || !strings.Contains(body, secMarkApproved) {
			t.Fatalf("before withdrawal %s = %d without the approved text", p, code)
		}
	}
	if w := f.api(t, f.caller("the reviewer"), http.MethodPost, "/api/v1/articles/"+a.ID+"/withdraw", `{"reason":"legal"}`); w.Code != 200 {
		t.Fatalf("withdraw = %d %s", w.Code, w.Body.String())
	}
	for _, p := range paths {
		if code, body := get(p); strings.Contains(body, secMarkApproved) {
			t.Errorf("after withdrawal %s = %d still shows the text", p, code)
		}
	}
}
