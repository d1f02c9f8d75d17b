// Package web is newsdesk's HTTP face: the JSON API under /api/v1 for editors, reviewers and
// scripts, the public read routes for the portal, the review desk under /ui, and health and
// metrics. All routes are listed in [Server.routes].
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"newsdesk/queue"
	"newsdesk/store"
)

// Config configures a [Server].
type Config struct {
	Logger *slog.Logger
	// PortalOrigins may read the public routes from a browser (CORS).
	PortalOrigins []string
	// PublicURL is the absolute base URL of this service, used in feeds and links
	// [http://127.0.0.1:8080].
	PublicURL string
	// Ready reports extra readiness (e.g. NATS connected); nil means always ready.
	Ready func(ctx context.Context) error
	// DailyBudget is the LLM spending limit per UTC day in US dollars, shown by /api/v1/usage.
	DailyBudget float64
	// Metrics serves /metrics; nil means no metrics route.
	Metrics http.Handler
}

// Server serves every route.
type Server struct {
	db  *store.DB
	q   *queue.Queue
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
}

// New returns a server; its routes are ready at once.
func New(db *store.DB, q *queue.Queue, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	s := &Server{db: db, q: q, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.routes()
	return s
}

// routes is the one place every route is declared, with the role it needs.
func (s *Server) routes() {
	m := s.mux
	// Editors' and reviewers' API.
	m.Handle("POST /api/v1/articles", s.need(editor, s.limitSubmit(s.submit)))
	m.Handle("GET /api/v1/articles", s.need(editor, s.listArticles))
	m.Handle("GET /api/v1/articles/{id}", s.need(editor, s.getArticle))
	m.Handle("GET /api/v1/articles/{id}/versions/{version}", s.need(editor, s.getVersion))
	m.Handle("PUT /api/v1/articles/{id}/draft", s.need(editor, s.saveDraft))
	m.Handle("POST /api/v1/articles/{id}/retry", s.need(editor, s.retry))
	m.Handle("POST /api/v1/articles/{id}/approve", s.need(reviewer, s.approve))
	m.Handle("POST /api/v1/articles/{id}/reject", s.need(reviewer, s.reject))
	m.Handle("POST /api/v1/articles/{id}/regenerate", s.need(reviewer, s.regenerate))
	m.Handle("POST /api/v1/articles/{id}/withdraw", s.need(reviewer, s.withdraw))
	m.Handle("GET /api/v1/usage", s.need(editor, s.usage))
	m.Handle("GET /api/v1/tokens", s.need(admin, s.listTokens))
	m.Handle("POST /api/v1/tokens", s.need(admin, s.createToken))
	m.Handle("DELETE /api/v1/tokens/{id}", s.need(admin, s.revokeToken))
	s.webhookRoutes(m) // admin: /api/v1/webhooks, /api/v1/webhooks/deliveries (web/portal.go)

	// Public: approved text only.
	s.portalRoutes(m) // /api/v1/published…, /feed.xml, /feed.json, /embed/{id} (web/portal.go)

	// Operations.
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	m.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.Metrics != nil {
		m.Handle("GET /metrics", s.metricsAccess(s.cfg.Metrics))
	}

	// The review desk: HTML under /ui, assets under /static (web/ui.go).
	s.uiRoutes(m)
}

// Handler returns the server's root handler with its middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.secureHeaders(writeDeadline(s.mux)))
}

// writeDeadline bounds how long writing one response may take, so a client that never reads
// cannot hold a connection forever; the event stream lives for minutes and sets its own.
func writeDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ui/events" {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Minute))
		}
		next.ServeHTTP(w, r)
	})
}

// metricsAccess serves metrics to scrapers on this machine, and elsewhere only with an admin
// token: they show volumes, spend and error kinds. (Prometheus sends a bearer token with
// authorization: credentials_file.)
func (s *Server) metricsAccess(h http.Handler) http.Handler {
	admin := s.need(admin, h.ServeHTTP)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() && r.Header.Get("X-Forwarded-For") == "" {
				h.ServeHTTP(w, r)
				return
			}
		}
		admin.ServeHTTP(w, r)
	})
}

// HTTPServer returns an http.Server with timeouts and limits on every route.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		// No WriteTimeout: server-sent events stream for minutes; handlers that need a
		// deadline set one with http.ResponseController.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// readyz answers 200 when Postgres and NATS answer. The causes go to the log, not to the
// public: a connection error names hosts, users and databases.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("not ready", "component", "postgres", "err", err)
		http.Error(w, "postgres unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Warn("not ready", "component", "nats", "err", err)
			http.Error(w, "nats unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// Security headers, built once: assigning a prepared slice under a canonical key costs no
// allocation on the portal's hot path, where Header.Set would allocate for each one. (The
// slices are full to capacity, so a handler's Header.Add copies rather than writes into them.)
var (
	hdrNosniff  = []string{"nosniff"}
	hdrReferrer = []string{"same-origin"}
	hdrFrame    = []string{"DENY"}
	hdrCSP      = []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}
	hdrHSTS     = []string{"max-age=31536000"}
)

func (s *Server) secureHeaders(next http.Handler) http.Handler {
	hsts := strings.HasPrefix(s.cfg.PublicURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNosniff
		h["Referrer-Policy"] = hdrReferrer
		h["X-Frame-Options"] = hdrFrame
		h["Content-Security-Policy"] = hdrCSP
		if hsts {
			h["Strict-Transport-Security"] = hdrHSTS
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
