package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/summary"
)

// benchFaithfulness measures the model-free grounding checks on the faithfulness corpus:
// recall on invented content (hand-written faithless drafts, plus every synthetic
// invention added to every clean draft) and the share of clean drafts that get any
// flag. Then it runs the corpus through the real model path (the OpenAI client against
// a local fake server that invents one item in every draft) and scores the flags again.
func benchFaithfulness(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "faithfulness" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("bench faithfulness", flag.ContinueOnError)
	fs.SetOutput(stdout)
	corpusFile := fs.String("corpus", "", "corpus JSON file (default: the corpus built into the binary, summary/testdata/faithfulness.json)")
	verbose := fs.Bool("v", false, "list every missed item and every flag on a clean draft")
	modelPath := fs.Bool("model-path", true, "also run the corpus through the OpenAI client and a local inventing fake server")
	articles := fs.String("articles", "", "ground-truth.json of real articles (the extraction benchmark's) to count false injection flags and flags on extractive drafts")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("bench faithfulness: %w", err)
	}
	cases, err := loadFaithCorpus(*corpusFile)
	if err != nil {
		return fmt.Errorf("bench faithfulness: %w", err)
	}

	start := time.Now()
	r := summary.Evaluate(cases)
	elapsed := time.Since(start)
	drafts, langs := 0, map[string]bool{}
	for _, c := range cases {
		drafts += len(c.Drafts)
		langs[c.Lang] = true
	}
	fmt.Fprintf(stdout, "faithfulness corpus: %d articles in %d languages, %d drafts (%d clean, %d faithless)\n",
		len(cases), len(langs), drafts, r.Clean, drafts-r.Clean)
	fmt.Fprintf(stdout, "invented items: %d (%d hand-written, %d synthetic: %d inventions added to each clean draft)\n",
		r.Invented, r.HandInvented, r.Invented-r.HandInvented, len(summary.Inventions))
	fmt.Fprintf(stdout, "  caught %d: recall %.3f (hand-written %.3f); flagged with the right kind %d (%.3f)\n",
		r.Caught, r.Recall(), faithRatio(r.HandCaught, r.HandInvented), r.KindRight, faithRatio(r.KindRight, r.Invented))
	kinds := slices.Sorted(func(yield func(string) bool) {
		for k := range r.ByKind {
			if !yield(k) {
				return
			}
		}
	})
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d/%d", k, r.ByKind[k][1], r.ByKind[k][0]))
	}
	fmt.Fprintf(stdout, "  by kind: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(stdout, "clean drafts: %d, flagged %d (%.1f%%)\n", r.Clean, r.CleanFlagged, 100*r.CleanFlaggedShare())
	fmt.Fprintf(stdout, "checks ran in %s (%d Check calls)\n", elapsed.Round(time.Millisecond), drafts+r.Invented-r.HandInvented)
	if *verbose {
		for _, m := range r.Misses {
			fmt.Fprintf(stdout, "  missed: %s / %s: %s %s %q\n", m.Case, m.Draft, m.Want.Section, m.Want.Kind, m.Want.Text)
		}
		for _, m := range r.FalseFlags {
			fmt.Fprintf(stdout, "  clean draft flagged: %s / %s: %s %s %q (%s)\n", m.Case, m.Draft, m.Want.Section, m.Want.Kind, m.Want.Text, m.Want.Reason)
		}
	}
	ok := r.Recall() >= 0.95 && r.CleanFlaggedShare() <= 0.05
	fmt.Fprintf(stdout, "targets: recall >= 0.95 %s, clean drafts flagged <= 5%% %s\n",
		faithVerdict(r.Recall() >= 0.95), faithVerdict(r.CleanFlaggedShare() <= 0.05))

	if *modelPath {
		mp, err := faithModelPath(ctx, cases)
		if err != nil {
			return fmt.Errorf("bench faithfulness: model path: %w", err)
		}
		fmt.Fprintf(stdout, "model path (OpenAI client -> local fake server, one invention per draft, kinds in turn): %d drafts, caught %d (%.3f); by kind: %s\n",
			mp.drafts, mp.caught, faithRatio(mp.caught, mp.drafts), mp.byKind())
		fmt.Fprintf(stdout, "model path, faithful server: %d drafts, flagged %d (%.1f%%)\n",
			mp.clean, mp.cleanFlagged, 100*faithRatio(mp.cleanFlagged, mp.clean))
		if *verbose {
			for _, m := range mp.misses {
				fmt.Fprintf(stdout, "  model path missed: %s\n", m)
			}
		}
		ok = ok && faithRatio(mp.caught, mp.drafts) >= 0.95
	}
	if *articles != "" {
		if err := faithRealArticles(ctx, *articles, stdout, *verbose); err != nil {
			return fmt.Errorf("bench faithfulness: %w", err)
		}
	}
	if !ok {
		return errors.New("bench faithfulness: a target was missed")
	}
	return nil
}

// faithRealArticles runs the injection detector on real, benign articles, and the
// grounding checks on extractive drafts of them (copied sentences, so any flag is a
// false one).
func faithRealArticles(ctx context.Context, path string, stdout io.Writer, verbose bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var gt map[string]struct {
		Body string `json:"articleBody"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal(b, &gt); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var injected, drafts, flagged, styled int
	ext := llm.NewExtractive()
	for _, a := range gt {
		src := summary.Source{Text: a.Body}
		if f := summary.InjectionFlags(src); len(f) > 0 {
			injected++
			if verbose {
				fmt.Fprintf(stdout, "  injection flag on a real article: %s: %q\n", a.URL, f[0].Text)
			}
		}
		res, err := ext.Write(ctx, llm.Request{Text: a.Body})
		if err != nil {
			continue
		}
		drafts++
		var grounding, style bool
		for _, f := range summary.Check(res.Summary, src) {
			switch {
			case f.Section == summary.SectionSource:
			case f.Kind == summary.KindStyle || f.Kind == summary.KindLanguage:
				// The extractive draft copies long sentences and writes its placeholder
				// paragraphs in English: style, not grounding.
				style = true
			default:
				grounding = true
				if verbose {
					fmt.Fprintf(stdout, "  grounding flag on an extractive draft: %s: %s %s %q\n", a.URL, f.Section, f.Kind, f.Text)
				}
			}
		}
		if grounding {
			flagged++
		}
		if style {
			styled++
		}
	}
	fmt.Fprintf(stdout, "real articles: %d, injection-flagged %d (%.1f%%); extractive drafts (copied sentences) %d, with a grounding flag %d (%.1f%%), with a style or language flag %d\n",
		len(gt), injected, 100*faithRatio(injected, len(gt)), drafts, flagged, 100*faithRatio(flagged, drafts), styled)

	// Model-style drafts of some of these articles, clean and with every invention.
	real, err := summary.RealDrafts()
	if err != nil {
		return err
	}
	var cases []summary.Case
	for _, id := range slices.Sorted(maps.Keys(real)) {
		if a, ok := gt[id]; ok {
			cases = append(cases, summary.Case{Name: a.URL, Text: a.Body,
				Drafts: []summary.Draft{{Label: "model style", Summary: real[id]}}})
		}
	}
	r := summary.Evaluate(cases)
	fmt.Fprintf(stdout, "model-style drafts of real articles: %d, flagged %d (%.1f%%); with each invention added: %d items, caught %d (recall %.3f)\n",
		r.Clean, r.CleanFlagged, 100*r.CleanFlaggedShare(), r.Invented, r.Caught, r.Recall())
	if verbose {
		for _, m := range r.FalseFlags {
			fmt.Fprintf(stdout, "  flag on a model-style draft: %s: %s %s %q (%s)\n", m.Case, m.Want.Section, m.Want.Kind, m.Want.Text, m.Want.Reason)
		}
		for _, m := range r.Misses {
			fmt.Fprintf(stdout, "  missed in a real article: %s / %s: %s %q\n", m.Case, m.Draft, m.Want.Kind, m.Want.Text)
		}
	}
	return nil
}

func loadFaithCorpus(path string) ([]summary.Case, error) {
	if path == "" {
		return summary.Corpus()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return summary.ReadCorpus(f)
}

func faithRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func faithVerdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

type faithModelPathResult struct {
	drafts, caught      int
	clean, cleanFlagged int
	kinds               map[string][2]int
	misses              []string
}

func (m faithModelPathResult) byKind() string {
	var parts []string
	for _, inv := range llmtest.Inventions {
		k := m.kinds[inv.Kind]
		parts = append(parts, fmt.Sprintf("%s %d/%d", inv.Kind, k[1], k[0]))
	}
	return strings.Join(parts, ", ")
}

// faithModelPath writes a draft of every corpus article through the OpenAI client,
// first against a fake server that invents one item per draft, then against a faithful
// one, and checks each draft against its article.
func faithModelPath(ctx context.Context, cases []summary.Case) (faithModelPathResult, error) {
	res := faithModelPathResult{kinds: map[string][2]int{}}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, faithful := range []bool{false, true} {
		h := llmtest.Inventing()
		if faithful {
			h = llmtest.Grounded()
		}
		srv := httptest.NewServer(llmtest.NewHandler(h))
		w, err := llm.NewOpenAI(llm.Config{BaseURL: srv.URL + "/v1", APIKey: "bench", Model: "bench-fake", Logger: quiet})
		if err != nil {
			srv.Close()
			return res, err
		}
		for _, c := range cases {
			out, err := w.Write(ctx, llm.Request{Title: c.Title, Byline: c.Byline, Lang: c.Lang, Text: c.Text})
			if err != nil {
				srv.Close()
				return res, fmt.Errorf("%s: %w", c.Name, err)
			}
			flags := summary.Check(out.Summary, c.Source())
			if faithful {
				res.clean++
				if slices.ContainsFunc(flags, func(f summary.Flag) bool { return f.Section != summary.SectionSource }) {
					res.cleanFlagged++
				}
				continue
			}
			inv, ok := faithFindInvention(out.Summary)
			if !ok {
				srv.Close()
				return res, fmt.Errorf("%s: the fake server's draft holds no invention", c.Name)
			}
			k := res.kinds[inv.Kind]
			k[0]++
			res.drafts++
			if slices.ContainsFunc(flags, func(f summary.Flag) bool {
				return f.Section != summary.SectionSource && strings.Contains(strings.ToLower(inv.Sentence), strings.ToLower(strings.Trim(f.Text, `"`)))
			}) {
				k[1]++
				res.caught++
			} else {
				res.misses = append(res.misses, fmt.Sprintf("%s: %s %q", c.Name, inv.Kind, inv.Text))
			}
			res.kinds[inv.Kind] = k
		}
		srv.Close()
	}
	return res, nil
}

func faithFindInvention(s summary.Summary) (llmtest.Invention, bool) {
	all := strings.Join(append(slices.Clone(s.KeyPoints), s.WhyItMatters, s.WhatItMeansForYou), "\n")
	for _, inv := range llmtest.Inventions {
		if strings.Contains(all, inv.Sentence) {
			return inv, true
		}
	}
	return llmtest.Invention{}, false
}
