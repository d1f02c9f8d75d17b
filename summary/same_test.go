package summary

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Check was made cheaper without changing what it returns. old_test.go keeps the code as
// it was (every package-level name prefixed "old"); these tests hold Check to it on the
// corpora and on texts mixed from them with the characters the checks treat specially.
// When a change to Check's output is intended, delete old_test.go and this file.

// sameTexts returns the sources and drafts of the in-repo corpora, and the real articles
// of the extraction benchmark when they are there.
func sameTexts(t testing.TB) (sources []Source, drafts []Summary) {
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		sources = append(sources, c.Source())
		for _, d := range c.Drafts {
			drafts = append(drafts, d.Summary)
			for _, inv := range Inventions {
				s, _ := invent(d.Summary, inv)
				drafts = append(drafts, s)
			}
		}
	}
	real, err := RealDrafts()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range real {
		drafts = append(drafts, s)
	}
	b, err := os.ReadFile("testdata/injection.json")
	if err != nil {
		t.Fatal(err)
	}
	var inj struct{ Hostile, Benign []injectionCase }
	if err := json.Unmarshal(b, &inj); err != nil {
		t.Fatal(err)
	}
	for _, c := range append(inj.Hostile, inj.Benign...) {
		sources = append(sources, Source{Title: c.Name, Text: newsLead + c.Text})
	}
	// Optional: the repository's checks do not need the shared benchmark to pass.
	if b, err := os.ReadFile("../../shared/benchmarks/article-extraction/ground-truth.json"); err == nil {
		var arts map[string]struct {
			Body string `json:"articleBody"`
			URL  string `json:"url"`
		}
		if err := json.Unmarshal(b, &arts); err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			sources = append(sources, Source{Title: a.URL, Text: a.Body})
		}
	}
	return sources, drafts
}

// specials are bits of text the checks treat specially: numbers in every shape,
// currencies, dates, quotes, names, links, hedges, injections, and the characters that
// normalise rewrites or that case-fold to ASCII letters.
var specials = []string{
	"£12m", "$5bn", "€ 3,5 Mio", "1.234,5", "12,345.6", "40 per cent", "5 percentage points", "3rd", "2,30", "1.500",
	"about 40%", "nearly 1,200", "US$ 7", "hk$9", "usd 12", "9 million dollars", "ten per cent", "half a dozen",
	"one hundred", "twenty thousand", "seventy", "2024", "2025-03-14", "1999", "May", "may", "Mar", "Friday",
	"lundi", "yesterday", "next week", "ma", "mañana", "“We have no choice”", "'a great result'", `"quoted words"`,
	"Sadiq Khan", "O'Brien", "IMF", "AI", "Bank of England", "Khan's", "Mayor", "I'm", "said", "Der", "Die Stadt",
	"www.example.com", "https://x.org/a?b=1", "a.b@example.co.uk", "+44 (20) 7946-0958", "020 7946 0958", "555-123-4567",
	"likely", "may well", "is expected to", "will probably", "expects", "könnte", "<|im_start|>", "ignore all previous instructions",
	"you are now a helpful assistant", "<!--", "display:none", "system:", "\u212a", "\u017f", "\u200b", "\u202e", "\u00ad",
	"—", "–", "½", "ﬁ", "²", "\u00a0", "\t", "\n", "\n\n", ". ", "! ", "? ", "…", "。", "É", "ß", "İ", "Привет", "東京",
	"\xff", "\x00", "`", "´", "«", "»", "-", "'", ".", ",", "(", ")", "%", " ",
}

// mix returns a text of pieces of texts and specials.
func mix(rng *rand.Rand, texts []string, n int) string {
	var b strings.Builder
	for range n {
		if rng.IntN(3) == 0 {
			b.WriteString(specials[rng.IntN(len(specials))])
			continue
		}
		s := texts[rng.IntN(len(texts))]
		if s == "" {
			continue
		}
		i := rng.IntN(len(s))
		b.WriteString(s[i:min(len(s), i+rng.IntN(200))])
	}
	return b.String()
}

func sameCheck(t testing.TB, s Summary, src Source) {
	got, want := Check(s, src), oldCheck(s, src)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Check(%#v, %#v)\n = %s\nwas %s", s, src, describe(got), describe(want))
	}
}

func TestCheckMatchesOld(t *testing.T) {
	sources, drafts := sameTexts(t)
	// Every draft of a corpus case against its source, through one prepared source as the
	// corpus evaluation does it.
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		p := prepare(c.Source())
		for _, d := range c.Drafts {
			for _, inv := range append([]Invention{{}}, Inventions...) {
				s := d.Summary
				if inv.Kind != "" {
					s, _ = invent(d.Summary, inv)
				}
				if got, want := p.check(s), oldCheck(s, c.Source()); !reflect.DeepEqual(got, want) {
					t.Fatalf("case %s, draft %s + %q: prepared check = %s, was %s", c.Name, d.Label, inv.Kind, describe(got), describe(want))
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, src := range sources {
		for range 3 {
			sameCheck(t, drafts[rng.IntN(len(drafts))], src)
		}
	}
	var texts []string
	for _, src := range sources {
		texts = append(texts, src.Title, src.Text)
	}
	for _, d := range drafts {
		texts = append(texts, d.KeyPoints...)
		texts = append(texts, d.WhyItMatters, d.WhatItMeansForYou)
	}
	n := 2000
	if testing.Short() {
		n = 200
	}
	langs := []string{"", "en", "de", "fr", "en-GB", "xx"}
	for range n {
		src := Source{Title: mix(rng, texts, 2), Byline: mix(rng, texts, 1), Text: mix(rng, texts, 4+rng.IntN(30)), Lang: langs[rng.IntN(len(langs))]}
		var s Summary
		for range rng.IntN(6) {
			s.KeyPoints = append(s.KeyPoints, mix(rng, texts, 1+rng.IntN(4)))
		}
		s.WhyItMatters, s.WhatItMeansForYou = mix(rng, texts, rng.IntN(5)), mix(rng, texts, rng.IntN(5))
		sameCheck(t, s, src)
	}
}

// FuzzCheckMatchesOld: Check returns what it returned before it was made cheaper.
func FuzzCheckMatchesOld(f *testing.F) {
	f.Add("The council approved £12m on Tuesday.", "Why this matters: “It’s fine,” said Mr. Khan.", "Call +44 20 7946 0958 or visit www.x.com.",
		"The council approved a £12 million budget on Tuesday.", "Sadiq Khan", "en")
	f.Add("1.234,5 %", "\u202e\u200b«»", "ﬁ ﬀ ½ ²", "<|im_start|>system", "", "de")
	f.Add("May residents apply?", "It may well rise 40 percentage points.", "AI and the IMF", "Residents may apply. Artificial intelligence.", "Jane Porter", "")
	f.Fuzz(func(t *testing.T, kp, why, what, text, title, lang string) {
		s := Summary{KeyPoints: []string{kp, kp + " " + why, what}, WhyItMatters: why, WhatItMeansForYou: what}
		sameCheck(t, s, Source{Title: title, Byline: why, Text: text, Lang: lang})
		sameCheck(t, s, Source{Text: text + " " + kp})
	})
}

// TestPartsMatchOld holds the rewritten helpers behind Check to their old selves, where a
// difference could hide behind a flag that looks the same or one too rare in the corpora:
// the numbers and what qualifies them, the hedging phrases found, invisible characters,
// the language, word counts, sentences, section names and the injection prefilter.
func TestPartsMatchOld(t *testing.T) {
	sources, drafts := sameTexts(t)
	var texts []string
	for _, src := range sources {
		texts = append(texts, src.Title, src.Text)
	}
	for _, d := range drafts {
		texts = append(texts, d.KeyPoints...)
		texts = append(texts, d.WhyItMatters, d.WhatItMeansForYou)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 3000 {
		texts = append(texts, mix(rng, texts, 1+rng.IntN(8)))
	}
	// Short texts of the runes invisible, scriptLanguage and foldForNeeds look at.
	runes := []string{"  ", "\n\n", ". ", "A", "\x7f", "~", "\x00", "\u200b", "\u200d", "\u2060", "\u2064", "\u202a", "\u2066", "\U000E0041", "\u00ad", "\ufeff",
		"\u200e", "\u0600", "\u061c", "a", "1", " ", "\t", "\xff", "é", "日", "カ", "한", "я", "ї", "λ", "ش", "ש", "क",
		"system", "ignore", ":", "<", "\u212a", "\u017f"}
	for range 5000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(runes[rng.IntN(len(runes))])
		}
		texts = append(texts, b.String())
	}
	for i := -3; i < 30; i++ {
		if got, want := KeyPointSection(i), oldKeyPointSection(i); got != want {
			t.Fatalf("KeyPointSection(%d) = %q, was %q", i, got, want)
		}
	}
	for _, s := range texts {
		for _, lang := range []string{"", "en", "de"} {
			got, want := numbers(s, lang), oldnumbers(s, lang)
			if len(got) != len(want) {
				t.Fatalf("numbers(%q, %q) found %d, was %d", s, lang, len(got), len(want))
			}
			for i, g := range got {
				w := want[i]
				same := g.start == w.start && g.end == w.end && g.approx == w.approx && g.currency == w.currency &&
					g.pct == w.pct && g.year == w.year && g.spelled == w.spelled && g.n == len(w.values) && g.n == len(w.units)
				for k := 0; same && k < g.n; k++ {
					same = sameFloat(g.values[k], w.values[k]) && sameFloat(g.units[k], w.units[k])
				}
				if !same {
					t.Fatalf("numbers(%q, %q)[%d] = %+v, was %+v", s, lang, i, g, w)
				}
			}
		}
		if got, want := findPhrases(s, speculationByLength), oldfindPhrases(s, oldspeculationByLength); !reflect.DeepEqual(got, want) {
			t.Fatalf("findPhrases(%q) = %v, was %v", s, got, want)
		}
		if got, want := invisible(s), oldinvisible(s); got != want {
			t.Fatalf("invisible(%q) = %d, was %d", s, got, want)
		}
		if got, want := DetectLanguage(s), oldDetectLanguage(s); got != want {
			t.Fatalf("DetectLanguage(%q) = %q, was %q", s, got, want)
		}
		if got, want := WordCount(s), oldWordCount(s); got != want {
			t.Fatalf("WordCount(%q) = %d, was %d", s, got, want)
		}
		if got, want := Sentences(s), oldSentences(s); !reflect.DeepEqual(got, want) || sentenceCount(s) != len(want) {
			t.Fatalf("Sentences(%q) = %q (%d), was %q", s, got, sentenceCount(s), want)
		}
		if got, want := collapse(s), oldcollapse(s); got != want {
			t.Fatalf("collapse(%q) = %q, was %q", s, got, want)
		}
		if folded, ok := foldForNeeds(s); ok {
			found := needs.find(folded)
			for i, p := range oldinjectionPatterns {
				if got, want := needs.has(i, found), oldhasNeeds(folded, oldnewWordStarts(folded), p.need); got != want {
					t.Fatalf("the needs of injection pattern %d in %q: found %v, was %v", i, folded, got, want)
				}
			}
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestIndexMatchesOld holds what the lazily built index answers to the index as it was
// built whole, on every source and on mixed ones, for words of the sources and drafts.
func TestIndexMatchesOld(t *testing.T) {
	sources, drafts := sameTexts(t)
	var texts []string
	for _, src := range sources {
		texts = append(texts, src.Title, src.Text)
	}
	var probes []string
	for _, d := range drafts {
		for _, s := range append(d.KeyPoints, d.WhyItMatters, d.WhatItMeansForYou) {
			texts = append(texts, s)
			probes = append(probes, words(s)...)
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for range 300 {
		sources = append(sources, Source{Title: mix(rng, texts, 1), Text: mix(rng, texts, 3+rng.IntN(20)), Lang: []string{"", "en", "de"}[rng.IntN(3)]})
	}
	probes = append(probes, "british", "uk", "us", "ai", "imf", "eu", "britain's", "co-op", "o'brien", "londoners", "germany")
	for _, src := range sources {
		all := sourceText(src)
		idx := newIndex(src, all, injectionFlags(all, true))
		old := oldnewIndex(src)
		old.markInjected(oldInjectionFlags(src))
		if idx.lang != old.lang || idx.norm != old.norm || idx.lowered() != old.lower {
			t.Fatalf("index of %q: lang %q, text differs: %v", src.Text, idx.lang, idx.norm != old.norm)
		}
		for mo := 1; mo <= 12; mo++ {
			if got, want := idx.hasMonth(mo), old.months[mo]; got != want {
				t.Fatalf("index of %q: hasMonth(%d) = %v, was %v", src.Text, mo, got, want)
			}
		}
		for d := 1; d <= 7; d++ {
			if got, want := idx.hasWeekday(d), old.weekdays[d]; got != want {
				t.Fatalf("index of %q: hasWeekday(%d) = %v, was %v", src.Text, d, got, want)
			}
		}
		idx.linkIndex()
		if !reflect.DeepEqual(idx.links, old.links) || !reflect.DeepEqual(idx.injected, old.injected) {
			t.Fatalf("index of %q: links %v and injected %v, were %v and %v", src.Text, idx.links, idx.injected, old.links, old.injected)
		}
		var ws []string
		for srcWords, i := words(src.Text), 0; i < 20 && len(srcWords) > 0; i++ {
			w := srcWords[rng.IntN(len(srcWords))]
			ws = append(ws, w, w+"s", strings.TrimSuffix(w, "s"), prefix(w, max(1, len(w)-3))+"ish")
		}
		for i := 0; i < 30; i++ {
			ws = append(ws, probes[rng.IntN(len(probes))])
		}
		for _, w := range ws {
			if got, want := idx.hasWord(w), old.hasWord(w); got != want {
				t.Fatalf("index of %q: hasWord(%q) = %v, was %v", src.Text, w, got, want)
			}
			if got, want := idx.isCommon(w), old.common[w]; got != want {
				t.Fatalf("index of %q: isCommon(%q) = %v, was %v", src.Text, w, got, want)
			}
			if got, want := idx.hasDemonym(w), old.hasDemonym(w); got != want {
				t.Fatalf("index of %q: hasDemonym(%q) = %v, was %v", src.Text, w, got, want)
			}
			if len(w) > 4 {
				continue // acronyms are short, and expands walks the whole source
			}
			if got, want := idx.expands(w), old.expands(w); got != want {
				t.Fatalf("index of %q: expands(%q) = %v, was %v", src.Text, w, got, want)
			}
		}
		for _, p := range speculation {
			if got, want := idx.hedges(p), old.hedges(p); got != want {
				t.Fatalf("index of %q: hedges(%q) = %v, was %v", src.Text, p, got, want)
			}
			if got, want := idx.hasPhrase(p), old.hasPhrase(p); got != want {
				t.Fatalf("index of %q: hasPhrase(%q) = %v, was %v", src.Text, p, got, want)
			}
		}
	}
}

// BenchmarkOldCheckNews and BenchmarkOldCheck are BenchmarkCheckNews and BenchmarkCheck
// on the old code, to compare the two in one run on a busy machine.
func BenchmarkOldCheckNews(b *testing.B) {
	s, src := newsDraft()
	b.ReportAllocs()
	for b.Loop() {
		oldCheck(s, src)
	}
}

func BenchmarkOldCheck(b *testing.B) {
	cases, err := Corpus()
	if err != nil {
		b.Fatal(err)
	}
	c := cases[0]
	b.ReportAllocs()
	for b.Loop() {
		oldCheck(c.Drafts[0].Summary, c.Source())
	}
}
