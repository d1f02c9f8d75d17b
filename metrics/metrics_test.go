package metrics_test

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"newsdesk/llm"
	"newsdesk/metrics"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/testenv"
	"newsdesk/workers"
)

// Metrics is what the lead passes as workers.Config.Metrics.
var _ workers.Observer = (*metrics.Metrics)(nil)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// value returns the sample of the line "name{labels} value", or fails.
func value(t *testing.T, body, series string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sample %s in:\n%s", series, grepNewsdesk(body))
	}
	return m[1]
}

func grepNewsdesk(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "newsdesk_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestScrapeReadsArticlesAndQueueDepthAtScrapeTime(t *testing.T) {
	ctx := t.Context()
	db := store.New(testenv.Pool(t))
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := queue.Open(ctx, js, queue.Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(db, q)

	body := scrape(t, m)
	if got := value(t, body, `newsdesk_articles{status="queued"}`); got != "0" {
		t.Errorf("queued articles before any submit = %s, want 0", got)
	}
	if got := value(t, body, `newsdesk_dependency_up{dependency="postgres"}`); got != "1" {
		t.Errorf("postgres up = %s, want 1", got)
	}

	for i := range 3 {
		u := fmt.Sprintf("https://example.com/news/%d", i)
		a, _, err := db.Submit(ctx, store.Submission{URL: u, URLKey: u, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Publish(ctx, queue.Extract, queue.Job{ArticleID: a.ID, Attempt: a.Attempt}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // so the oldest job is at least a second old
	body = scrape(t, m)
	if got := value(t, body, `newsdesk_articles{status="queued"}`); got != "3" {
		t.Errorf("queued articles = %s, want 3", got)
	}
	if got := value(t, body, `newsdesk_queue_pending{stage="extract"}`); got != "3" {
		t.Errorf("extract queue pending = %s, want 3", got)
	}
	if got := value(t, body, `newsdesk_queue_pending{stage="summarise"}`); got != "0" {
		t.Errorf("summarise queue pending = %s, want 0", got)
	}
	var age float64
	fmt.Sscan(value(t, body, `newsdesk_queue_oldest_age_seconds{stage="extract"}`), &age)
	if age < 1 || age > 60 {
		t.Errorf("oldest extract job age = %gs, want between 1s and 60s", age)
	}
	if got := value(t, body, `newsdesk_dependency_up{dependency="jetstream"}`); got != "1" {
		t.Errorf("jetstream up = %s, want 1", got)
	}
}

func TestObserverEventsAppearInTheScrape(t *testing.T) {
	m := metrics.New(nil, nil)
	m.StageDone(queue.Extract, "ok", 300*time.Millisecond)
	m.StageDone(queue.Extract, "ok", 2*time.Second)
	m.StageDone(queue.Summarise, "retry", 7*time.Second)
	m.Redelivered(queue.Summarise)
	m.Generated("llm", "gpt-4o-mini", llm.Usage{PromptTokens: 1200, CompletionTokens: 180}, 0.0003, 2)
	m.LLMError(&llm.Error{Msg: "slow down", Kind: llm.ErrRateLimited})
	m.FetchError("http_status")
	m.FetchError("http_status")

	body := scrape(t, m)
	for series, want := range map[string]string{
		`newsdesk_stage_duration_seconds_count{outcome="ok",stage="extract"}`:           "2",
		`newsdesk_stage_duration_seconds_bucket{outcome="ok",stage="extract",le="0.5"}`: "1",
		`newsdesk_stage_duration_seconds_count{outcome="retry",stage="summarise"}`:      "1",
		`newsdesk_redeliveries_total{stage="summarise"}`:                                "1",
		`newsdesk_redeliveries_total{stage="extract"}`:                                  "0",
		`newsdesk_llm_requests_total{author="llm",model="gpt-4o-mini"}`:                 "2",
		`newsdesk_llm_tokens_total{kind="prompt",model="gpt-4o-mini"}`:                  "1200",
		`newsdesk_llm_tokens_total{kind="completion",model="gpt-4o-mini"}`:              "180",
		`newsdesk_llm_cost_usd_total{model="gpt-4o-mini"}`:                              "0.0003",
		`newsdesk_llm_errors_total{class="rate_limited"}`:                               "1",
		`newsdesk_llm_errors_total{class="quota"}`:                                      "0",
		`newsdesk_fetch_errors_total{kind="http_status"}`:                               "2",
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if strings.Contains(body, "newsdesk_articles{") {
		t.Error("articles gauge present without a store")
	}
}

func TestLLMErrorClass(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&llm.Error{Kind: llm.ErrRateLimited}, "rate_limited"},
		{&llm.Error{Kind: llm.ErrUnavailable}, "unavailable"},
		{&llm.Error{Kind: llm.ErrQuota}, "quota"},
		{&llm.Error{Kind: llm.ErrRefused}, "refused"},
		{fmt.Errorf("summarise: %w", &llm.Error{Kind: llm.ErrUnusableAnswer}), "unusable_answer"},
		{&llm.Error{Kind: llm.ErrInsufficientSource}, "insufficient_source"},
		{&llm.Error{Kind: llm.ErrContextLength}, "context_length"},
		{errors.New("connection reset"), "other"},
	} {
		if got := metrics.LLMErrorClass(tt.err); got != tt.want {
			t.Errorf("LLMErrorClass(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
