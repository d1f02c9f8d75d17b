package summary

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a full stop without ending a sentence. Lower-case keys, no dot.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "sr": true,
	"jr": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "u.s": true, "u.k": true,
	"u.n": true, "no": true, "inc": true, "ltd": true, "co": true, "corp": true, "gen": true,
	"gov": true, "sen": true, "rep": true, "rev": true, "hon": true, "lt": true, "col": true,
	"capt": true, "sgt": true, "fig": true, "approx": true, "est": true, "dept": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "mt": true, "ft": true,
	"a.m": true, "p.m": true, "ph.d": true, "cf": true, "al": true, "op": true, "vol": true,
	"nr": true, "bzw": true, "z.b": true, "usw": true, "sra": true, "sr.": true, "mme": true,
}

// Sentences splits text into sentences. It breaks after ".", "!", "?" or "…" (and any
// closing quotes or brackets) when white space and an upper-case letter, digit or opening
// quote follow, except after common abbreviations and single initials ("J. K. Rowling").
// Line breaks that separate paragraphs also end a sentence.
func Sentences(text string) []string {
	var out []string
	eachSentence(text, func(s string) { out = append(out, s) })
	return out
}

// sentenceCount is len(Sentences(text)), without the list.
func sentenceCount(text string) int {
	n := 0
	eachSentence(text, func(string) { n++ })
	return n
}

// eachSentence calls f with each sentence Sentences returns.
func eachSentence(text string, f func(string)) {
	for para := range strings.SplitSeq(text, "\n\n") {
		splitParagraph(collapse(para), f)
	}
}

func splitParagraph(p string, f func(string)) {
	start := 0
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		if r == '。' || r == '！' || r == '？' {
			// Chinese and Japanese full stops end a sentence with no space after them.
			if s := strings.TrimSpace(p[start:i]); s != "" {
				f(s)
			}
			start = i
			continue
		}
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		end := i
		// Take the rest of a run of terminators and closing quotes or brackets.
		for end < len(p) {
			r2, s2 := utf8.DecodeRuneInString(p[end:])
			if !strings.ContainsRune(".!?…\"'”’»)]", r2) {
				break
			}
			end += s2
		}
		if end >= len(p) || p[end] != ' ' {
			i = end
			continue
		}
		next, _ := utf8.DecodeRuneInString(p[end+1:])
		// Scripts without case (Hangul, Arabic, Hebrew, Devanagari …) start a sentence with
		// any letter; cased ones with a capital.
		caseless := unicode.IsLetter(next) && !unicode.IsUpper(next) && !unicode.IsLower(next)
		if !(unicode.IsUpper(next) || caseless || unicode.IsDigit(next) || strings.ContainsRune("\"“‘«'(", next)) {
			i = end
			continue
		}
		if r == '.' && isAbbreviation(p[start:i-1]) {
			i = end
			continue
		}
		if s := strings.TrimSpace(p[start:end]); s != "" {
			f(s)
		}
		start = end + 1
		i = end + 1
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		f(s)
	}
}

// isAbbreviation reports whether the word just before a full stop at the end of s is an
// abbreviation or an initial.
func isAbbreviation(s string) bool {
	w := s[strings.LastIndexAny(s, " (\"“")+1:]
	if w == "" {
		return false
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsUpper(r)
	}
	return abbreviations[strings.ToLower(w)]
}
