package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned by [Start] when no usable PostgreSQL server binaries (initdb and
// postgres) are installed. The error's text says where it looked and what to do instead.
var ErrNoBinaries = errors.New("pgcluster: no PostgreSQL server binaries found")

// binaries is one PostgreSQL installation: the folder holding initdb and postgres, and its
// major version ("15", "16").
type binaries struct {
	dir     string
	version string
}

func (b binaries) initdb() string   { return filepath.Join(b.dir, "initdb") }
func (b binaries) postgres() string { return filepath.Join(b.dir, "postgres") }

// candidateDirs lists the folders that may hold PostgreSQL server binaries, best first:
// what pg_config says, Debian's versioned folders (newest first), the usual source-build
// and RHEL folders, and finally wherever `postgres` on PATH really lives. Symlinks are
// resolved, because on some machines /usr/local/bin holds links to the real binaries.
func candidateDirs(ctx context.Context) []string {
	var dirs []string
	if out, err := exec.CommandContext(ctx, "pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	dirs = append(dirs, versionedDirs("/usr/lib/postgresql/*/bin")...)
	dirs = append(dirs, versionedDirs("/usr/pgsql-*/bin")...)
	dirs = append(dirs, "/usr/local/pgsql/bin")
	if p, err := exec.LookPath("postgres"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	var out []string
	for _, d := range dirs {
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// versionedDirs expands pattern and sorts the matches by the version number in their path,
// newest first ("/usr/lib/postgresql/16/bin" before ".../9.6/bin").
func versionedDirs(pattern string) []string {
	matches, _ := filepath.Glob(pattern)
	slices.SortFunc(matches, func(a, b string) int {
		return compareVersions(versionInPath(b), versionInPath(a))
	})
	return matches
}

// versionInPath returns the last path element that starts with a digit ("16" in
// /usr/lib/postgresql/16/bin), taking the part after the last "-" of an element such as
// "pgsql-16".
func versionInPath(p string) string {
	els := strings.Split(p, string(filepath.Separator))
	for i := len(els) - 1; i >= 0; i-- {
		el := els[i]
		if j := strings.LastIndexByte(el, '-'); j >= 0 {
			el = el[j+1:]
		}
		if el != "" && el[0] >= '0' && el[0] <= '9' {
			return el
		}
	}
	return ""
}

// compareVersions compares dotted version numbers numerically.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// findBinaries returns the first folder of dirs that holds executable initdb and postgres
// binaries. If want is not empty (the PG_VERSION of an existing cluster), only binaries of
// that major version qualify, because a server cannot open another major version's files.
func findBinaries(ctx context.Context, dirs []string, want string) (binaries, error) {
	var found []string
	for _, d := range dirs {
		if !isExecutable(filepath.Join(d, "initdb")) || !isExecutable(filepath.Join(d, "postgres")) {
			continue
		}
		v, err := serverVersion(ctx, filepath.Join(d, "postgres"))
		if err != nil {
			continue
		}
		if want == "" || v == want {
			return binaries{dir: d, version: v}, nil
		}
		found = append(found, fmt.Sprintf("%s (PostgreSQL %s)", d, v))
	}
	searched := strings.Join(dirs, ", ")
	if searched == "" {
		searched = "no candidate folders"
	}
	if len(found) > 0 {
		return binaries{}, fmt.Errorf("%w: the cluster was initialised by PostgreSQL %s, but only %s is installed; "+
			"install PostgreSQL %s, move the old data directory aside, or set DATABASE_URL to an existing server",
			ErrNoBinaries, want, strings.Join(found, ", "), want)
	}
	return binaries{}, fmt.Errorf("%w (looked for initdb and postgres in %s); "+
		"install PostgreSQL (on Debian, as root: apt-get install postgresql, which `make run` does for you), "+
		"or set DATABASE_URL to an existing server, or start one with `docker compose up`",
		ErrNoBinaries, searched)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// serverVersion runs `postgres --version` (allowed as root) and returns the major version:
// "15" for "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", "9.6" for 9.6.24.
func serverVersion(ctx context.Context, postgres string) (string, error) {
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("run %s --version: %w", postgres, err)
	}
	return parseMajor(string(out))
}

func parseMajor(versionOutput string) (string, error) {
	_, rest, ok := strings.Cut(versionOutput, ") ")
	if !ok {
		return "", fmt.Errorf("parse postgres version %q", versionOutput)
	}
	full, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	parts := strings.Split(full, ".")
	if len(parts) == 0 || parts[0] == "" {
		return "", fmt.Errorf("parse postgres version %q", versionOutput)
	}
	digits := parts[0]
	if i := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = digits[:i] // "17beta1"
	}
	major, err := strconv.Atoi(digits)
	if err != nil {
		return "", fmt.Errorf("parse postgres version %q: %w", versionOutput, err)
	}
	if major < 10 && len(parts) > 1 {
		return parts[0] + "." + parts[1], nil
	}
	return strconv.Itoa(major), nil
}
