package web

// Fuzz targets for the draft editor's input: the JSON an editor's browser or script sends,
// the summary.Clean/Validate pass it goes through, and the HTML the review desk makes of it
// (flag highlights, version diffs). Run briefly in CI, e.g.
//
//	go test ./web -run '^$' -fuzz FuzzDraftDecode -fuzztime 30s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"

	"newsdesk/llm/llmtest"
	"newsdesk/summary"
)

// draftSeeds are inputs the editor's fields have held, or an attacker would try.
func draftSeeds() []string {
	s := []string{
		"", " ", "\n\n\t", "What this means for you: What this means for you: readers pay more.",
		"**Why this matters:** it matters.", "- 1. • a point", "(2) b) point", "Key points: one. Two. Three.",
		"a\u200bb\u00ad\ufeffc", "\x00", "\xff\xfe", "é\u0301", strings.Repeat("word ", 400), strings.Repeat(" ", 5000),
		"Mr. Smith went to Washington. He said \"no.\"", "£12m", "https://evil.example/?a=1", "+44 20 7946 0958",
		"\u202eevil\u202c", "<<>>&&", "{{.}}", "</mark><script>",
	}
	return append(s, xssPayloads...)
}

func FuzzDraftClean(f *testing.F) {
	sample := llmtest.Sample()
	f.Add(sample.KeyPoints[0], sample.KeyPoints[1], sample.KeyPoints[2], sample.WhyItMatters, sample.WhatItMeansForYou)
	seeds := draftSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], sample.KeyPoints[2], s, seeds[(i+3)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, kp1, kp2, kp3, why, what string) {
		in := summary.Summary{KeyPoints: []string{kp1, kp2, kp3}, WhyItMatters: why, WhatItMeansForYou: what}
		c := summary.Clean(in)
		for i, kp := range c.KeyPoints {
			if kp == "" {
				t.Errorf("Clean kept an empty key point %d", i)
			}
			checkCleanText(t, "key point", kp, kp1+kp2+kp3)
		}
		checkCleanText(t, "why", c.WhyItMatters, why)
		checkCleanText(t, "what", c.WhatItMeansForYou, what)
		if len(c.KeyPoints) > len(in.KeyPoints) {
			t.Errorf("Clean made %d key points out of %d", len(c.KeyPoints), len(in.KeyPoints))
		}
		err := summary.Validate(c)
		if err == nil {
			if n := len(c.KeyPoints); n < summary.MinKeyPoints || n > summary.MaxKeyPoints {
				t.Errorf("Validate passed %d key points", n)
			}
			if c.WhyItMatters == "" || c.WhatItMeansForYou == "" {
				t.Error("Validate passed an empty section")
			}
		} else if _, ok := err.(*summary.ValidationError); !ok {
			t.Errorf("Validate error %T, want *summary.ValidationError", err)
		}
	})
}

// checkCleanText holds for every text Clean returns.
func checkCleanText(t *testing.T, what, got, in string) {
	t.Helper()
	if got != strings.TrimSpace(got) {
		t.Errorf("Clean %s %q has surrounding white space", what, got)
	}
	if strings.ContainsAny(got, "\u200b\ufeff") {
		t.Errorf("Clean %s %q keeps zero-width characters", what, got)
	}
	if strings.Contains(got, "  ") {
		t.Errorf("Clean %s %q keeps a double space", what, got)
	}
	if utf8.ValidString(in) && !utf8.ValidString(got) {
		t.Errorf("Clean %s made invalid UTF-8 %q from valid input", what, got)
	}
}

func FuzzDraftDecode(f *testing.F) {
	sample := llmtest.Sample()
	ok, _ := json.Marshal(map[string]any{"key_points": sample.KeyPoints, "why_it_matters": sample.WhyItMatters,
		"what_it_means_for_you": sample.WhatItMeansForYou, "base_version": 1})
	f.Add(ok)
	for _, s := range draftSeeds() {
		b, _ := json.Marshal(map[string]any{"key_points": []string{s, sample.KeyPoints[1], s + " again"},
			"why_it_matters": s, "what_it_means_for_you": sample.WhatItMeansForYou, "base_version": 1})
		f.Add(b)
	}
	for _, raw := range []string{``, `{`, `null`, `[]`, `{"key_points":null,"base_version":null}`, `{"base_version":1e400}`,
		`{"key_points":["a"],"key_points":["b"]}`, `{"base_version":-1}`, `{"KEY_POINTS":["x"]}`, `{"extra":1}`, `{} {}`,
		`{"why_it_matters":"\ud800"}`, `{"why_it_matters":"\u0000"}`, "{\"why_it_matters\":\"\xff\"}"} {
		f.Add([]byte(raw))
	}
	src := summary.Source{Title: "Council approves road repairs", Text: secGroundText, Lang: "en"}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPut, "/api/v1/articles/x/draft", bytes.NewReader(body))
		var req saveDraftRequest
		if err := decode(w, r, bodyLimit, &req); err != nil {
			ae, ok := err.(*apiError)
			if !ok || (ae.Status != http.StatusBadRequest && ae.Status != http.StatusRequestEntityTooLarge) || ae.Message == "" {
				t.Fatalf("decode error %#v, want a 400 or 413 apiError with a message", err)
			}
			return
		}
		// What SaveDraft does before the database.
		s := summary.Clean(summary.Summary{KeyPoints: req.KeyPoints, WhyItMatters: req.WhyItMatters, WhatItMeansForYou: req.WhatItMeansForYou})
		if summary.Validate(s) != nil {
			return
		}
		flags := summary.Check(s, src)
		for _, fl := range flags {
			if fl.Kind == "" || fl.Section == "" {
				t.Errorf("flag without kind or section: %+v", fl)
			}
		}
		// What the review desk shows of it: every section highlighted with its flags.
		sections := append([]string{s.WhyItMatters, s.WhatItMeansForYou}, s.KeyPoints...)
		for _, text := range sections {
			h, unplaced := highlight(text, flags)
			checkFragment(t, "highlight", string(h), text)
			if len(unplaced) > len(flags) {
				t.Errorf("highlight returned %d unplaced of %d flags", len(unplaced), len(flags))
			}
		}
		// What the API answers.
		out := httptest.NewRecorder()
		writeJSON(out, http.StatusOK, map[string]any{"key_points": s.KeyPoints, "why_it_matters": s.WhyItMatters,
			"what_it_means_for_you": s.WhatItMeansForYou, "flags": flags})
		if strings.ContainsAny(out.Body.String(), "<>") {
			t.Errorf("raw < or > in the API's JSON: %s", out.Body.String())
		}
		if !json.Valid(out.Body.Bytes()) {
			t.Errorf("the API's JSON is not valid: %s", out.Body.String())
		}
	})
}

func FuzzDraftDiff(f *testing.F) {
	sample := llmtest.Sample()
	f.Add(sample.WhyItMatters, sample.WhatItMeansForYou)
	seeds := draftSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i+5)%len(seeds)]+" "+sample.WhyItMatters)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ops := diffWords(a, b)
		h := string(diffHTML(ops))
		// Both versions stay readable in the diff: the old one's words and the new one's.
		checkFragment(t, "diff", h, a)
		checkFragment(t, "diff", h, b)
		if !changed(ops) && strings.Join(strings.Fields(a), " ") != strings.Join(strings.Fields(b), " ") {
			t.Errorf("diff of %q and %q reports no change", a, b)
		}
	})
}

// checkFragment holds for every HTML fragment the review desk builds by hand: only the few
// tags it means to write, no active content, and every word of the input still readable.
func checkFragment(t *testing.T, what, frag, in string) {
	t.Helper()
	for _, finding := range xssFindings(frag) {
		t.Errorf("%s of %q: %s", what, in, finding)
	}
	z := xhtml.NewTokenizer(strings.NewReader(frag))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			switch tok := z.Token(); tok.Data {
			case "mark", "span", "strong", "ins", "del":
			default:
				t.Errorf("%s of %q: unexpected element %s", what, in, tok.String())
			}
		}
	}
	if !utf8.ValidString(in) {
		return
	}
	// Every character of the input is still there, in order (tooltips may come between).
	var text strings.Builder
	z = xhtml.NewTokenizer(strings.NewReader(frag))
	for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
		if tt == xhtml.TextToken {
			text.Write(z.Text())
		}
	}
	rest := text.String()
	for _, r := range in {
		if unicode.IsSpace(r) {
			continue
		}
		if r == 0 {
			r = utf8.RuneError // the HTML parser's replacement, as a browser shows it
		}
		i := strings.IndexRune(rest, r)
		if i < 0 {
			t.Errorf("%s of %q lost %q; text %q", what, in, r, text.String())
			return
		}
		rest = rest[i+utf8.RuneLen(r):]
	}
}

// BenchmarkDraftDiffLongEdit measures the diff page's cost for an edit that replaces a one-word
// paragraph with a long one (the editor's body limit allows about 350,000 words). It must grow
// linearly with the words: before 6483b70 it was quadratic (3.8 s for 40,000 words).
func BenchmarkDraftDiffLongEdit(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 40_000} {
		long := strings.Repeat("word ", n)
		b.Run(fmt.Sprintf("%d words", n), func(b *testing.B) {
			for b.Loop() {
				diffHTML(diffWords("x", long))
			}
		})
	}
}
