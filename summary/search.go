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
	return findInParts(re, s, func(sentence string) [][2]int {
		if may(sentence) {
			return [][2]int{{0, len(sentence)}}
		}
		return nil
	})
}

// findInParts is findBySentence searching only the parts of each sentence that parts
// returns (in order, not overlapping, each starting and ending at the sentence's ends or
// next to white space), which must hold every match.
func findInParts(re *regexp.Regexp, s string, parts func(sentence string) [][2]int) [][]int {
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
		for _, p := range parts(s[start:end]) {
			from := start + p[0]
			for _, m := range re.FindAllStringSubmatchIndex(s[from:start+p[1]], -1) {
				for i := range m {
					if m[i] >= 0 {
						m[i] += from
					}
				}
				out = append(out, m)
			}
		}
		start = end
	}
	return out
}

// numberParts returns the parts of a sentence where numRe can match: from the word before
// each word holding a digit to the fifth word after it. A match of numRe holds one
// number, which starts a word or follows a currency word and one white space; after it
// come at most five words (scale, "percentage points", "of", currency). Words here are
// runs of anything but white space.
func numberParts(sentence string) [][2]int {
	var at []int
	for i := 0; i < len(sentence); i++ {
		if c := sentence[i]; '0' <= c && c <= '9' {
			at = append(at, i)
		}
	}
	return wordParts(sentence, at, 1, 5)
}

// spelledParts returns the parts of a sentence where spelledRe can match: from two words
// before a word holding one of spelledWords between ASCII word boundaries ("half a
// dozen") to the third word after it (a scale, "per cent"). The long s (U+017F)
// case-folds to s, so a sentence holding it is searched whole.
func spelledParts(sentence string) [][2]int {
	if strings.ContainsRune(sentence, '\u017f') {
		return [][2]int{{0, len(sentence)}}
	}
	return wordParts(sentence, spelledWordsAt(sentence), 2, 3)
}

// wordParts returns the spans of a sentence from before words ahead of each word holding
// an offset of at (in increasing order) to after words behind it, merged where they
// overlap. Words are runs of anything but white space.
func wordParts(sentence string, at []int, before, after int) [][2]int {
	if len(at) == 0 {
		return nil
	}
	type word struct {
		start, end int
		anchor     bool
	}
	var words []word
	for i := 0; i < len(sentence); {
		for i < len(sentence) && isRESpace(sentence[i]) {
			i++
		}
		if i == len(sentence) {
			break
		}
		w := word{start: i}
		for i < len(sentence) && !isRESpace(sentence[i]) {
			i++
		}
		w.end = i
		for len(at) > 0 && at[0] < w.end {
			w.anchor = w.anchor || at[0] >= w.start
			at = at[1:]
		}
		words = append(words, w)
	}
	var parts [][2]int
	last := -1 // index of the last word in parts
	for i, w := range words {
		if !w.anchor {
			continue
		}
		from, to := max(i-before, 0), min(i+after, len(words)-1)
		if from <= last {
			parts[len(parts)-1][1] = words[to].end
		} else {
			parts = append(parts, [2]int{words[from].start, words[to].end})
		}
		last = max(last, to)
	}
	return parts
}

// isRESpace reports whether c is white space to the regexp package's \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// spelledWordsAt returns the offsets, in increasing order, where s holds one of
// spelledWords in any ASCII case between ASCII word boundaries (as spelledRe's \b sees
// them).
func spelledWordsAt(s string) []int {
	var at []int
	for i := 0; i < len(s); i++ {
		if !boundary(s, i) || !isASCIIWord(s[i]) {
			continue
		}
		for _, w := range spelledByFirst[s[i]|0x20] {
			if hasFold(s, i, w) && boundary(s, i+len(w)) {
				at = append(at, i)
				break
			}
		}
	}
	return at
}

// spelledByFirst lists spelledWords by first letter.
var spelledByFirst = func() map[byte][]string {
	m := map[byte][]string{}
	for _, w := range spelledWords {
		m[w[0]] = append(m[w[0]], w)
	}
	return m
}()

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
