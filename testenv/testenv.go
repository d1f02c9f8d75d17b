// Package testenv connects tests to the real services newsdesk needs: Postgres and NATS
// JetStream. It never fakes them. When a service is unreachable the test fails (it does not
// skip), so that a missing install step in CI shows up as a red run.
//
// Postgres comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); each
// test gets a fresh, migrated database that is dropped afterwards. NATS comes from NATS_URL
// (default nats://127.0.0.1:4222); each test gets its own stream name and subject prefix.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/schema"
)

// DefaultDatabaseURL is the server tests use when DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DefaultNATSURL is the server tests use when NATS_URL is unset.
const DefaultNATSURL = "nats://127.0.0.1:4222"

// RandomName returns prefix followed by 12 random hex digits.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// AdminURL is the URL of the Postgres server the tests use.
func AdminURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultDatabaseURL
}

// Database creates a fresh database on the test server, applies newsdesk's migrations and
// returns its URL. The database is dropped when the test ends.
func Database(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Fatalf("Postgres is required for this test and is unreachable at %s: %v (start it, e.g. with scripts/ensure-services.sh)", redact(AdminURL()), err)
	}
	defer admin.Close(ctx)
	name := RandomName("newsdesk_test_")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			tb.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(AdminURL())
	if err != nil {
		tb.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	dbURL := u.String()

	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to test database: %v", err)
	}
	defer pool.Close()
	if err := schema.Migrate(ctx, pool); err != nil {
		tb.Fatalf("migrate test database: %v", err)
	}
	return dbURL
}

// Pool returns a pool on a fresh migrated database (see [Database]); it is closed when the
// test ends.
func Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), Database(tb))
	if err != nil {
		tb.Fatalf("connect to test database: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// NATSURL is the URL of the NATS server the tests use.
func NATSURL() string {
	if u := os.Getenv("NATS_URL"); u != "" {
		return u
	}
	return DefaultNATSURL
}

// NATS connects to the test NATS server and checks that JetStream is enabled. The
// connection is closed when the test ends.
func NATS(tb testing.TB) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(NATSURL(), nats.Timeout(5*time.Second))
	if err != nil {
		tb.Fatalf("NATS JetStream is required for this test and is unreachable at %s: %v (start it, e.g. with scripts/ensure-services.sh)", NATSURL(), err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		tb.Fatalf("NATS at %s does not offer JetStream (start nats-server with -js): %v", NATSURL(), err)
	}
	return nc, js
}

// StreamNames returns a unique stream name and subject prefix for one test, and deletes the
// stream when the test ends.
func StreamNames(tb testing.TB, js jetstream.JetStream) (stream, prefix string) {
	tb.Helper()
	id := RandomName("")
	stream = "TEST_" + strings.ToUpper(id)
	prefix = "test." + id
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, stream)
	})
	return stream, prefix
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Eventually polls cond every 50 ms until it returns true or d passes, then fails the test
// with msg.
func Eventually(tb testing.TB, d time.Duration, msg string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v: %s", d, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
