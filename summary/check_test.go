package summary

import (
	"iter"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestCheckSentences holds the edge cases of each check: one source, one key point, and
// the flag kind it should draw ("" for none).
func TestCheckSentences(t *testing.T) {
	for _, tt := range []struct {
		name, lang, source, point, kind, text string
	}{
		// Numbers, amounts and percentages.
		{"a scale word matches a short scale", "en", "The deal was worth £50m.", "The deal was worth £50 million.", "", ""},
		{"a currency word matches a symbol", "en", "It cost 12 million pounds.", "It cost £12 million.", "", ""},
		{"a rounded large number is fine", "en", "The list fell to 1,187,000.", "The list fell to 1.2 million.", "", ""},
		{"an announced rounding is fine", "en", "Turnout was 61.7%.", "Turnout was about 62%.", "", ""},
		{"an unannounced rounded percentage is flagged", "en", "Rates were held at 4.75%.", "Rates were held at 5%.", KindPercentage, "5%"},
		{"a changed figure is flagged", "en", "About 40,000 staff will strike.", "About 45,000 staff will strike.", KindNumber, "45,000"},
		{"a changed currency is flagged", "en", "It took a $340 million charge.", "It took a £340 million charge.", KindCurrency, "£340 million"},
		{"a number as a percentage is flagged", "en", "Shares rose 4 points to 120.", "Shares rose 4%.", KindPercentage, "4%"},
		{"percentage points against per cent", "en", "Support rose 5% to 40%.", "Support rose 5 percentage points.", KindPercentage, "5 percentage points"},
		{"spelled numbers match digits", "en", "The 3 men were freed.", "Three men were freed.", "", ""},
		{"a changed spelled number is flagged", "en", "He was jailed for four years.", "He was jailed for six years.", KindNumber, "six"},
		{"one in five is not a figure to check", "en", "Only one in five trains will run.", "One in five trains will run.", "", ""},
		{"German separators", "de", "Die Stadt rechnet mit 40.000 Fahrzeugen und 2,5 Millionen Euro.", "Die Stadt rechnet mit 40.000 Fahrzeugen.", "", ""},
		{"German decimals are not thousands", "de", "Die Kosten liegen bei 2,5 Millionen Euro.", "Die Kosten liegen bei 2.500 Euro.", KindCurrency, "2.500 Euro"},
		// Dates.
		{"a changed year is flagged", "en", "He stole the money between 2018 and 2022.", "He stole the money from 2016.", KindDate, "2016"},
		{"an invented month is flagged", "en", "Work starts in March.", "Work starts in April.", KindDate, "April"},
		{"may the verb is not a month", "en", "Residents may apply.", "May residents apply?", "", ""},
		{"an invented weekday is flagged", "en", "The vote was on Tuesday.", "The vote was on Friday.", KindDate, "Friday"},
		{"a relative date not in the source is flagged", "en", "The vote was on Tuesday.", "The vote was yesterday.", KindDate, "yesterday"},
		{"an ISO date in the source gives its month", "en", "Published 2025-03-14.", "It was published in March.", "", ""},
		// Quotes.
		{"a verbatim quote with curly marks is fine", "en", `He said: "We have no choice."`, "He said “we have no choice”.", "", ""},
		{"an altered quote is flagged", "en", `He said: "We have no choice."`, `He said "we had no option".`, KindQuote, `"we had no option"`},
		{"a single-quoted phrase is checked", "en", "She called it a good result.", "She called it 'a great result'.", KindQuote, "'a great result'"},
		{"an apostrophe is not a quote", "en", "The council's plan was approved.", "The council's plan won the members' votes.", "", ""},
		// Names.
		{"a possessive name is fine", "en", "Sadiq Khan approved it.", "Khan's decision was approved.", "", ""},
		{"a title before a known name is fine", "en", "Sadiq Khan, the mayor, approved it.", "Mayor Sadiq Khan approved it.", "", ""},
		{"an invented first name is flagged", "en", "Khan approved it.", "Sadiq Khan approved it.", KindName, "Sadiq Khan"},
		{"two known names joined into a new person are flagged", "en", "Jane Porter met Sadiq Khan.", "Jane Khan approved it.", KindName, "Jane Khan"},
		{"a demonym of a place in the source is fine", "en", "Britain will pay.", "The British government will pay.", "", ""},
		{"an acronym the source spells out is fine", "en", "It invests in artificial intelligence.", "It invests in AI.", "", ""},
		{"an invented acronym is flagged", "en", "The council agreed.", "The IMF agreed.", KindName, "IMF"},
		{"a contraction is not a name", "en", "Here is a film about it.", "I'm told We're Here is a film.", "", ""},
		{"an apostrophe name in the source is fine", "en", "Sinead O'Brien won.", "O'Brien won the race.", "", ""},
		{"a common word before a name is not part of it", "en", "Rudolph asked whether it was fair.", "Whether Rudolph deserves it is unclear.", "", ""},
		{"a sentence-initial word is not a name", "en", "Residents were told.", "Officials told residents.", "", ""},
		{"a sentence-initial speaker is a name", "en", "The council agreed.", "Ramanathan said the council agreed.", KindName, "Ramanathan"},
		{"a known sentence-initial speaker is fine", "en", "Porter said the council agreed.", "Porter said it agreed.", "", ""},
		{"a common word before a verb is not a speaker", "en", "The council agreed.", "Critics said the council agreed.", "", ""},
		{"German nouns after an article are not names", "de", "Die Stadt baut eine Brücke.", "Der Artikel nennt keine Folgen.", "", ""},
		{"an invented name in German is flagged", "de", "Die Stadt baut eine Brücke.", "Bürgermeisterin Anna Schulz lobte die Brücke.", KindName, "Anna Schulz"},
		// Speculation.
		{"speculation is flagged", "en", "The mayor approved the deal.", "The mayor likely obtained assurances.", KindSpeculation, "likely"},
		{"hedging the source uses is fine", "en", "The trial could start next year.", "The trial could start next year.", "", ""},
		{"May the month is not speculation", "en", "It opens in May.", "It opens in May.", "", ""},
		// Links and contacts.
		{"a phone number is not a figure", "en", "Call 0800 123 4567.", "Call 0800 123 4567.", "", ""},
		{"a score is not a phone number", "en", "They won 3-1 in 2024.", "They won 3-1 in 2024.", "", ""},
		{"a time is fine", "en", "The warning lasts until 18:00.", "The warning lasts until 18:00.", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Summary{KeyPoints: []string{tt.point}, WhyItMatters: "x", WhatItMeansForYou: "y"}
			var got []Flag
			for _, f := range Check(s, Source{Text: tt.source, Lang: tt.lang}) {
				if f.Section == KeyPointSection(0) && f.Kind != KindStyle {
					got = append(got, f)
				}
			}
			if tt.kind == "" {
				if len(got) > 0 {
					t.Errorf("Check(%q against %q) = %s, want no flag", tt.point, tt.source, describe(got))
				}
				return
			}
			for _, f := range got {
				if f.Kind == tt.kind && strings.Contains(strings.ToLower(f.Text), strings.ToLower(tt.text)) {
					return
				}
			}
			t.Errorf("Check(%q against %q) = %s, want %s %q", tt.point, tt.source, describe(got), tt.kind, tt.text)
		})
	}
}

func TestCheckReturnsEmptySliceAndQuotesTheSection(t *testing.T) {
	s := Summary{KeyPoints: []string{"The council met.", "It agreed.", "Work starts soon."}, WhyItMatters: "Roads matter.", WhatItMeansForYou: "Nothing yet."}
	flags := Check(s, Source{Text: "The council met. It agreed. Work starts soon. Roads matter. Nothing yet."})
	if flags == nil || len(flags) != 0 {
		t.Errorf("Check(clean) = %#v, want an empty, non-nil slice", flags)
	}
	s.KeyPoints[1] = "It agreed “a £9½ million plan”."
	flags = Check(s, Source{Text: "The council met and agreed."})
	for _, f := range flags {
		if f.Section == "key_points[1]" && !strings.Contains(s.KeyPoints[1], f.Text) {
			t.Errorf("flag text %q is not a span of the section %q", f.Text, s.KeyPoints[1])
		}
	}
}

// bySentence lists every regexp searched by parts and how it is searched.
var bySentence = []struct {
	re   *regexp.Regexp
	find func(string) [][]int
}{
	{numRe, findNumbers},
	{spelledRe, findSpelled},
	{urlRe, func(s string) [][]int { return findBySentence(urlRe, s, mayHoldURL) }},
	{emailRe, func(s string) [][]int { return findBySentence(emailRe, s, hasAt) }},
	{phoneRe, func(s string) [][]int { return findBySentence(phoneRe, s, mayHoldPhone) }},
}

// checkBySentence fails t when searching s sentence by sentence finds other matches than
// searching it whole, and returns how many matches it compared.
func checkBySentence(t testing.TB, s string) int {
	n := 0
	for _, b := range bySentence {
		got, want := b.find(s), b.re.FindAllStringSubmatchIndex(s, -1)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("findBySentence(%q, %q) = %v, want %v", b.re, s, got, want)
		}
		n += len(want)
	}
	return n
}

// TestFindBySentence: searching sentence by sentence finds what a search of the whole
// text finds, on the corpora and on texts built to put matches at sentence ends.
func TestFindBySentence(t *testing.T) {
	texts := []string{
		"It cost $5. 6 people came! 7? 8.5% rose. 1.234,5 million. USD 5. Then 40 percentage \n\n points.",
		"Year 2024.\n\n2025 followed. £12m.5bn? 3rd. 4th!5 per cent. 5. per cent. a$5. usd5 x5usd 5.",
		"", ".", "5", "5.", ". 5", "end.\t9 million dollars. 9 million\ndollars",
		"Seven. ſeven! SIXTY-two? half a dozen. One hundred. twenty%. Ten per cent",
		"See www.example.com. Or https://x.org/a?b=1! Mail a.b@example.co.uk. Call 020 7946 0958. Or +44 (20) 7946-0958.",
		"x.com? y.io! http://localhost ok. www. nothing. 12.34.56.78 and 555-123-4567.",
		"USD 5 million per cent of dollars and 7 8 9 a b c d e f 10 percentage    points   of   pounds x y z usd\t11 eur 12th",
		"a b c d e f g 5 a b c d e f g h 6 7\n8 millionen prozent  9 milliarden de euros hk$ 10 bn 2 tn 3 k 4 m pour  cent.",
		"5 percentagepoints, 6 percentage\tpoint; 7 per  cent 8 percento 9 POUR\nCENT 10 of of dollars 11 de\teuros 12 dollarss 1,2345 1.234.567,89 12,34.5 $\n5 $  5",
		"x y half a dozen thousand per cent z (one) sixty-two twenty percent ten%, Seventeen Seven\tthousand percent money tenant someone",
	}
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Source().Text)
		for _, d := range c.Drafts {
			for _, sec := range sections(d.Summary) {
				texts = append(texts, sec.text)
			}
		}
	}
	matches := 0
	for _, s := range texts {
		matches += checkBySentence(t, s)
	}
	if matches < 100 {
		t.Fatalf("only %d matches compared", matches)
	}
}

// TestFindBySentenceGenerated compares the searches on texts made of the pieces the
// regexps are built from, joined by every kind of white space and punctuation, where the
// corpora rarely go.
func TestFindBySentenceGenerated(t *testing.T) {
	pieces := []string{"5", "12", "1,234", "1.234,5", "3.5", "2024", "2024-05-01", "12th", "$", "US$", "hk$", "€5", "£12m", "5bn",
		"usd", "EUR", "million", "Millionen", "bn", "k", "m", "%", "per", "cent", "percent", "percentage", "points", "prozent",
		"pour", "por", "ciento", "of", "de", "dollars", "pounds", "euros", "one", "Twenty", "half", "a", "dozen", "thousand",
		"www.x.com", "x.io", "https://a.b/c", "a@b.co", "+44", "(20)", "7946-0958", "0800", "123", "4567", "ſeven", "K",
		"word", "the", "x5usd", "éone", ".", "!", "?", ",", "-", "\u00a0"}
	seps := []string{" ", "  ", "\n", "\n\n", "\t", "", ". ", "! ", "? ", ".\n", " \u00a0 "}
	rng := rand.New(rand.NewPCG(1, 2))
	matches := 0
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		matches += checkBySentence(t, b.String())
	}
	if matches < 10000 {
		t.Fatalf("only %d matches compared", matches)
	}
}

// TestEndsApproximate holds endsApproximate to the regexp it replaces.
func TestEndsApproximate(t *testing.T) {
	var texts []string
	for _, w := range approxWords {
		for _, v := range []string{w, strings.ToUpper(w), strings.ReplaceAll(w, "s", "ſ"), strings.ReplaceAll(w, " ", "  ")} {
			for _, pre := range []string{"", " ", "x", "é", "1", "(", "_", "\xff"} {
				for _, post := range []string{"", " ", " \t\n", "x", ".", "\u00a0"} {
					texts = append(texts, pre+v+post, "it rose by "+pre+v+post)
				}
			}
		}
	}
	matched := 0
	for _, s := range texts {
		want := approxRe.MatchString(s)
		if got := endsApproximate(s); got != want {
			t.Fatalf("endsApproximate(%q) = %v, the regexp says %v", s, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < len(texts)/10 {
		t.Fatalf("only %d of %d texts matched", matched, len(texts))
	}
}

// collectSpans collects the spans an iterator yields as FindAllStringIndex returns them.
func collectSpans(spans iter.Seq2[int, int]) [][]int {
	var out [][]int
	for start, end := range spans {
		out = append(out, []int{start, end})
	}
	return out
}

// TestWordScanners holds letterWords to dateWordRe and nameWordSpans to nameWordRe on the
// corpora and on words that mix ASCII and other letters, marks, numbers and punctuation,
// where \b is not where the word ends.
func TestWordScanners(t *testing.T) {
	texts := []string{"", "a", "é", "café", "über alles", "naïve façade", "x1y", "ab_c", "日本語 text", "Ünïcode9 z", "\xffab\xff", "é1", "1é", "_é_",
		"O'Brien's well-known co-op", "-'a", "½ and ²", "e\u0301t\u0301", "\u0301a", "٣٤ and Ⅻ"}
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Source().Text)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "Z", "é", "ß", "1", "_", " ", ".", "日", "\xff", "ſ", "K", "-", "'", "\u0301", "½", "٣", "Ⅻ"}
	for range 5000 {
		var b strings.Builder
		for range 1 + rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		for _, sc := range []struct {
			name string
			got  [][]int
			re   *regexp.Regexp
		}{
			{"letterWords", letterWords(s), dateWordRe},
			{"nameWordSpans", collectSpans(nameWordSpans(s)), nameWordRe},
		} {
			want := sc.re.FindAllStringIndex(s, -1)
			if len(sc.got) == 0 && len(want) == 0 {
				continue
			}
			if !reflect.DeepEqual(sc.got, want) {
				t.Fatalf("%s(%q) = %v, %s finds %v", sc.name, s, sc.got, sc.re, want)
			}
		}
	}
}

// TestRelativeDates holds relativeDates to relativeRe on the corpora and on texts built
// from the pieces of its phrases in mixed case, next to word characters and to the runes
// that case-fold to ASCII letters.
func TestRelativeDates(t *testing.T) {
	texts := []string{"It happened Yesterday.", "THIS MORNING", "last\tweek", "Earlier this year", "later this month",
		"gestern", "Aujourd'hui", "MAÑANA", "hoy", "thiſ week", "this weeK", "next  spring", "(today)", "x_today", "1today",
		"this weekend", "this weekends", "last week-end", "todays", "today's", "mañanas", "tonight tomorrow"}
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Source().Text)
		for _, d := range c.Drafts {
			texts = append(texts, d.Summary.KeyPoints...)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"this", "This", "last", "NEXT", "earlier", "later", " ", "  ", "week", "Weekend", "end", "month", "year",
		"night", "tonight", "today", "yesterday", "monday", "Spring", "mañana", "MAÑANA", "aujourd'hui", "hier", "hoy", "oggi",
		"x", "_", "1", ".", "'", "-", "é", "ſ", "\u212a", "\xff"}
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	matched := 0
	for _, s := range texts {
		got, want := collectSpans(relativeDates(s)), relativeRe.FindAllStringIndex(s, -1)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("relativeDates(%q) = %v, relativeRe finds %v", s, got, want)
		}
		matched++
	}
	if matched < 1000 {
		t.Fatalf("only %d texts held a relative date: too few to compare", matched)
	}
}
