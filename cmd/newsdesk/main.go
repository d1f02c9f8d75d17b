// Command newsdesk turns news article URLs into reviewed, publishable summaries.
//
//	newsdesk run                       everything in one process (API, UI, workers)
//	newsdesk api                       the HTTP API and UI only
//	newsdesk worker [--stages …] [--concurrency N]
//	newsdesk migrate                   apply database migrations and exit
//	newsdesk submit [--wait] URL… | -  submit URLs to a running newsdesk
//	newsdesk token create --role ROLE --name NAME
//	newsdesk bench extract|faithfulness|portal|pipeline …
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// NEWSDESK_CPUPROFILE is for benchmarks: `bench pipeline --cpuprofile` sets it for the
	// worker it starts, whose profile is written when it exits.
	if path := os.Getenv("NEWSDESK_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "newsdesk:", err)
		}
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `newsdesk turns news article URLs into reviewed, publishable summaries.

Usage:
  newsdesk run                        API, UI and all workers in one process
  newsdesk api                        the HTTP API and UI
  newsdesk worker [--stages extract,summarise] [--concurrency N]
  newsdesk migrate                    apply database migrations and exit
  newsdesk submit [--wait] URL... | - submit URLs (or stdin lines) to the API
  newsdesk token create --role editor|reviewer|admin --name NAME
  newsdesk bench extract|faithfulness|portal|pipeline [flags]

Configuration is read from the environment (DATABASE_URL, NATS_URL, NEWSDESK_ADDR,
NEWSDESK_DATA_DIR, OPENAI_API_KEY, OPENAI_BASE_URL, NEWSDESK_MODEL, NEWSDESK_LLM, …);
see README.md.
`

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return serve(ctx, rest, getenv, stdout, stderr, modeAll)
	case "api":
		return serve(ctx, rest, getenv, stdout, stderr, modeAPI)
	case "worker":
		return serve(ctx, rest, getenv, stdout, stderr, modeWorker)
	case "migrate":
		return migrate(ctx, getenv, stderr)
	case "submit":
		return submit(ctx, rest, getenv, stdin, stdout, stderr)
	case "token":
		return token(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return bench(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "newsdesk: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
