package summary

import (
	"regexp"
	"strings"
)

// The checks' regexps are the costly part of checking a draft, and most of an article's
// sentences cannot match most of them: a number needs a digit. findBySentence searches
// only the sentences that could hold a match.

// findBySentence returns re's submatch indexes in s, as re.FindAllStringSubmatchIndex(s,
// -1) would, searching only the sentences of s for which may reports true. A sentence
// ends after '.', '!' or '?' when regexp white space follows. It is exact for a re whose
// matches never hold such a pair (no white space after a dot, no white space at all, or
// no '.', '!' or '?' at all) and never start with white space: no match then crosses a
// cut, and on both sides of a cut the text is no ASCII word character, which is what \b
// sees at the start and end of a search. may must report true for every sentence that
// holds a match. TestFindBySentence holds each use to the whole-text search.
func findBySentence(re *regexp.Regexp, s string, may func(string) bool) [][]int {
	var out [][]int
	for start := 0; start < len(s); {
		end := start
		for end < len(s) {
			c := s[end]
			end++
			if (c == '.' || c == '!' || c == '?') && end < len(s) && isRESpace(s[end]) {
				break
			}
		}
		if sentence := s[start:end]; may(sentence) {
			for _, m := range re.FindAllStringSubmatchIndex(sentence, -1) {
				for i := range m {
					if m[i] >= 0 {
						m[i] += start
					}
				}
				out = append(out, m)
			}
		}
		start = end
	}
	return out
}

// isRESpace reports whether c is white space to the regexp package's \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// mayHoldPhone: phoneRe's matches hold two digits with one white space, '.' or '-'
// between them.
func mayHoldPhone(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if c := s[i+1]; (c == '.' || c == '-' || isRESpace(c)) && isDigit(s[i]) && isDigit(s[i+2]) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hasAt: an e-mail address needs an @.
func hasAt(s string) bool { return strings.IndexByte(s, '@') >= 0 }

// mayHoldURL: a link matched by urlRe holds "://" or a dot followed by more of the link,
// which a dot that ends a sentence is not.
func mayHoldURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	i := strings.IndexByte(s, '.')
	return i >= 0 && i < len(s)-1
}

// findAllIndex is findBySentence without the submatches.
func findAllIndex(re *regexp.Regexp, s string, may func(string) bool) [][]int {
	out := findBySentence(re, s, may)
	for i, m := range out {
		out[i] = m[:2]
	}
	return out
}

// findAllString is findBySentence returning the matched text.
func findAllString(re *regexp.Regexp, s string, may func(string) bool) []string {
	var out []string
	for _, m := range findBySentence(re, s, may) {
		out = append(out, s[m[0]:m[1]])
	}
	return out
}
