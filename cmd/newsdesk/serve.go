package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/auth"
	"newsdesk/extract"
	"newsdesk/llm"
	"newsdesk/metrics"
	"newsdesk/pgcluster"
	"newsdesk/prompts"
	"newsdesk/queue"
	"newsdesk/schema"
	"newsdesk/store"
	"newsdesk/web"
	"newsdesk/webhooks"
	"newsdesk/workers"
)

type mode int

const (
	modeAll mode = iota
	modeAPI
	modeWorker
)

// deps are the connections a command holds; close releases them in reverse order.
type deps struct {
	cfg     config
	log     *slog.Logger
	pool    *pgxpool.Pool
	db      *store.DB
	nc      *nats.Conn
	q       *queue.Queue
	closers []func()
}

func (d *deps) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// connect opens Postgres (or starts the private cluster) and, when wantNATS, NATS (or starts
// the embedded server), and applies migrations.
func connect(ctx context.Context, cfg config, log *slog.Logger, wantNATS, allowEmbedded bool) (*deps, error) {
	d := &deps{cfg: cfg, log: log}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		if !allowEmbedded {
			return nil, errors.New("DATABASE_URL is not set (only `newsdesk run` starts a private Postgres)")
		}
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
		if err != nil {
			return nil, err
		}
		cl, err := pgcluster.Start(ctx, dir, log)
		if errors.Is(err, pgcluster.ErrNotTraversable) && os.Geteuid() == 0 {
			// Postgres runs as its own user, which cannot enter a folder such as /root: keep
			// this data directory's cluster under /var/lib instead of failing.
			sum := sha256.Sum256([]byte(dir))
			alt := filepath.Join("/var/lib/newsdesk", hex.EncodeToString(sum[:6]), "postgres")
			log.Warn("the postgres user cannot reach the data directory; keeping the private cluster elsewhere",
				"data_dir", dir, "postgres_dir", alt)
			cl, err = pgcluster.Start(ctx, alt, log)
		}
		if err != nil {
			return nil, fmt.Errorf("start private Postgres (set DATABASE_URL to use your own): %w", err)
		}
		d.closers = append(d.closers, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cl.Stop(sctx); err != nil {
				log.Warn("stop private Postgres", "err", err)
			}
		})
		dbURL = cl.DSN()
	}
	pcfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = "newsdesk"
	if pcfg.MaxConns < 16 {
		pcfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("connect to Postgres: %w", err)
	}
	d.pool, d.db = pool, store.New(pool)
	d.closers = append(d.closers, pool.Close)
	if err := waitFor(ctx, "Postgres", func(ctx context.Context) error { return pool.Ping(ctx) }); err != nil {
		d.close()
		return nil, err
	}
	if err := schema.Migrate(ctx, pool); err != nil {
		d.close()
		return nil, err
	}
	if cfg.AdminToken != "" {
		if err := d.db.EnsureToken(ctx, "bootstrap admin", auth.Admin, cfg.AdminToken); err != nil {
			d.close()
			return nil, err
		}
	}
	if !wantNATS {
		return d, nil
	}

	if cfg.NATSURL == "" {
		if !allowEmbedded {
			d.close()
			return nil, errors.New("NATS_URL is not set (only `newsdesk run` starts an embedded JetStream)")
		}
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			d.close()
			return nil, err
		}
		emb, err := queue.StartEmbedded(dir, 0, log)
		if err != nil {
			d.close()
			return nil, err
		}
		d.closers = append(d.closers, emb.Shutdown)
		d.nc, err = emb.Connect("newsdesk")
		if err != nil {
			d.close()
			return nil, err
		}
	} else {
		d.nc, err = nats.Connect(cfg.NATSURL,
			nats.Name("newsdesk"),
			nats.MaxReconnects(-1),
			nats.ReconnectWait(time.Second),
			// A server that hangs (SIGSTOP, a VM pause) keeps its TCP connection open; the
			// default 2-minute ping interval would leave every publish and pull waiting on it
			// for minutes. Ping often and move to another node after ~15 s of silence.
			nats.PingInterval(5*time.Second),
			nats.MaxPingsOutstanding(3),
			nats.RetryOnFailedConnect(true),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil {
					log.Warn("NATS disconnected", "err", err)
				}
			}),
			nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
		)
		if err != nil {
			d.close()
			return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.NATSURL, err)
		}
	}
	nc := d.nc
	d.closers = append(d.closers, func() {
		if err := nc.Drain(); err != nil {
			nc.Close()
		}
	})
	js, err := jetstream.New(nc)
	if err != nil {
		d.close()
		return nil, err
	}
	qcfg := queue.Config{
		Replicas:   cfg.Replicas,
		MaxDeliver: cfg.MaxDeliver,
		AckWait:    map[queue.Stage]time.Duration{queue.Extract: cfg.AckWaitExtract, queue.Summarise: cfg.AckWaitSummarise},
	}
	err = waitFor(ctx, "NATS JetStream", func(ctx context.Context) error {
		d.q, err = queue.Open(ctx, js, qcfg)
		return err
	})
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// waitFor retries check for up to a minute: services started together come up in any order.
func waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not reachable: %w", what, err)
		}
		time.Sleep(time.Second)
	}
}

// writer builds the summary writer the configuration asks for, and the key that identifies
// its prompt and model for reuse of identical generations.
func writer(cfg config, log *slog.Logger) (llm.Writer, string, error) {
	if cfg.LLM == "extractive" {
		log.Warn("no LLM configured: drafts are written by the offline extractive writer and labelled as such (set OPENAI_API_KEY or OPENAI_BASE_URL)")
		return llm.NewExtractive(), "extractive|" + llm.ExtractiveVersion, nil
	}
	if cfg.LLMPrices != "" {
		t, err := llm.ParsePrices(cfg.LLMPrices)
		if err != nil {
			return nil, "", fmt.Errorf("NEWSDESK_LLM_PRICES: %w", err)
		}
		llm.SetPrices(t)
	}
	w, err := llm.NewOpenAI(llm.Config{
		BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.Model, Timeout: cfg.LLMTimeout,
		TokenLimitField: cfg.TokenField, ResponseFormat: cfg.Format, AzureAPIVersion: cfg.AzureVersion,
		RPM: cfg.LLMRPM, TPM: cfg.LLMTPM, ContextTokens: cfg.LLMContext, InputBudget: cfg.LLMInputBudget,
		MaxOutputTokens: cfg.LLMMaxOutput, Language: cfg.LLMLanguage, ReasoningEffort: cfg.LLMReasoning,
		DisableThinking: cfg.LLMNoThinking, Logger: log,
	})
	if err != nil {
		return nil, "", err
	}
	// The reuse key names everything that changes the answer for the same text.
	return w, strings.Join([]string{"openai", cfg.OpenAIBaseURL, cfg.Model, prompts.Version, cfg.LLMLanguage, strconv.Itoa(cfg.LLMInputBudget)}, "|"), nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, m mode) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("newsdesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stages := fs.String("stages", "extract,summarise", "stages this worker runs")
	conc := fs.Int("concurrency", 0, "extract slots and model calls in flight (default: NEWSDESK_EXTRACT_CONCURRENCY / NEWSDESK_LLM_CONCURRENCY); the summarise stage runs twice as many slots as model calls")
	addr := fs.String("addr", cfg.Addr, "HTTP listen address (NEWSDESK_ADDR)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg.Addr = *addr
	log := newLogger(cfg, stderr)

	d, err := connect(ctx, cfg, log, true, m == modeAll)
	if err != nil {
		return err
	}
	defer d.close()

	if m == modeAll && cfg.AdminToken == "" {
		if err := firstAdminToken(ctx, d.db, cfg.DataDir, stdout); err != nil {
			return err
		}
	}

	mx := metrics.NewWithLogger(d.db, d.q, log)

	var wg sync.WaitGroup
	errc := make(chan error, 3)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	if m != modeWorker {
		srv := web.New(d.db, d.q, web.Config{
			Logger: log, PortalOrigins: cfg.PortalOrigins, PublicURL: cfg.PublicURL, DailyBudget: cfg.DailyBudget,
			Metrics: mx.Handler(),
			Ready: func(ctx context.Context) error {
				if d.nc.Status() != nats.CONNECTED {
					return fmt.Errorf("nats: %s", d.nc.Status())
				}
				return nil
			},
		})
		wg.Go(func() {
			if err := srv.RunPortalCache(runCtx); err != nil {
				errc <- err
			}
		})
		hs := srv.HTTPServer(cfg.Addr)
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
		log.Info("newsdesk listening", "addr", ln.Addr().String(), "ui", "http://"+ln.Addr().String()+"/ui/")
		wg.Go(func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
			}
		})
		wg.Go(func() {
			<-runCtx.Done()
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = hs.Shutdown(sctx)
		})
	}
	if m != modeAPI {
		var st []queue.Stage
		for _, s := range strings.Split(*stages, ",") {
			switch s = strings.TrimSpace(s); queue.Stage(s) {
			case queue.Extract, queue.Summarise:
				st = append(st, queue.Stage(s))
			default:
				return fmt.Errorf("--stages: unknown stage %q (want extract, summarise)", s)
			}
		}
		wcfg := workers.Config{
			Stages:       st,
			Concurrency:  map[queue.Stage]int{queue.Extract: cfg.ExtractConc},
			ModelCalls:   cfg.LLMConc,
			Fetcher:      extract.NewFetcher(extract.FetchOptions{AllowPrivate: cfg.AllowPrivate}),
			DrainTimeout: cfg.DrainTimeout,
			DailyBudget:  cfg.DailyBudget,
			Logger:       log,
			Metrics:      mx,
		}
		if wcfg.Faults, err = workers.ParseFaults(cfg.Faults); err != nil {
			return err
		}
		if len(wcfg.Faults) > 0 {
			log.Warn("fault injection is on: this process will fail on purpose", "faults", cfg.Faults)
		}
		if *conc > 0 {
			wcfg.Concurrency = map[queue.Stage]int{queue.Extract: *conc}
			wcfg.ModelCalls = *conc
		}
		wcfg.Writer, wcfg.GenKeyPrefix, err = writer(cfg, log)
		if err != nil {
			return err
		}
		if m == modeWorker && cfg.MetricsAddr != "" {
			// A worker process opens no other port; this one lets Prometheus scrape its
			// stage histograms and LLM counters.
			mux := http.NewServeMux()
			mux.Handle("GET /metrics", mx.Handler())
			mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
			ms := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
			mln, err := net.Listen("tcp", cfg.MetricsAddr)
			if err != nil {
				return fmt.Errorf("listen on %s (NEWSDESK_METRICS_ADDR): %w", cfg.MetricsAddr, err)
			}
			log.Info("worker metrics listening", "addr", mln.Addr().String())
			wg.Go(func() {
				if err := ms.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					errc <- fmt.Errorf("metrics http: %w", err)
				}
			})
			wg.Go(func() { <-runCtx.Done(); _ = ms.Close() })
		}
		wk := workers.New(d.db, d.q, wcfg)
		wg.Go(func() {
			if err := wk.Run(runCtx); err != nil {
				errc <- err
			}
		})
		rec := &workers.Reconciler{DB: d.db, Queue: d.q, Interval: cfg.ReconcileEvery, RepublishAfter: cfg.RepublishAfter, Logger: log}
		wg.Go(func() { rec.Run(runCtx) })
		whCfg := webhooks.ConfigFromEnv(getenv)
		whCfg.Logger, whCfg.Replicas = log, d.q.Config().Replicas
		if len(whCfg.URLs) > 0 && whCfg.Secret == "" {
			return webhooks.ErrNoSecret
		}
		for _, u := range whCfg.URLs {
			if err := webhooks.ValidURL(u); err != nil {
				return fmt.Errorf("NEWSDESK_WEBHOOK_URLS: %w", err)
			}
		}
		// The webhook stream is set up in the background: a cluster still electing its
		// leaders must not stop the pipeline's workers.
		wg.Go(func() {
			for runCtx.Err() == nil {
				wh, err := webhooks.New(runCtx, d.db, d.q.JetStream(), whCfg)
				if err == nil {
					_ = wh.Run(runCtx)
					return
				}
				log.Warn("webhook dispatcher not ready; retrying", "err", err)
				select {
				case <-runCtx.Done():
				case <-time.After(2 * time.Second):
				}
			}
		})
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight jobs", "deadline", cfg.DrainTimeout)
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	return err
}

// firstAdminToken makes sure a fresh install can be signed into: with no token at all it
// creates an admin token, prints it once and keeps a copy readable only by this user.
func firstAdminToken(ctx context.Context, db *store.DB, dataDir string, stdout io.Writer) error {
	toks, err := db.Tokens(ctx)
	if err != nil || len(toks) > 0 {
		return err
	}
	secret, _, err := db.CreateToken(ctx, "first admin", auth.Admin)
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, "admin-token")
	if err := os.MkdirAll(dataDir, 0o700); err == nil {
		_ = os.WriteFile(path, []byte(secret+"\n"), 0o600)
	}
	fmt.Fprintf(stdout, "\nFirst start: created an admin token (shown once, also saved to %s):\n\n    %s\n\n", path, secret)
	return nil
}

func migrate(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("migrate needs DATABASE_URL")
	}
	d, err := connect(ctx, cfg, newLogger(cfg, stderr), false, false)
	if err != nil {
		return err
	}
	d.close()
	fmt.Fprintln(stderr, "migrations applied")
	return nil
}
