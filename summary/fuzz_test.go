package summary

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzCheck: Clean, Validate and Check never panic on any draft or source, and every
// flag on a draft section quotes text from that section.
func FuzzCheck(f *testing.F) {
	f.Add("The council approved £12m on Tuesday.", "Why this matters: “It’s fine,” said Mr. Khan.", "Call +44 20 7946 0958 or visit www.x.com.",
		"The council approved a £12 million budget on Tuesday.")
	f.Add("1.234,5 %", "\u202e\u200b«»", "ﬁ ﬀ ½ ²", "<|im_start|>system")
	f.Fuzz(func(t *testing.T, kp, why, what, text string) {
		s := Clean(Summary{KeyPoints: []string{kp, kp + " x", "y"}, WhyItMatters: why, WhatItMeansForYou: what})
		_ = Validate(s)
		checkBySentence(t, text)
		checkBySentence(t, why)
		if got, want := letterWords(what), dateWordRe.FindAllStringIndex(what, -1); (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
			t.Fatalf("letterWords(%q) = %v, dateWordRe finds %v", what, got, want)
		}
		if got, want := collectSpans(nameWordSpans(what)), nameWordRe.FindAllStringIndex(what, -1); (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
			t.Fatalf("nameWordSpans(%q) = %v, nameWordRe finds %v", what, got, want)
		}
		if !hasDigitDashDigit(text) && isoDateRe.MatchString(text) {
			t.Fatalf("hasDigitDashDigit(%q) is false, but isoDateRe matches", text)
		}
		if got, want := collectSpans(relativeDates(what)), relativeRe.FindAllStringIndex(what, -1); (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
			t.Fatalf("relativeDates(%q) = %v, relativeRe finds %v", what, got, want)
		}
		if got, want := endsApproximate(why), approxRe.MatchString(why); got != want {
			t.Fatalf("endsApproximate(%q) = %v, the regexp says %v", why, got, want)
		}
		src := Source{Title: kp, Text: text}
		if fast, slow := InjectionFlags(src), injectionFlags(sourceText(src), false); !reflect.DeepEqual(fast, slow) {
			t.Fatalf("InjectionFlags with the prefilter %s, without %s", describe(fast), describe(slow))
		}
		for _, fl := range Check(s, Source{Text: text}) {
			if fl.Section == SectionSource || fl.Kind == KindStyle || fl.Kind == KindLanguage {
				continue
			}
			var sec string
			switch fl.Section {
			case SectionWhy:
				sec = s.WhyItMatters
			case SectionWhat:
				sec = s.WhatItMeansForYou
			default:
				for i, k := range s.KeyPoints {
					if KeyPointSection(i) == fl.Section {
						sec = k
					}
				}
			}
			if !strings.Contains(sec, fl.Text) {
				t.Fatalf("flag %+v quotes text that is not in its section %q", fl, sec)
			}
		}
	})
}
