//go:build unix

package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterDir returns a fresh directory that the server's user can reach: t.TempDir's parent
// is 0700 and owned by the test's user, which shuts out `postgres` when tests run as root.
func clusterDir(t *testing.T, name string) string {
	t.Helper()
	base, err := os.MkdirTemp("", "pgcluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, name)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func startCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), dir, testLogger(t))
	if err != nil {
		t.Fatalf("Start(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c
}

func stopCluster(t *testing.T, c *Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done is still open after Stop returned")
	}
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.DSN())
	if err != nil {
		t.Fatalf("connect to %s: %v", c.DSN(), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func countNotes(t *testing.T, c *Cluster) int {
	t.Helper()
	var n int
	if err := connect(t, c).QueryRow(t.Context(), "SELECT count(*) FROM notes").Scan(&n); err != nil {
		t.Fatalf("count notes: %v", err)
	}
	return n
}

func TestClusterLifecycle(t *testing.T) {
	dir := clusterDir(t, "postgres")

	c := startCluster(t, dir)
	conn := connect(t, c)
	var db, user string
	if err := conn.QueryRow(t.Context(), "SELECT current_database(), current_user").Scan(&db, &user); err != nil {
		t.Fatalf("query: %v", err)
	}
	if db != Database || user != "postgres" {
		t.Errorf("connected to database %q as %q, want %q as postgres", db, user, Database)
	}
	if _, err := conn.Exec(t.Context(), "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('one')"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if !strings.Contains(c.DSN(), "host=") || strings.Contains(c.DSN(), "127.0.0.1") {
		t.Errorf("DSN() = %q, want a Unix socket DSN", c.DSN())
	}
	owner := fileOwner(t, filepath.Join(dir, "data", "PG_VERSION"))
	who, err := serverUser()
	if err != nil {
		t.Fatal(err)
	}
	if owner != who.uid {
		t.Errorf("data directory owned by uid %d, want the server's user %s (%d)", owner, who.name, who.uid)
	}
	pgVersion, err := os.ReadFile(filepath.Join(dir, "data", "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(pgVersion)) != c.Version() {
		t.Errorf("PG_VERSION %q, Version() %q", pgVersion, c.Version())
	}

	t.Run("stop shuts the server down and closes its socket", func(t *testing.T) {
		stopCluster(t, c)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, c.DSN()); err == nil {
			_ = conn.Close(ctx)
			t.Fatal("connected after Stop")
		}
		if err := c.Stop(t.Context()); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	})

	t.Run("a second start reuses the cluster and its data", func(t *testing.T) {
		c := startCluster(t, dir)
		if n := countNotes(t, c); n != 1 {
			t.Errorf("notes after restart = %d, want 1", n)
		}
		stopCluster(t, c)
	})

	t.Run("a start after the server was killed recovers committed data", func(t *testing.T) {
		c := startCluster(t, dir)
		if _, err := connect(t, c).Exec(t.Context(), "INSERT INTO notes VALUES ('two')"); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err != nil {
			t.Fatalf("a killed server should leave its postmaster.pid: %v", err)
		}
		c2 := startCluster(t, dir)
		if n := countNotes(t, c2); n != 2 {
			t.Errorf("notes after crash = %d, want 2", n)
		}
		stopCluster(t, c2)
	})

	t.Run("a postmaster.pid whose pid now belongs to another process is cleared", func(t *testing.T) {
		// A live process of the server's own user, so that PostgreSQL's own check
		// (kill(pid, 0) succeeds) would refuse to start.
		sleeper := exec.Command("sleep", "60")
		sleeper.SysProcAttr = &syscall.SysProcAttr{Credential: who.cred}
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
		pidFile := filepath.Join(dir, "data", "postmaster.pid")
		stale := fmt.Sprintf("%d\n%s\n", sleeper.Process.Pid, filepath.Join(dir, "data"))
		if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		c := startCluster(t, dir)
		if n := countNotes(t, c); n != 2 {
			t.Errorf("notes = %d, want 2", n)
		}
		b, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(string(b), "\n"); got != strconv.Itoa(c.cmd.Process.Pid) {
			t.Errorf("postmaster.pid names pid %s, want the new server %d", got, c.cmd.Process.Pid)
		}

		t.Run("and a second Start on a running cluster is refused", func(t *testing.T) {
			defer func(d time.Duration) { previousServerWait = d }(previousServerWait)
			previousServerWait = 300 * time.Millisecond
			c2, err := Start(t.Context(), dir, testLogger(t))
			if err == nil {
				_ = c2.Stop(context.Background())
				t.Fatal("second Start succeeded")
			}
			if !errors.Is(err, ErrAlreadyRunning) {
				t.Fatalf("second Start: %v, want ErrAlreadyRunning", err)
			}
			if n := countNotes(t, c); n != 2 {
				t.Errorf("the running cluster lost data: notes = %d", n)
			}
		})
		stopCluster(t, c)
	})
}

func TestStartWithLongPathPutsSocketElsewhere(t *testing.T) {
	dir := clusterDir(t, strings.Repeat("d", 60)+"/"+strings.Repeat("e", 60))
	c := startCluster(t, dir)
	if c.sockDir == dir || !strings.HasPrefix(c.sockDir, os.TempDir()) {
		t.Errorf("socket dir = %q, want a temp folder", c.sockDir)
	}
	var one int
	if err := connect(t, c).QueryRow(t.Context(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	stopCluster(t, c)
	if _, err := os.Stat(c.sockDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket dir %s still there after Stop (err %v)", c.sockDir, err)
	}
}

func TestFindBinaries(t *testing.T) {
	t.Run("no binaries says what to do instead", func(t *testing.T) {
		_, err := findBinaries(t.Context(), []string{t.TempDir()}, "")
		if !errors.Is(err, ErrNoBinaries) {
			t.Fatalf("err = %v, want ErrNoBinaries", err)
		}
		for _, want := range []string{"DATABASE_URL", "docker compose up", "initdb"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})

	dirs := candidateDirs(t.Context())
	bin, err := findBinaries(t.Context(), dirs, "")
	if err != nil {
		t.Fatalf("this machine should have PostgreSQL server binaries: %v", err)
	}

	t.Run("the binaries found are real files, not links", func(t *testing.T) {
		for _, p := range []string{bin.initdb(), bin.postgres()} {
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode()&os.ModeSymlink != 0 || !fi.Mode().IsRegular() {
				t.Errorf("%s is not a regular file (mode %s)", p, fi.Mode())
			}
		}
	})

	t.Run("a cluster of another major version is named in the error", func(t *testing.T) {
		_, err := findBinaries(t.Context(), dirs, "9.1")
		if !errors.Is(err, ErrNoBinaries) {
			t.Fatalf("err = %v, want ErrNoBinaries", err)
		}
		if !strings.Contains(err.Error(), "PostgreSQL 9.1") || !strings.Contains(err.Error(), bin.dir) {
			t.Errorf("error %q should name the wanted version and the installed binaries", err)
		}
	})

	t.Run("the cluster's own version is chosen", func(t *testing.T) {
		got, err := findBinaries(t.Context(), dirs, bin.version)
		if err != nil || got != bin {
			t.Errorf("findBinaries(want %s) = %+v, %v; want %+v", bin.version, got, err, bin)
		}
	})
}

func TestParseMajor(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", "15"},
		{"postgres (PostgreSQL) 16.4\n", "16"},
		{"postgres (PostgreSQL) 17beta1\n", "17"},
		{"postgres (PostgreSQL) 9.6.24\n", "9.6"},
	} {
		got, err := parseMajor(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseMajor(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := parseMajor("nonsense"); err == nil {
		t.Error("parseMajor(nonsense) succeeded")
	}
}

func TestVersionedDirsNewestFirst(t *testing.T) {
	base := t.TempDir()
	for _, v := range []string{"9.6", "16", "10", "15"} {
		if err := os.MkdirAll(filepath.Join(base, v, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got := versionedDirs(filepath.Join(base, "*", "bin"))
	var versions []string
	for _, d := range got {
		versions = append(versions, filepath.Base(filepath.Dir(d)))
	}
	if strings.Join(versions, " ") != "16 15 10 9.6" {
		t.Errorf("order = %v, want 16 15 10 9.6", versions)
	}
}

func TestCheckTraversable(t *testing.T) {
	base := clusterDir(t, "")
	locked := filepath.Join(base, "locked")
	target := filepath.Join(locked, "inner", "postgres")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	const stranger = 54321 // owns nothing here

	err := checkTraversable(target, stranger, stranger)
	if !errors.Is(err, ErrNotTraversable) {
		t.Fatalf("checkTraversable through a 0700 folder = %v, want ErrNotTraversable", err)
	}
	if !strings.Contains(err.Error(), locked) || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("error %q should name %s and DATABASE_URL", err, locked)
	}
	if err := checkTraversable(target, fileOwner(t, locked), -1); err != nil {
		t.Errorf("the folder's owner was refused: %v", err)
	}
	if err := os.Chmod(locked, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := checkTraversable(target, stranger, stranger); err != nil {
		t.Errorf("checkTraversable through a 0711 folder = %v, want nil", err)
	}
}

func fileOwner(t *testing.T, p string) int {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

// helperDirEnv makes the test binary act as a newsdesk that starts a cluster in the named
// directory, prints the server's pid and waits to be killed (see TestMain).
const helperDirEnv = "PGCLUSTER_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		c, err := Start(context.Background(), dir, slog.New(slog.NewTextHandler(os.Stderr, nil)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(c.cmd.Process.Pid)
		select {}
	}
	os.Exit(m.Run())
}

func TestServerStopsWhenItsParentDies(t *testing.T) {
	dir := clusterDir(t, "postgres")
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), helperDirEnv+"="+dir)
	parent.Stderr = t.Output()
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = parent.Process.Kill(); _ = parent.Wait() })
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil {
		t.Fatalf("read server pid from helper: %v", err)
	}
	if !processAlive(pid) {
		t.Fatalf("server pid %d is not running", pid)
	}

	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if processAlive(pid) {
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		t.Fatalf("server pid %d outlived its killed parent", pid)
	}

	c := startCluster(t, dir)
	if err := connect(t, c).Ping(t.Context()); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
	stopCluster(t, c)
}
