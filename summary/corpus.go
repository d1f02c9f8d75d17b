package summary

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Case is one article of the faithfulness corpus with drafts written from it: clean
// ones, which should get no flag, and faithless ones, with the flags they should get.
type Case struct {
	Name   string  `json:"name"`
	Lang   string  `json:"lang"`
	Title  string  `json:"title"`
	Byline string  `json:"byline"`
	Text   string  `json:"text"`
	Drafts []Draft `json:"drafts"`
}

// Source returns the case's article as a [Source].
func (c Case) Source() Source {
	return Source{Title: c.Title, Byline: c.Byline, Text: c.Text, Lang: c.Lang}
}

// Draft is one draft of a corpus case. Expect lists the invented content it holds, as
// flags (section, kind and text; the reason is not compared). An empty Expect marks a
// clean draft.
type Draft struct {
	Label   string  `json:"label"`
	Summary Summary `json:"summary"`
	Expect  []Flag  `json:"expect"`
}

//go:embed testdata/faithfulness.json
var corpusJSON []byte

//go:embed testdata/real-drafts.json
var realDraftsJSON []byte

// RealDrafts returns clean drafts, written in the house style as a model would, of
// articles of the extraction benchmark, keyed by the benchmark's article ids. The
// articles are not in the binary: pair them with the benchmark's ground-truth.json.
func RealDrafts() (map[string]Summary, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(realDraftsJSON, &raw); err != nil {
		return nil, fmt.Errorf("read real drafts: %w", err)
	}
	out := map[string]Summary{}
	for id, r := range raw {
		if strings.HasPrefix(id, "_") {
			continue // a comment
		}
		var s Summary
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fmt.Errorf("read real draft %s: %w", id, err)
		}
		out[id] = s
	}
	return out, nil
}

// Corpus returns the faithfulness corpus embedded in the binary (hand-written cases in
// English, German, French and Spanish).
func Corpus() ([]Case, error) {
	return ReadCorpus(strings.NewReader(string(corpusJSON)))
}

// ReadCorpus reads a corpus in the JSON form of []Case.
func ReadCorpus(r io.Reader) ([]Case, error) {
	var cases []Case
	if err := json.NewDecoder(r).Decode(&cases); err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	return cases, nil
}

// Invention is a sentence a faithless model adds to a draft, for the synthetic part of
// the evaluation.
type Invention struct {
	Kind     string
	Span     string // what the flag must cover
	Sentence string
	Why      bool // goes into "Why this matters" rather than a key point
}

// Inventions are the synthetic inventions [Evaluate] adds to every clean draft, one at a
// time: each kind of content the grounding checks look for.
var Inventions = []Invention{
	{KindNumber, "7,350", "The scheme will cover 7,350 homes.", false},
	{KindNumber, "seventeen", "Seventeen people objected to the plan at the meeting.", false},
	{KindCurrency, "£48.5 million", "The programme will cost £48.5 million.", false},
	{KindCurrency, "$2.3bn", "Investors have put $2.3bn into the sector.", false},
	{KindPercentage, "37%", "Support for the plan stands at 37%.", false},
	{KindDate, "1987", "The idea was first proposed in 1987.", false},
	{KindDate, "Thursday", "Officials confirmed the details on Thursday.", false},
	{KindDate, "last month", "A similar scheme was dropped last month.", false},
	{KindQuote, `"a turning point for the whole region"`, `A spokesperson called it "a turning point for the whole region".`, false},
	{KindName, "Priya Ramanathan", "Councillor Priya Ramanathan welcomed the decision.", false},
	{KindName, "OECD", "The OECD praised the decision.", false},
	{KindName, "Okonjo", "Okonjo said the plan was long overdue.", false},
	{KindSpeculation, "will likely", "The decision will likely lead to further changes.", true},
	{KindSpeculation, "is expected to", "The move is expected to cut costs for households.", true},
	{KindURL, "www.example-offers.com", "Readers can find out more at www.example-offers.com.", false},
	{KindEmail, "tips@example-news.org", "Readers can send tips to tips@example-news.org.", false},
	{KindPhone, "+44 20 7946 0958", "Readers can call +44 20 7946 0958 for advice.", false},
}

// Miss is an invented item the checks did not flag.
type Miss struct {
	Case, Draft string
	Want        Flag
}

// Report sums up an evaluation of the grounding checks.
type Report struct {
	// Invented counts invented items; Caught those flagged in the right section with a
	// flag covering their text, and KindRight those of them flagged with the right kind.
	Invented, Caught, KindRight int
	// HandInvented and HandCaught count the hand-written items only.
	HandInvented, HandCaught int
	// Clean counts clean drafts; CleanFlagged those that got any flag on a draft section.
	Clean, CleanFlagged int
	// ByKind counts invented items and caught ones per kind: [invented, caught].
	ByKind map[string][2]int
	Misses []Miss
	// FalseFlags are the flags on clean drafts, by case and draft.
	FalseFlags []Miss
}

// Recall is the share of invented items caught.
func (r Report) Recall() float64 { return ratio(r.Caught, r.Invented) }

// CleanFlaggedShare is the share of clean drafts with any flag.
func (r Report) CleanFlaggedShare() float64 { return ratio(r.CleanFlagged, r.Clean) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluate runs [Check] on every draft of cases. Each clean draft also gets every
// [Invention] in turn (skipping one whose span the article already contains), which
// must be caught like the hand-written ones.
func Evaluate(cases []Case) Report {
	var r Report
	for _, c := range cases {
		src := c.Source()
		p := prepare(src)
		for _, d := range c.Drafts {
			flags := p.check(d.Summary)
			if len(d.Expect) == 0 {
				r.Clean++
				flagged := false
				for _, f := range flags {
					if f.Section != SectionSource {
						flagged = true
						r.FalseFlags = append(r.FalseFlags, Miss{c.Name, d.Label, f})
					}
				}
				if flagged {
					r.CleanFlagged++
				}
				for _, inv := range Inventions {
					if strings.Contains(strings.ToLower(src.Title+" "+src.Text), strings.ToLower(strings.Trim(inv.Span, `"`))) {
						continue
					}
					s, want := invent(d.Summary, inv)
					r.score(c.Name, d.Label+" + "+inv.Kind, p.check(s), want, false)
				}
				continue
			}
			for _, want := range d.Expect {
				r.score(c.Name, d.Label, flags, want, true)
			}
		}
	}
	return r
}

func (r *Report) score(caseName, draft string, flags []Flag, want Flag, hand bool) {
	if r.ByKind == nil {
		r.ByKind = map[string][2]int{}
	}
	k := r.ByKind[want.Kind]
	k[0]++
	defer func() { r.ByKind[want.Kind] = k }()
	r.Invented++
	if hand {
		r.HandInvented++
	}
	caught, kind := false, false
	for _, f := range flags {
		if f.Section == want.Section && overlaps(f.Text, want.Text) {
			caught = true
			kind = kind || f.Kind == want.Kind
		}
	}
	if !caught {
		r.Misses = append(r.Misses, Miss{caseName, draft, want})
		return
	}
	r.Caught++
	k[1]++
	if hand {
		r.HandCaught++
	}
	if kind {
		r.KindRight++
	}
}

// invent adds inv to a copy of s and returns it with the flag it should draw.
func invent(s Summary, inv Invention) (Summary, Flag) {
	out := Summary{KeyPoints: slices.Clone(s.KeyPoints), WhyItMatters: s.WhyItMatters, WhatItMeansForYou: s.WhatItMeansForYou}
	if inv.Why {
		out.WhyItMatters = inv.Sentence
		return out, Flag{Section: SectionWhy, Kind: inv.Kind, Text: inv.Span}
	}
	i := len(out.KeyPoints)
	if i >= MaxKeyPoints {
		i = MaxKeyPoints - 1
		out.KeyPoints[i] = inv.Sentence
	} else {
		out.KeyPoints = append(out.KeyPoints, inv.Sentence)
	}
	return out, Flag{Section: KeyPointSection(i), Kind: inv.Kind, Text: inv.Span}
}

// overlaps reports whether a flag's text covers an expected span: one contains the
// other, case and quotation marks aside.
func overlaps(got, want string) bool {
	g, w := strings.ToLower(normalise(got).norm), strings.ToLower(normalise(want).norm)
	g, w = strings.Trim(g, `"' `), strings.Trim(w, `"' `)
	return g != "" && w != "" && (strings.Contains(g, w) || strings.Contains(w, g))
}
