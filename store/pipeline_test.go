package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"newsdesk/summary"
	"newsdesk/testenv"
)

// These tests pin down what each pipeline transition writes (article row, history, drafts)
// and announces on [NotifyChannel], so that the SQL behind them can change shape safely.

// listener collects the payloads announced on NotifyChannel.
type listener struct {
	t       *testing.T
	conn    *pgx.Conn
	channel string
}

func listen(t *testing.T, db *DB) *listener { t.Helper(); return listenOn(t, db, NotifyChannel) }

// listenOn collects the payloads announced on channel.
func listenOn(t *testing.T, db *DB, channel string) *listener {
	t.Helper()
	conn, err := pgx.ConnectConfig(t.Context(), db.Pool().Config().ConnConfig.Copy())
	if err != nil {
		t.Fatalf("connect listener: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(t.Context(), "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatalf("listen: %v", err)
	}
	return &listener{t: t, conn: conn, channel: channel}
}

// take returns the payloads announced since the last call. Notifications are sent at commit,
// before the committing call returns, so a short wait after the last one is enough.
func (l *listener) take() []string {
	l.t.Helper()
	var got []string
	for {
		ctx, cancel := context.WithTimeout(l.t.Context(), 100*time.Millisecond)
		n, err := l.conn.WaitForNotification(ctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
				return got
			}
			l.t.Fatalf("wait for notification: %v", err)
		}
		if n.Channel != l.channel {
			l.t.Fatalf("notification on %q, want %q", n.Channel, l.channel)
		}
		got = append(got, n.Payload)
	}
}

func (l *listener) expect(what string, want ...string) {
	l.t.Helper()
	if got := l.take(); !slices.Equal(got, want) {
		l.t.Errorf("%s: notified %q, want %q", what, got, want)
	}
}

// historyLines renders an article's audit trail as "actor action from>to note" lines.
func historyLines(t *testing.T, db *DB, id string) []string {
	t.Helper()
	h, err := db.History(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = fmt.Sprintf("%s %s %s>%s %s", e.Actor, e.Action, e.From, e.To, e.Note)
	}
	return out
}

func expectHistory(t *testing.T, db *DB, id string, want ...string) {
	t.Helper()
	if got := historyLines(t, db, id); !slices.Equal(got, want) {
		t.Errorf("history:\n  got  %q\n  want %q", got, want)
	}
}

type leaseRow struct {
	owner string
	until *time.Time
}

func readLease(t *testing.T, db *DB, id string) leaseRow {
	t.Helper()
	var l leaseRow
	if err := db.Pool().QueryRow(t.Context(), `SELECT lease_owner, lease_until FROM articles WHERE id = $1`, id).Scan(&l.owner, &l.until); err != nil {
		t.Fatal(err)
	}
	return l
}

func mustExec(t *testing.T, db *DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Pool().Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func submit(t *testing.T, db *DB, key string) Article {
	t.Helper()
	a, created, err := db.Submit(t.Context(), Submission{URL: "https://example.com/" + key, URLKey: "example.com/" + key, Actor: "ed"})
	if err != nil || !created {
		t.Fatalf("submit %s: created %v, err %v", key, created, err)
	}
	return a
}

func testDraft(id, author, model string) Draft {
	return Draft{
		ArticleID: id, Author: author, Actor: SystemActor, Model: model, PromptVersion: "p1",
		Summary:      summary.Summary{KeyPoints: []string{"one", "two"}, WhyItMatters: "why", WhatItMeansForYou: "what"},
		Notes:        []string{"a note"},
		PromptTokens: 10, CompletionTokens: 5, CostUSD: 0.25, GenKey: "key-" + id,
	}
}

var testExtracted = Extracted{
	Title: "Title", Byline: "By", SiteName: "Site", Lang: "en", CanonicalURL: "https://example.com/c",
	WordCount: 42, Text: "text", TextSHA256: "abc",
}

func TestPipelineTransitions(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	l := listen(t, db)

	a := submit(t, db, "one")
	id := a.ID
	l.expect("submit", id)

	t.Run("StartExtractFromQueuedRecordsAndAnnounces", func(t *testing.T) {
		got, ok, err := db.StartExtract(ctx, id, 1)
		if err != nil || !ok {
			t.Fatalf("StartExtract = ok %v, err %v", ok, err)
		}
		if got.ID != id || got.Status != StatusExtracting || got.URL != a.URL || got.Attempt != 1 || !got.UpdatedAt.After(a.UpdatedAt) {
			t.Errorf("StartExtract returned %+v", got)
		}
		l.expect("start extract", id)
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ")
	})

	t.Run("StartExtractAgainIsQuiet", func(t *testing.T) {
		before, _ := db.Get(ctx, id)
		got, ok, err := db.StartExtract(ctx, id, 1)
		if err != nil || !ok || got.Status != StatusExtracting {
			t.Fatalf("redelivered StartExtract = %q, ok %v, err %v", got.Status, ok, err)
		}
		if !got.UpdatedAt.After(before.UpdatedAt) {
			t.Errorf("updated_at not moved: %v then %v", before.UpdatedAt, got.UpdatedAt)
		}
		l.expect("redelivered start extract")
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ")
	})

	t.Run("OtherAttemptsAreStale", func(t *testing.T) {
		if _, ok, err := db.StartExtract(ctx, id, 2); err != nil || ok {
			t.Errorf("StartExtract(attempt 2) = ok %v, err %v", ok, err)
		}
		if ok, err := db.SaveExtract(ctx, id, 2, testExtracted); err != nil || ok {
			t.Errorf("SaveExtract(attempt 2) = ok %v, err %v", ok, err)
		}
		if ok, err := db.Fail(ctx, id, 2, "nope"); err != nil || ok {
			t.Errorf("Fail(attempt 2) = ok %v, err %v", ok, err)
		}
		l.expect("stale calls")
	})

	t.Run("SaveExtract", func(t *testing.T) {
		mustExec(t, db, `UPDATE articles SET enqueued_at = now() WHERE id = $1`, id)
		pub := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		e := testExtracted
		e.PublishedAt = &pub
		ok, err := db.SaveExtract(ctx, id, 1, e)
		if err != nil || !ok {
			t.Fatalf("SaveExtract = ok %v, err %v", ok, err)
		}
		l.expect("save extract", id)
		got, _ := db.Get(ctx, id)
		if got.Status != StatusSummarising || got.EnqueuedAt != nil || got.Title != "Title" || got.Byline != "By" ||
			got.SiteName != "Site" || got.Lang != "en" || got.CanonicalURL != "https://example.com/c" ||
			got.PublishedAt == nil || !got.PublishedAt.Equal(pub) || got.WordCount != 42 || got.Text != "text" || got.TextSHA256 != "abc" {
			t.Errorf("after SaveExtract: %+v", got)
		}
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ",
			"newsdesk extracted extracting>summarising 42 words")

		if ok, err := db.SaveExtract(ctx, id, 1, e); err != nil || ok {
			t.Errorf("second SaveExtract = ok %v, err %v", ok, err)
		}
		if _, ok, err := db.StartExtract(ctx, id, 1); err != nil || ok {
			t.Errorf("StartExtract while summarising = ok %v, err %v", ok, err)
		}
		l.expect("late extract calls")
	})

	t.Run("SaveGenerated", func(t *testing.T) {
		if _, lease, _, err := db.ClaimSummary(ctx, id, 1, "w1", time.Minute, ""); err != nil || lease != LeaseTaken {
			t.Fatalf("ClaimSummary = %v, %v", lease, err)
		}
		mustExec(t, db, `UPDATE articles SET error = 'old error', instructions = 'shorter' WHERE id = $1`, id)
		version, ok, err := db.SaveGenerated(ctx, 1, testDraft(id, "llm", "model-x"))
		if err != nil || !ok || version != 1 {
			t.Fatalf("SaveGenerated = v%d, ok %v, err %v", version, ok, err)
		}
		l.expect("save generated", id)
		got, _ := db.Get(ctx, id)
		if got.Status != StatusDraft || got.CurrentVersion != 1 || got.Error != "" || got.Instructions != "" {
			t.Errorf("after SaveGenerated: %+v", got)
		}
		if l := readLease(t, db, id); l.owner != "" || l.until != nil {
			t.Errorf("lease not cleared: %+v", l)
		}
		d, err := db.GetDraft(ctx, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := testDraft(id, "llm", "model-x")
		if d.Generation == nil || *d.Generation != 1 || d.Author != "llm" || d.Actor != SystemActor || d.Model != "model-x" ||
			d.PromptVersion != "p1" || d.PromptTokens != 10 || d.CompletionTokens != 5 || d.CostUSD != 0.25 ||
			d.GenKey != want.GenKey || !slices.Equal(d.Summary.KeyPoints, want.Summary.KeyPoints) ||
			d.Summary.WhyItMatters != "why" || d.Summary.WhatItMeansForYou != "what" || !slices.Equal(d.Notes, want.Notes) ||
			len(d.Flags) != 0 {
			t.Errorf("draft v1 = %+v", d)
		}
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ",
			"newsdesk extracted extracting>summarising 42 words", "newsdesk draft summarising>draft v1 by llm (model-x)")

		if _, ok, err := db.SaveGenerated(ctx, 1, testDraft(id, "llm", "model-x")); err != nil || ok {
			t.Errorf("SaveGenerated on a draft = ok %v, err %v", ok, err)
		}
		if ok, err := db.Fail(ctx, id, 1, "late"); err != nil || ok {
			t.Errorf("Fail on a draft = ok %v, err %v", ok, err)
		}
		l.expect("late summarise calls")
	})

	t.Run("SaveGeneratedTwiceForOneGenerationIsRefused", func(t *testing.T) {
		// Only a hand-made state gets here: the article summarising again for an attempt
		// that already has its machine-written draft.
		mustExec(t, db, `UPDATE articles SET status = 'summarising', lease_owner = 'w1', lease_until = now() + interval '1 minute' WHERE id = $1`, id)
		before, _ := db.Get(ctx, id)
		l.take()
		if v, ok, err := db.SaveGenerated(ctx, 1, testDraft(id, "llm", "model-y")); err != nil || ok {
			t.Fatalf("duplicate generation = v%d, ok %v, err %v", v, ok, err)
		}
		l.expect("refused draft")
		after, _ := db.Get(ctx, id)
		if after.Status != StatusSummarising || after.CurrentVersion != 1 || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("refused draft changed the article: %+v", after)
		}
		if l := readLease(t, db, id); l.owner != "w1" {
			t.Errorf("refused draft cleared the lease: %+v", l)
		}
		if ds, _ := db.Drafts(ctx, id); len(ds) != 1 {
			t.Errorf("%d drafts, want 1", len(ds))
		}
		expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ",
			"newsdesk extracted extracting>summarising 42 words", "newsdesk draft summarising>draft v1 by llm (model-x)")
	})

	t.Run("FailFromSummarising", func(t *testing.T) {
		ok, err := db.Fail(ctx, id, 1, "it broke")
		if err != nil || !ok {
			t.Fatalf("Fail = ok %v, err %v", ok, err)
		}
		l.expect("fail", id)
		got, _ := db.Get(ctx, id)
		if got.Status != StatusFailed || got.Error != "it broke" || got.CurrentVersion != 1 {
			t.Errorf("after Fail: %+v", got)
		}
		if l := readLease(t, db, id); l.owner != "" || l.until != nil {
			t.Errorf("lease not cleared: %+v", l)
		}
		h := historyLines(t, db, id)
		if last := h[len(h)-1]; last != "newsdesk fail summarising>failed it broke" {
			t.Errorf("last history line %q", last)
		}
		if ok, err := db.Fail(ctx, id, 1, "again"); err != nil || ok {
			t.Errorf("second Fail = ok %v, err %v", ok, err)
		}
		l.expect("second fail")
	})

	t.Run("RetriedArticleGetsTheNextVersion", func(t *testing.T) {
		attempt, err := db.Retry(ctx, id, "ed")
		if err != nil || attempt != 2 {
			t.Fatalf("Retry = %d, %v", attempt, err)
		}
		l.expect("retry", id)
		if _, ok, err := db.StartExtract(ctx, id, 2); err != nil || !ok {
			t.Fatalf("StartExtract(2) = ok %v, err %v", ok, err)
		}
		if ok, err := db.SaveExtract(ctx, id, 2, testExtracted); err != nil || !ok {
			t.Fatalf("SaveExtract(2) = ok %v, err %v", ok, err)
		}
		version, ok, err := db.SaveGenerated(ctx, 2, testDraft(id, "extractive", ""))
		if err != nil || !ok || version != 2 {
			t.Fatalf("SaveGenerated(2) = v%d, ok %v, err %v", version, ok, err)
		}
		l.expect("second attempt", id, id, id)
		h := historyLines(t, db, id)
		if got, want := strings.Join(h[len(h)-4:], "|"), "ed retry failed>queued |newsdesk extract queued>extracting |"+
			"newsdesk extracted extracting>summarising 42 words|newsdesk draft summarising>draft v2 by extractive"; got != want {
			t.Errorf("history tail:\n  got  %s\n  want %s", got, want)
		}
	})
}

func TestFailFromQueued(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	id := submit(t, db, "queued").ID
	l := listen(t, db)
	if ok, err := db.Fail(ctx, id, 1, "bad URL"); err != nil || !ok {
		t.Fatalf("Fail = ok %v, err %v", ok, err)
	}
	l.expect("fail", id)
	expectHistory(t, db, id, "ed submit >queued ", "newsdesk fail queued>failed bad URL")
}

func TestEditRecordsAndAnnounces(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	id := submit(t, db, "edit").ID
	mustExec(t, db, `UPDATE articles SET status = 'summarising' WHERE id = $1`, id)
	if _, ok, err := db.SaveGenerated(ctx, 1, testDraft(id, "llm", "m")); err != nil || !ok {
		t.Fatalf("SaveGenerated = ok %v, err %v", ok, err)
	}
	l := listen(t, db)
	d := testDraft(id, "", "")
	d.Actor = "ed"
	d.GenKey = ""
	version, err := db.SaveEdit(ctx, d, 1)
	if err != nil || version != 2 {
		t.Fatalf("SaveEdit = v%d, %v", version, err)
	}
	if _, err := db.SaveEdit(ctx, d, 1); !errors.Is(err, ErrConflict) {
		t.Errorf("SaveEdit on a stale version: %v, want a conflict", err)
	}
	l.expect("edit", id)
	got, _ := db.Get(ctx, id)
	if got.CurrentVersion != 2 || got.Status != StatusDraft {
		t.Errorf("after edit: %+v", got)
	}
	if e, err := db.GetDraft(ctx, id, 2); err != nil || e.Generation != nil || e.Author != "editor" {
		t.Errorf("edited draft = %+v, %v", e, err)
	}
	h := historyLines(t, db, id)
	if last := h[len(h)-1]; last != "ed edit draft>draft v2 from v1" {
		t.Errorf("last history line %q", last)
	}
}

// Concurrent deliveries of one job must move the article once.
func TestConcurrentTransitionsMoveOnce(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	id := submit(t, db, "race").ID
	const n = 8
	run := func(f func() (bool, error)) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		oks := 0
		for range n {
			wg.Go(func() {
				ok, err := f()
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					oks++
				}
			})
		}
		wg.Wait()
		return oks
	}
	if oks := run(func() (bool, error) { _, ok, err := db.StartExtract(ctx, id, 1); return ok, err }); oks != n {
		t.Errorf("%d of %d StartExtract calls ok, want all", oks, n)
	}
	if oks := run(func() (bool, error) { return db.SaveExtract(ctx, id, 1, testExtracted) }); oks != 1 {
		t.Errorf("%d SaveExtract calls ok, want 1", oks)
	}
	if oks := run(func() (bool, error) {
		_, ok, err := db.SaveGenerated(ctx, 1, testDraft(id, "llm", "m"))
		return ok, err
	}); oks != 1 {
		t.Errorf("%d SaveGenerated calls ok, want 1", oks)
	}
	expectHistory(t, db, id, "ed submit >queued ", "newsdesk extract queued>extracting ",
		"newsdesk extracted extracting>summarising 42 words", "newsdesk draft summarising>draft v1 by llm (m)")
	if ds, _ := db.Drafts(ctx, id); len(ds) != 1 {
		t.Errorf("%d drafts, want 1", len(ds))
	}
}

// The reuse lookup runs once per summarise job. pgx prepares it, and after five calls
// Postgres may run the generic plan, which must still use drafts_reuse_idx: a sequential
// scan would make every summarise job read the whole drafts table.
func TestClaimSummaryGenericPlanUsesIndex(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), `RESET plan_cache_mode`)
	if _, err := conn.Exec(ctx, `PREPARE claim_summary_plan(uuid, int, text, interval, text) AS `+claimSummarySQL); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), `DEALLOCATE claim_summary_plan`)
	rows, err := conn.Query(ctx, `EXPLAIN EXECUTE claim_summary_plan('00000000-0000-0000-0000-000000000000', 1, 'w', '1 minute', 'prefix')`)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "drafts_reuse_idx") {
		t.Errorf("the generic plan of the reuse lookup does not use drafts_reuse_idx:\n%s", text)
	}
}

// Extracted text is stored with lz4 where the server has it (migration 0004): it is
// written once and read by every summarise job and review page.
func TestExtractedTextIsCompressedWithLZ4(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	id := submit(t, db, "lz4").ID
	if _, ok, err := db.StartExtract(ctx, id, 1); err != nil || !ok {
		t.Fatalf("StartExtract = ok %v, err %v", ok, err)
	}
	text := strings.Repeat("The council approved a budget of £12 million for road repairs on Tuesday. ", 80)
	if ok, err := db.SaveExtract(ctx, id, 1, Extracted{Title: "Roads", Text: text, WordCount: 960}); err != nil || !ok {
		t.Fatalf("SaveExtract = ok %v, err %v", ok, err)
	}
	var hasLZ4 bool
	if err := db.Pool().QueryRow(ctx, `SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`).Scan(&hasLZ4); err != nil {
		t.Fatal(err)
	}
	want := "pglz"
	if hasLZ4 {
		want = "lz4"
	}
	var got string
	if err := db.Pool().QueryRow(ctx, `SELECT coalesce(pg_column_compression(text), 'none') FROM articles WHERE id = $1`, id).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("text compression = %s, want %s", got, want)
	}
}

// ClaimSummary computes the generation key in Postgres; it must be the worker's key
// (hex SHA-256 of prefix, a zero byte and the text, as UTF-8) or reuse never matches.
func TestClaimSummaryFindsTheGenerationToReuse(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	const prefix = "model-x|prompt-3"
	text := "Ünïcödé “quotes”, € 12 and an emoji 🗞 in the council's budget story.\n\nSecond paragraph."
	sum := sha256.Sum256([]byte(prefix + "\x00" + text))
	wantKey := hex.EncodeToString(sum[:])
	extracted := func(key string) string {
		t.Helper()
		id := submit(t, db, key).ID
		if _, ok, err := db.StartExtract(ctx, id, 1); err != nil || !ok {
			t.Fatalf("StartExtract = ok %v, err %v", ok, err)
		}
		e := testExtracted
		e.Text = text
		if ok, err := db.SaveExtract(ctx, id, 1, e); err != nil || !ok {
			t.Fatalf("SaveExtract = ok %v, err %v", ok, err)
		}
		return id
	}

	first := extracted("claim-first")
	c, lease, _, err := db.ClaimSummary(ctx, first, 1, "w1", time.Minute, prefix)
	if err != nil || lease != LeaseTaken {
		t.Fatalf("ClaimSummary = %v, %v", lease, err)
	}
	if c.GenKey != wantKey || c.Text != text || c.ID != first {
		t.Fatalf("claim: key %q text %q id %s, want key %q", c.GenKey, c.Text, c.ID, wantKey)
	}
	if c.Reuse != "" {
		t.Fatalf("claim of the first copy reuses %s v%d", c.Reuse, c.ReuseVersion)
	}
	d := testDraft(first, "llm", "model-x")
	d.GenKey = c.GenKey
	if _, ok, err := db.SaveGenerated(ctx, 1, d); err != nil || !ok {
		t.Fatalf("SaveGenerated = ok %v, err %v", ok, err)
	}

	second := extracted("claim-second")
	c, lease, _, err = db.ClaimSummary(ctx, second, 1, "w1", time.Minute, prefix)
	if err != nil || lease != LeaseTaken {
		t.Fatalf("ClaimSummary = %v, %v", lease, err)
	}
	if c.Reuse != first || c.ReuseVersion != 1 {
		t.Errorf("claim of the second copy reuses %q v%d, want %s v1", c.Reuse, c.ReuseVersion, first)
	}
	if c, _, _, err := db.ClaimSummary(ctx, second, 1, "w1", time.Minute, "other-model|prompt-3"); err != nil || c.Reuse != "" {
		t.Errorf("claim for another model reuses %q (err %v)", c.Reuse, err)
	}
	if c, _, _, err := db.ClaimSummary(ctx, second, 1, "w1", time.Minute, ""); err != nil || c.GenKey != "" || c.Reuse != "" {
		t.Errorf("claim without a prefix: key %q reuse %q (err %v)", c.GenKey, c.Reuse, err)
	}
	mustExec(t, db, `UPDATE articles SET instructions = 'Shorter.' WHERE id = $1`, second)
	if c, _, _, err := db.ClaimSummary(ctx, second, 1, "w1", time.Minute, prefix); err != nil || c.Reuse != "" {
		t.Errorf("claim with a reviewer's instructions reuses %q (err %v)", c.Reuse, err)
	}
	if _, lease, _, err := db.ClaimSummary(ctx, second, 1, "w2", time.Minute, prefix); err != nil || lease != LeaseBusy {
		t.Errorf("claim by another worker = %v, %v, want busy", lease, err)
	}
}

// StartExtract commits asynchronously: a Postgres crash may lose it while the worker goes
// on extracting. SaveExtract of the same attempt must then still move the article on,
// and one of another attempt must not.
func TestSaveExtractAfterALostClaim(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	id := submit(t, db, "lost-claim").ID
	if ok, err := db.SaveExtract(ctx, id, 2, testExtracted); err != nil || ok {
		t.Fatalf("SaveExtract of another attempt = ok %v, err %v; want refused", ok, err)
	}
	if ok, err := db.SaveExtract(ctx, id, 1, testExtracted); err != nil || !ok {
		t.Fatalf("SaveExtract of a queued article = ok %v, err %v; want saved", ok, err)
	}
	if a, err := db.Get(ctx, id); err != nil || a.Status != StatusSummarising || a.Text != testExtracted.Text {
		t.Fatalf("after SaveExtract: status %q text %q, err %v", a.Status, a.Text, err)
	}
	if ok, err := db.SaveExtract(ctx, id, 1, testExtracted); err != nil || ok {
		t.Errorf("second SaveExtract = ok %v, err %v; want refused", ok, err)
	}
}

// TestPublicChannelAnnouncesOnlyPublicChanges: the portal caches' channel stays silent for
// a whole pipeline run and review edits, and announces the approval, a public column
// rewritten while approved (a failed regeneration retried from the start), and the
// withdrawal.
func TestPublicChannelAnnouncesOnlyPublicChanges(t *testing.T) {
	ctx := t.Context()
	db := New(testenv.Pool(t))
	pub := listenOn(t, db, PublicNotifyChannel)

	id := submit(t, db, "public").ID
	run := func(attempt int, e Extracted) {
		t.Helper()
		if _, ok, err := db.StartExtract(ctx, id, attempt); err != nil || !ok {
			t.Fatalf("StartExtract: ok %v, err %v", ok, err)
		}
		if ok, err := db.SaveExtract(ctx, id, attempt, e); err != nil || !ok {
			t.Fatalf("SaveExtract: ok %v, err %v", ok, err)
		}
		if _, lease, _, err := db.ClaimSummary(ctx, id, attempt, "w1", time.Minute, "p"); err != nil || lease != LeaseTaken {
			t.Fatalf("ClaimSummary: lease %v, err %v", lease, err)
		}
		if _, ok, err := db.SaveGenerated(ctx, attempt, testDraft(id, "llm", "m")); err != nil || !ok {
			t.Fatalf("SaveGenerated: ok %v, err %v", ok, err)
		}
	}
	run(1, testExtracted)
	if _, err := db.SaveEdit(ctx, Draft{ArticleID: id, Author: "editor", Actor: "rev",
		Summary: summary.Summary{KeyPoints: []string{"edited"}, WhyItMatters: "w", WhatItMeansForYou: "m"}}, 1); err != nil {
		t.Fatalf("SaveEdit: %v", err)
	}
	pub.expect("a pipeline run and an edit of an unapproved article")

	if err := db.Approve(ctx, id, 2, "rev"); err != nil {
		t.Fatal(err)
	}
	pub.expect("approve", id)

	// Regenerate, fail, retry: the article stays on the portal with its approved version
	// while the new attempt re-extracts it.
	attempt, err := db.Regenerate(ctx, id, "", "rev")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Fail(ctx, id, attempt, "the model timed out"); err != nil || !ok {
		t.Fatalf("Fail: ok %v, err %v", ok, err)
	}
	pub.expect("regenerate and fail")
	if attempt, err = db.Retry(ctx, id, "rev"); err != nil {
		t.Fatal(err)
	}
	e := testExtracted
	e.Title = "A corrected title"
	run(attempt, e)
	pub.expect("re-extraction with a new title", id)

	if err := db.Withdraw(ctx, id, "legal", "rev"); err != nil {
		t.Fatal(err)
	}
	pub.expect("withdraw", id)
}
