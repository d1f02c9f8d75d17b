//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"newsdesk/pgcluster"
	"newsdesk/testenv"
)

// llmPerArticle is the LLM requests one article may cost: MaxDeliver (5) deliveries, each
// with one repair of an unusable answer.
const llmPerArticle = 5 * 2

// setup starts a scenario's services: a fresh database on the test Postgres, a nats-server
// of its own, the page server and the fake provider. env overrides the default tuning.
func setup(t *testing.T, env map[string]string) (*services, *natsNode) {
	t.Helper()
	s := &services{
		dbURL:      testenv.Database(t),
		pages:      newPages(t),
		llm:        newFakeLLM(t),
		adminToken: testenv.RandomName("chaos-admin-token-"),
		dataDir:    t.TempDir(),
		env:        defaultEnv(),
	}
	for k, v := range env {
		s.env[k] = v
	}
	n := newNATS(t, "n1", 0, nil)
	s.natsURL = n.url()
	return s, n
}

func stories(p *pages, tag string, n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = p.story(tag, i)
	}
	return urls
}

// countStatus counts articles in a status.
func countStatus(t testing.TB, dbURL, status string) int {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return -1 // Postgres may be down on purpose
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM articles WHERE status = $1`, status).Scan(&n); err != nil {
		return -1
	}
	return n
}

func waitDrafts(t testing.TB, s *services, n int, d time.Duration) {
	t.Helper()
	waitUntil(t, d, fmt.Sprintf("%d drafts", n), func() bool { return countStatus(t, s.dbURL, "draft") >= n })
}

// TestKillWorkerMidLLMCall kills the only worker with SIGKILL while the fake provider is
// holding its LLM calls, over and over during a 300-article run, restarting it each time.
// The killed jobs come back after the ack wait; the lease and the drafts' unique generation
// keep each article to one draft.
func TestKillWorkerMidLLMCall(t *testing.T) {
	s, _ := setup(t, nil)
	s.llm.setLatency(700 * time.Millisecond)
	a := s.api(t, "api")
	w := s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "kill", 300), 100)

	kills, midCall := 0, 0
	for kills < 8 {
		// Let the restarted worker get going, then strike while calls are in flight.
		time.Sleep(2*time.Second + rand.N(1500*time.Millisecond))
		if countStatus(t, s.dbURL, "draft") > 270 {
			break
		}
		if s.llm.active.Load() > 0 {
			midCall++
		}
		w.kill()
		kills++
		w = s.worker(t, "worker", nil)
	}
	c := invariant(t, "kill -9 worker mid-LLM-call", s, l, 3*time.Minute, llmPerArticle)
	t.Logf("%d kills, %d of them with LLM calls in flight", kills, midCall)
	if midCall < 3 {
		t.Errorf("only %d of %d kills landed during an LLM call; the scenario did not test what it claims", midCall, kills)
	}
	if c.Drafts+c.Failed != 300 {
		t.Errorf("drafts+failed = %d, want 300", c.Drafts+c.Failed)
	}
}

// TestCrashBetweenCommitAndPublish makes the worker exit right after committing an extract
// result (before publishing the summarise job) and after committing a draft (before the
// ack); a supervisor restarts it. The reconciler publishes what the dead worker never did.
//
// The crash rates are low enough that no innocent job is in flight in MaxDeliver crashes in a
// row (each crash also kills the jobs of the other slots, and a job killed five times fails
// as "did not finish after 5 tries", which is right but not what this scenario is about).
func TestCrashBetweenCommitAndPublish(t *testing.T) {
	s, _ := setup(t, nil)
	a := s.api(t, "api")
	stop := s.supervise(t, "worker", map[string]string{"NEWSDESK_FAULTS": "exit-after-extract-commit:0.12,exit-after-draft-commit:0.04"})
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "commit", 40), 40)
	c := invariant(t, "crash between commit and publish", s, l, 3*time.Minute, llmPerArticle)
	procs := stop()
	crashes, republished := 0, 0
	for _, p := range procs {
		crashes += p.countInLog("newsdesk: fault exit-after-")
		republished += p.countInLog(`msg="republished job"`)
	}
	t.Logf("%d crashes after a commit, %d jobs republished by the reconciler, %d worker processes", crashes, republished, len(procs))
	if crashes == 0 || republished == 0 {
		t.Errorf("crashes = %d, republished = %d; the scenario did not exercise the commit/publish gap", crashes, republished)
	}
	if c.Drafts != 40 {
		t.Errorf("drafts = %d, want 40 (a crash is no reason to fail an article)", c.Drafts)
	}
}

// TestNATSRestart kills nats-server mid-run and starts it again on the same store.
func TestNATSRestart(t *testing.T) {
	s, n := setup(t, nil)
	s.llm.setLatency(200 * time.Millisecond)
	a := s.api(t, "api")
	s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "natsrestart", 100), 100)
	waitDrafts(t, s, 20, time.Minute)
	n.stop()
	time.Sleep(2 * time.Second)
	n.start(t)
	c := invariant(t, "nats-server restarted mid-run", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 100 {
		t.Errorf("drafts = %d, want 100", c.Drafts)
	}
}

// TestNATSDataLost stops nats-server mid-run, deletes its data directory and starts it
// empty: workers recreate the stream and the reconciler republishes from Postgres.
func TestNATSDataLost(t *testing.T) {
	s, n := setup(t, map[string]string{"NEWSDESK_REPUBLISH_AFTER": "8s"})
	s.llm.setLatency(200 * time.Millisecond)
	a := s.api(t, "api")
	s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "natslost", 100), 100)
	waitDrafts(t, s, 20, time.Minute)
	n.stop()
	if err := os.RemoveAll(n.storeDir()); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	c := invariant(t, "broker data directory lost", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 100 {
		t.Errorf("drafts = %d, want 100", c.Drafts)
	}
}

// TestPostgresRestart runs the pipeline on a private Postgres and stops and starts it
// mid-run.
func TestPostgresRestart(t *testing.T) {
	testPostgresDown(t, "Postgres restarted mid-run", "pgrestart", false)
}

// TestPostgresCrash kills a private Postgres mid-run the way a crash would (an immediate
// shutdown: no checkpoint, WAL not yet flushed is lost) and starts it again. The claims
// (StartExtract, the summarise lease, the enqueued marks) commit asynchronously, so some
// of them are lost here; the jobs they belong to must still end exactly once.
func TestPostgresCrash(t *testing.T) {
	testPostgresDown(t, "Postgres crashed mid-run", "pgcrash", true)
}

func testPostgresDown(t *testing.T, scenario, slug string, crash bool) {
	dir, err := os.MkdirTemp("", "ndpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The server runs as the postgres user, who must be able to enter the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := t.Context()
	cl, err := pgcluster.Start(ctx, filepath.Join(dir, "pg"), log)
	if err != nil {
		t.Fatalf("start private Postgres: %v", err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })

	s := &services{dbURL: cl.DSN(), pages: newPages(t), llm: newFakeLLM(t),
		adminToken: testenv.RandomName("chaos-admin-token-"), dataDir: t.TempDir(), env: defaultEnv()}
	s.natsURL = newNATS(t, "n1", 0, nil).url()
	s.llm.setLatency(200 * time.Millisecond)
	a := s.api(t, "api")
	s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, slug, 80), 80)
	waitDrafts(t, s, 15, time.Minute)
	if crash {
		// SIGQUIT to the postmaster is PostgreSQL's immediate shutdown: every process
		// quits at once, as in a crash, and the next start runs crash recovery.
		b, err := os.ReadFile(filepath.Join(dir, "pg", "data", "postmaster.pid"))
		if err != nil {
			t.Fatalf("read postmaster.pid: %v", err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
		if err != nil {
			t.Fatalf("postmaster.pid: %v", err)
		}
		if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
			t.Fatalf("crash Postgres: %v", err)
		}
		_ = cl.Stop(ctx) // waits for the exit, which reports the crash as an error
	} else if err := cl.Stop(ctx); err != nil {
		t.Fatalf("stop Postgres: %v", err)
	}
	time.Sleep(3 * time.Second)
	cl, err = pgcluster.Start(ctx, filepath.Join(dir, "pg"), log)
	if err != nil {
		t.Fatalf("restart Postgres: %v", err)
	}
	if cl.DSN() != s.dbURL {
		t.Fatalf("Postgres came back at %s, not %s", cl.DSN(), s.dbURL)
	}
	c := invariant(t, scenario, s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 80 {
		t.Errorf("drafts = %d, want 80", c.Drafts)
	}
}

// TestSameURLConcurrently submits the same URLs from many editors at once through two API
// processes: each URL gets one article id.
func TestSameURLConcurrently(t *testing.T) {
	s, _ := setup(t, nil)
	apis := []*api{s.api(t, "api-1"), s.api(t, "api-2")}
	s.worker(t, "worker", nil)
	l := newLedger()
	urls := stories(s.pages, "same", 5)
	ids := make([][]string, 40)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			got, err := l.submit(t, apis[i%2], s.adminToken, urls)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = got
		})
	}
	wg.Wait()
	for i := range ids {
		for j, id := range ids[i] {
			if id != ids[0][j] {
				t.Errorf("submitter %d got id %s for %s, submitter 0 got %s", i, id, urls[j], ids[0][j])
			}
		}
	}
	c := invariant(t, "same URL submitted concurrently", s, l, time.Minute, llmPerArticle)
	if c.Articles != 5 || c.Drafts != 5 || c.ExtraLLMCalls != 0 {
		t.Errorf("got %d articles, %d drafts, %d extra LLM calls; want 5, 5, 0", c.Articles, c.Drafts, c.ExtraLLMCalls)
	}
}

// TestRedeliveryAfterSideEffect finishes jobs without acknowledging them, so JetStream
// delivers them again after their side effect: the second delivery must find the work done.
func TestRedeliveryAfterSideEffect(t *testing.T) {
	s, _ := setup(t, nil)
	a := s.api(t, "api")
	w, metricsURL := s.workerWithMetrics(t, "worker", map[string]string{"NEWSDESK_FAULTS": "skip-ack:0.5"})
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "skipack", 40), 40)
	c := invariant(t, "delivered again after side effect", s, l, 2*time.Minute, llmPerArticle)
	// Redeliveries of the unacknowledged jobs arrive one ack wait later; give them time to
	// be handled before counting.
	time.Sleep(5 * time.Second)
	skipped := w.countInLog("fault: not acknowledging")
	t.Logf("%d jobs finished without an ack", skipped)
	if skipped == 0 {
		t.Error("the skip-ack fault never fired")
	}
	if c.Drafts != 40 || s.llm.requests() != 40 {
		t.Errorf("drafts = %d, LLM requests = %d; want 40 and 40 (a redelivery must not call the LLM again)", c.Drafts, s.llm.requests())
	}
	// The worker's own /metrics saw the redeliveries and the one LLM request per article.
	body := scrape(t, metricsURL)
	redelivered := metric(body, `newsdesk_redeliveries_total{stage="extract"}`) + metric(body, `newsdesk_redeliveries_total{stage="summarise"}`)
	requests := metric(body, `newsdesk_llm_requests_total{author="llm",model="chaos-model"}`)
	t.Logf("worker metrics: %g redeliveries, %g LLM requests", redelivered, requests)
	if redelivered < 1 || requests != 40 {
		t.Errorf("worker metrics: redeliveries = %g (want > 0), llm requests = %g (want 40)", redelivered, requests)
	}
}

// TestLLMSlowerThanAckWait answers every LLM call after 5s while the summarise ack wait is
// 2s: InProgress heartbeats must keep each job with its worker, one call per article.
func TestLLMSlowerThanAckWait(t *testing.T) {
	s, _ := setup(t, map[string]string{"NEWSDESK_ACK_WAIT_SUMMARISE": "2s"})
	s.llm.setLatency(5 * time.Second)
	a := s.api(t, "api")
	s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "slow", 12), 12)
	c := invariant(t, "LLM slower than the ack wait", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 12 || c.ExtraLLMCalls != 0 {
		t.Errorf("drafts = %d, extra LLM calls = %d; want 12 and 0", c.Drafts, c.ExtraLLMCalls)
	}
}

// TestPoisonJobs mixes good articles with a 404, a PDF and articles the LLM always answers
// with garbage: each poison job fails with a reason after at most MaxDeliver deliveries.
func TestPoisonJobs(t *testing.T) {
	s, _ := setup(t, nil)
	a := s.api(t, "api")
	_, metricsURL := s.workerWithMetrics(t, "worker", nil)
	l := newLedger()
	var urls []string
	for i := range 5 {
		urls = append(urls, s.pages.story("good", i), s.pages.gone(i), s.pages.pdf(i), s.pages.story("garbage", i))
	}
	l.mustSubmit(t, a, s.adminToken, urls, len(urls))
	c := invariant(t, "poison jobs (404, PDF, garbage LLM)", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 5 || c.Failed != 15 {
		t.Errorf("drafts = %d, failed = %d; want 5 and 15", c.Drafts, c.Failed)
	}
	// Both /metrics endpoints tell the same story: the API's gauges from Postgres, the
	// worker's counters of what failed and why.
	apiBody := scrape(t, a.base+"/metrics")
	wBody := scrape(t, metricsURL)
	for _, m := range []struct {
		body, series string
		want         float64
	}{
		{apiBody, `newsdesk_articles{status="draft"}`, 5},
		{apiBody, `newsdesk_articles{status="failed"}`, 15},
		{wBody, `newsdesk_fetch_errors_total{kind="http_status"}`, 5},
		{wBody, `newsdesk_fetch_errors_total{kind="content_type"}`, 5},
		{wBody, `newsdesk_llm_errors_total{class="unusable_answer"}`, 5},
		{wBody, `newsdesk_stage_duration_seconds_count{outcome="failed",stage="extract"}`, 10},
		{wBody, `newsdesk_stage_duration_seconds_count{outcome="failed",stage="summarise"}`, 5},
		{wBody, `newsdesk_stage_duration_seconds_count{outcome="ok",stage="summarise"}`, 5},
	} {
		if got := metric(m.body, m.series); got != m.want {
			t.Errorf("%s = %g, want %g", m.series, got, m.want)
		}
	}
	for story, n := range s.llm.perStory() {
		if n > llmPerArticle {
			t.Errorf("story %s cost %d LLM requests, more than %d", story, n, llmPerArticle)
		}
	}
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT url, error FROM articles WHERE status = 'failed' ORDER BY url`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u, reason string
		if err := rows.Scan(&u, &reason); err != nil {
			t.Fatal(err)
		}
		t.Logf("failed %s: %s", u, reason)
	}
}

// TestSIGTERMUnderLoad sends SIGTERM to a busy worker: it must stop within the drain
// deadline, and after a restart nothing is lost.
func TestSIGTERMUnderLoad(t *testing.T) {
	const drain = 4 * time.Second
	s, _ := setup(t, map[string]string{"NEWSDESK_DRAIN_TIMEOUT": drain.String()})
	s.llm.setLatency(time.Second)
	a := s.api(t, "api")
	w := s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "sigterm", 80), 80)
	waitDrafts(t, s, 10, time.Minute)
	waitUntil(t, 10*time.Second, "LLM calls in flight", func() bool { return s.llm.active.Load() > 0 })
	inFlight := s.llm.active.Load()
	start := time.Now()
	w.signal(syscall.SIGTERM)
	// The deadline, plus time for settling the messages and closing connections.
	if !w.wait(drain + 5*time.Second) {
		t.Fatalf("worker still running %s after SIGTERM (drain timeout %s)", time.Since(start).Round(time.Millisecond), drain)
	}
	took := time.Since(start)
	if w.err != nil {
		t.Errorf("worker exited with %v after SIGTERM, want status 0", w.err)
	}
	t.Logf("worker stopped %s after SIGTERM with %d LLM calls in flight", took.Round(time.Millisecond), inFlight)
	s.worker(t, "worker-2", nil)
	c := invariant(t, "SIGTERM under load", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 80 {
		t.Errorf("drafts = %d, want 80", c.Drafts)
	}
}

// TestSIGTERMDrainDeadline sends SIGTERM while every LLM call takes longer than the drain
// deadline: the worker must give up on them at the deadline, hand the jobs back (Nak) and
// exit; a new worker finishes them.
func TestSIGTERMDrainDeadline(t *testing.T) {
	const drain = 2 * time.Second
	s, _ := setup(t, map[string]string{"NEWSDESK_DRAIN_TIMEOUT": drain.String()})
	s.llm.setLatency(8 * time.Second)
	a := s.api(t, "api")
	w := s.worker(t, "worker", nil)
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "deadline", 16), 16)
	waitUntil(t, 30*time.Second, "8 LLM calls in flight", func() bool { return s.llm.active.Load() >= 8 })
	start := time.Now()
	w.signal(syscall.SIGTERM)
	if !w.wait(drain + 5*time.Second) {
		t.Fatalf("worker still running %s after SIGTERM (drain timeout %s)", time.Since(start).Round(time.Millisecond), drain)
	}
	took := time.Since(start)
	t.Logf("worker stopped %s after SIGTERM; %d jobs handed back", took.Round(time.Millisecond), w.countInLog("handed back to the queue"))
	if took < drain {
		t.Errorf("worker stopped after %s, before the drain deadline %s, with calls of 8s in flight", took, drain)
	}
	if w.countInLog("handed back to the queue") == 0 {
		t.Error("no in-flight job was handed back at the deadline")
	}
	s.llm.setLatency(200 * time.Millisecond)
	s.worker(t, "worker-2", nil)
	c := invariant(t, "SIGTERM, calls longer than the drain", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 16 {
		t.Errorf("drafts = %d, want 16", c.Drafts)
	}
}

// TestJobThatKillsEveryWorker kills the worker whenever it is summarising one particular
// article (as an out-of-memory kill on that article would), MaxDeliver times in a row, and
// stops Postgres while JetStream gives up on the message: the worker hears the max-deliveries
// advisory but cannot record the failure, and JetStream never delivers the message again. The
// reconciler's republishes land inside the duplicate window and deliver nothing; after
// MaxRepublishes of them it fails the article with a reason, instead of leaving it summarising
// for the 6-hour stall check. The articles before and after it end as drafts.
func TestJobThatKillsEveryWorker(t *testing.T) {
	const maxDeliver = 3
	dir, err := os.MkdirTemp("", "ndpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the server runs as the postgres user
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := t.Context()
	cl, err := pgcluster.Start(ctx, filepath.Join(dir, "pg"), log)
	if err != nil {
		t.Fatalf("start private Postgres: %v", err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })

	env := defaultEnv()
	// A long ack wait leaves time to stop Postgres between the last kill and JetStream
	// giving up on the message.
	env["NEWSDESK_ACK_WAIT_SUMMARISE"] = "8s"
	env["NEWSDESK_MAX_DELIVER"] = fmt.Sprint(maxDeliver)
	env["NEWSDESK_REPUBLISH_AFTER"] = "5s"
	s := &services{dbURL: cl.DSN(), pages: newPages(t), llm: newFakeLLM(t),
		adminToken: testenv.RandomName("chaos-admin-token-"), dataDir: t.TempDir(), env: env}
	s.natsURL = newNATS(t, "n1", 0, nil).url()
	a := s.api(t, "api")
	procs := []*proc{s.worker(t, "worker", nil)}
	l := newLedger()
	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "before", 10), 10)
	waitDrafts(t, s, 10, time.Minute)
	doomed, story := s.pages.story("doomed", 0), "doomed-0000" // the fake provider never answers it
	l.mustSubmit(t, a, s.adminToken, []string{doomed}, 1)

	for kills := 0; kills < maxDeliver; kills++ {
		waitUntil(t, 30*time.Second, fmt.Sprintf("delivery %d of the doomed article", kills+1), func() bool {
			return s.llm.perStory()[story] > kills
		})
		procs[len(procs)-1].kill()
		procs = append(procs, s.worker(t, "worker", nil))
	}
	last := procs[len(procs)-1]
	waitUntil(t, 20*time.Second, "the last worker to start", func() bool { return last.countInLog("workers started") > 0 })
	if err := cl.Stop(ctx); err != nil {
		t.Fatalf("stop Postgres: %v", err)
	}
	waitUntil(t, 30*time.Second, "the advisory that cannot be recorded", func() bool { return last.countInLog("record max deliveries") > 0 })
	cl, err = pgcluster.Start(ctx, filepath.Join(dir, "pg"), log)
	if err != nil {
		t.Fatalf("restart Postgres: %v", err)
	}
	pgBack := time.Now()

	l.mustSubmit(t, a, s.adminToken, stories(s.pages, "after", 10), 10)
	c := invariant(t, "a job that kills every worker", s, l, 2*time.Minute, llmPerArticle)
	gaveUp := 0
	for _, p := range procs {
		gaveUp += p.countInLog("gave up on a job its workers keep stopping on")
	}
	t.Logf("%d worker processes; settled %s after Postgres came back", len(procs), time.Since(pgBack).Round(time.Second))
	if gaveUp != 1 {
		t.Errorf("the reconciler gave up %d times, want 1", gaveUp)
	}
	if n := s.llm.perStory()[story]; n != maxDeliver {
		t.Errorf("the doomed article cost %d LLM calls, want %d (one per delivery; the republishes are deduplicated)", n, maxDeliver)
	}
	if c.Drafts != 20 || c.Failed != 1 {
		t.Errorf("drafts = %d, failed = %d; want 20 and 1", c.Drafts, c.Failed)
	}
	qctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	conn, err := pgx.Connect(qctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(qctx)
	var status, reason string
	if err := conn.QueryRow(qctx, `SELECT status, error FROM articles WHERE url = $1`, doomed).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	t.Logf("doomed article: %s: %s", status, reason)
	if status != "failed" || !strings.HasPrefix(reason, "Processing failed repeatedly") {
		t.Errorf("doomed article %s with %q, want failed by the reconciler", status, reason)
	}
}
