//go:build chaos

package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ledger is what the API acknowledged to the editor: article id by URL. Nothing in it may be
// lost.
type ledger struct {
	mu   sync.Mutex
	byID map[string]string // id → url
}

func newLedger() *ledger { return &ledger{byID: map[string]string{}} }

// submitClient gives up on a submit after 20s: an editor's browser would not wait longer,
// and an unanswered submit is not acknowledged (it is retried with the same URLs, which
// returns the same ids if it did commit).
var submitClient = &http.Client{Timeout: 20 * time.Second}

// submit posts urls in one request to the API and records the ids it acknowledged. It
// returns the ids in the order of urls.
func (l *ledger) submit(t testing.TB, a *api, token string, urls []string) ([]string, error) {
	body, _ := json.Marshal(map[string]any{"urls": urls})
	req, _ := http.NewRequest(http.MethodPost, a.base+"/api/v1/articles", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := submitClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return nil, fmt.Errorf("submit: %s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	var out struct {
		Articles []struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"articles"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("submit: decode %q: %w", raw, err)
	}
	if len(out.Articles) != len(urls) {
		return nil, fmt.Errorf("submit: %d URLs, %d answers", len(urls), len(out.Articles))
	}
	ids := make([]string, len(urls))
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, a := range out.Articles {
		if a.ID == "" {
			return nil, fmt.Errorf("submit: empty id for %s", urls[i])
		}
		if prev, ok := l.byID[a.ID]; ok && prev != urls[i] {
			t.Errorf("id %s acknowledged for two URLs: %s and %s", a.ID, prev, urls[i])
		}
		l.byID[a.ID] = urls[i]
		ids[i] = a.ID
	}
	return ids, nil
}

// mustSubmit submits in batches of batch URLs and fails the test on an error.
func (l *ledger) mustSubmit(t testing.TB, a *api, token string, urls []string, batch int) {
	t.Helper()
	for start := 0; start < len(urls); start += batch {
		if _, err := l.submit(t, a, token, urls[start:min(start+batch, len(urls))]); err != nil {
			t.Fatal(err)
		}
	}
}

// counts are a scenario's invariant figures.
type counts struct {
	Articles        int // articles acknowledged to the editor
	Drafts          int // articles ending draft
	Failed          int // articles ending failed (each with a reason)
	LLMRequests     int // chat completions the fake provider answered
	LLMBudget       int // articles × allowed requests per article
	DuplicateDrafts int // (article, generation) pairs with more than one machine draft
	ExtraLLMCalls   int // calls beyond the first for the same story (retries, redeliveries)
	Lost            int // acknowledged articles missing or not draft/failed
}

// invariant is the one check after every scenario. It waits up to settle for every
// article to leave the working states, then checks:
//
//   - every acknowledged article exists with its URL and ends draft, or failed with a
//     non-empty reason, and no article exists that was not acknowledged;
//   - at most one machine draft per (article, generation), and every draft article has one;
//   - LLM requests ≤ articles × perArticle.
//
// It prints the scenario's line of counts and returns them.
func invariant(t *testing.T, scenario string, s *services, l *ledger, settle time.Duration, perArticle int) counts {
	t.Helper()
	ctx, cancel := ctxTimeout(settle + time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatalf("invariant: connect: %v", err)
	}
	defer conn.Close(ctx)

	start := time.Now()
	var working int
	for {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM articles WHERE status IN ('queued', 'extracting', 'summarising')`).Scan(&working); err != nil {
			t.Fatalf("invariant: count working: %v", err)
		}
		if working == 0 || time.Since(start) > settle {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}

	type row struct{ url, status, reason string }
	rows, err := conn.Query(ctx, `SELECT id::text, url, status, coalesce(error, '') FROM articles`)
	if err != nil {
		t.Fatalf("invariant: list: %v", err)
	}
	db := map[string]row{}
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.url, &r.status, &r.reason); err != nil {
			t.Fatalf("invariant: scan: %v", err)
		}
		db[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("invariant: rows: %v", err)
	}

	var c counts
	l.mu.Lock()
	acked := make(map[string]string, len(l.byID))
	for id, u := range l.byID {
		acked[id] = u
	}
	l.mu.Unlock()
	c.Articles = len(acked)
	stuck := map[string]int{}
	reasons := map[string]int{}
	defer func() {
		for r, n := range reasons {
			t.Logf("failed ×%d: %s", n, r)
		}
	}()
	for id, u := range acked {
		r, ok := db[id]
		switch {
		case !ok:
			c.Lost++
			t.Errorf("article %s (%s) was acknowledged but is not in the database", id, u)
		case r.url != u:
			c.Lost++
			t.Errorf("article %s was acknowledged for %s but holds %s", id, u, r.url)
		case r.status == "draft":
			c.Drafts++
		case r.status == "failed":
			c.Failed++
			reasons[r.reason]++
			if r.reason == "" {
				t.Errorf("article %s (%s) failed without a reason", id, u)
			}
		default:
			c.Lost++
			stuck[r.status]++
		}
	}
	if len(stuck) > 0 {
		t.Errorf("%d articles did not finish within %s: %v", c.Lost, settle, stuck)
	}
	for id, r := range db {
		if _, ok := acked[id]; !ok {
			t.Errorf("article %s (%s, %s) exists but was never acknowledged to the editor", id, r.url, r.status)
		}
	}

	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM drafts WHERE generation IS NOT NULL
		GROUP BY article_id, generation HAVING count(*) > 1) d`).Scan(&c.DuplicateDrafts); err != nil {
		t.Fatalf("invariant: duplicate drafts: %v", err)
	}
	if c.DuplicateDrafts > 0 {
		t.Errorf("%d (article, generation) pairs have more than one machine draft", c.DuplicateDrafts)
	}
	var draftless int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM articles a WHERE status = 'draft'
		AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.article_id = a.id)`).Scan(&draftless); err != nil {
		t.Fatalf("invariant: draftless: %v", err)
	}
	if draftless > 0 {
		t.Errorf("%d articles are draft without a draft", draftless)
	}

	c.LLMRequests = s.llm.requests()
	c.LLMBudget = c.Articles * perArticle
	if c.LLMRequests > c.LLMBudget {
		t.Errorf("the LLM got %d requests for %d articles, more than %d each", c.LLMRequests, c.Articles, perArticle)
	}
	for _, n := range s.llm.perStory() {
		if n > 1 {
			c.ExtraLLMCalls += n - 1
		}
	}
	line := fmt.Sprintf("chaos: %-34s articles=%d drafts=%d failed=%d llm_requests=%d (budget %d) duplicate_drafts=%d extra_llm_calls=%d lost=%d settled_in=%s",
		scenario, c.Articles, c.Drafts, c.Failed, c.LLMRequests, c.LLMBudget, c.DuplicateDrafts, c.ExtraLLMCalls, c.Lost, time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintln(os.Stdout, line)
	t.Log(line)
	return c
}
