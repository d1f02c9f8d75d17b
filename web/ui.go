package web

// The review desk: server-rendered HTML under /ui for editors and reviewers. Every core action
// (sign-in, submit, edit, save, approve, reject, regenerate, withdraw, retry) is a plain HTML
// form and works without JavaScript; web/static/app.js adds keyboard shortcuts, the approve
// confirmation dialog and live updates over server-sent events.

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"newsdesk/auth"
	"newsdesk/store"
	"newsdesk/summary"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// uiPages are the page templates; each is parsed with layout.html and parts.html. A page
// missing here or on disk stops the server at start-up, not at the first request.
var uiPages = []string{"signin", "queue", "submit", "article", "confirm", "diff", "preview", "tokens", "usage", "problem"}

// ui holds the review desk's state; its handlers are registered by [Server.uiRoutes].
type ui struct {
	s       *Server
	log     *slog.Logger
	pages   map[string]*template.Template
	cop     *http.CrossOriginProtection
	hub     *hub
	streams streamCounter
	// closing maps each *http.Server that served an event stream to a channel closed at
	// its shutdown (see shutdownSignal).
	closing sync.Map
}

// uiRoutes declares the review desk's routes on m. It panics if a template is missing or
// does not parse, so a broken build fails at boot.
func (s *Server) uiRoutes(m *http.ServeMux) {
	u, err := newUI(s)
	if err != nil {
		panic(err)
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(static)
	m.Handle("GET /static/", http.StripPrefix("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Embedded files carry no modification time; revalidate rather than cache stale code.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})))

	m.Handle("GET /ui", http.RedirectHandler("/ui/queue", http.StatusSeeOther))
	m.Handle("GET /ui/{$}", http.RedirectHandler("/ui/queue", http.StatusSeeOther))
	m.Handle("GET /ui/signin", u.open(u.signinPage))
	m.Handle("POST /ui/signin", s.LimitSignIn(u.open(u.signin)))
	m.Handle("POST /ui/signout", u.page(editor, u.signout))

	m.Handle("GET /ui/queue", u.page(editor, u.queuePage))
	m.Handle("GET /ui/events", u.page(editor, u.events))
	m.Handle("GET /ui/submit", u.page(editor, u.submitPage))
	m.Handle("POST /ui/submit", u.page(editor, u.submitForm))

	m.Handle("GET /ui/articles/{id}", u.page(editor, u.articlePage))
	m.Handle("GET /ui/articles/{id}/preview", u.page(editor, u.previewPage))
	m.Handle("GET /ui/articles/{id}/diff", u.page(editor, u.diffPage))
	m.Handle("POST /ui/articles/{id}/save", u.page(editor, u.save))
	m.Handle("POST /ui/articles/{id}/retry", u.page(editor, u.retryForm))
	m.Handle("POST /ui/articles/{id}/approve", u.page(reviewer, u.approveForm))
	m.Handle("POST /ui/articles/{id}/reject", u.page(reviewer, u.rejectForm))
	m.Handle("POST /ui/articles/{id}/regenerate", u.page(reviewer, u.regenerateForm))
	m.Handle("POST /ui/articles/{id}/withdraw", u.page(reviewer, u.withdrawForm))

	m.Handle("GET /ui/usage", u.page(editor, u.usagePage))
	m.Handle("GET /ui/admin/tokens", u.page(admin, u.tokensPage))
	m.Handle("POST /ui/admin/tokens", u.page(admin, u.createTokenForm))
	m.Handle("POST /ui/admin/tokens/{tid}/revoke", u.page(admin, u.revokeTokenForm))
}

func newUI(s *Server) (*ui, error) {
	u := &ui{s: s, log: s.log, pages: map[string]*template.Template{}, cop: http.NewCrossOriginProtection()}
	u.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.problem(w, r, http.StatusForbidden, "Cross-site request refused",
			"This form was sent from another site. Open the review desk directly and try again.")
	}))
	// Behind a proxy that rewrites Host, browsers still name our public origin: trust it.
	if pu, err := url.Parse(s.cfg.PublicURL); err == nil && pu.Scheme != "" && pu.Host != "" {
		if err := u.cop.AddTrustedOrigin(pu.Scheme + "://" + pu.Host); err != nil {
			return nil, fmt.Errorf("public URL %q: %w", s.cfg.PublicURL, err)
		}
	}
	for _, name := range uiPages {
		t, err := template.New(name).Funcs(uiFuncs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("ui template %s: no content block", name)
		}
		u.pages[name] = t
	}
	u.hub = newHub(s.db, s.log)
	return u, nil
}

// base is what every page shows: who is signed in, the form token and messages.
type base struct {
	Title  string
	Nav    string // the active navigation item
	User   *auth.Principal
	CSRF   string
	Notice string // a success message
	Error  string // a problem the user can fix
	// Live marks pages that refresh their [data-live] regions on server-sent events.
	Live bool
}

func (b *base) fill(r *http.Request) {
	si := sessionFrom(r.Context())
	if si.ID != "" {
		p := si.Principal
		b.User, b.CSRF = &p, si.CSRF
	}
}

type pageData interface{ baseData() *base }

func (b *base) baseData() *base { return b }

// render executes a page into a buffer first, so that a template error is a clean 500 and
// never half a page.
func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	data.baseData().fill(r)
	t, ok := u.pages[name]
	if !ok {
		u.fail(w, r, fmt.Errorf("no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		u.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type problemPage struct {
	base
	Status  int
	Message string
}

// problem shows a plain error page; message is for people and must not carry internals.
func (u *ui) problem(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	u.render(w, r, status, "problem", &problemPage{base: base{Title: title}, Status: status, Message: message})
}

// fail maps an error to a page, as writeError does for JSON: not found is 404, a conflict
// shows its reason, anything else is logged and shown as a 500 without details.
func (u *ui) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ae):
		u.problem(w, r, ae.Status, "That did not work", ae.Message)
	case errors.As(err, &ce):
		u.problem(w, r, http.StatusConflict, "That did not work", ce.Reason)
	case errors.Is(err, store.ErrNotFound):
		u.problem(w, r, http.StatusNotFound, "Not found", "There is no such article, version or token.")
	default:
		u.log.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		if _, ok := u.pages["problem"]; !ok {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		u.problem(w, r, http.StatusInternalServerError, "Something went wrong",
			"The server could not complete this request. It has been logged; try again in a moment.")
	}
}

// pair passes two values to a template (html/template's dot is one value).
type pair struct {
	A any
	B int
}

// Status labels as people say them.
var statusLabels = map[string]string{
	store.StatusQueued: "Queued", store.StatusExtracting: "Extracting", store.StatusSummarising: "Summarising",
	store.StatusDraft: "Needs review", store.StatusApproved: "Approved", store.StatusRejected: "Rejected",
	store.StatusWithdrawn: "Withdrawn", store.StatusFailed: "Failed",
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// Section labels, as the portal shows them.
const (
	labelKeyPoints = "Key points"
	labelWhy       = "Why this matters"
	labelWhat      = "What this means for you"
)

var uiFuncs = template.FuncMap{
	"status": statusLabel,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago": ago,
	"cost": func(c float64) string {
		if c == 0 {
			return "—"
		}
		return fmt.Sprintf("$%.4f", c)
	},
	"add":        func(a, b int) int { return a + b },
	"kind":       flagKind,
	"pair":       func(a any, b int) pair { return pair{a, b} },
	"paragraphs": paragraphs,
	"host":       hostOf,
	"actionLabel": func(a string) string {
		if l, ok := actionLabels[a]; ok {
			return l
		}
		return a
	},
}

var actionLabels = map[string]string{
	"submit": "Submitted", "extract": "Extraction started", "extracted": "Text extracted", "draft": "Draft written", "edit": "Edited", "approve": "Approved",
	"reject": "Rejected", "withdraw": "Withdrawn", "regenerate": "Regeneration asked", "retry": "Retried",
	"fail": "Failed",
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return t.UTC().Format("2 Jan")
	}
}

// paragraphs splits extracted text on blank lines (or single newlines when it has none).
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	sep := "\n\n"
	if !strings.Contains(text, sep) {
		sep = "\n"
	}
	var out []string
	for _, p := range strings.Split(text, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func hostOf(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "www.")
}

// flagsFor returns the flags about one section.
func flagsFor(flags []summary.Flag, section string) []summary.Flag {
	var out []summary.Flag
	for _, f := range flags {
		if f.Section == section {
			out = append(out, f)
		}
	}
	return out
}
