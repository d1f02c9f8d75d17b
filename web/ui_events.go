package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"newsdesk/store"
)

// hub fans Postgres notifications about article changes out to the browsers watching the
// review desk. It holds one dedicated connection (outside the pool, which LISTEN would pin)
// and only while somebody is subscribed.
type hub struct {
	db     *store.DB
	log    *slog.Logger
	mu     sync.Mutex
	subs   map[chan string]struct{}
	cancel context.CancelFunc
}

func newHub(db *store.DB, log *slog.Logger) *hub {
	return &hub{db: db, log: log, subs: map[chan string]struct{}{}}
}

// subscribe returns a channel of changed article ids ("*" means: anything may have changed,
// query again) and a func that ends the subscription.
func (h *hub) subscribe() (<-chan string, func()) {
	ch := make(chan string, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	if len(h.subs) == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		h.cancel = cancel
		go h.run(ctx)
	}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		if len(h.subs) == 0 && h.cancel != nil {
			h.cancel()
			h.cancel = nil
		}
		h.mu.Unlock()
	}
}

// broadcast never blocks: a subscriber whose buffer is full misses an id, which is harmless
// because every event makes the browser re-query the whole view, and it has events pending.
func (h *hub) broadcast(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- id:
		default:
		}
	}
}

// run listens until ctx ends, reconnecting with backoff. After every (re)connect it
// broadcasts "*": changes made while it was not listening are otherwise lost.
func (h *hub) run(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := h.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("live updates: listen connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 15*time.Second)
	}
}

func (h *hub) listen(ctx context.Context) error {
	cfg := h.db.Pool().Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{store.NotifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	h.broadcast("*")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		h.broadcast(n.Payload)
	}
}

// pingEvery is how often an idle stream sends a comment and re-checks its session; a
// variable so that tests need not wait 25 s.
var pingEvery = 25 * time.Second

// maxStreamsPerSession bounds the event streams one session holds open (a tab each).
const maxStreamsPerSession = 8

// streamCounter counts open event streams per session.
type streamCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *streamCounter) acquire(sid string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[sid] >= maxStreamsPerSession {
		return false
	}
	c.n[sid]++
	return true
}

func (c *streamCounter) release(sid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[sid]--; c.n[sid] <= 0 {
		delete(c.n, sid)
	}
}

// events streams article changes to a browser as server-sent events. The page re-reads
// itself on each one; EventSource reconnects by itself after a drop, and the page re-reads
// on reconnect too.
func (u *ui) events(w http.ResponseWriter, r *http.Request) {
	sid := sessionFrom(r.Context()).ID
	if !u.streams.acquire(sid) {
		http.Error(w, "too many live update streams for this session; close some tabs", http.StatusTooManyRequests)
		return
	}
	defer u.streams.release(sid)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	ch, unsubscribe := u.hub.subscribe()
	defer unsubscribe()
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	closing := u.shutdownSignal(r)
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-closing:
			// The server is shutting down: end the stream so that Shutdown need not wait
			// for it; the browser reconnects to whichever server is up.
			return
		case id := <-ch:
			id = strings.NewReplacer("\n", "", "\r", "").Replace(id)
			_, err = fmt.Fprintf(w, "event: change\ndata: %s\n\n", id)
		case <-ping.C:
			// A session that ended (sign-out elsewhere, revoked token, expiry) ends its
			// stream too; EventSource then gets the sign-in redirect and stops.
			if alive, aerr := u.s.db.SessionAlive(r.Context(), sid); aerr == nil && !alive {
				return
			}
			// Keeps proxies from closing an idle stream.
			_, err = fmt.Fprint(w, ": ping\n\n")
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// shutdownSignal returns a channel closed when the http.Server serving r starts shutting
// down. http.Server.Shutdown waits for active connections, and an event stream never goes
// idle by itself.
func (u *ui) shutdownSignal(r *http.Request) <-chan struct{} {
	hs, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if hs == nil {
		return nil
	}
	ch := make(chan struct{})
	actual, loaded := u.closing.LoadOrStore(hs, ch)
	if !loaded {
		hs.RegisterOnShutdown(func() { close(ch) })
	}
	return actual.(chan struct{})
}
