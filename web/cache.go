package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"newsdesk/store"
)

// pubGzipMin is the size from which a response is worth compressing: below one TCP segment the
// saving does not pay for the header.
const pubGzipMin = 1024

// pubRep is one ready-to-send representation of a resource: the body, its gzip variant and every
// header value, computed once so that serving it costs a map look-up and a write.
type pubRep struct {
	body, gz []byte
	modTime  time.Time
	// Header values as the slices net/http stores; shared read-only by every response.
	ctype, etag, lastMod, clen, gzlen []string
}

func newPubRep(ctype string, body []byte, tag string, mod time.Time) *pubRep {
	r := &pubRep{
		body:    body,
		modTime: mod,
		ctype:   []string{ctype},
		etag:    []string{`"` + tag + `"`},
		clen:    []string{strconv.Itoa(len(body))},
	}
	if !mod.IsZero() {
		r.lastMod = []string{mod.UTC().Format(pubTimeFormat)}
	}
	if len(body) >= pubGzipMin {
		r.gz = pubGzip(body)
		r.gzlen = []string{strconv.Itoa(len(r.gz))}
	}
	return r
}

const pubTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

var pubGzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return w
}}

func pubGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := pubGzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	pubGzipPool.Put(zw)
	return buf.Bytes()
}

// pubEntry is one approved summary with its pre-encoded representations.
type pubEntry struct {
	sum   store.PublicSummary
	json  []byte  // the publishedJSON object, no trailing newline
	api   *pubRep // GET /api/v1/published/{id}
	embed *pubRep // GET /embed/{id}
}

func (c *portalCache) newEntry(p store.PublicSummary) (*pubEntry, error) {
	body, err := json.Marshal(toPublic(p))
	if err != nil {
		return nil, fmt.Errorf("encode published %s: %w", p.ID, err)
	}
	tag := entryTag(p)
	e := &pubEntry{sum: p, json: body}
	e.api = newPubRep("application/json; charset=utf-8", body, tag, p.ApprovedAt)
	frag, err := renderEmbed(p)
	if err != nil {
		return nil, err
	}
	e.embed = newPubRep("text/html; charset=utf-8", frag, "e"+tag, p.ApprovedAt)
	return e, nil
}

// entryTag identifies an approved version: the same in every process, so that ETags hold
// behind a load balancer, and new on every approval (even of the same version again).
func entryTag(p store.PublicSummary) string {
	return p.ID + "-v" + strconv.Itoa(p.Version) + "-" + strconv.FormatInt(p.ApprovedAt.UnixMicro(), 36)
}

// pubOrder orders entries as the list routes show them: most recently approved first, then by
// id descending, the order Postgres uses for the same query.
func pubOrder(a, b *pubEntry) int {
	if c := b.sum.ApprovedAt.Compare(a.sum.ApprovedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.sum.ID, a.sum.ID)
}

// pubSnapshot is an immutable view of every approved summary. Readers load it with one atomic
// read; a change builds a new one.
type pubSnapshot struct {
	byID   map[string]*pubEntry
	byKey  map[string]*pubEntry
	sorted []*pubEntry
	// withdrawn lists articles taken down after horizon and still down, newest first, for
	// ?since= polls.
	withdrawn []store.Withdrawal
	horizon   time.Time

	// Feeds and the default first page are built on first use, once per snapshot.
	feedsOnce sync.Once
	rss, jf   *pubRep
	feedErr   error
	pageOnce  sync.Once
	firstPage *pubRep
}

func newPubSnapshot(entries []*pubEntry) *pubSnapshot {
	s := &pubSnapshot{byID: make(map[string]*pubEntry, len(entries)), byKey: make(map[string]*pubEntry, len(entries))}
	for _, e := range entries {
		s.byID[e.sum.ID] = e
		s.byKey[e.sum.URLKey] = e
	}
	s.sorted = make([]*pubEntry, 0, len(s.byID))
	for _, e := range s.byID {
		s.sorted = append(s.sorted, e)
	}
	slices.SortFunc(s.sorted, pubOrder)
	return s
}

// portalCache holds approved summaries in memory and keeps them current by listening on
// [store.PublicNotifyChannel]. While it is not listening (before the first load, after a lost
// connection) it holds no snapshot and the read routes go to Postgres, so a process never
// serves text that may be stale.
type portalCache struct {
	db        *store.DB
	log       *slog.Logger
	publicURL string
	cur       atomic.Pointer[pubSnapshot]
	running   atomic.Bool
	// applied counts the batches of announcements applied: each one reads Postgres.
	applied atomic.Int64
}

// load returns the current snapshot, or nil when the cache is not live.
func (c *portalCache) load() *pubSnapshot { return c.cur.Load() }

// run keeps the cache live until ctx ends: it listens on a dedicated connection, loads every
// approved summary after each (re)connect, and applies changes as they are announced.
func (c *portalCache) run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("portal cache: already running")
	}
	defer c.running.Store(false)
	wait := 100 * time.Millisecond
	for {
		start := time.Now()
		err := c.listen(ctx)
		c.cur.Store(nil)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			wait = 100 * time.Millisecond
		}
		c.log.Warn("portal cache: listener lost; serving from Postgres until it reconnects", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (c *portalCache) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, c.db.Pool().Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{store.PublicNotifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// LISTEN is in place before the load: a change committed after this point is announced to
	// us, a change before it is in the load.
	if err := c.reload(ctx); err != nil {
		return err
	}
	c.log.Debug("portal cache: live", "summaries", len(c.load().byID))
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
				return fmt.Errorf("wait: %w", err)
			}
			// A quiet second: check that the connection is still there, so that a silent
			// network failure turns into DB reads within about two seconds.
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := conn.Exec(pctx, ";")
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
			continue
		}
		ids := map[string]bool{n.Payload: true}
		// Gather a burst (a batch approval) into one rebuild.
		for len(ids) < 500 {
			bctx, cancel := context.WithTimeout(ctx, 2*time.Millisecond)
			n, err := conn.WaitForNotification(bctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
					return fmt.Errorf("wait: %w", err)
				}
				break
			}
			ids[n.Payload] = true
		}
		if err := c.apply(ctx, ids); err != nil {
			return err
		}
	}
}

// reload replaces the snapshot with every approved summary.
func (c *portalCache) reload(ctx context.Context) error {
	all, err := c.db.AllPublicSummaries(ctx)
	if err != nil {
		return err
	}
	entries := make([]*pubEntry, 0, len(all))
	for _, p := range all {
		e, err := c.newEntry(p)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	return c.publish(ctx, entries)
}

// withdrawnWindow is how far back a snapshot remembers withdrawals; a portal that polls less
// often than this should re-read the whole list.
const withdrawnWindow = 30 * 24 * time.Hour

// publish makes a snapshot of entries current, with the recent withdrawals.
func (c *portalCache) publish(ctx context.Context, entries []*pubEntry) error {
	horizon := time.Now().Add(-withdrawnWindow)
	w, err := c.db.Withdrawals(ctx, horizon)
	if err != nil {
		return err
	}
	snap := newPubSnapshot(entries)
	snap.withdrawn, snap.horizon = w, horizon
	c.cur.Store(snap)
	return nil
}

// samePublic reports whether two reads of an approved summary show the same thing. The
// version alone does not say: a failed regeneration of an approved article can be retried
// from the start, and its new extraction rewrites the title, byline and date the portal
// shows beside the approved version.
func samePublic(a, b store.PublicSummary) bool {
	return a.ID == b.ID && a.URL == b.URL && a.URLKey == b.URLKey && a.Title == b.Title &&
		a.SiteName == b.SiteName && a.Byline == b.Byline && a.Lang == b.Lang &&
		samePtrTime(a.PublishedAt, b.PublishedAt) && a.Version == b.Version && a.ApprovedAt.Equal(b.ApprovedAt) &&
		slices.Equal(a.KeyPoints, b.KeyPoints) && a.WhyItMatters == b.WhyItMatters && a.WhatItMeansForYou == b.WhatItMeansForYou
}

func samePtrTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// apply re-reads the announced articles and publishes a snapshot with their current state:
// added, replaced by a newly approved version, or gone.
func (c *portalCache) apply(ctx context.Context, ids map[string]bool) error {
	c.applied.Add(1)
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	fresh, err := c.db.PublicSummaries(ctx, list)
	if err != nil {
		return err
	}
	old := c.load()
	// Announcements that change nothing the cache holds (a second announcement of a change
	// already applied) keep the snapshot.
	changed := false
	found := make(map[string]bool, len(fresh))
	for _, p := range fresh {
		found[p.ID] = true
		if e, ok := old.byID[p.ID]; !ok || !samePublic(e.sum, p) {
			changed = true
		}
	}
	for id := range ids {
		if old.byID[id] != nil && !found[id] {
			changed = true // withdrawn
		}
	}
	if !changed {
		return nil
	}
	byID := make(map[string]*pubEntry, len(old.byID)+len(fresh))
	for id, e := range old.byID {
		if !ids[id] {
			byID[id] = e
		}
	}
	for _, p := range fresh {
		if e, ok := old.byID[p.ID]; ok && samePublic(e.sum, p) {
			byID[p.ID] = e
			continue
		}
		e, err := c.newEntry(p)
		if err != nil {
			return err
		}
		byID[p.ID] = e
	}
	entries := make([]*pubEntry, 0, len(byID))
	for _, e := range byID {
		entries = append(entries, e)
	}
	return c.publish(ctx, entries)
}
