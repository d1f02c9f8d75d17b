//go:build !unix

package pgcluster

import (
	"context"
	"log/slog"
)

// Cluster is a running private PostgreSQL server; on this system [Start] cannot make one.
type Cluster struct{}

// Start returns [ErrUnsupported] on this system.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Cluster, error) {
	return nil, ErrUnsupported
}

// DSN returns "".
func (c *Cluster) DSN() string { return "" }

// Dir returns "".
func (c *Cluster) Dir() string { return "" }

// Version returns "".
func (c *Cluster) Version() string { return "" }

// Done returns a closed channel.
func (c *Cluster) Done() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// Stop does nothing.
func (c *Cluster) Stop(ctx context.Context) error { return nil }
