package summary

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// findNumbers returns numRe.FindAllStringSubmatchIndex(s, -1), computed by a scanner that
// follows the regexp's alternatives in their order: Go's regexp engine took most of the
// time of checking a draft on this one pattern. A text holding one of the two non-ASCII
// letters that case-fold to ASCII ones (the Kelvin sign and the long s) goes to the regexp.
// TestFindBySentence, TestFindBySentenceGenerated and FuzzCheck hold it to the regexp.
func findNumbers(s string) [][]int {
	if foldsToASCII(s) {
		return numRe.FindAllStringSubmatchIndex(s, -1)
	}
	var out [][]int
	m := make([]int, 14)
	for p := 0; nextNumber(s, p, m); p = m[1] {
		out = append(out, slices.Clone(m))
	}
	return out
}

// foldsToASCII reports whether s holds one of the two non-ASCII letters that case-fold
// to ASCII ones, the Kelvin sign and the long s.
func foldsToASCII(s string) bool {
	return strings.ContainsRune(s, '\u212a') || strings.ContainsRune(s, '\u017f')
}

// nextNumber finds the first match of numRe in s from p on, where the regexp's search for
// its next match would, and fills m (14 ints) with its submatch indexes. s must not
// hold the letters foldsToASCII looks for.
func nextNumber(s string, p int, m []int) bool {
	for p < len(s) {
		c := s[p]
		// A letter starts a match only before a '$' (us$, hk$) or as a currency code
		// after \b: most letters are ruled out here, before numberAt.
		if numberStart[c] && (!isASCIILetter(c) || p+1 < len(s) && s[p+1] == '$' || p+2 < len(s) && s[p+2] == '$' ||
			p == 0 || !isASCIIWord(s[p-1])) && numberAt(s, p, m) {
			return true
		}
		if c < utf8.RuneSelf {
			p++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[p:])
		p += size
	}
	return false
}

var (
	prefixSymbols  = []string{"us$", "a$", "c$", "hk$"}
	currencySigns  = []string{"$", "€", "£", "¥", "₹"}
	currencyCodes  = []string{"usd", "eur", "gbp", "chf", "jpy", "inr", "aud", "cad"}
	scaleWords     = []string{"thousand", "million", "billion", "trillion", "millions", "billions", "millionen", "milliarden", "milliarde", "millones", "milioni", "miljoen", "miljard", "mrd", "mio"}
	shortScales    = []string{"bn", "tn", "mn", "m", "k"}
	currencyAfter  = []string{"pound", "sterling", "dollar", "euro", "yen", "rupee", "franc", "dollar", "franken"}
	pluralCurrency = map[string]bool{"pound": true, "dollar": true, "euro": true, "rupee": true, "franc": true}
)

// numberStart marks the bytes a match of numRe can start with: a digit, the first byte
// of a currency sign, or the first letter of a currency prefix or code.
var numberStart = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, w := range append(append(append([]string{}, prefixSymbols...), currencySigns...), currencyCodes...) {
		t[w[0]] = true
		if c := w[0]; 'a' <= c && c <= 'z' {
			t[c-'a'+'A'] = true
		}
	}
	return t
}()

// numberAt matches numRe at p, as the regexp would try it there, and fills m (14 ints)
// with the submatch indexes.
func numberAt(s string, p int, m []int) bool {
	for i := range m {
		m[i] = -1
	}
	if isDigit(s[p]) { // no prefix starts with a digit
		if numberRest(s, p, m) {
			m[0] = p
			return true
		}
		return false
	}
	if !prefixAt(s, p) {
		return false
	}
	// (prefix)\s? — each alternative in order, then the number after it.
	try := func(end int) bool {
		if end < len(s) && isRESpace(s[end]) {
			if numberRest(s, end+1, m) {
				return true
			}
		}
		return numberRest(s, end, m)
	}
	for _, sym := range prefixSymbols {
		if hasFold(s, p, sym) && try(p+len(sym)) {
			m[0], m[2], m[3] = p, p, p+len(sym)
			return true
		}
	}
	for _, sign := range currencySigns {
		if strings.HasPrefix(s[p:], sign) && try(p+len(sign)) {
			m[0], m[2], m[3] = p, p, p+len(sign)
			return true
		}
	}
	if boundary(s, p) {
		for _, code := range currencyCodes {
			if hasFold(s, p, code) && boundary(s, p+3) {
				if try(p + 3) {
					m[0], m[2], m[3] = p, p, p+3
					return true
				}
				break // the codes differ in their first three letters
			}
		}
	}
	if numberRest(s, p, m) {
		m[0] = p
		return true
	}
	return false
}

// prefixAt reports whether one of numRe's currency prefixes starts at p: a sign, a
// letter before '$' (us$, a$, c$, hk$), or a currency code after \b.
func prefixAt(s string, p int) bool {
	if s[p] >= 0x80 {
		for _, sign := range currencySigns {
			if strings.HasPrefix(s[p:], sign) {
				return true
			}
		}
		return false
	}
	if s[p] == '$' || p+1 < len(s) && s[p+1] == '$' || p+2 < len(s) && s[p+2] == '$' {
		return true // numberAt tries each in turn
	}
	if !boundary(s, p) {
		return false
	}
	for _, code := range currencyCodes {
		if code[0] == s[p]|0x20 && hasFold(s, p, code) {
			return true
		}
	}
	return false
}

// numberRest matches from the number (group 2) to the end of numRe at i, filling m's
// groups 2 to 6 and m[1].
func numberRest(s string, i int, m []int) bool {
	end, ok := numberBody(s, i)
	if !ok {
		return false
	}
	m[4], m[5] = i, end
	for _, o := range []string{"st", "nd", "rd", "th"} {
		if hasFold(s, end, o) {
			end += 2
			break
		}
	}
	// Scale: \s?(word)\b, else (short)\b.
	scaled := false
	for _, at := range spaceThen(s, end) {
		for _, w := range scaleWords {
			if hasFold(s, at, w) && boundary(s, at+len(w)) {
				m[6], m[7], end, scaled = at, at+len(w), at+len(w), true
				break
			}
		}
		if scaled {
			break
		}
	}
	if !scaled {
		for _, w := range shortScales {
			if hasFold(s, end, w) && boundary(s, end+len(w)) {
				m[8], m[9], end = end, end+len(w), end+len(w)
				break
			}
		}
	}
	// Percentage: \s?(…).
	for _, at := range spaceThen(s, end) {
		if e := percentAt(s, at); e > 0 {
			m[10], m[11], end = at, e, e
			break
		}
	}
	// Currency after: \s((of|de|di)\s)?(word)\b.
	if end < len(s) && isRESpace(s[end]) {
		at := end + 1
		starts := []int{at}
		for _, w := range []string{"of", "de", "di"} {
			if hasFold(s, at, w) && at+2 < len(s) && isRESpace(s[at+2]) {
				starts = []int{at + 3, at}
				break
			}
		}
		for _, st := range starts {
			if e := currencyWordAt(s, st); e > 0 {
				m[12], m[13], end = st, e, e
				break
			}
		}
	}
	m[1] = end
	return true
}

// numberBody matches numRe's number group at i and returns its end.
func numberBody(s string, i int) (int, bool) {
	lead := digitsAt(s, i)
	if lead == 0 {
		return 0, false
	}
	// \d{1,3}(?:SEP\d{3})+(?:DEC\d+)? for SEP, DEC = "," "." and "." ",": \d{1,3}
	// backtracks from three digits to one until a group follows.
	for _, sep := range [][2]byte{{',', '.'}, {'.', ','}} {
		for k := min(lead, 3); k >= 1; k-- {
			j := i + k
			groups := 0
			for j+4 <= len(s) && s[j] == sep[0] && digitsAt(s, j+1) >= 3 {
				j += 4
				groups++
			}
			if groups == 0 {
				continue
			}
			if j+1 < len(s) && s[j] == sep[1] && digitsAt(s, j+1) > 0 {
				j += 1 + digitsAt(s, j+1)
			}
			return j, true
		}
	}
	// \d+(?:[.,]\d+)?
	j := i + lead
	if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && digitsAt(s, j+1) > 0 {
		j += 1 + digitsAt(s, j+1)
	}
	return j, true
}

// percentWords are the percentage words of numRe after "%", in its order: a word, then
// \s? and a second word when there is one, then \b. spelledRe has the first two.
var percentWords = [][2]string{{"per", "cent"}, {"percent", ""}, {"prozent", ""}, {"pour", "cent"}, {"por", "ciento"}, {"per", "cento"}}

// percentWordAt matches "%" or one of words at i and returns the end, or 0.
func percentWordAt(s string, i int, words [][2]string) int {
	if strings.HasPrefix(s[i:], "%") {
		return i + 1
	}
	for _, w := range words {
		if !hasFold(s, i, w[0]) {
			continue
		}
		at := i + len(w[0])
		if w[1] == "" {
			if boundary(s, at) {
				return at
			}
			continue
		}
		for _, a := range spaceThen(s, at) {
			if hasFold(s, a, w[1]) && boundary(s, a+len(w[1])) {
				return a + len(w[1])
			}
		}
	}
	return 0
}

// percentAt matches numRe's percentage alternatives at i and returns the end, or 0.
func percentAt(s string, i int) int {
	if e := percentWordAt(s, i, percentWords); e > 0 {
		return e
	}
	// percentage\s+points?\b
	if hasFold(s, i, "percentage") {
		at := i + len("percentage")
		j := at
		for j < len(s) && isRESpace(s[j]) {
			j++
		}
		if j > at && hasFold(s, j, "point") {
			e := j + len("point")
			if hasFold(s, e, "s") && boundary(s, e+1) {
				return e + 1
			}
			if boundary(s, e) {
				return e
			}
		}
	}
	if hasFold(s, i, "prozentpunkte") && boundary(s, i+len("prozentpunkte")) {
		return i + len("prozentpunkte")
	}
	return 0
}

// currencyWordAt matches pounds?|sterling|dollars?|euros?|yen|rupees?|francs?|dollar|franken
// followed by \b at i and returns the end, or 0.
func currencyWordAt(s string, i int) int {
	for _, w := range currencyAfter {
		if !hasFold(s, i, w) {
			continue
		}
		e := i + len(w)
		if pluralCurrency[w] && hasFold(s, e, "s") && boundary(s, e+1) {
			return e + 1
		}
		if boundary(s, e) {
			return e
		}
	}
	return 0
}

// spaceThen lists where \s? lets the next part start: after one white space (tried
// first, as the regexp is greedy), then at i.
func spaceThen(s string, i int) []int {
	if i < len(s) && isRESpace(s[i]) {
		return []int{i + 1, i}
	}
	return []int{i}
}

// digitsAt counts the ASCII digits at i.
func digitsAt(s string, i int) int {
	n := 0
	for i+n < len(s) && '0' <= s[i+n] && s[i+n] <= '9' {
		n++
	}
	return n
}

// hasFold reports whether s holds lit (lower-case ASCII) at i, in any ASCII case.
func hasFold(s string, i int, lit string) bool {
	if i < 0 || i+len(lit) > len(s) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		c := s[i+k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lit[k] {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// boundary reports whether the regexp's \b holds at i: an ASCII word character on one
// side only.
func boundary(s string, i int) bool {
	before := i > 0 && isASCIIWord(s[i-1])
	after := i < len(s) && isASCIIWord(s[i])
	return before != after
}

// spelledAlternatives are spelledRe's number words in the regexp's order.
var spelledAlternatives = []string{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
	"thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "dozen", "half a dozen"}

var spelledScales = []string{"thousand", "million", "billion", "trillion"}

// findSpelled returns spelledRe.FindAllStringSubmatchIndex(s, -1), computed by a scanner
// that follows the regexp's alternatives in order. A text holding the long s (which
// case-folds to s) goes to the regexp.
func findSpelled(s string) [][]int {
	if strings.ContainsRune(s, '\u017f') {
		return spelledRe.FindAllStringSubmatchIndex(s, -1)
	}
	var out [][]int
	m := make([]int, 8)
	for p := 0; nextSpelled(s, p, m); p = m[1] {
		out = append(out, slices.Clone(m))
	}
	return out
}

// nextSpelled finds the first match of spelledRe in s from p on, where the regexp's search
// for its next match would, and fills m (8 ints) with its submatch indexes. p must be 0 or
// the end of a match, and s must not hold the long s.
func nextSpelled(s string, p int, m []int) bool {
	for p < len(s) {
		if !isASCIIWord(s[p]) {
			p++
			continue
		}
		// p starts a word (\b holds): try it, then skip the rest of the word. A match ends
		// before a non-word byte or after '%', so p is again before a word or not in one.
		if spelledAt(s, p, m) {
			return true
		}
		for p < len(s) && isASCIIWord(s[p]) {
			p++
		}
	}
	return false
}

// spelledByFirst lists spelledAlternatives by their first two letters (each has three or
// more), in their order.
var spelledByFirst = func() (t [26 * 26][]string) {
	for _, w := range spelledAlternatives {
		k := int(w[0]-'a')*26 + int(w[1]-'a')
		t[k] = append(t[k], w)
	}
	return t
}()

// spelledCandidates returns the spelledAlternatives that may match at p.
func spelledCandidates(s string, p int) []string {
	if p+1 >= len(s) || !isASCIILetter(s[p]) || !isASCIILetter(s[p+1]) {
		return nil
	}
	return spelledByFirst[int(s[p]|0x20-'a')*26+int(s[p+1]|0x20-'a')]
}

// spelledAt matches spelledRe at p, filling m (8 ints) with the submatch indexes: a number
// word, then (?:\s(scale))? and \b, then (?:\s?(%|per\s?cent\b|percent\b))?.
func spelledAt(s string, p int, m []int) bool {
	for _, w := range spelledCandidates(s, p) {
		if !hasFold(s, p, w) {
			continue
		}
		e := p + len(w)
		m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7] = p, -1, p, e, -1, -1, -1, -1
		end := -1
		if e < len(s) && isRESpace(s[e]) {
			for _, sc := range spelledScales {
				if hasFold(s, e+1, sc) && boundary(s, e+1+len(sc)) {
					m[4], m[5], end = e+1, e+1+len(sc), e+1+len(sc)
					break
				}
			}
		}
		if end < 0 {
			if !boundary(s, e) {
				continue
			}
			end = e
		}
		for _, at := range spaceThen(s, end) {
			if x := percentWordAt(s, at, percentWords[:2]); x > 0 {
				m[6], m[7], end = at, x, x
				break
			}
		}
		m[1] = end
		return true
	}
	return false
}
