package summary

import (
	"slices"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Summary
		want Summary
	}{
		{
			name: "a heading repeated inside its own section is stripped",
			in: Summary{
				KeyPoints:         []string{"A.", "B.", "C."},
				WhyItMatters:      "Why this matters: This decision matters.",
				WhatItMeansForYou: "What this means for you: What this means for you: This impacts how police respond.",
			},
			want: Summary{
				KeyPoints:         []string{"A.", "B.", "C."},
				WhyItMatters:      "This decision matters.",
				WhatItMeansForYou: "This impacts how police respond.",
			},
		},
		{
			name: "markdown headings, bullets and numbering are removed",
			in: Summary{
				KeyPoints:         []string{"- First point.", "• Second point.", "3. Third point.", "**Key points:** 4) Fourth point.", "   "},
				WhyItMatters:      "**Why it matters:** it shows\n\n the trend.",
				WhatItMeansForYou: "## What this means for you —  Nothing yet.",
			},
			want: Summary{
				KeyPoints:         []string{"First point.", "Second point.", "Third point.", "Fourth point."},
				WhyItMatters:      "It shows the trend.",
				WhatItMeansForYou: "Nothing yet.",
			},
		},
		{
			name: "headings in other languages are stripped",
			in: Summary{
				KeyPoints:         []string{"A.", "B.", "C."},
				WhyItMatters:      "Warum das wichtig ist: Die Brücke entlastet den Verkehr.",
				WhatItMeansForYou: "Ce que cela signifie pour vous : rien pour l'instant.",
			},
			want: Summary{
				KeyPoints:         []string{"A.", "B.", "C."},
				WhyItMatters:      "Die Brücke entlastet den Verkehr.",
				WhatItMeansForYou: "Rien pour l'instant.",
			},
		},
		{
			name: "a sentence that only starts like a heading is kept",
			in: Summary{
				KeyPoints:         []string{"Summary judgments rose by 4%.", "B.", "C."},
				WhyItMatters:      "Why this matters to voters is unclear.",
				WhatItMeansForYou: "What it means for you depends on where you live.",
			},
			want: Summary{
				KeyPoints:         []string{"Summary judgments rose by 4%.", "B.", "C."},
				WhyItMatters:      "Why this matters to voters is unclear.",
				WhatItMeansForYou: "What it means for you depends on where you live.",
			},
		},
		{
			name: "zero-width characters and odd spaces are collapsed",
			in: Summary{
				KeyPoints:         []string{"Prices\u00a0rose\u200b by 4%.", "B.", "C."},
				WhyItMatters:      "  W.  ",
				WhatItMeansForYou: "M.\t",
			},
			want: Summary{KeyPoints: []string{"Prices rose by 4%.", "B.", "C."}, WhyItMatters: "W.", WhatItMeansForYou: "M."},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Clean(tt.in)
			if !slices.Equal(got.KeyPoints, tt.want.KeyPoints) || got.WhyItMatters != tt.want.WhyItMatters || got.WhatItMeansForYou != tt.want.WhatItMeansForYou {
				t.Errorf("Clean() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := Summary{
		KeyPoints:         []string{"Mr. Smith of the U.S. Senate resigned on Friday.", "He served 12 years.", "J. K. Rowling was not involved."},
		WhyItMatters:      "It changes the majority. Votes are close.",
		WhatItMeansForYou: "Nothing changes yet.",
	}
	if err := Validate(good); err != nil {
		t.Fatalf("Validate(good) = %v, want nil", err)
	}
	for _, tt := range []struct {
		name string
		edit func(*Summary)
		want string
	}{
		{"two key points are too few", func(s *Summary) { s.KeyPoints = s.KeyPoints[:2] }, "2 key points, want 3 to 5"},
		{"six key points are too many", func(s *Summary) { s.KeyPoints = append(s.KeyPoints, "D.", "E.", "F.") }, "6 key points"},
		{"a key point of two sentences", func(s *Summary) { s.KeyPoints[1] = "He served 12 years. He left in May." }, "key point 2 has 2 sentences"},
		{"an empty key point", func(s *Summary) { s.KeyPoints[0] = " " }, "key point 1 is empty"},
		{"a duplicated key point", func(s *Summary) { s.KeyPoints[2] = s.KeyPoints[0] }, "key point 3 repeats key point 1"},
		{"an empty paragraph", func(s *Summary) { s.WhyItMatters = "" }, `"Why this matters" is empty`},
		{"a heading left in a paragraph", func(s *Summary) { s.WhatItMeansForYou = "What this means for you: x." }, "repeats a section heading"},
		{"a key point far too long", func(s *Summary) { s.KeyPoints[0] = strings.Repeat("word ", 40) + "end." }, "has 41 words"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			s.KeyPoints = slices.Clone(good.KeyPoints)
			tt.edit(&s)
			err := Validate(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"One. Two! Three?", 3},
		{"Mr. Smith met Dr. Jones at 3.5 p.m. on Friday.", 1},
		{`He said "we won." Then he left.`, 2},
		{"The U.S. economy grew 2.1% in 2024.", 1},
		{"First paragraph\n\nSecond paragraph", 2},
		{"Prices rose 5%; wages fell.", 1},
	} {
		if got := Sentences(tt.in); len(got) != tt.want {
			t.Errorf("Sentences(%q) = %q, want %d sentences", tt.in, got, tt.want)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"The council said that it would approve the plan for the city after the vote.", "en"},
		{"Der Stadtrat hat am Dienstag die Pläne für die neue Brücke genehmigt, die nach der Wahl gebaut werden soll.", "de"},
		{"Le conseil municipal a approuvé le projet de pont qui sera construit après les élections dans la ville.", "fr"},
		{"El ayuntamiento aprobó el martes los planes para el nuevo puente que se construirá después de las elecciones.", "es"},
		{"Il consiglio comunale ha approvato il progetto del nuovo ponte che sarà costruito dopo le elezioni.", "it"},
		{"Городской совет одобрил план строительства нового моста.", "ru"},
		{"Ok.", ""},
	} {
		if got := DetectLanguage(tt.text); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
