package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/store"
)

// ErrNoSecret is returned by [New] when NEWSDESK_WEBHOOK_URLS is set without
// NEWSDESK_WEBHOOK_SECRET: an unsigned body proves nothing to its receiver.
var ErrNoSecret = errors.New("webhooks: NEWSDESK_WEBHOOK_URLS needs NEWSDESK_WEBHOOK_SECRET to sign the bodies")

// Config configures a [Dispatcher]. Zero values take the defaults in brackets.
type Config struct {
	URLs     []string // targets from the environment, signed with Secret, besides the admin-managed ones
	Secret   string
	Stream   string // JetStream stream ["NEWSDESK_WEBHOOKS"]
	Subject  string // its one subject ["webhooks.deliver"]
	Replicas int    // [1]
	// Concurrency is the number of deliveries in flight in this process [4].
	Concurrency int
	// Timeout bounds one attempt, from dialling to the end of the response [10s].
	Timeout time.Duration
	// Backoff is the wait before each retry; a delivery gets len(Backoff)+1 attempts
	// [5s, 30s, 2m, 10m, 30m, 1h, 2h: 8 attempts over about four hours].
	Backoff []time.Duration
	// Poll is how often new events are looked for [500ms].
	Poll time.Duration
	// StallGrace is how long past its retry time a pending delivery may stay silent before
	// its message is taken for lost and published again [10m].
	StallGrace time.Duration
	// AllowLoopback lets deliveries reach loopback addresses (NEWSDESK_WEBHOOK_ALLOW_LOOPBACK;
	// tests and single-machine set-ups). Link-local and cloud metadata addresses are always
	// refused: they are never a webhook receiver.
	AllowLoopback bool
	Client        *http.Client // [Timeout, no redirects, no proxy, guarded dialer]
	Logger        *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "NEWSDESK_WEBHOOKS"
	}
	if c.Subject == "" {
		c.Subject = "webhooks.deliver"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Backoff == nil {
		c.Backoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
			30 * time.Minute, time.Hour, 2 * time.Hour}
	}
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	if c.StallGrace <= 0 {
		c.StallGrace = 10 * time.Minute
	}
	if c.Client == nil {
		c.Client = newClient(c.Timeout, c.AllowLoopback)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// newClient fetches admin-configured URLs: still with a deadline on every step and without
// following redirects, so that a target cannot hold a slot or bounce the body elsewhere.
// metadataV6 is the IPv6 address of AWS's instance metadata service.
var metadataV6 = netip.MustParseAddr("fd00:ec2::254")

// newClient is the delivery client. Targets are set by admins, but a stolen admin token must
// not turn webhooks into a way to read cloud metadata or probe this machine's ports: the
// dialer refuses those addresses whatever name resolves to them. Private network addresses
// stay allowed, since receivers often live on the newsroom's own network.
func newClient(timeout time.Duration, allowLoopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second), Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		a := ap.Addr().Unmap()
		if (a.IsLoopback() && !allowLoopback) || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() || a == metadataV6 {
			return fmt.Errorf("webhooks: %s is a loopback, link-local or metadata address: refused", a)
		}
		return nil
	}}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ValidURL checks a target URL: absolute http or https with a host.
func ValidURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhooks: bad URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhooks: URL %q must be absolute http or https", raw)
	}
	return nil
}

// Dispatcher turns approvals and withdrawals into signed POSTs. Run it in every process that
// should deliver (`newsdesk run`, `newsdesk worker`); several may run at once.
type Dispatcher struct {
	db   *store.DB
	js   jetstream.JetStream
	cfg  Config
	log  *slog.Logger
	cons jetstream.Consumer
}

// message is the body of a delivery's JetStream message: the id only.
type message struct {
	DeliveryID int64 `json:"delivery_id"`
}

// New creates or updates the webhook stream and its consumer and returns a dispatcher. It
// returns [ErrNoSecret] when env URLs have no secret, and an error for a malformed env URL.
func New(ctx context.Context, db *store.DB, js jetstream.JetStream, cfg Config) (*Dispatcher, error) {
	cfg = cfg.withDefaults()
	if len(cfg.URLs) > 0 && cfg.Secret == "" {
		return nil, ErrNoSecret
	}
	for _, u := range cfg.URLs {
		if err := ValidURL(u); err != nil {
			return nil, fmt.Errorf("NEWSDESK_WEBHOOK_URLS: %w", err)
		}
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "newsdesk webhook deliveries: delivery ids only",
		Subjects:    []string{cfg.Subject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		Duplicates:  time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: stream %s: %w", cfg.Stream, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:       "deliver",
		Description:   "POSTs webhook deliveries",
		FilterSubject: cfg.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		// An attempt ends within Timeout; the margin covers recording its result.
		AckWait: cfg.Timeout + 20*time.Second,
		// Postgres counts attempts; this only stops a message that crashes its worker
		// every time.
		MaxDeliver:    3 * (len(cfg.Backoff) + 1),
		MaxAckPending: 1000,
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: consumer: %w", err)
	}
	return &Dispatcher{db: db, js: js, cfg: cfg, log: cfg.Logger, cons: cons}, nil
}

// Run dispatches events and delivers until ctx ends. It returns nil then.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { d.dispatchLoop(ctx) })
	for range d.cfg.Concurrency {
		wg.Go(func() { d.deliverLoop(ctx) })
	}
	wg.Wait()
	return nil
}

func (d *Dispatcher) dispatchLoop(ctx context.Context) {
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		if err := d.dispatchOnce(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("webhooks: dispatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// dispatchOnce turns new events into deliveries and publishes every delivery whose message
// JetStream has not confirmed yet: the new ones, and any left by a crash or a broker outage.
func (d *Dispatcher) dispatchOnce(ctx context.Context) error {
	hooks, err := d.db.Webhooks(ctx)
	if err != nil {
		return err
	}
	expand := func(ev store.WebhookEvent) ([]store.NewDelivery, error) { return d.expand(ev, hooks) }
	for {
		ids, err := d.db.DispatchWebhookEvents(ctx, 100, expand)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			d.log.Info("webhooks: deliveries created", "count", len(ids))
		}
		if len(ids) < 100 {
			break
		}
	}
	ids, err := d.db.UnqueuedDeliveries(ctx, 500)
	if err != nil {
		return err
	}
	msgIDs := make([]string, len(ids))
	for i, id := range ids {
		msgIDs[i] = "webhook-delivery-" + strconv.FormatInt(id, 10)
	}
	stalled, err := d.db.StalledDeliveries(ctx, d.cfg.StallGrace, 100)
	if err != nil {
		return err
	}
	for _, s := range stalled {
		d.log.Warn("webhooks: delivery message lost; publishing it again", "delivery_id", s.ID, "attempts", s.Attempts)
		ids = append(ids, s.ID)
		// A new message id per stall (the dedupe window may still hold the old one), the same
		// one in every dispatcher that sees this stall.
		msgIDs = append(msgIDs, fmt.Sprintf("webhook-delivery-%d-%d", s.ID, s.EnqueuedAt.UnixMicro()))
	}
	var done []int64
	var firstErr error
	for i, id := range ids {
		body, _ := json.Marshal(message{DeliveryID: id})
		_, err := d.js.Publish(ctx, d.cfg.Subject, body, jetstream.WithMsgID(msgIDs[i]), jetstream.WithExpectStream(d.cfg.Stream))
		if err != nil {
			firstErr = fmt.Errorf("publish delivery %d: %w", id, err)
			break
		}
		done = append(done, id)
	}
	if len(done) > 0 {
		if err := d.db.MarkDeliveriesEnqueued(ctx, done); err != nil {
			return err
		}
	}
	return firstErr
}

// expand lists an event's targets: every admin webhook, then every env URL.
func (d *Dispatcher) expand(ev store.WebhookEvent, hooks []store.Webhook) ([]store.NewDelivery, error) {
	body, err := bodyOf(ev)
	if err != nil {
		return nil, fmt.Errorf("webhook body of event %d: %w", ev.ID, err)
	}
	var out []store.NewDelivery
	for _, h := range hooks {
		out = append(out, store.NewDelivery{Source: "admin", WebhookID: &h.ID, URL: h.URL, Body: body})
	}
	for _, u := range d.cfg.URLs {
		out = append(out, store.NewDelivery{Source: "env", URL: u, Body: body})
	}
	return out, nil
}

func (d *Dispatcher) deliverLoop(ctx context.Context) {
	for ctx.Err() == nil {
		// One message at a time per slot: nothing waits in a client buffer while its ack
		// timer runs.
		batch, err := d.cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			d.fetchFailed(ctx, err)
			continue
		}
		select {
		case <-ctx.Done():
			// Shutting down: a message that still arrives waits out its ack timer and goes
			// to another process.
			return
		case msg, ok := <-batch.Messages():
			if !ok {
				if err := batch.Error(); err != nil {
					d.fetchFailed(ctx, err)
				}
				continue
			}
			d.handle(ctx, msg)
		}
	}
}

func (d *Dispatcher) fetchFailed(ctx context.Context, err error) {
	if ctx.Err() != nil || errors.Is(err, jetstream.ErrNoMessages) || isTimeout(err) {
		return
	}
	d.log.Warn("webhooks: fetch", "err", err)
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || (errors.As(err, &ne) && ne.Timeout())
}

// handle makes one attempt at a delivery and settles its message after Postgres has the
// result: Ack when delivered or given up, NakWithDelay to retry.
func (d *Dispatcher) handle(ctx context.Context, msg jetstream.Msg) {
	var m message
	if err := json.Unmarshal(msg.Data(), &m); err != nil || m.DeliveryID <= 0 {
		d.log.Error("webhooks: malformed message; dropped", "data", string(msg.Data()))
		msg.Term()
		return
	}
	del, err := d.db.GetDelivery(ctx, m.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		msg.Term()
		return
	}
	if err != nil {
		d.log.Warn("webhooks: load delivery", "delivery_id", m.DeliveryID, "err", err)
		msg.NakWithDelay(5 * time.Second)
		return
	}
	if del.Status != store.DeliveryPending {
		msg.Ack() // a redelivery of finished work
		return
	}
	log := d.log.With("delivery_id", del.ID, "event", del.Event, "article_id", del.ArticleID, "host", hostOf(del.URL))
	secret := del.Secret
	if del.Source == "env" {
		secret = d.cfg.Secret
	}
	if del.Source == "admin" && del.WebhookID == nil {
		d.record(ctx, msg, log, del.ID, store.DeliveryFailed, 0, "the webhook was deleted", 0)
		return
	}
	if secret == "" {
		d.record(ctx, msg, log, del.ID, store.DeliveryFailed, 0, "no signing secret for this target", 0)
		return
	}
	attempt := del.Attempts + 1
	code, errText := d.post(ctx, del, secret, attempt)
	if code == 0 && ctx.Err() != nil {
		msg.Nak() // cut short by shutdown: not an attempt; another process tries again
		return
	}
	switch {
	case code >= 200 && code < 300:
		d.record(ctx, msg, log, del.ID, store.DeliveryDelivered, code, "", 0)
		log.Info("webhooks: delivered", "status", code, "attempt", attempt)
	case code == http.StatusGone || attempt > len(d.cfg.Backoff):
		d.record(ctx, msg, log, del.ID, store.DeliveryFailed, code, errText, 0)
		log.Warn("webhooks: given up", "status", code, "attempt", attempt, "err", errText)
	default:
		wait := d.cfg.Backoff[attempt-1]
		d.record(ctx, msg, log, del.ID, store.DeliveryPending, code, errText, wait)
		log.Info("webhooks: will retry", "status", code, "attempt", attempt, "err", errText, "in", wait)
	}
}

// record stores an attempt's result, then settles the message.
func (d *Dispatcher) record(ctx context.Context, msg jetstream.Msg, log *slog.Logger, id int64, status string, code int, errText string, retryIn time.Duration) {
	var next *time.Time
	if status == store.DeliveryPending {
		t := time.Now().Add(retryIn)
		next = &t
	}
	// A finished attempt is recorded even while shutting down: the target saw it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := d.db.RecordAttempt(rctx, id, status, code, errText, next); err != nil {
		// Unrecorded: deliver again later rather than lose the result.
		log.Warn("webhooks: record attempt", "err", err)
		msg.NakWithDelay(5 * time.Second)
		return
	}
	if status == store.DeliveryPending {
		msg.NakWithDelay(retryIn)
		return
	}
	msg.Ack()
}

// post sends one attempt. It returns the response status (0 when there was none) and, for
// anything but 2xx, what went wrong.
func (d *Dispatcher) post(ctx context.Context, del store.Delivery, secret string, attempt int) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, del.URL, bytes.NewReader(del.Body))
	if err != nil {
		return 0, "bad URL: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "newsdesk-webhooks/1")
	req.Header.Set("X-Newsdesk-Event", del.Event)
	req.Header.Set("X-Newsdesk-Delivery", strconv.FormatInt(del.ID, 10))
	req.Header.Set("X-Newsdesk-Attempt", strconv.Itoa(attempt))
	req.Header.Set(SignatureHeader, Sign(secret, del.Body))
	res, err := d.cfg.Client.Do(req)
	if err != nil {
		return 0, truncate(err.Error(), 500)
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return res.StatusCode, ""
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return res.StatusCode, fmt.Sprintf("HTTP %d to %s: redirects are not followed; configure the final URL",
			res.StatusCode, truncate(res.Header.Get("Location"), 200))
	default:
		return res.StatusCode, truncate(fmt.Sprintf("HTTP %d: %s", res.StatusCode, bytes.TrimSpace(snippet)), 500)
	}
}

// truncate shortens a receiver's text for the delivery row: valid UTF-8, no NUL (Postgres
// text refuses both), at most about n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "�"), "\x00", "")
}

// hostOf is what logs show of a target: its query may hold a token.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
