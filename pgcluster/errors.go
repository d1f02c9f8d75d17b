package pgcluster

import "errors"

// Database is the database [Cluster.DSN] points at; [Start] creates it when missing.
const Database = "newsdesk"

// ErrAlreadyRunning is returned by [Start] when a server that is not this process's child
// still runs on the directory (another `newsdesk run`, or one that is still shutting down
// after its parent died). The error names its pid.
var ErrAlreadyRunning = errors.New("pgcluster: a server is already running on this directory")

// ErrUnsupported is returned by [Start] on systems where newsdesk cannot run a private
// server (Windows): set DATABASE_URL there.
var ErrUnsupported = errors.New("pgcluster: a private PostgreSQL is not supported on this system; set DATABASE_URL, or run `docker compose up`")
