package main

import (
	"context"
	"fmt"
	"io"
)

func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: newsdesk bench extract|faithfulness|portal|pipeline [flags]")
		return errUsage
	}
	switch args[0] {
	case "extract":
		return benchExtract(ctx, args[1:], stdout)
	case "faithfulness":
		return benchFaithfulness(ctx, args[1:], stdout)
	case "pipeline":
		return benchPipeline(ctx, args[1:], getenv, stdout, stderr)
	case "portal":
		return benchPortal(ctx, args[1:], getenv, stdout)
	}
	fmt.Fprintf(stderr, "newsdesk bench: unknown benchmark %q\n", args[0])
	return errUsage
}
