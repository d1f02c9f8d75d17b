package extractbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"

	"newsdesk/extract"
)

// Extractor is a function under test: HTML in, article text out.
type Extractor struct {
	Name string
	Fn   func(html []byte, pageURL *url.URL) (string, error)
}

// Newsdesk is newsdesk's extractor ([extract.Extract], quality gate included). The text is
// scored even when the gate refuses the page (every corpus page is an article, so a refusal
// is the gate's error, not the extractor's); [Result.Gated] scores refusals as empty.
func Newsdesk() Extractor {
	return Extractor{Name: "newsdesk", Fn: func(b []byte, u *url.URL) (string, error) {
		a, err := extract.Extract(b, u)
		if a == nil {
			return "", err
		}
		return a.Text, err
	}}
}

// Readeck is plain readeck go-readability v2, called as the benchmark's Go runners call
// their libraries: html.Parse, then ParseAndMutate and RenderText.
func Readeck() Extractor {
	return Extractor{Name: "readeck-v2", Fn: func(b []byte, u *url.URL) (string, error) {
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			return "", err
		}
		p := readability.NewParser()
		a, err := p.ParseAndMutate(doc, u)
		if err != nil {
			return "", err
		}
		if a.Node == nil {
			return "", nil
		}
		var sb strings.Builder
		err = a.RenderText(&sb)
		return sb.String(), err
	}}
}

// PageResult is one extractor's outcome on one page.
type PageResult struct {
	ID     string
	Pred   string
	Err    error
	Counts Counts
	Exact  bool
	Time   time.Duration // fastest of the timed passes
}

// Result is one extractor's outcome on the corpus.
type Result struct {
	Name    string
	Scores  Scores
	MeanMS  float64
	P50MS   float64
	P90MS   float64
	Failed  int    // pages the extractor returned an error for
	Gated   Scores // scores when pages with an error count as empty predictions
	PerPage []PageResult
}

// Run scores and times each extractor on pages, one goroutine, one extractor at a time. A
// first pass produces the scored outputs and warms up; then passes timed passes follow and a
// page's time is its fastest.
func Run(ctx context.Context, pages []Page, passes int, xs ...Extractor) ([]Result, error) {
	passes = max(passes, 1)
	var out []Result
	for _, x := range xs {
		r := Result{Name: x.Name, PerPage: make([]PageResult, len(pages))}
		counts := make([]Counts, len(pages))
		exact := make([]bool, len(pages))
		for i, p := range pages {
			u, _ := url.Parse(p.URL)
			pred, err := x.Fn(slices.Clone(p.HTML), u)
			pred = CleanPrediction(pred)
			counts[i] = Match(p.Truth, pred)
			exact[i] = Exact(p.Truth, pred)
			r.PerPage[i] = PageResult{ID: p.ID, Pred: pred, Err: err, Counts: counts[i], Exact: exact[i], Time: time.Duration(1<<63 - 1)}
			if err != nil {
				r.Failed++
			}
		}
		for range passes {
			for i, p := range pages {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("bench %s: %w", x.Name, err)
				}
				u, _ := url.Parse(p.URL)
				b := slices.Clone(p.HTML) // outside the timed region
				start := time.Now()
				x.Fn(b, u)
				r.PerPage[i].Time = min(r.PerPage[i].Time, time.Since(start))
			}
		}
		r.Scores = Summarize(counts, exact)
		gc, ge := slices.Clone(counts), slices.Clone(exact)
		for i, pr := range r.PerPage {
			if pr.Err != nil {
				gc[i], ge[i] = Match(pages[i].Truth, ""), Exact(pages[i].Truth, "")
			}
		}
		r.Gated = Summarize(gc, ge)
		ms := make([]float64, len(pages))
		for i, pr := range r.PerPage {
			ms[i] = float64(pr.Time) / float64(time.Millisecond)
			r.MeanMS += ms[i]
		}
		r.MeanMS /= float64(len(ms))
		slices.Sort(ms)
		r.P50MS = ms[len(ms)/2]
		r.P90MS = ms[len(ms)*9/10]
		out = append(out, r)
	}
	return out, nil
}

// Report writes a table of results and, as its last line, the summary line comparing the
// first result (newsdesk) with the second (the baseline):
//
//	extract: F1 X.XXX P X.XXX R X.XXX acc X.XXX mean_ms X.X baseline_F1 X.XXX speed_vs_baseline X.XX
//
// speed_vs_baseline is the baseline's mean time divided by newsdesk's: above 1 newsdesk is
// faster, below 1 slower.
func Report(w io.Writer, pages int, rs []Result) error {
	if len(rs) < 2 {
		return errors.New("report needs newsdesk and a baseline")
	}
	fmt.Fprintf(w, "corpus: %d pages; one goroutine; time = html.Parse + extraction, fastest of the timed passes\n", pages)
	fmt.Fprintf(w, "%-12s %6s %6s %6s %6s %8s %8s %8s %7s\n", "extractor", "F1", "P", "R", "acc", "mean_ms", "p50_ms", "p90_ms", "errors")
	for _, r := range rs {
		fmt.Fprintf(w, "%-12s %6.3f %6.3f %6.3f %6.3f %8.2f %8.2f %8.2f %7d\n",
			r.Name, r.Scores.F1, r.Scores.Precision, r.Scores.Recall, r.Scores.Accuracy, r.MeanMS, r.P50MS, r.P90MS, r.Failed)
	}
	for _, r := range rs {
		if r.Failed == 0 {
			continue
		}
		fmt.Fprintf(w, "%s refused or failed %d pages (F1 %.3f if they count as empty):\n", r.Name, r.Failed, r.Gated.F1)
		for _, pr := range r.PerPage {
			if pr.Err != nil {
				fmt.Fprintf(w, "  %s: %v\n", pr.ID, pr.Err)
			}
		}
	}
	n, b := rs[0], rs[1]
	speed := 0.0
	if n.MeanMS > 0 {
		speed = b.MeanMS / n.MeanMS
	}
	_, err := fmt.Fprintf(w, "extract: F1 %.3f P %.3f R %.3f acc %.3f mean_ms %.1f baseline_F1 %.3f speed_vs_baseline %.2f\n",
		n.Scores.F1, n.Scores.Precision, n.Scores.Recall, n.Scores.Accuracy, n.MeanMS, b.Scores.F1, speed)
	return err
}
