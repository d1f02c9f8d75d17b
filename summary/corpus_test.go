package summary

import (
	"flag"
	"fmt"
	"strings"
	"testing"
)

var verbose = flag.Bool("corpus.verbose", false, "print every miss and false flag of the corpus")

// TestCorpusCases checks every hand-written draft: clean drafts get no flag on their
// sections, and faithless drafts get each expected flag with the right kind.
func TestCorpusCases(t *testing.T) {
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, d := range c.Drafts {
			t.Run(c.Name+"/"+d.Label, func(t *testing.T) {
				flags := Check(d.Summary, c.Source())
				if len(d.Expect) == 0 {
					for _, f := range flags {
						if f.Section != SectionSource {
							t.Errorf("clean draft flagged: %+v", f)
						}
					}
					return
				}
				for _, want := range d.Expect {
					found := false
					for _, f := range flags {
						if f.Section == want.Section && f.Kind == want.Kind && overlaps(f.Text, want.Text) {
							found = true
						}
					}
					if !found {
						t.Errorf("missing flag %s %s %q; got %s", want.Section, want.Kind, want.Text, describe(flags))
					}
				}
			})
		}
	}
}

func describe(flags []Flag) string {
	var b strings.Builder
	for _, f := range flags {
		fmt.Fprintf(&b, "\n\t%s %s %q (%s)", f.Section, f.Kind, f.Text, f.Reason)
	}
	return b.String()
}

// TestCorpusTargets holds the checks to the targets of issue 4: recall on invented
// content at least 0.95, clean drafts flagged at most 5%.
func TestCorpusTargets(t *testing.T) {
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(cases)
	t.Logf("invented %d, caught %d (recall %.3f, right kind %d); clean drafts %d, flagged %d (%.1f%%)",
		r.Invented, r.Caught, r.Recall(), r.KindRight, r.Clean, r.CleanFlagged, 100*r.CleanFlaggedShare())
	if *verbose || t.Failed() {
		for _, m := range r.Misses {
			t.Logf("miss: %s / %s: %s %s %q", m.Case, m.Draft, m.Want.Section, m.Want.Kind, m.Want.Text)
		}
		for _, m := range r.FalseFlags {
			t.Logf("false flag: %s / %s: %s %s %q (%s)", m.Case, m.Draft, m.Want.Section, m.Want.Kind, m.Want.Text, m.Want.Reason)
		}
	}
	if r.Invented < 300 || r.Clean < 18 {
		t.Errorf("corpus has %d invented items and %d clean drafts; too small to measure", r.Invented, r.Clean)
	}
	if r.Recall() < 0.95 {
		t.Errorf("recall = %.3f, want at least 0.95", r.Recall())
	}
	if r.CleanFlaggedShare() > 0.05 {
		t.Errorf("clean drafts flagged = %.3f, want at most 0.05", r.CleanFlaggedShare())
	}
}

func TestRealDraftsFollowTheHouseRules(t *testing.T) {
	drafts, err := RealDrafts()
	if err != nil {
		t.Fatal(err)
	}
	if len(drafts) < 10 {
		t.Fatalf("RealDrafts has %d drafts, want at least 10", len(drafts))
	}
	for id, s := range drafts {
		if err := Validate(s); err != nil {
			t.Errorf("draft %s: %v", id[:8], err)
		}
		if f := styleFlags(s); len(f) > 0 {
			t.Errorf("draft %s breaks the house style: %+v", id[:8], f)
		}
	}
}
