//go:build unix

package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// superuser is the cluster's superuser, fixed by initdb -U whatever the OS user is.
	superuser = "postgres"

	// port only names the socket file (.s.PGSQL.5432): the server opens no TCP port.
	port = 5432

	// maxSocketPath keeps "<socket dir>/.s.PGSQL.5432.lock" within sun_path (108 bytes on
	// Linux, 104 on the BSDs). Longer directories get their socket in a private temp folder.
	maxSocketPath = 100

	// defaultStartTimeout bounds Start when its context has no deadline: crash recovery after
	// an unclean stop can take a while, but not forever.
	defaultStartTimeout = 2 * time.Minute

	// shutdownGrace is how long an immediate shutdown gets before the server is killed.
	shutdownGrace = 5 * time.Second
)

// previousServerWait is how long Start waits for a server that is not its child to leave
// the directory (a variable so that tests need not wait as long).
var previousServerWait = 15 * time.Second

// errShmInUse marks a start that failed because processes of a killed server still hold its
// shared memory; they exit on their own within moments, so Start tries again.
var errShmInUse = errors.New("shared memory of a previous server still in use")

// Cluster is a running private PostgreSQL server started by [Start]. Its methods are safe
// for concurrent use.
type Cluster struct {
	dir     string // what Start was given, absolute
	dataDir string // dir/data, the PGDATA
	sockDir string // dir, or a temp folder when dir's path is too long for a socket
	tmpSock bool   // sockDir is a temp folder of ours, removed by Stop
	logPath string // dir/postgres.log: the server's stdout and stderr
	version string // major version of the binaries
	logger  *slog.Logger

	cmd     *exec.Cmd
	done    chan struct{} // closed when the server process has exited
	waitErr error         // the process's exit, readable once done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start initialises a cluster in dir the first time (initdb into dir/data), or reuses the one
// there, starts the server listening on a Unix socket only, and returns once it accepts
// connections and the database [Database] exists. The server's log is dir/postgres.log.
//
// When the process is root, the server runs as the `postgres` system user, dir is given to
// that user, and every parent of dir must be searchable by it (/tmp or /var/lib are; /root is
// not). Parents that Start creates get mode 0755, dir itself 0700.
//
// A postmaster.pid left by a crash is handled: a dead owner is left for PostgreSQL to clear
// (it also checks that no old server process still uses the shared memory), a pid that now
// belongs to an unrelated process is removed, and a live server on dir makes Start wait up to
// 15 s for it to exit before returning [ErrAlreadyRunning].
//
// Errors: [ErrNoBinaries] (no initdb/postgres installed, or none of the cluster's version;
// the text names DATABASE_URL and `docker compose up`), [ErrNoUser], [ErrNotTraversable],
// [ErrAlreadyRunning], or a wrapped error that quotes the server's log. If ctx has no
// deadline, Start gives up after two minutes. The server outlives ctx: call [Cluster.Stop].
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Cluster, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	who, err := serverUser()
	if err != nil {
		return nil, err
	}
	if err := makeDir(dir, who); err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // the server's cwd is compared with dataDir when looking at a postmaster.pid
	}
	if err := checkTraversable(dir, who.uid, who.gid); err != nil {
		return nil, err
	}

	c := &Cluster{
		dir:     dir,
		dataDir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "postgres.log"),
		logger:  logger,
	}
	existing, err := readPGVersion(c.dataDir)
	if err != nil {
		return nil, err
	}
	bin, err := findBinaries(ctx, candidateDirs(ctx), existing)
	if err != nil {
		return nil, err
	}
	c.version = bin.version
	if existing == "" {
		if err := c.initdb(ctx, bin, who); err != nil {
			return nil, err
		}
	}
	if err := chownTree(dir, who.uid, who.gid); err != nil {
		return nil, err
	}
	if err := c.chooseSocketDir(who); err != nil {
		return nil, err
	}
	if err := c.clearStalePID(ctx); err != nil {
		c.removeSocketDir()
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err = c.start(ctx, bin, who)
		if err == nil {
			break
		}
		if !errors.Is(err, errShmInUse) || attempt == 20 || ctx.Err() != nil {
			c.removeSocketDir()
			return nil, err
		}
		logger.Info("old postgres processes still hold shared memory; retrying", "attempt", attempt)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := c.ensureDatabase(ctx); err != nil {
		stopErr := c.Stop(context.WithoutCancel(ctx))
		return nil, errors.Join(err, stopErr)
	}
	logger.Info("private postgres started",
		"dir", dir, "version", bin.version, "bin_dir", bin.dir, "socket_dir", c.sockDir,
		"pid", c.cmd.Process.Pid, "run_as", who.name)
	return c, nil
}

// DSN returns a pgx connection URL for database [Database] over the server's Unix socket,
// e.g. postgres://postgres@/newsdesk?host=%2Fdata%2Fpostgres&port=5432&sslmode=disable.
func (c *Cluster) DSN() string { return c.dsnFor(Database) }

func (c *Cluster) dsnFor(db string) string {
	q := url.Values{"host": {c.sockDir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return "postgres://" + superuser + "@/" + db + "?" + q.Encode()
}

// Dir returns the cluster's directory (absolute), as given to [Start].
func (c *Cluster) Dir() string { return c.dir }

// Version returns the server's major version, such as "15".
func (c *Cluster) Version() string { return c.version }

// Done returns a channel that is closed when the server process has exited, whether through
// [Cluster.Stop] or on its own (a crash, or someone else stopping it).
func (c *Cluster) Done() <-chan struct{} { return c.done }

// Stop shuts the server down the "fast" way (open transactions roll back, a checkpoint is
// written) and waits for it. If ctx ends first, it falls back to an immediate shutdown, then
// SIGKILL, and returns ctx's error; the next Start recovers from the WAL. Pass a context that
// is still live (e.g. context.WithoutCancel with a timeout) when shutting down on a signal.
// Calling Stop again returns the first call's result. It returns an error if the server had
// already exited with one.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	defer c.removeSocketDir()
	select {
	case <-c.done:
		return c.exitErr()
	default:
	}
	// SIGINT is PostgreSQL's fast shutdown.
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal postgres: %w", err)
	}
	select {
	case <-c.done:
		c.logger.Info("private postgres stopped", "dir", c.dir)
		return c.exitErr()
	case <-ctx.Done():
	}
	// SIGQUIT is the immediate shutdown: no checkpoint, crash recovery at the next start.
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(shutdownGrace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	return fmt.Errorf("stop postgres in %s: fast shutdown did not finish: %w", c.dir, ctx.Err())
}

func (c *Cluster) exitErr() error {
	if c.waitErr != nil {
		return fmt.Errorf("postgres in %s exited: %w (log: %s)", c.dir, c.waitErr, c.logPath)
	}
	return nil
}

// makeDir creates dir (0700, for the server's user) and any missing parents (0755, so that
// the server's user can pass through them).
func makeDir(dir string, who runAs) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if who.cred != nil {
		if err := os.Chown(dir, who.uid, who.gid); err != nil {
			return fmt.Errorf("chown %s: %w", dir, err)
		}
	}
	return nil
}

// readPGVersion returns the major version recorded in dataDir/PG_VERSION, or "" when the
// directory holds no initialised cluster.
func readPGVersion(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cluster version: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// initdb creates the cluster in a temporary folder and renames it into place, so that an
// interrupted first start leaves no half-made data directory behind.
func (c *Cluster) initdb(ctx context.Context, bin binaries, who runAs) error {
	tmp := c.dataDir + ".initdb"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove leftover %s: %w", tmp, err)
	}
	// Trust is safe here: the server listens on no TCP port, and only the server's user
	// (and root) can enter the socket's directory.
	cmd := exec.CommandContext(ctx, bin.initdb(),
		"-D", tmp, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C")
	cmd.Dir = c.dir
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: who.cred}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb in %s as %s: %w\n%s", tmp, who.name, err, strings.TrimSpace(string(out)))
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("move new cluster into place (is %s an unrelated folder? move it aside): %w", c.dataDir, err)
	}
	c.logger.Info("initialised private postgres cluster", "dir", c.dataDir, "duration", time.Since(start))
	return nil
}

// serverEnv is the environment for initdb and the server: the caller's, minus PG* variables
// that could point them at another cluster.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func (c *Cluster) chooseSocketDir(who runAs) error {
	if len(c.dir)+len("/.s.PGSQL.5432.lock") <= maxSocketPath {
		c.sockDir = c.dir
		return nil
	}
	d, err := os.MkdirTemp("", "newsdesk-pg-")
	if err != nil {
		return fmt.Errorf("make socket folder (%s is too long for a socket path): %w", c.dir, err)
	}
	if who.cred != nil {
		if err := os.Chown(d, who.uid, who.gid); err != nil {
			_ = os.Remove(d)
			return fmt.Errorf("chown %s: %w", d, err)
		}
	}
	if err := checkTraversable(d, who.uid, who.gid); err != nil {
		_ = os.Remove(d)
		return err
	}
	c.sockDir, c.tmpSock = d, true
	return nil
}

func (c *Cluster) removeSocketDir() {
	if c.tmpSock {
		_ = os.RemoveAll(c.sockDir)
	}
}

// clearStalePID looks at a postmaster.pid left in the data directory; see Start.
func (c *Cluster) clearStalePID(ctx context.Context) error {
	pidFile := filepath.Join(c.dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", pidFile, err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		// PostgreSQL refuses to start over a lock file it cannot read.
		c.logger.Warn("removing unreadable postmaster.pid", "file", pidFile)
		return removeFile(pidFile)
	}
	if !processAlive(pid) {
		// PostgreSQL clears this itself, after checking that no process of the dead server
		// still uses its shared memory; removing the file would skip that check.
		return nil
	}
	if !isServerOf(pid, c.dataDir) {
		c.logger.Warn("removing stale postmaster.pid: its pid now belongs to another process", "pid", pid)
		return removeFile(pidFile)
	}
	// A server on our directory that is not our child: most likely the previous newsdesk
	// died and its server got SIGINT and is finishing a fast shutdown.
	c.logger.Info("waiting for a previous server on this directory to exit", "pid", pid)
	deadline := time.NewTimer(previousServerWait)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for processAlive(pid) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for server pid %d to exit: %w", pid, ctx.Err())
		case <-deadline.C:
			return fmt.Errorf("%w: pid %d serves %s; stop the other `newsdesk run`, or `kill -INT %d`",
				ErrAlreadyRunning, pid, c.dataDir, pid)
		case <-tick.C:
		}
	}
	return nil
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// processAlive reports whether pid exists; EPERM means it exists but belongs to someone else.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// isServerOf reports whether pid is a PostgreSQL server on dataDir. The server's working
// directory is its data directory; where /proc cannot tell, it answers yes, the safe guess.
func isServerOf(pid int, dataDir string) bool {
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return true
	}
	return cwd == dataDir
}

// start runs the server and waits until it accepts connections.
func (c *Cluster) start(ctx context.Context, bin binaries, who runAs) error {
	logf, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	offset, _ := logf.Seek(0, io.SeekEnd)

	// Not CommandContext: the server must outlive Start's context.
	cmd := exec.Command(bin.postgres(),
		"-D", c.dataDir,
		"-k", c.sockDir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "logging_collector=off",
	)
	cmd.Dir = c.dataDir
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = serverProcAttr(who.cred)

	// On Linux the server gets a signal when the *thread* that forked it exits (see
	// serverProcAttr), so the goroutine that starts the server keeps its thread, and waits
	// for the server, for the server's life.
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()
	if err := <-started; err != nil {
		_ = logf.Close()
		return fmt.Errorf("start %s as %s: %w", bin.postgres(), who.name, err)
	}
	c.cmd, c.done = cmd, done

	if err := c.waitReady(ctx); err != nil {
		select {
		case <-done:
		default:
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-done:
			case <-time.After(shutdownGrace):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		tail := logTail(c.logPath, offset)
		if strings.Contains(tail, "pre-existing shared memory block") {
			return fmt.Errorf("%w: %s", errShmInUse, tail)
		}
		return fmt.Errorf("start postgres in %s: %w; server log %s says:\n%s", c.dir, err, c.logPath, tail)
	}
	return nil
}

// waitReady connects until the server answers, the server exits, or ctx ends.
func (c *Cluster) waitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attemptCtx, c.dsnFor("postgres"))
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		last = err
		select {
		case <-c.done:
			return fmt.Errorf("server exited during start-up: %v", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("wait for server: %w (last attempt: %w)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// logTail returns up to the last 30 lines the server wrote after offset.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// ensureDatabase creates [Database] unless it exists.
func (c *Cluster) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.dsnFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to private postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", Database).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", Database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{Database}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: a racing Start
			return nil
		}
		return fmt.Errorf("create database %s: %w", Database, err)
	}
	c.logger.Info("created database", "database", Database)
	return nil
}
