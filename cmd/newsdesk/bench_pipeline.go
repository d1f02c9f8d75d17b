package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/auth"
	"newsdesk/extract"
	"newsdesk/llm/llmtest"
	"newsdesk/pgcluster"
	"newsdesk/queue"
	"newsdesk/schema"
	"newsdesk/store"
	"newsdesk/web"
)

// benchPipeline runs `newsdesk bench pipeline [--n 1000] [--rounds 5] [--warmup 100] [--ingest 10000]`:
// it measures the whole pipeline on this machine, with everything but the worker in this
// process.
//
//   - Postgres: a fresh database on DATABASE_URL's server (dropped afterwards), or a
//     private cluster in a temporary directory when DATABASE_URL is unset;
//   - JetStream: an embedded server on a loopback port, data in a temporary directory;
//   - the API: web.New served on a loopback port, as `newsdesk api` serves it;
//   - pages: N distinct news pages per round (about 750 words of article in a page with
//     navigation, sidebars and footer) served on a loopback port;
//   - the LLM: llmtest's OpenAI-compatible handler answering at once with a grounded summary;
//   - the worker: this binary's `newsdesk worker` as a child process with the default slots,
//     so that its peak RSS (VmHWM) is its own.
//
// A round is one POST of N new URLs, timed until all N are draft or failed, between two
// measurements of the bare extraction rate of the same kind of pages (extract.Extract over
// the HTML, fetched once, on one goroutine and on GOMAXPROCS goroutines); its ratio is its
// end-to-end rate over the mean of the two. One worker serves every round, after an untimed
// warm-up of --warmup articles (a tenth of N), so that the rate is a sustained one. On a shared
// 2-core machine a single round moves by about a tenth either way, so the headline ratio is
// the median of the rounds, and every round is printed. Then comes the ingest rate of one
// POST of --ingest new URLs with no worker running, and the worker's peak RSS. The last
// line is machine-readable:
//
//	pipeline: n N rounds R e2e_per_s X bare_per_s X bare_parallel_per_s X ratio X ratio_min X ratio_max X ingest_per_s X worker_peak_rss_mib X
func benchPipeline(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "pipeline" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("bench pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "articles pushed through the pipeline in each round")
	rounds := fs.Int("rounds", 5, "timed rounds of --n articles, each between two bare-extraction measurements")
	warmup := fs.Int("warmup", -1, "articles pushed through before the first round, untimed (-1: a tenth of --n)")
	ingestN := fs.Int("ingest", 10_000, "URLs in the ingest batch (one POST); 0 skips it")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	verbose := fs.Bool("v", false, "show the worker's log")
	extractConc := fs.Int("extract-concurrency", 0, "the worker's extract slots (0: NEWSDESK_EXTRACT_CONCURRENCY or its default)")
	llmConc := fs.Int("llm-concurrency", 0, "the worker's model calls in flight, with twice as many summarise slots (0: NEWSDESK_LLM_CONCURRENCY or its default)")
	cpuProfile := fs.String("cpuprofile", "", "write CPU profiles: the worker's (every round) to this path, this process's (API, JetStream, pages, LLM; the first round) to this path + \".bench\"")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *n < 1 || *rounds < 1 {
		return errors.New("bench pipeline: --n and --rounds must be at least 1")
	}
	if *warmup < 0 {
		*warmup = *n / 10
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	log := slog.New(slog.DiscardHandler)

	tmp, err := os.MkdirTemp("", "newsdesk-bench-pipeline-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The private Postgres runs as the postgres user, who must be able to enter tmp.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}

	// Postgres.
	dbURL, dropDB, err := pipelineDatabase(ctx, getenv("DATABASE_URL"), filepath.Join(tmp, "pg"), log)
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	defer dropDB()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	defer pool.Close()
	if err := schema.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	db := store.New(pool)

	// JetStream, on a port the worker process can reach.
	natsPort, err := pipelineFreePort()
	if err != nil {
		return err
	}
	emb, err := queue.StartEmbedded(filepath.Join(tmp, "data"), natsPort, log)
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	defer emb.Shutdown()
	nc, err := nats.Connect(emb.ClientURL())
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	q, err := queue.Open(ctx, js, queue.Config{})
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}

	// Pages and the LLM.
	pagesLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The pages are made before the run: a news site's CPU is not ours.
	// Pages [0, rounds*n) are the rounds', the warm-up's come after them.
	total := *n**rounds + *warmup
	pages := make(map[string][]byte, total)
	for i := range total {
		id := fmt.Sprintf("%06d", i)
		pages[id] = []byte(pipelinePage(id))
	}
	pagesSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := pages[strings.TrimPrefix(r.URL.Path, "/news/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})}
	go pagesSrv.Serve(pagesLn)
	defer pagesSrv.Close()
	pagesBase := "http://" + pagesLn.Addr().String()

	fake := llmtest.NewLightHandler(llmtest.Grounded())
	llmLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	llmSrv := &http.Server{Handler: fake}
	go llmSrv.Serve(llmLn)
	defer llmSrv.Close()

	// The API.
	secret, _, err := db.CreateToken(ctx, "bench", auth.Editor)
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	apiSrv := &http.Server{Handler: web.New(db, q, web.Config{Logger: log}).Handler()}
	go apiSrv.Serve(apiLn)
	defer apiSrv.Close()
	apiBase := "http://" + apiLn.Addr().String()

	// Round r submits pages [r*n, (r+1)*n); bare extraction runs over the HTML of the
	// round that follows it (the last one after the last round).
	urls := make([]string, total)
	htmls := make([][]byte, total)
	parsed := make([]*url.URL, total)
	for i := range urls {
		id := fmt.Sprintf("%06d", i)
		urls[i] = pagesBase + "/news/" + id
		parsed[i], _ = url.Parse(urls[i])
		htmls[i] = pages[id]
	}
	roundPages := func(r int) (lo, hi int) { return r * *n, (r + 1) * *n }
	procs := runtime.GOMAXPROCS(0)
	bare := func(r int) (bareRun, error) {
		lo, hi := roundPages(r)
		return pipelineBare(htmls[lo:hi], parsed[lo:hi], procs)
	}

	// Bare extraction before the worker starts, on a quiet machine.
	bares := make([]bareRun, 0, *rounds+1)
	b, err := bare(0)
	if err != nil {
		return fmt.Errorf("bench pipeline: bare extraction: %w", err)
	}
	bares = append(bares, b)

	// The worker, as its own process.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	wk := exec.CommandContext(ctx, exe, "worker")
	wk.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"NATS_URL="+emb.ClientURL(),
		"NEWSDESK_FETCH_ALLOW_PRIVATE=true",
		"NEWSDESK_LLM=openai",
		"OPENAI_BASE_URL=http://"+llmLn.Addr().String()+"/v1",
		"OPENAI_API_KEY=bench",
		"NEWSDESK_MODEL=bench-model",
		"NEWSDESK_DATA_DIR="+filepath.Join(tmp, "worker"),
		"NEWSDESK_LOG_LEVEL=warn",
		"NEWSDESK_FAULTS=",
	)
	if *extractConc > 0 {
		wk.Env = append(wk.Env, "NEWSDESK_EXTRACT_CONCURRENCY="+strconv.Itoa(*extractConc))
	}
	if *cpuProfile != "" {
		abs, err := filepath.Abs(*cpuProfile)
		if err != nil {
			return err
		}
		*cpuProfile = abs
		wk.Env = append(wk.Env, "NEWSDESK_CPUPROFILE="+abs)
	}
	if *llmConc > 0 {
		wk.Env = append(wk.Env, "NEWSDESK_LLM_CONCURRENCY="+strconv.Itoa(*llmConc))
	}
	wcfg, err := loadConfig(pipelineEnv(wk.Env))
	if err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	wk.Stdout, wk.Stderr = io.Discard, io.Discard
	if *verbose {
		wk.Stdout, wk.Stderr = stderr, stderr
	}
	wk.Cancel = func() error { return wk.Process.Signal(syscall.SIGTERM) }
	if err := wk.Start(); err != nil {
		return fmt.Errorf("bench pipeline: start worker: %w", err)
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- wk.Wait() }()
	stopWorker := func() {
		if wk.ProcessState == nil {
			_ = wk.Process.Signal(syscall.SIGTERM)
			select {
			case <-workerDone:
			case <-time.After(45 * time.Second):
				_ = wk.Process.Kill()
				<-workerDone
			}
		}
	}
	defer stopWorker()
	// Wait until every slot of the worker is pulling, so start-up is not timed.
	if err := pipelineWaitPulling(ctx, js, q.Config().Stream, workerDone); err != nil {
		return fmt.Errorf("bench pipeline: %w", err)
	}
	rssBefore := pipelinePeakRSS(wk.Process.Pid)

	// The warm-up: the worker's first jobs open its Postgres connections and fill the
	// caches on both sides, which a sustained rate should not include.
	var warm roundRun
	if *warmup > 0 {
		lo := *n * *rounds
		if warm, err = pipelineRound(ctx, db, apiBase, secret, urls[lo:lo+*warmup], wk.Process.Pid, fake, workerDone, ""); err != nil {
			return fmt.Errorf("bench pipeline: warm-up: %w", err)
		}
	}

	// The rounds: one POST of N new URLs each, until all N are draft or failed, then the
	// bare extraction rate again.
	results := make([]roundRun, 0, *rounds)
	for r := range *rounds {
		profile := ""
		if r == 0 && *cpuProfile != "" {
			profile = *cpuProfile + ".bench"
		}
		lo, hi := roundPages(r)
		res, err := pipelineRound(ctx, db, apiBase, secret, urls[lo:hi], wk.Process.Pid, fake, workerDone, profile)
		if err != nil {
			return fmt.Errorf("bench pipeline: round %d: %w", r+1, err)
		}
		results = append(results, res)
		next := min(r+1, *rounds-1)
		b, err := bare(next)
		if err != nil {
			return fmt.Errorf("bench pipeline: bare extraction: %w", err)
		}
		bares = append(bares, b)
	}
	rss := pipelinePeakRSS(wk.Process.Pid)
	stopWorker()

	// Ingest: one POST of many new URLs, nobody consuming.
	var ingestRate float64
	var ingestTook time.Duration
	if *ingestN > 0 {
		batch := make([]string, *ingestN)
		for i := range batch {
			batch[i] = fmt.Sprintf("https://ingest.example.org/2026/11/26/story-%06d?ref=wire", i)
		}
		t0 := time.Now()
		if err := pipelineSubmit(ctx, apiBase, secret, batch); err != nil {
			return fmt.Errorf("bench pipeline: ingest: %w", err)
		}
		ingestTook = time.Since(t0)
		ingestRate = float64(*ingestN) / ingestTook.Seconds()
	}

	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	perArticle := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(*n) }
	fmt.Fprintf(stdout, "bench pipeline: %d rounds of %d articles; worker = `newsdesk worker` child process (%d extract slots, %d summarise slots for %d model calls); API, pages, JetStream (embedded, fsync on every write) and a zero-latency OpenAI-compatible server in this process; %d CPUs\n",
		*rounds, *n, wcfg.ExtractConc, 2*wcfg.LLMConc, wcfg.LLMConc, runtime.NumCPU())
	if *warmup > 0 {
		fmt.Fprintf(stdout, "  warm-up          %d articles in %s, not timed (%d drafts, %d failed)\n",
			warm.n, warm.elapsed.Round(time.Millisecond), warm.drafts, warm.failed)
	}
	ratios := make([]float64, len(results))
	var e2es, bare1s, bareNs []float64
	for r, res := range results {
		before, after := bares[r], bares[r+1]
		bare1, bareN := (before.rate1+after.rate1)/2, (before.rateN+after.rateN)/2
		ratios[r] = res.rate() / bare1
		e2es, bare1s, bareNs = append(e2es, res.rate()), append(bare1s, bare1), append(bareNs, bareN)
		fmt.Fprintf(stdout, "  round %d\n", r+1)
		fmt.Fprintf(stdout, "    end to end       %8.1f articles/s  (%d drafts, %d failed in %s; the POST took %s; %d LLM requests)\n",
			res.rate(), res.drafts, res.failed, res.elapsed.Round(time.Millisecond), res.submitted.Round(time.Millisecond), res.llmRequests)
		fmt.Fprintf(stdout, "    timeline         first draft after %s, last article extracted after %s, last draft after %s (polled every 50ms, every 5ms for the last 5%%)\n",
			res.firstDraft.Round(time.Millisecond), res.extracted.Round(time.Millisecond), res.elapsed.Round(time.Millisecond))
		fmt.Fprintf(stdout, "    bare extraction  %8.1f pages/s on 1 goroutine (%.1f before the round, %.1f after), %.1f pages/s on %d goroutines (%.1f, %.1f); extract.Extract over the same kind of HTML\n",
			bare1, before.rate1, after.rate1, bareN, procs, before.rateN, after.rateN)
		fmt.Fprintf(stdout, "    ratio            %8.2f of the 1-goroutine bare rate; %.2f of the %d-goroutine rate\n", ratios[r], res.rate()/bareN, procs)
		fmt.Fprintf(stdout, "    CPU per article  %8.1f ms in the pipeline (worker %.1f + API, JetStream, pages and fake LLM %.1f + Postgres %.1f) vs %.1f ms bare extraction\n",
			perArticle(res.cpuWorker+res.cpuSelf+res.cpuPG), perArticle(res.cpuWorker), perArticle(res.cpuSelf), perArticle(res.cpuPG),
			perArticle((before.cpu1+after.cpu1)/2))
	}
	ratio := median(ratios)
	fmt.Fprintf(stdout, "  ratio            %8.2f median of %d rounds (%s; target >= 0.5)\n", ratio, len(ratios), joinFloats(ratios, "%.2f"))
	fmt.Fprintf(stdout, "  end to end       %8.1f articles/s median; bare extraction %.1f pages/s on 1 goroutine, %.1f on %d (medians)\n",
		median(e2es), median(bare1s), median(bareNs), procs)
	if *ingestN > 0 {
		fmt.Fprintf(stdout, "  ingest           %8.0f URLs/s   (one POST of %d URLs in %s; target >= 2000)\n", ingestRate, *ingestN, ingestTook.Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "  worker peak RSS  %8.1f MiB      (VmHWM over %d rounds of %d articles; %.1f MiB when idle before the first; target <= 250)\n", mib(rss), *rounds, *n, mib(rssBefore))
	fmt.Fprintf(stdout, "pipeline: n %d rounds %d e2e_per_s %.1f bare_per_s %.1f bare_parallel_per_s %.1f ratio %.2f ratio_min %.2f ratio_max %.2f ingest_per_s %.0f worker_peak_rss_mib %.1f\n",
		*n, *rounds, median(e2es), median(bare1s), median(bareNs), ratio, slices.Min(ratios), slices.Max(ratios), ingestRate, mib(rss))
	return nil
}

// median returns the middle value of xs (the mean of the two middle ones for an even
// count); xs is not changed.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func joinFloats(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, ", ")
}

// roundRun is one timed round: one POST of N URLs until all N are draft or failed.
type roundRun struct {
	n                           int
	drafts, failed, llmRequests int
	submitted, elapsed          time.Duration
	firstDraft, extracted       time.Duration // when the first draft appeared, when no article was left to extract
	cpuSelf, cpuWorker, cpuPG   time.Duration
}

func (r roundRun) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// pipelineRound submits urls (all new) in one POST and waits until every one is draft or
// failed. The counts are the database's, so it first reads those of earlier rounds.
// With profile set it writes this process's CPU profile of the round there.
func pipelineRound(ctx context.Context, db *store.DB, apiBase, secret string, urls []string, workerPID int,
	fake *llmtest.Recorder, workerDone <-chan error, profile string) (roundRun, error) {
	res := roundRun{n: len(urls)}
	before, err := db.Counts(ctx)
	if err != nil {
		return res, err
	}
	base := before[store.StatusDraft] + before[store.StatusFailed]
	requests0 := fake.Requests()
	cpuSelf0, cpuWorker0, cpuPG0 := pipelineSelfCPU(), pipelineProcCPU(workerPID), pipelineCommandCPU("postgres")
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	if err := pipelineSubmit(ctx, apiBase, secret, urls); err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	res.submitted = time.Since(start)
	for {
		counts, err := db.Counts(ctx)
		if err != nil {
			return res, err
		}
		res.drafts = counts[store.StatusDraft] - before[store.StatusDraft]
		res.failed = counts[store.StatusFailed] - before[store.StatusFailed]
		done := counts[store.StatusDraft] + counts[store.StatusFailed] - base
		if res.firstDraft == 0 && res.drafts > 0 {
			res.firstDraft = time.Since(start)
		}
		if res.extracted == 0 && counts[store.StatusQueued]+counts[store.StatusExtracting] == 0 {
			res.extracted = time.Since(start)
		}
		if done >= len(urls) {
			break
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("%d of %d articles done when time ran out", done, len(urls))
		case err := <-workerDone:
			return res, fmt.Errorf("the worker exited: %v", err)
		case <-time.After(pipelinePollEvery(done, len(urls))):
		}
	}
	res.elapsed = time.Since(start)
	res.cpuSelf = pipelineSelfCPU() - cpuSelf0
	res.cpuWorker = pipelineProcCPU(workerPID) - cpuWorker0
	res.cpuPG = pipelineCommandCPU("postgres") - cpuPG0
	res.llmRequests = fake.Requests() - requests0
	return res, nil
}

// bareRun is the bare extraction rate of a round's pages: pages per second on one
// goroutine and on GOMAXPROCS goroutines, and the CPU time the one-goroutine pass took.
type bareRun struct {
	rate1, rateN float64
	cpu1         time.Duration
}

func pipelineBare(htmls [][]byte, urls []*url.URL, procs int) (bareRun, error) {
	var b bareRun
	cpu0 := pipelineSelfCPU()
	var err error
	if b.rate1, err = pipelineBareExtract(htmls, urls, 1); err != nil {
		return b, err
	}
	b.cpu1 = pipelineSelfCPU() - cpu0
	b.rateN, err = pipelineBareExtract(htmls, urls, procs)
	return b, err
}

// pipelinePollEvery is how long the bench waits before counting again, done of n
// articles finished. Counting reads every article row in Postgres, on the machine the
// pipeline runs on, so it is rare while the end is far off and frequent near it, where
// the end-to-end time is decided.
func pipelinePollEvery(done, n int) time.Duration {
	if done >= n-n/20 {
		return 5 * time.Millisecond
	}
	return 50 * time.Millisecond
}

// pipelineDatabase returns the URL of a fresh database and a func that removes it: on the
// server of adminURL, or in a private cluster under dir when adminURL is empty.
func pipelineDatabase(ctx context.Context, adminURL, dir string, log *slog.Logger) (string, func(), error) {
	if adminURL == "" {
		cl, err := pgcluster.Start(ctx, dir, log)
		if err != nil {
			return "", nil, fmt.Errorf("no DATABASE_URL, and a private Postgres could not start: %w", err)
		}
		return cl.DSN(), func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = cl.Stop(sctx)
		}, nil
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to DATABASE_URL: %w", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "newsdesk_bench_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(dctx, adminURL); err == nil {
			_, _ = c.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(dctx)
		}
	}, nil
}

func pipelineFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pipelineWaitPulling waits until both stage consumers have pull requests waiting.
func pipelineWaitPulling(ctx context.Context, js jetstream.JetStream, stream string, done <-chan error) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ready := true
		for _, s := range queue.Stages {
			c, err := js.Consumer(ctx, stream, string(s))
			if err != nil {
				ready = false
				break
			}
			info, err := c.Info(ctx)
			if err != nil || info.NumWaiting == 0 {
				ready = false
				break
			}
		}
		if ready {
			return nil
		}
		select {
		case err := <-done:
			return fmt.Errorf("the worker exited at start-up: %v (run with -v to see its log)", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("the worker did not start pulling within a minute (run with -v to see its log)")
}

// pipelineSubmit posts urls in one request.
func pipelineSubmit(ctx context.Context, base, token string, urls []string) error {
	body, err := json.Marshal(map[string]any{"urls": urls})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/articles", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %.300s", resp.Status, raw)
	}
	var out struct {
		Articles []struct{ ID string } `json:"articles"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if len(out.Articles) != len(urls) {
		return fmt.Errorf("%d URLs sent, %d acknowledged", len(urls), len(out.Articles))
	}
	return nil
}

// pipelineBareExtract runs extract.Extract over every page on workers goroutines and
// returns pages per second.
func pipelineBareExtract(htmls [][]byte, urls []*url.URL, workers int) (float64, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				if _, err := extract.Extract(htmls[i], urls[i]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", urls[i], err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range htmls {
		next <- i
	}
	close(next)
	wg.Wait()
	return float64(len(htmls)) / time.Since(start).Seconds(), firstErr
}

// pipelineEnv turns KEY=VALUE pairs into a getenv; the last pair for a key wins.
func pipelineEnv(env []string) func(string) string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

// pipelineSelfCPU returns the CPU time (user and system) this process has used.
func pipelineSelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pipelineProcCPU returns the CPU time (user and system) process pid has used, from
// /proc/pid/stat (in clock ticks of 1/100 s, the Linux USER_HZ), or 0.
func pipelineProcCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the whole line
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// pipelineCommandCPU returns the CPU time (user and system) used so far by the live
// processes named command, whoever runs them: Postgres's backends and background
// processes. Processes that exit in between are not counted (backends of pools stay).
func pipelineCommandCPU(command string) time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || !bytes.Contains(b, []byte("("+command+")")) {
			continue
		}
		total += pipelineProcCPU(pid)
	}
	return total
}

// pipelinePeakRSS returns a process's peak resident set size (VmHWM) in bytes, or 0.
func pipelinePeakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// pipelinePage is a news page as sites serve them: navigation, a sidebar of links, a footer,
// scripts, and an article of about 750 words. Every sentence carries id, so no two pages
// share their text (each gets its own LLM generation).
func pipelinePage(id string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>%[2]s | %[3]s</title>
<meta name="description" content="The harbour authority published flood defence plan %[1]s on Thursday.">
<meta property="og:site_name" content="%[3]s">
<meta property="article:published_time" content="2026-11-26T08:00:00Z">
<link rel="canonical" href="https://courier.example.org/news/%[1]s">
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>
<style>body{font-family:serif}.nav a{margin:0 4px}</style>
</head><body>
<header class="site-header"><div class="nav"><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a><a href="/business">Business</a><a href="/opinion">Opinion</a><a href="/culture">Culture</a><a href="/subscribe">Subscribe</a></div></header>
<div class="layout"><main><article class="story">
<h1>%[2]s</h1>
<p class="byline">%[4]s</p>
<time datetime="2026-11-26T08:00:00Z">26 November 2026</time>
`, id, llmtest.NewsTitle(id), llmtest.NewsSiteName, llmtest.NewsByline)
	for _, p := range llmtest.NewsParagraphs(id) {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`<div class="share"><a href="https://social.example/share">Share</a> <a href="mailto:?subject=story">Email</a></div>
</article></main>
<aside class="sidebar"><h2>Most read</h2><ul>
<li><a href="/news/1">Ferry timetable changes for winter season announced</a></li>
<li><a href="/news/2">New cycle lanes open along the river embankment</a></li>
<li><a href="/news/3">School meals programme extended to all primary pupils</a></li>
<li><a href="/news/4">Local football club signs striker from rival team</a></li>
<li><a href="/news/5">Museum reopens after two years of renovation works</a></li>
</ul><div class="newsletter"><p>Get the morning briefing in your inbox.</p><form><input type="email" placeholder="Email"><button>Sign up</button></form></div></aside></div>
<footer class="site-footer"><p>© 2026 The Bench Courier. All rights reserved.</p><p><a href="/privacy">Privacy</a> · <a href="/terms">Terms</a> · <a href="/contact">Contact</a></p></footer>
<script src="/static/app.js" async></script>
</body></html>`)
	return b.String()
}
