// Package pgcluster runs a private PostgreSQL server for `newsdesk run` when DATABASE_URL is
// unset.
//
// It uses the machine's own PostgreSQL binaries (on Debian under
// /usr/lib/postgresql/<version>/bin), initialises a cluster in a directory of newsdesk's data
// dir the first time, and starts the server as a child process that listens on a Unix socket
// only (no TCP port, so it never clashes with a system server on 5432). The socket directory is
// private to the server's user, so the cluster's "trust" authentication is reachable only by
// that user and root.
//
// PostgreSQL refuses to run as root. When the process is root, initdb and the server run as
// the unprivileged `postgres` system user, which therefore needs to be able to traverse every
// parent of the directory; [Start] checks this first and says which directory blocks it.
// Otherwise they run as the current user.
//
// The server is tied to the calling process: on Linux it gets SIGINT (a fast shutdown) if
// newsdesk dies, and it runs in its own process group so that a Ctrl-C in a terminal reaches
// newsdesk first, which can drain its workers before calling [Cluster.Stop]. On Windows,
// [Start] returns [ErrUnsupported].
//
//	c, err := pgcluster.Start(ctx, filepath.Join(dataDir, "postgres"), logger)
//	if err != nil {
//		return err // names DATABASE_URL and `docker compose up` when no binaries exist
//	}
//	defer c.Stop(context.WithoutCancel(ctx))
//	pool, err := pgxpool.New(ctx, c.DSN())
package pgcluster
