package summary

import (
	"fmt"
)

// Flag is one grounding or style remark about a draft, shown to the reviewer beside the
// section it concerns.
type Flag struct {
	// Section is "key_points[2]", "why_it_matters", "what_it_means_for_you", or "source"
	// for remarks about the article itself (such as injected instructions).
	Section string `json:"section"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Text is the span concerned, as it appears in the section.
	Text string `json:"text"`
	// Reason says in a sentence why the span was flagged.
	Reason string `json:"reason"`
}

// Flag kinds.
const (
	KindNumber      = "number"
	KindCurrency    = "currency"
	KindPercentage  = "percentage"
	KindDate        = "date"
	KindQuote       = "quote"
	KindName        = "name"
	KindSpeculation = "speculation"
	KindURL         = "url"
	KindEmail       = "email"
	KindPhone       = "phone"
	KindLanguage    = "language"
	KindStyle       = "style"
	KindInjection   = "injection"
)

// Source is the article a draft is checked against. Title and byline count as source
// text: a name from the byline is not invented.
type Source struct {
	Title  string
	Byline string
	Text   string
	// Lang is the language the draft should be written in (ISO 639-1, such as "en"); empty
	// means the language detected from Text.
	Lang string
}

type section struct{ name, text string }

func sections(s Summary) []section {
	var out []section
	for i, kp := range s.KeyPoints {
		out = append(out, section{KeyPointSection(i), kp})
	}
	return append(out, section{SectionWhy, s.WhyItMatters}, section{SectionWhat, s.WhatItMeansForYou})
}

// Check runs the model-free grounding checks of a draft against its source and returns
// the flags, in section order; an empty, non-nil slice when there is nothing to flag.
func Check(s Summary, src Source) []Flag {
	flags := []Flag{}
	flags = append(flags, styleFlags(s)...)
	return flags
}

func styleFlags(s Summary) []Flag {
	var flags []Flag
	for i, kp := range s.KeyPoints {
		if n := WordCount(kp); n > MaxKeyPointWords {
			flags = append(flags, Flag{KeyPointSection(i), KindStyle, kp,
				fmt.Sprintf("Key point has %d words; the house style is at most %d.", n, MaxKeyPointWords)})
		}
	}
	for _, p := range []struct {
		name, text         string
		maxWords, maxSents int
	}{
		{SectionWhy, s.WhyItMatters, MaxWhyWords, MaxWhySentences},
		{SectionWhat, s.WhatItMeansForYou, MaxWhatWords, MaxWhatSentences},
	} {
		if n := WordCount(p.text); n > p.maxWords {
			flags = append(flags, Flag{p.name, KindStyle, p.text,
				fmt.Sprintf("Paragraph has %d words; the house style is at most %d.", n, p.maxWords)})
		}
		if n := len(Sentences(p.text)); n > p.maxSents {
			flags = append(flags, Flag{p.name, KindStyle, p.text,
				fmt.Sprintf("Paragraph has %d sentences; the house style is at most %d.", n, p.maxSents)})
		}
	}
	return flags
}
