//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binaries built once by TestMain.
var (
	newsdeskBin string
	natsBin     string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "newsdesk-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	newsdeskBin = filepath.Join(dir, "newsdesk")
	natsBin = filepath.Join(dir, "nats-server")
	builds := [][]string{
		{"build", "-o", newsdeskBin, "newsdesk/cmd/newsdesk"},
		// The nats-server pinned in go.mod (the one `newsdesk run` embeds), so the suite
		// tests the broker version users get rather than whatever the distribution ships.
		{"build", "-o", natsBin, "github.com/nats-io/nats-server/v2"},
	}
	// NEWSDESK_CHAOS_BIN runs the suite against a binary built elsewhere (e.g. from a
	// clean checkout while the working tree is mid-edit).
	if prebuilt := os.Getenv("NEWSDESK_CHAOS_BIN"); prebuilt != "" {
		newsdeskBin = prebuilt
		builds = builds[1:]
	}
	for _, args := range builds {
		cmd := exec.Command("go", args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "chaos: go %s: %v\n", strings.Join(args, " "), err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a child process whose output goes to a log file, shown when the test fails.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // exit status, valid once done is closed
}

var procSeq struct {
	sync.Mutex
	n int
}

// startProc starts bin with args and exactly env (plus PATH and HOME); it is killed when the
// test ends.
func startProc(t testing.TB, name, bin string, args, env []string) *proc {
	t.Helper()
	procSeq.Lock()
	procSeq.n++
	n := procSeq.n
	procSeq.Unlock()
	logPath := filepath.Join(t.TempDir(), fmt.Sprintf("%02d-%s.log", n, name))
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("%s log: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}, env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.signal(syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			p.dumpLog(t, 60)
		}
	})
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) signal(sig syscall.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
	}
}

// kill is kill -9: no drain, no acks, no deferred cleanup.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// wait waits up to d for the process to exit and reports whether it did.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// dumpLog writes the last lines of the process's output to the test log.
func (p *proc) dumpLog(t testing.TB, lines int) {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return
	}
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	t.Logf("---- last %d lines of %s (pid %d, exit %v) ----\n%s", len(ls), p.name, p.pid(), p.err, strings.Join(ls, "\n"))
}

// countInLog counts lines of the process's output containing s.
func (p *proc) countInLog(s string) int {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte(s))
}

// natsNode is one nats-server child process with its own store directory.
type natsNode struct {
	name     string
	dir      string // holds the config and, under store/, the JetStream data
	port     int
	httpPort int
	conf     string
	p        *proc
}

func (n *natsNode) url() string      { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }
func (n *natsNode) storeDir() string { return filepath.Join(n.dir, "store") }

// newNATS writes the config of a single JetStream server, or of one node of a cluster when
// routes are given, and starts it.
func newNATS(t testing.TB, name string, clusterPort int, routes []string) *natsNode {
	t.Helper()
	n := &natsNode{name: name, dir: t.TempDir(), port: freePort(t), httpPort: freePort(t)}
	// sync_interval: always, as the embedded server of `newsdesk run` does: JetStream
	// otherwise acknowledges writes it has not fsynced (Jepsen 2025).
	conf := fmt.Sprintf("server_name: %s\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\njetstream { store_dir: %q, sync_interval: always }\n",
		name, n.port, n.httpPort, n.storeDir())
	if clusterPort > 0 {
		conf += fmt.Sprintf("cluster {\n  name: chaos\n  listen: 127.0.0.1:%d\n  routes: [%s]\n}\n", clusterPort, strings.Join(routes, ", "))
	}
	n.conf = filepath.Join(n.dir, "nats.conf")
	if err := os.WriteFile(n.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	return n
}

// start runs the server and, for a single node, waits until JetStream is healthy.
func (n *natsNode) start(t testing.TB) {
	t.Helper()
	n.p = startProc(t, "nats-"+n.name, natsBin, []string{"-c", n.conf}, nil)
	n.waitListening(t)
}

func (n *natsNode) waitListening(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if !n.p.running() {
			t.Fatalf("nats-server %s exited: %v", n.name, n.p.err)
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nats-server %s not listening after 20s", n.name)
}

// healthy reports whether the node's /healthz says JetStream is ok.
func (n *natsNode) healthy() bool {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", n.httpPort))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stop kills the server (kill -9: the store is synced on every write).
func (n *natsNode) stop() { n.p.kill() }

// services is what one scenario runs against.
type services struct {
	dbURL      string
	natsURL    string
	pages      *pages
	llm        *fakeLLM
	adminToken string
	dataDir    string
	// extra environment for every newsdesk process, e.g. short ack waits
	env map[string]string
}

// defaultEnv is the queue tuning of the suite: short ack waits so that a killed worker's
// jobs come back within seconds, a fast reconciler.
func defaultEnv() map[string]string {
	return map[string]string{
		"NEWSDESK_ACK_WAIT_EXTRACT":    "3s",
		"NEWSDESK_ACK_WAIT_SUMMARISE":  "3s",
		"NEWSDESK_MAX_DELIVER":         "5",
		"NEWSDESK_RECONCILE_INTERVAL":  "1s",
		"NEWSDESK_REPUBLISH_AFTER":     "20s",
		"NEWSDESK_DRAIN_TIMEOUT":       "8s",
		"NEWSDESK_EXTRACT_CONCURRENCY": "4",
		"NEWSDESK_LLM_CONCURRENCY":     "8",
		"NEWSDESK_LLM_TIMEOUT":         "30s",
	}
}

func (s *services) environ(extra map[string]string) []string {
	env := map[string]string{
		"DATABASE_URL":                 s.dbURL,
		"NATS_URL":                     s.natsURL,
		"NEWSDESK_FETCH_ALLOW_PRIVATE": "true",
		"NEWSDESK_LLM":                 "openai",
		"OPENAI_BASE_URL":              s.llm.URL(),
		"OPENAI_API_KEY":               "chaos-test-key",
		"NEWSDESK_MODEL":               "chaos-model",
		"NEWSDESK_ADMIN_TOKEN":         s.adminToken,
		"NEWSDESK_DATA_DIR":            s.dataDir,
		"NEWSDESK_LOG_LEVEL":           "info",
	}
	for k, v := range s.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// worker starts `newsdesk worker`.
func (s *services) worker(t testing.TB, name string, extra map[string]string) *proc {
	t.Helper()
	return startProc(t, name, newsdeskBin, []string{"worker"}, s.environ(extra))
}

// api is a running `newsdesk api`.
type api struct {
	p    *proc
	base string
}

// api starts `newsdesk api` on a free port and waits until it is ready.
func (s *services) api(t testing.TB, name string) *api {
	t.Helper()
	port := freePort(t)
	p := startProc(t, name, newsdeskBin, []string{"api"}, s.environ(map[string]string{"NEWSDESK_ADDR": "127.0.0.1:" + strconv.Itoa(port)}))
	a := &api{p: p, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if !p.running() {
			t.Fatalf("%s exited: %v", name, p.err)
		}
		resp, err := http.Get(a.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 60s", name)
	return nil
}

// supervise keeps a worker running: whenever it exits (a fault point ended it), it is started
// again, as systemd or Kubernetes would. stop ends the supervision and returns every process
// it ran, the first one included.
func (s *services) supervise(t testing.TB, name string, extra map[string]string) (stop func() []*proc) {
	var mu sync.Mutex
	all := []*proc{s.worker(t, name, extra)}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			mu.Lock()
			p := all[len(all)-1]
			mu.Unlock()
			select {
			case <-quit:
				return
			case <-p.done:
			}
			select {
			case <-quit:
				return
			case <-time.After(200 * time.Millisecond):
			}
			w := s.worker(t, name, extra)
			mu.Lock()
			all = append(all, w)
			mu.Unlock()
		}
	}()
	return func() []*proc {
		close(quit)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return all
	}
}

func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// workerWithMetrics starts `newsdesk worker` serving /metrics on a free port, and returns
// the URL of that endpoint.
func (s *services) workerWithMetrics(t testing.TB, name string, extra map[string]string) (*proc, string) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := map[string]string{"NEWSDESK_METRICS_ADDR": addr}
	for k, v := range extra {
		env[k] = v
	}
	return s.worker(t, name, env), "http://" + addr + "/metrics"
}

// scrape fetches a Prometheus text endpoint, waiting up to 10s for it to come up.
func scrape(t testing.TB, url string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return string(b)
			}
			err = fmt.Errorf("%s: %v", resp.Status, rerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape %s: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// metric returns the value of one series ("name{labels}", labels in the exposition's order)
// in a scrape, or -1 when it is absent.
func metric(body, series string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}
