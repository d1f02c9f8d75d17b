package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"newsdesk/schema"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/urlnorm"
	"newsdesk/web"
)

// benchDefaultDatabaseURL is the server `bench portal` uses when DATABASE_URL is unset.
const benchDefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// benchPortal measures GET /api/v1/published/{id} against a minimal net/http handler serving
// the same bytes, with the same load generator, on loopback: wrk when it is installed (a
// separate, cheap C client, so the servers' own cost shows), else a built-in Go client in
// this process. It sets up a temporary database with one approved article, served from the
// live portal cache as in production, and drops the database afterwards.
func benchPortal(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench portal", flag.ContinueOnError)
	conns := fs.Int("c", 64, "concurrent keep-alive connections")
	dur := fs.Duration("duration", 2*time.Second, "length of each measured run")
	maxReq := fs.Int("requests", 2_000_000, "upper bound on requests per run")
	rounds := fs.Int("rounds", 4, "runs per target, alternating so that both see the same machine; totals are reported")
	warm := fs.Duration("warmup", 500*time.Millisecond, "unmeasured load before each run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the portal runs to this file")
	generator := fs.String("generator", "auto", "load generator: go (built in), wrk (Debian's wrk, another process), or auto: wrk when installed")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *conns < 1 || *rounds < 1 || *maxReq < 1 {
		return errors.New("bench portal: -c, -rounds and -requests must be positive")
	}
	wrk := ""
	switch *generator {
	case "go":
	case "wrk", "auto":
		p, err := exec.LookPath("wrk")
		if err != nil && *generator == "wrk" {
			return errors.New("bench portal: wrk is not installed (apt-get install -y wrk), or use -generator go")
		}
		wrk = p
	default:
		return errUsage
	}

	admin := getenv("DATABASE_URL")
	if admin == "" {
		admin = benchDefaultDatabaseURL
	}
	dbURL, drop, err := benchDatabase(ctx, admin)
	if err != nil {
		return err
	}
	defer drop()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("bench portal: connect: %w", err)
	}
	defer pool.Close()
	db := store.New(pool)
	id, err := benchArticle(ctx, db)
	if err != nil {
		return err
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := web.New(db, nil, web.Config{Logger: quiet, PublicURL: "http://127.0.0.1"})
	cctx, stopCache := context.WithCancel(ctx)
	cacheDone := make(chan struct{})
	go func() { defer close(cacheDone); srv.RunPortalCache(cctx) }()
	defer func() { stopCache(); <-cacheDone }()
	for deadline := time.Now().Add(10 * time.Second); !srv.PortalCacheLive(); {
		if time.Now().After(deadline) {
			return errors.New("bench portal: the portal cache did not go live in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	portalAddr, stopPortal, err := benchServe(srv.HTTPServer("127.0.0.1:0"))
	if err != nil {
		return err
	}
	defer stopPortal()
	path := "/api/v1/published/" + id
	body, err := benchFetch(ctx, "http://"+portalAddr+path)
	if err != nil {
		return err
	}
	minimal := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})}
	minimalAddr, stopMinimal, err := benchServe(minimal)
	if err != nil {
		return err
	}
	defer stopMinimal()
	if got, err := benchFetch(ctx, "http://"+minimalAddr+path); err != nil || !bytes.Equal(got, body) {
		return fmt.Errorf("bench portal: the minimal handler does not serve the same bytes (%v)", err)
	}

	fmt.Fprintf(stdout, "bench portal: GET %s (%d-byte JSON body), %d keep-alive connections, loopback, GOMAXPROCS=%d, %d CPUs\n",
		path, len(body), *conns, runtime.GOMAXPROCS(0), runtime.NumCPU())
	load := func(addr string, d time.Duration) (loadResult, error) {
		return runLoad(ctx, addr, path, *conns, d, *maxReq)
	}
	if wrk != "" {
		fmt.Fprintf(stdout, "load generator: %s -t1 -c%d (one thread, epoll, another process); CPU per request counts wrk's CPU too\n", wrk, *conns)
		fmt.Fprintf(stdout, "%d rounds of %v per target, alternating, each after %v warm-up; req/s over all rounds, p50/p99 the median round's\n\n",
			*rounds, *dur, *warm)
		load = func(addr string, d time.Duration) (loadResult, error) {
			return runWrk(ctx, wrk, "http://"+addr+path, *conns, d)
		}
	} else {
		fmt.Fprintf(stdout, "load generator: built-in Go HTTP/1.1 client (one goroutine per connection, raw net.Conn, no pipelining), in the same process as both servers\n")
		fmt.Fprintf(stdout, "%d rounds of %v per target (at most %d requests each), alternating, each after %v warm-up; totals over all rounds\n\n",
			*rounds, *dur, *maxReq, *warm)
	}

	targets := []struct{ name, addr string }{{"minimal net/http handler", minimalAddr}, {"newsdesk portal route", portalAddr}}
	results := make([][]loadResult, len(targets))
	for round := 0; round < *rounds; round++ {
		for i, t := range targets {
			if _, err := load(t.addr, *warm); err != nil {
				return err
			}
			if i == 1 && *cpuProfile != "" && round == 0 {
				f, err := os.Create(*cpuProfile)
				if err != nil {
					return err
				}
				pprof.StartCPUProfile(f)
			}
			cpu0 := processCPU()
			res, err := load(t.addr, *dur)
			res.serverCPU = processCPU() - cpu0
			res.cpu += res.serverCPU
			if i == 1 && *cpuProfile != "" && round == 0 {
				pprof.StopCPUProfile()
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  round %d %-26s %9.0f req/s  p50 %-9v p99 %-9v cpu/req %-8v (%d requests, %d errors)\n",
				round+1, t.name, res.rps(), res.p50, res.p99, res.cpuPerReq(), res.n, res.errors)
			results[i] = append(results[i], res)
		}
	}
	tot := make([]loadResult, len(targets))
	for i := range targets {
		tot[i] = merge(results[i])
	}
	fmt.Fprintln(stdout)
	for i, t := range targets {
		fmt.Fprintf(stdout, "%-26s %9.0f req/s  p50 %-9v p99 %-9v cpu/req %-8v (%d requests, %d errors)\n",
			t.name, tot[i].rps(), tot[i].p50, tot[i].p99, tot[i].cpuPerReq(), tot[i].n, tot[i].errors)
	}
	ratio := tot[1].rps() / tot[0].rps()
	// CPU time per request (from getrusage) depends far less than requests/s on how much of
	// the machine other processes take.
	fmt.Fprintf(stdout, "cpu/req ratio minimal/portal: %.3f (all processes)", float64(tot[0].cpuPerReq())/float64(tot[1].cpuPerReq()))
	if wrk != "" {
		fmt.Fprintf(stdout, "; server alone: minimal %v, portal %v per request, ratio %.3f",
			tot[0].serverCPUPerReq(), tot[1].serverCPUPerReq(), float64(tot[0].serverCPUPerReq())/float64(tot[1].serverCPUPerReq()))
	}
	fmt.Fprintln(stdout)
	verdict := "PASS"
	if ratio < 0.85 || tot[1].p99 >= 10*time.Millisecond || tot[1].errors > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(stdout, "ratio portal/minimal: %.3f (target >= 0.85), portal p99 %v (target < 10ms): %s\n", ratio, tot[1].p99, verdict)
	return nil
}

// merge sums rounds: requests over time, and percentiles over every request's latency (or,
// from wrk, which reports percentiles only, the median round's).
func merge(rs []loadResult) loadResult {
	var m loadResult
	var p50s, p99s []time.Duration
	for _, r := range rs {
		m.n += r.n
		m.errors += r.errors
		m.elapsed += r.elapsed
		m.cpu += r.cpu
		m.serverCPU += r.serverCPU
		m.lat = append(m.lat, r.lat...)
		p50s, p99s = append(p50s, r.p50), append(p99s, r.p99)
	}
	if len(m.lat) > 0 {
		slices.Sort(m.lat)
		m.p50, m.p99 = percentile(m.lat, 50), percentile(m.lat, 99)
	} else {
		slices.Sort(p50s)
		slices.Sort(p99s)
		m.p50, m.p99 = p50s[len(p50s)/2], p99s[len(p99s)/2]
	}
	return m
}

// runWrk runs wrk against url for d and reads its summary.
func runWrk(ctx context.Context, wrk, url string, conns int, d time.Duration) (loadResult, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, wrk, "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(secs)+"s", "--latency", url)
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		return loadResult{}, fmt.Errorf("bench portal: wrk: %w", err)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		return loadResult{}, fmt.Errorf("bench portal: wrk: %w\n%s", err, out)
	}
	if res.elapsed == 0 {
		res.elapsed = elapsed
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return res, nil
}

// parseWrk reads wrk --latency output: "N requests in 2.00s", the 50% and 99% lines, and
// error counts.
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	var haveN bool
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.Atoi(f[0])
			if err != nil {
				return r, err
			}
			r.n, haveN = n, true
			if d, err := time.ParseDuration(strings.TrimSuffix(f[3], ",")); err == nil {
				r.elapsed = d
			}
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := time.ParseDuration(strings.Replace(f[1], "us", "µs", 1))
			if err != nil {
				return r, err
			}
			if f[0] == "50%" {
				r.p50 = d
			} else {
				r.p99 = d
			}
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:") && len(f) > 0:
			n, _ := strconv.Atoi(f[len(f)-1])
			r.errors += n
		case strings.HasPrefix(strings.TrimSpace(line), "Socket errors:"):
			for _, x := range f[2:] {
				n, _ := strconv.Atoi(strings.TrimSuffix(x, ","))
				r.errors += n
			}
		}
	}
	if !haveN || r.p99 == 0 {
		return r, errors.New("unexpected output")
	}
	return r, nil
}

func percentile(sorted []int32, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return time.Duration(sorted[len(sorted)*p/100]) * time.Microsecond
}

// benchDatabase creates a fresh database next to admin's, migrates it and returns its URL and
// a function that drops it.
func benchDatabase(ctx context.Context, admin string) (string, func(), error) {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("bench portal: Postgres at %s: %w (set DATABASE_URL)", redactURL(admin), err)
	}
	defer c.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "newsdesk_bench_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("bench portal: create database: %w", err)
	}
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(dctx, admin); err == nil {
			c.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(dctx)
		}
	}
	u, err := url.Parse(admin)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("bench portal: parse DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("bench portal: connect: %w", err)
	}
	defer pool.Close()
	if err := schema.Migrate(ctx, pool); err != nil {
		drop()
		return "", nil, fmt.Errorf("bench portal: migrate: %w", err)
	}
	return u.String(), drop, nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// benchArticle puts one article through the pipeline's store transitions and approves it.
func benchArticle(ctx context.Context, db *store.DB) (string, error) {
	const raw = "https://news.example/2026/11/council-approves-road-budget"
	key, err := urlnorm.Normalize(raw)
	if err != nil {
		return "", err
	}
	a, _, err := db.Submit(ctx, store.Submission{URL: raw, URLKey: key, Actor: "bench"})
	if err != nil {
		return "", err
	}
	if _, ok, err := db.StartExtract(ctx, a.ID, a.Attempt); err != nil || !ok {
		return "", fmt.Errorf("bench portal: start extract: %v %w", ok, err)
	}
	text := "The council approved a £12 million budget for road repairs on Tuesday."
	if ok, err := db.SaveExtract(ctx, a.ID, a.Attempt, store.Extracted{Title: "Council approves £12m for road repairs",
		SiteName: "Example News", Byline: "A. Reporter", Lang: "en", Text: text, WordCount: 12}); err != nil || !ok {
		return "", fmt.Errorf("bench portal: save extract: %v %w", ok, err)
	}
	d := store.Draft{ArticleID: a.ID, Author: "bench", Summary: summary.Summary{
		KeyPoints: []string{
			"The council approved a £12 million budget for road repairs on Tuesday.",
			"Work starts in March on the 40 worst-rated streets.",
			"The money comes from reserves, not from a council tax rise.",
		},
		WhyItMatters:      "Potholes were the most common complaint to the council last year, and repair claims cost it £1.3 million.",
		WhatItMeansForYou: "Expect lane closures on main roads from March; the council will publish the street list two weeks ahead.",
	}}
	if _, ok, err := db.SaveGenerated(ctx, a.Attempt, d); err != nil || !ok {
		return "", fmt.Errorf("bench portal: save draft: %v %w", ok, err)
	}
	if err := db.Approve(ctx, a.ID, 1, "bench"); err != nil {
		return "", err
	}
	return a.ID, nil
}

func benchServe(hs *http.Server) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench portal: listen: %w", err)
	}
	hs.ErrorLog = nil
	go hs.Serve(ln)
	return ln.Addr().String(), func() { hs.Close() }, nil
}

func benchFetch(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench portal: fetch %s: %w", u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("bench portal: fetch %s: status %d: %s", u, res.StatusCode, b)
	}
	return b, err
}

type loadResult struct {
	n, errors int
	elapsed   time.Duration
	cpu       time.Duration // CPU time (user + system) of the servers and the load generator
	serverCPU time.Duration // of this process: the servers, and the Go load generator if used
	p50, p99  time.Duration
	lat       []int32 // every request's latency in µs, sorted
}

func (r loadResult) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r loadResult) cpuPerReq() time.Duration { return perReq(r.cpu, r.n) }

func (r loadResult) serverCPUPerReq() time.Duration { return perReq(r.serverCPU, r.n) }

func perReq(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return (d / time.Duration(n)).Round(100 * time.Nanosecond)
}

// processCPU is the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runLoad drives addr with conns keep-alive connections for d (or until maxReq requests in
// all), each sending one request and reading the whole response before the next.
func runLoad(ctx context.Context, addr, path string, conns int, d time.Duration, maxReq int) (loadResult, error) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: newsdesk-bench\r\nAccept: application/json\r\n\r\n")
	var budget atomic.Int64
	budget.Store(int64(maxReq))
	lat := make([][]int32, conns) // microseconds, per connection: no shared writes
	errs := make([]int, conns)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	deadline := start.Add(d)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return loadResult{}, fmt.Errorf("bench portal: dial: %w", err)
		}
		lat[i] = make([]int32, 0, 1<<14)
		wg.Go(func() {
			defer c.Close()
			br := bufio.NewReaderSize(c, 16<<10)
			for ctx.Err() == nil && budget.Add(-1) >= 0 {
				t0 := time.Now()
				if t0.After(deadline) {
					return
				}
				if _, err := c.Write(req); err != nil {
					firstErr.CompareAndSwap(nil, err)
					errs[i]++
					return
				}
				ok, err := readResponse(br)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					errs[i]++
					return
				}
				if !ok {
					errs[i]++
				}
				lat[i] = append(lat[i], int32(time.Since(t0)/time.Microsecond))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []int32
	res := loadResult{elapsed: elapsed}
	for i := range lat {
		all = append(all, lat[i]...)
		res.errors += errs[i]
	}
	if err, _ := firstErr.Load().(error); err != nil && len(all) == 0 {
		return loadResult{}, fmt.Errorf("bench portal: load: %w", err)
	}
	res.n = len(all)
	slices.Sort(all)
	res.lat = all
	res.p50, res.p99 = percentile(all, 50), percentile(all, 99)
	return res, nil
}

var contentLength = []byte("content-length:")

// readResponse reads one HTTP/1.1 response with a Content-Length body; ok reports status 200.
func readResponse(br *bufio.Reader) (ok bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	ok = len(line) >= 12 && string(line[9:12]) == "200"
	n := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		if len(line) <= 2 {
			break
		}
		if (line[0] == 'C' || line[0] == 'c') && len(line) > len(contentLength) && bytes.EqualFold(line[:len(contentLength)], contentLength) {
			n = 0
			for _, b := range line[len(contentLength):] {
				if b >= '0' && b <= '9' {
					n = n*10 + int(b-'0')
				}
			}
		}
	}
	if n < 0 {
		return false, errors.New("response without Content-Length")
	}
	_, err = br.Discard(n)
	return ok, err
}
