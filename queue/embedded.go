package queue

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Embedded is a JetStream server inside the newsdesk process, for `newsdesk run` without
// NATS_URL.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a JetStream server storing its data under dir. With port 0 it opens
// no TCP listener and is reachable only from this process.
func StartEmbedded(dir string, port int, logger *slog.Logger) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "newsdesk-embedded",
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "nats"),
		// JetStream acknowledges before fsync by default (Jepsen 2025 lost acknowledged
		// writes that way); our message rate is tiny, so sync every write.
		SyncAlways: true,
		NoSigs:     true,
		Host:       "127.0.0.1",
	}
	if port == 0 {
		opts.DontListen = true
	} else {
		opts.Port = port
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 15s (data in %s)", opts.StoreDir)
	}
	logger.Info("embedded JetStream started", "store_dir", opts.StoreDir, "listen", !opts.DontListen)
	return &Embedded{srv: srv}, nil
}

// Connect returns a client connection to the embedded server.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(e.srv), nats.Name(name))
	if err != nil {
		return nil, fmt.Errorf("embedded nats: connect: %w", err)
	}
	return nc, nil
}

// ClientURL is the server's URL when it listens on TCP.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
