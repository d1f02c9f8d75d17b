package summary

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mention is a number found in a text, with what qualifies it.
type mention struct {
	start, end int
	values     [2]float64 // candidate values (two when the separators are ambiguous)
	units      [2]float64 // precision of each value, for rounding tolerance
	n          int        // how many of values and units there are
	approx     bool       // "about", "nearly" … before it: rounding is announced
	currency   string     // ISO code, or ""
	pct        string     // "%", "pp" or ""
	year       bool
	spelled    bool
}

var numRe = regexp.MustCompile(`(?i)` +
	`(?:(us\$|a\$|c\$|hk\$|[$€£¥₹]|\b(?:usd|eur|gbp|chf|jpy|inr|aud|cad)\b)\s?)?` + // 1 currency before
	`(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)` + // 2 number
	`(?:st|nd|rd|th)?` +
	`(?:(?:\s?(thousand|million|billion|trillion|millions|billions|millionen|milliarden|milliarde|millones|milioni|miljoen|miljard|mrd|mio)\b)|(bn|tn|mn|m|k)\b)?` + // 3 word scale, 4 short scale
	`(?:\s?(%|per\s?cent\b|percent\b|prozent\b|pour\s?cent\b|por\s?ciento\b|per\s?cento\b|percentage\s+points?\b|prozentpunkte\b))?` + // 5 percentage
	`(?:\s(?:(?:of|de|di)\s)?(pounds?|sterling|dollars?|euros?|yen|rupees?|francs?|dollar|franken)\b)?`) // 6 currency after

var spelledRe = regexp.MustCompile(`(?i)\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen|half a dozen)` +
	`(?:\s(thousand|million|billion|trillion))?\b(?:\s?(%|per\s?cent\b|percent\b))?`)

var spelledValues = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "half a dozen": 6,
}

var scales = map[string]float64{
	"thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "millionen": 1e6, "millones": 1e6,
	"milioni": 1e6, "miljoen": 1e6, "mio": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "billions": 1e9,
	"bn": 1e9, "milliarden": 1e9, "milliarde": 1e9, "miljard": 1e9, "mrd": 1e9, "trillion": 1e12, "tn": 1e12,
}

var currencies = map[string]string{
	"$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
	"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
	"£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
	"¥": "JPY", "jpy": "JPY", "yen": "JPY", "₹": "INR", "inr": "INR", "rupee": "INR", "rupees": "INR",
	"chf": "CHF", "franc": "CHF", "francs": "CHF", "a$": "AUD", "aud": "AUD", "c$": "CAD", "cad": "CAD", "hk$": "HKD",
}

// decimalComma lists languages that write 1.234,5 rather than 1,234.5.
var decimalComma = map[string]bool{"de": true, "fr": true, "es": true, "it": true, "nl": true, "pt": true,
	"pl": true, "sv": true, "da": true, "no": true, "nb": true, "fi": true, "cs": true, "ro": true, "ru": true, "tr": true}

// numbers finds the numbers in s, reading separators as lang writes them.
func numbers(s, lang string) []mention {
	var out []mention
	number := func(m []int) {
		get := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return strings.ToLower(s[m[2*i]:m[2*i+1]])
		}
		raw := get(2)
		short := get(4) // "£12m", "5bn": only written without a space, so "12 m" stays metres
		cur := currencies[strings.TrimSpace(get(1))]
		if c := currencies[get(6)]; c != "" {
			cur = c
		}
		scale := 1.0
		if w := get(3); w != "" {
			scale = scales[w]
		} else if short != "" {
			scale = scales[short]
		}
		vals, units, n := parseNumber(raw, lang)
		men := mention{start: m[0], end: m[1], currency: cur, approx: approximate(s[:m[0]]), n: n}
		for i, v := range vals[:n] {
			men.values[i], men.units[i] = v*scale, units[i]*scale
		}
		switch p := get(5); {
		case strings.HasPrefix(p, "percentage") || strings.HasPrefix(p, "prozentpunkt"):
			men.pct = "pp"
		case p != "":
			men.pct = "%"
		}
		if scale == 1 && cur == "" && men.pct == "" && len(raw) == 4 && !strings.ContainsAny(raw, ".,") {
			if v := men.values[0]; v >= 1800 && v <= 2100 {
				men.year = true
			}
		}
		// Trim a trailing space taken before a scale or unit that was not there.
		for men.end > men.start && s[men.end-1] == ' ' {
			men.end--
		}
		out = append(out, men)
	}
	// The scanners fill a match array on the stack; findNumbers and findSpelled say when
	// the regexps must run instead.
	if foldsToASCII(s) {
		for _, m := range numRe.FindAllStringSubmatchIndex(s, -1) {
			number(m)
		}
	} else {
		var m [14]int
		for p := 0; nextNumber(s, p, m[:]); p = m[1] {
			number(m[:])
		}
	}
	var buf [16]byte // the words are ASCII and short: lowered here, looked up off the heap
	spelled := func(m []int) {
		v := spelledValues[string(appendLower(buf[:0], s[m[2]:m[3]]))]
		if m[4] >= 0 {
			v *= scales[string(appendLower(buf[:0], s[m[4]:m[5]]))]
		}
		men := mention{start: m[0], end: m[1], values: [2]float64{v}, units: [2]float64{0}, n: 1, spelled: true}
		if m[6] >= 0 {
			men.pct = "%"
		}
		out = append(out, men)
	}
	if strings.ContainsRune(s, '\u017f') {
		for _, m := range spelledRe.FindAllStringSubmatchIndex(s, -1) {
			spelled(m)
		}
	} else {
		var m [8]int
		for p := 0; nextSpelled(s, p, m[:]); p = m[1] {
			spelled(m[:])
		}
	}
	return out
}

// parseNumber reads a written number with the separators of lang ("1,500.5" in
// English, "1.500,5" in German). When lang is unknown and the separator could mean
// either ("1.500"), it returns both readings. unit is the precision of each reading.
func parseNumber(raw, lang string) (vals, units [2]float64, n int) {
	read := func(thousands, decimal string) (float64, float64, bool) {
		x := raw
		if i := strings.Index(x, thousands); i >= 0 {
			// Thousands groups have three digits each: "2.30" is no thousand.
			intPart := x
			if j := strings.Index(x, decimal); j >= 0 {
				intPart = x[:j]
			}
			if _, rest, ok := strings.Cut(intPart, thousands); ok {
				for {
					g, after, more := strings.Cut(rest, thousands)
					if len(g) != 3 {
						return 0, 0, false
					}
					if !more {
						break
					}
					rest = after
				}
			}
			x = strings.ReplaceAll(x, thousands, "")
		}
		if strings.Count(x, decimal) > 1 {
			return 0, 0, false
		}
		x = strings.Replace(x, decimal, ".", 1)
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, 0, false
		}
		u := 1.0
		if i := strings.IndexByte(x, '.'); i >= 0 {
			u = math.Pow(10, -float64(len(x)-i-1))
		} else {
			// Trailing zeros of a large whole number show its precision: 1,200 may be
			// rounded, 10 may not.
			t := strings.TrimRight(x, "0")
			if t != "" && len(x) >= 4 {
				u = math.Pow(10, float64(len(x)-len(t)))
			}
		}
		return v, u, true
	}
	order := [2][2]string{{",", "."}, {".", ","}}
	if decimalComma[lang] {
		order[0], order[1] = order[1], order[0]
	}
	for _, o := range order {
		if v, u, ok := read(o[0], o[1]); ok {
			vals[n], units[n] = v, u
			n++
			if lang != "" {
				break // the language settles it
			}
		}
	}
	if n == 0 {
		return [2]float64{math.NaN()}, [2]float64{1}, 1
	}
	if n == 2 && vals[0] == vals[1] {
		n = 1
	}
	return vals, units, n
}

var approxRe = regexp.MustCompile(`(?i)\b(?:about|around|nearly|almost|roughly|some|approximately|over|more than|less than|under|just over|just under|up to|circa|rund|etwa|fast|knapp|über|environ|près de|presque|plus de|unos|unas|casi|más de|circa|quasi|oltre)\s*$`)

// approximate reports whether the text before a number announces it as rounded.
func approximate(before string) bool {
	if len(before) > 30 {
		before = before[len(before)-30:]
	}
	return endsApproximate(strings.TrimRight(before, "$€£¥₹ "))
}

// approxWords are approxRe's phrases.
var approxWords = strings.Split("about|around|nearly|almost|roughly|some|approximately|over|more than|less than|under|just over|just under|up to|circa|rund|etwa|fast|knapp|über|environ|près de|presque|plus de|unos|unas|casi|más de|circa|quasi|oltre", "|")

// approxEnds are the last three bytes of approxWords, which are ASCII, with 0x20 set
// (the bit that lowers an ASCII letter and keeps a space).
var approxEnds = func() (t [][3]byte) {
	for _, w := range approxWords {
		n := len(w)
		t = append(t, [3]byte{w[n-3] | 0x20, w[n-2] | 0x20, w[n-1] | 0x20})
	}
	return t
}()

// endsApproximate is approxRe.MatchString(s) without the regexp (it ran once per number):
// s ends with one of approxWords in any case, then only white space, with \b before it.
func endsApproximate(s string) bool {
	u := strings.TrimRight(s, "\t\n\f\r ")
	if u == "" {
		return false
	}
	// Most numbers follow no phrase: three ASCII last bytes must be, in any case, how
	// one ends. (Other runes, such as the Kelvin sign, can fold to its letters.)
	if n := len(u); n >= 3 && u[n-1]|u[n-2]|u[n-3] < utf8.RuneSelf &&
		!slices.Contains(approxEnds, [3]byte{u[n-3] | 0x20, u[n-2] | 0x20, u[n-1] | 0x20}) {
		return false
	}
	for _, w := range approxWords {
		n := utf8.RuneCountInString(w)
		q := len(u)
		for range n {
			if q == 0 {
				break
			}
			_, size := utf8.DecodeLastRuneInString(u[:q])
			q -= size
		}
		if utf8.RuneCountInString(u[q:]) == n && strings.EqualFold(u[q:], w) && boundary(u, q) {
			return true
		}
	}
	return false
}

// matches reports whether the summary number m agrees with the source number s: the
// same value; or the same after rounding to m's precision, for large or scaled numbers
// and for numbers announced as rounded ("about 40%"); or within half a percent for large
// numbers.
func (m mention) matches(s mention) bool {
	for i, v := range m.values[:m.n] {
		unit := m.units[i]
		for _, w := range s.values[:s.n] {
			if v == w || math.Abs(v-w) <= 1e-9*math.Abs(v) {
				return true
			}
			if m.year || m.spelled {
				continue
			}
			if m.approx {
				unit = max(unit, 1)
				if math.Abs(v-w) <= unit/2 || math.Abs(v-w) <= 0.05*math.Abs(w) {
					return true
				}
				continue
			}
			if math.Abs(v) < 1000 && unit <= 1 || m.pct != "" {
				continue // small whole numbers and percentages must be exact
			}
			if math.Abs(v-w) <= unit/2 || math.Abs(v) >= 10000 && math.Abs(v-w) <= 0.005*math.Abs(w) {
				return true
			}
		}
	}
	return false
}
