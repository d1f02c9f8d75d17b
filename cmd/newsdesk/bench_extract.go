package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"newsdesk/extract/extractbench"
)

// benchExtract runs `newsdesk bench extract --corpus DIR [--passes N]`: it scores newsdesk's
// extractor and plain readeck go-readability on a corpus laid out as the scrapinghub
// article-extraction-benchmark, with that benchmark's metric, times both on one goroutine and
// prints a table. Its last line is
//
//	extract: F1 X.XXX P X.XXX R X.XXX acc X.XXX mean_ms X.X baseline_F1 X.XXX speed_vs_baseline X.XX
//
// args are the arguments after "bench extract" (a leading "extract" is tolerated).
func benchExtract(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "extract" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("bench extract", flag.ContinueOnError)
	fs.SetOutput(stdout)
	corpus := fs.String("corpus", "", "corpus directory holding ground-truth.json and html/*.html.gz")
	passes := fs.Int("passes", 5, "timed passes after the scored one; a page's time is its fastest (more passes resist a busy machine)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("bench extract: %w", err)
	}
	if *corpus == "" {
		return errors.New("bench extract: --corpus DIR is required (e.g. ../shared/benchmarks/article-extraction)")
	}
	pages, err := extractbench.LoadCorpus(*corpus)
	if err != nil {
		return fmt.Errorf("bench extract: %w", err)
	}
	rs, err := extractbench.Run(ctx, pages, *passes, extractbench.Newsdesk(), extractbench.Readeck())
	if err != nil {
		return fmt.Errorf("bench extract: %w", err)
	}
	return extractbench.Report(stdout, len(pages), rs)
}
