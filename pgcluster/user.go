//go:build unix

package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrNotTraversable is returned by [Start] when the user the server runs as (`postgres` when
// newsdesk runs as root) cannot reach the cluster's directory because a parent folder lacks
// the search (x) permission for it, as /root has. The error names the folder.
var ErrNotTraversable = errors.New("pgcluster: directory not reachable by the server's user")

// ErrNoUser is returned by [Start] when newsdesk runs as root and there is no unprivileged
// `postgres` system user to run the server as.
var ErrNoUser = errors.New("pgcluster: no postgres system user to run the server as")

// runAs is the identity initdb and the server run under. cred is nil when that is the
// current process's own identity.
type runAs struct {
	name string
	uid  int
	gid  int
	cred *syscall.Credential
}

// serverUser picks the identity: root hands over to the `postgres` system user (PostgreSQL
// refuses to run as root); anyone else runs the server as themselves.
func serverUser() (runAs, error) {
	if os.Geteuid() != 0 {
		name := strconv.Itoa(os.Geteuid())
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return runAs{name: name, uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runAs{}, fmt.Errorf("%w (PostgreSQL refuses to run as root; install the postgresql package, which creates it, "+
			"or set DATABASE_URL to an existing server): %w", ErrNoUser, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return runAs{}, fmt.Errorf("parse uid of user postgres: %w", err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return runAs{}, fmt.Errorf("parse gid of user postgres: %w", err)
	}
	// Groups is empty on purpose: the child drops root's supplementary groups.
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return runAs{name: "postgres", uid: uid, gid: gid, cred: cred}, nil
}

// checkTraversable reports, as an ErrNotTraversable error, the first parent of dir (an
// absolute path) that uid/gid may not search. It reads the mode bits only (no ACLs), which
// is how Debian sets these folders up.
func checkTraversable(dir string, uid, gid int) error {
	if uid == 0 {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if !canSearch(fi, uid, gid) {
			return fmt.Errorf("%w: user uid %d cannot enter %s (mode %s); choose a data directory outside it "+
				"(NEWSDESK_DATA_DIR, e.g. under /var/lib or /tmp), run `chmod o+x %s`, or set DATABASE_URL to an existing server",
				ErrNotTraversable, uid, p, fi.Mode().Perm(), p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func canSearch(fi os.FileInfo, uid, gid int) bool {
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return perm&0o001 != 0
	}
	switch {
	case int(st.Uid) == uid:
		return perm&0o100 != 0
	case int(st.Gid) == gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// chownTree gives root and everything under it to uid/gid. It walks the whole tree (a few
// thousand files, milliseconds) because a copy or restore made as root may have left
// root-owned files inside a reused cluster, which the server could then not open.
func chownTree(root string, uid, gid int) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
		return nil
	})
}
