package summary

import (
	"cmp"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
// the flags: numbers, amounts, percentages, years and dates, quotations, names and
// acronyms, speculation, links, e-mail addresses and phone numbers that a section has
// and the source (title, byline and text) lacks; a draft in another language than the
// article's; house-style breaches; and instruction-like text in the source (kind
// "injection", section "source"). It returns an empty, non-nil slice when there is
// nothing to flag. Flags are hints: expect some on unit conversions and paraphrased
// names.
func Check(s Summary, src Source) []Flag {
	return prepare(src).check(s)
}

// prepared is a source indexed for checking, so that many drafts of one article (the
// corpus evaluation) index it once.
type prepared struct {
	idx        *index
	injections []Flag
	sections   map[section][]Flag // flags per section already checked
}

func prepare(src Source) prepared {
	all := sourceText(src)
	injections := injectionFlags(all, true)
	return prepared{newIndex(src, all, injections), injections, map[section][]Flag{}}
}

func (p prepared) check(s Summary) []Flag {
	c := &checker{idx: p.idx, flags: []Flag{}}
	for _, sec := range sections(s) {
		flags, ok := p.sections[sec]
		if !ok {
			sc := &checker{idx: p.idx}
			sc.section(sec)
			flags = sc.flags
			p.sections[sec] = flags
		}
		for _, f := range flags {
			c.add(f)
		}
	}
	for _, f := range styleFlags(s) {
		c.add(f)
	}
	for _, f := range languageFlags(s, p.idx) {
		c.add(f)
	}
	for _, f := range p.injections {
		c.add(f)
	}
	return c.flags
}

type checker struct {
	idx   *index
	seen  map[string]bool // made by the first add
	flags []Flag
}

func (c *checker) add(f Flag) {
	key := f.Section + "\x00" + f.Kind + "\x00" + strings.ToLower(f.Text)
	if f.Kind == KindStyle {
		key += "\x00" + f.Reason
	}
	if f.Text == "" || c.seen[key] {
		return
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[key] = true
	c.flags = append(c.flags, f)
}

// index is what the checks look up in the source. Only the language and the normalised
// text are made up front: the other parts are built the first time a check asks for
// them, as most drafts need few of them (a draft that names no one never needs the
// source's capitalised words). An index is not safe for concurrent use.
type index struct {
	lang       string
	norm       string // normalised title, byline and text
	injections []Flag // the source's injection flags, for the links they hold

	lowerDone bool
	lower     string // lower-case norm

	wordsDone bool
	words     string          // " w1 w2 … " for whole-word phrase matching
	wordSet   map[string]bool // lower-case words
	wordList  []string        // lower-case words in order, for acronym expansions

	isoDone       bool
	isoMonths     [100]bool // the month fields of ISO dates, which run to 99
	monthsAsked   [13]bool
	months        [13]bool // whether the source names each month asked about
	weekdaysAsked [8]bool
	weekdays      [8]bool

	capsDone bool
	capWords []string        // lower-case capitalised words, sorted, for name stems
	common   map[string]bool // words the source writes in lower case: not names

	numbersDone bool
	numbers     []mention

	linksDone bool
	links     map[string]bool // lower-case URLs, e-mail addresses and phone digits
	injected  map[string]bool // links that occur in instruction-like text of the source

	toks []nameTok // the names check's words, a buffer kept from section to section
}

func newIndex(src Source, all string, injections []Flag) *index {
	lang := baseLang(src.Lang)
	if lang == "" {
		lang = DetectLanguage(src.Text)
	}
	return &index{lang: lang, norm: normaliseText(all), injections: injections}
}

func (idx *index) lowered() string {
	if !idx.lowerDone {
		idx.lower, idx.lowerDone = strings.ToLower(idx.norm), true
	}
	return idx.lower
}

// wordIndex builds the words of the source: the list, the set and the string for
// phrases.
func (idx *index) wordIndex() {
	if idx.wordsDone {
		return
	}
	idx.wordsDone = true
	lower := idx.lowered()
	var b strings.Builder
	b.Grow(len(lower) + 2)
	b.WriteByte(' ')
	for w := range strings.FieldsFuncSeq(lower, notLetterDigitMark) {
		idx.wordList = append(idx.wordList, w)
		b.WriteString(w)
		b.WriteByte(' ')
	}
	if len(idx.wordList) == 0 {
		b.WriteByte(' ') // wordString's "  " for no words
	}
	idx.words = b.String()
	idx.wordSet = make(map[string]bool, len(idx.wordList))
	for _, w := range idx.wordList {
		idx.wordSet[w] = true
	}
}

// hasMonth reports whether the source names month mo (1 to 12), in a word or an ISO date.
func (idx *index) hasMonth(mo int) bool {
	if !idx.isoDone {
		idx.isoDone = true
		if hasDigitDashDigit(idx.norm) { // isoDateRe's matches hold one
			for _, m := range isoDateRe.FindAllStringSubmatch(idx.norm, -1) {
				var iso int
				fmt.Sscan(m[1], &iso)
				idx.isoMonths[iso] = true
			}
		}
	}
	if !idx.monthsAsked[mo] {
		idx.monthsAsked[mo] = true
		idx.months[mo] = idx.isoMonths[mo] || idx.hasAnyWord(namesOfMonth[mo])
	}
	return idx.months[mo]
}

// hasWeekday reports whether the source names weekday d (1 to 7).
func (idx *index) hasWeekday(d int) bool {
	if !idx.weekdaysAsked[d] {
		idx.weekdaysAsked[d] = true
		idx.weekdays[d] = idx.hasAnyWord(namesOfWeekday[d])
	}
	return idx.weekdays[d]
}

// hasAnyWord reports whether one of names (lower case, letters only) is a word of the
// source, as words splits it; without splitting the whole source for a few names.
func (idx *index) hasAnyWord(names []string) bool {
	lower := idx.lowered()
	for _, w := range names {
		for from := 0; ; {
			i := strings.Index(lower[from:], w)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(w)
			before, _ := utf8.DecodeLastRuneInString(lower[:start])
			after, _ := utf8.DecodeRuneInString(lower[end:])
			if (start == 0 || notLetterDigitMark(before)) && (end == len(lower) || notLetterDigitMark(after)) {
				return true
			}
			from = start + 1
		}
	}
	return false
}

// caps finds the words the source capitalises and the ones it writes in lower case.
func (idx *index) caps() {
	if idx.capsDone {
		return
	}
	idx.capsDone = true
	idx.common = map[string]bool{}
	// The capitalised words are lowered into one buffer and cut from one string: one
	// allocation, not one a word.
	var buf []byte
	var ends []int
	for w := range strings.FieldsFuncSeq(idx.norm, notWordRune) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) {
			idx.common[strings.ToLower(w)] = true
		}
		if unicode.IsUpper(r) {
			buf = appendLower(buf, trimPossessive(w))
			ends = append(ends, len(buf))
		}
	}
	all, start := string(buf), 0
	idx.capWords = make([]string, len(ends))
	for i, end := range ends {
		idx.capWords[i], start = all[start:end], end
	}
	slices.Sort(idx.capWords)
}

// hasStem reports whether a capitalised source word, lower case, starts with stem.
func (idx *index) hasStem(stem string) bool {
	idx.caps()
	i, _ := slices.BinarySearch(idx.capWords, stem)
	return i < len(idx.capWords) && strings.HasPrefix(idx.capWords[i], stem)
}

func (idx *index) isCommon(w string) bool {
	idx.caps()
	return idx.common[w]
}

func (idx *index) sourceNumbers() []mention {
	if !idx.numbersDone {
		idx.numbers, idx.numbersDone = numbers(idx.norm, idx.lang), true
	}
	return idx.numbers
}

// linkIndex finds the links of the source, and those inside its injection snippets: the
// article has them, but only because a page asked the model to repeat them.
func (idx *index) linkIndex() {
	if idx.linksDone {
		return
	}
	idx.linksDone = true
	idx.links, idx.injected = map[string]bool{}, map[string]bool{}
	for _, f := range idx.injections {
		t := normaliseText(f.Text)
		for _, re := range []*regexp.Regexp{urlRe, emailRe} {
			for _, m := range re.FindAllString(t, -1) {
				idx.injected[linkKey(m)] = true
			}
		}
		for _, m := range phoneRe.FindAllString(t, -1) {
			idx.injected[digits(m)] = true
		}
	}
	for _, m := range findAllString(urlRe, idx.norm, mayHoldURL) {
		idx.links[linkKey(m)] = true
	}
	for _, m := range findAllString(emailRe, idx.norm, hasAt) {
		idx.links[linkKey(m)] = true
	}
	for _, m := range findAllString(phoneRe, idx.norm, mayHoldPhone) {
		idx.links[digits(m)] = true
	}
}

func baseLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	return l
}

func notLetterDigitMark(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '\'' && r != '-'
}

func prefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// hasPhrase reports whether the source has phrase (lower case) as whole words.
func (idx *index) hasPhrase(phrase string) bool {
	idx.wordIndex()
	return strings.Contains(idx.words, wordString(phrase))
}

// section runs every content check on one section.
func (c *checker) section(sec section) {
	t := normalise(sec.text)
	c.links(sec.name, &t)
	c.numbers(sec.name, t)
	c.dates(sec.name, t)
	c.quotes(sec.name, t)
	c.names(sec.name, t)
	c.speculation(sec.name, t)
}

var (
	urlRe   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"')\]]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|io|ly|me|co|uk|gov|edu|app|xyz|link|site|shop|top)(?:/[^\s<>"')\]]*)?\b`)
	emailRe = regexp.MustCompile(`(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b`)
	phoneRe = regexp.MustCompile(`(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,6}){1,4}`)
)

func linkKey(s string) string {
	s = strings.ToLower(strings.TrimRight(s, ".,;:!?"))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	return strings.TrimSuffix(strings.TrimPrefix(s, "www."), "/")
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// isPhone tells a phone number from a run of other numbers: enough digits, and a shape
// numbers in prose rarely have (a leading + or 0, brackets, or dashes).
func isPhone(s string) bool {
	d := digits(s)
	if len(d) < 7 || len(d) > 15 {
		return false
	}
	switch {
	case strings.HasPrefix(s, "+"), strings.HasPrefix(s, "("):
		return len(d) >= 8
	case strings.HasPrefix(s, "0") && strings.ContainsAny(s, " -."):
		return len(d) >= 9
	case strings.Count(s, "-") >= 2:
		return true
	}
	return false
}

// links flags URLs, e-mail addresses and phone numbers absent from the source (the
// symptom of an injected "add this link"), and masks them for the later checks.
func (c *checker) links(name string, t *text) {
	const injected = " It comes from text in the article that reads like an instruction to an AI model."
	for _, m := range findAllIndex(emailRe, t.norm, hasAt) {
		c.idx.linkIndex()
		switch k := linkKey(t.norm[m[0]:m[1]]); {
		case c.idx.injected[k]:
			c.add(Flag{name, KindEmail, t.span(m[0], m[1]), "E-mail address the article asks models to add." + injected})
		case !c.idx.links[k]:
			c.add(Flag{name, KindEmail, t.span(m[0], m[1]), "E-mail address not in the source."})
		}
		t.mask(m[0], m[1])
	}
	for _, m := range findAllIndex(urlRe, t.norm, mayHoldURL) {
		c.idx.linkIndex()
		switch k := linkKey(t.norm[m[0]:m[1]]); {
		case c.idx.injected[k]:
			c.add(Flag{name, KindURL, t.span(m[0], m[1]), "Link the article asks models to add." + injected})
		case !c.idx.links[k] && !strings.Contains(c.idx.lowered(), k):
			c.add(Flag{name, KindURL, t.span(m[0], m[1]), "Link not in the source."})
		}
		t.mask(m[0], m[1])
	}
	for _, m := range findAllIndex(phoneRe, t.norm, mayHoldPhone) {
		p := t.norm[m[0]:m[1]]
		if !isPhone(p) {
			continue
		}
		c.idx.linkIndex()
		switch k := digits(p); {
		case c.idx.injected[k]:
			c.add(Flag{name, KindPhone, t.span(m[0], m[1]), "Phone number the article asks models to add." + injected})
		case !c.idx.links[k]:
			c.add(Flag{name, KindPhone, t.span(m[0], m[1]), "Phone number not in the source."})
		}
		t.mask(m[0], m[1])
	}
}

// numbers flags numbers, amounts, percentages and years the source does not give.
func (c *checker) numbers(name string, t text) {
	for _, m := range numbers(t.norm, c.idx.lang) {
		span := t.span(m.start, m.end)
		if m.spelled && (strings.EqualFold(span, "one") || strings.EqualFold(span, "hundred")) {
			continue // "one of", "no one": rarely a figure
		}
		// What the source numbers m matches have in common with it.
		var same, samePct, pct, sameCur, noCur bool
		for _, s := range c.idx.sourceNumbers() {
			if m.matches(s) {
				same = true
				samePct = samePct || s.pct == m.pct
				pct = pct || s.pct != ""
				sameCur = sameCur || s.currency == m.currency
				noCur = noCur || s.currency == ""
			}
		}
		kind, reason := KindNumber, ""
		switch {
		case m.pct != "":
			kind = KindPercentage
			switch {
			case !same:
				reason = "Percentage not in the source."
			case !samePct:
				if pct {
					reason = "The source gives this figure in per cent, not percentage points (or the other way round)."
				} else {
					reason = "The source has this number, but not as a percentage."
				}
			}
		case m.currency != "":
			kind = KindCurrency
			switch {
			case !same:
				reason = "Amount not in the source."
			case sameCur:
			case noCur && slices.ContainsFunc(c.idx.sourceNumbers(), func(s mention) bool { return s.currency == m.currency }):
				// The source names the currency elsewhere: "the £50m deal … the 50m contract".
			default:
				reason = fmt.Sprintf("The source does not give this amount in %s.", m.currency)
			}
		case m.year:
			kind = KindDate
			if !same {
				reason = "Year not in the source."
			}
		default:
			if !same {
				reason = "Number not in the source."
			}
		}
		if reason != "" {
			c.add(Flag{name, kind, span, reason})
		}
	}
}

var monthNames = map[string]int{}
var weekdayNames = map[string]int{}

// namesOfMonth and namesOfWeekday list the keys of monthNames and weekdayNames by value.
var namesOfMonth [13][]string
var namesOfWeekday [8][]string

// minDateWord and maxDateWord bound the length of monthNames' and weekdayNames' keys.
var minDateWord, maxDateWord = 1 << 30, 0

func init() {
	for i, names := range [][]string{
		{"january", "jan", "januar", "janvier", "enero", "gennaio"},
		{"february", "feb", "februar", "février", "fevrier", "febrero", "febbraio"},
		{"march", "mar", "märz", "maerz", "mars", "marzo"},
		{"april", "apr", "avril", "abril", "aprile"},
		{"may", "mai", "mayo", "maggio"},
		{"june", "jun", "juni", "juin", "junio", "giugno"},
		{"july", "jul", "juli", "juillet", "julio", "luglio"},
		{"august", "aug", "août", "aout", "agosto"},
		{"september", "sep", "sept", "septembre", "septiembre", "settembre"},
		{"october", "oct", "oktober", "octobre", "octubre", "ottobre"},
		{"november", "nov", "novembre", "noviembre"},
		{"december", "dec", "dezember", "décembre", "decembre", "diciembre", "dicembre"},
	} {
		for _, n := range names {
			monthNames[n] = i + 1
		}
		namesOfMonth[i+1] = names
	}
	for i, names := range [][]string{
		{"monday", "montag", "lundi", "lunes", "lunedì"},
		{"tuesday", "dienstag", "mardi", "martes", "martedì"},
		{"wednesday", "mittwoch", "mercredi", "miércoles", "mercoledì"},
		{"thursday", "donnerstag", "jeudi", "jueves", "giovedì"},
		{"friday", "freitag", "vendredi", "viernes", "venerdì"},
		{"saturday", "samstag", "samedi", "sábado", "sabato"},
		{"sunday", "sonntag", "dimanche", "domingo", "domenica"},
	} {
		for _, n := range names {
			weekdayNames[n] = i + 1
		}
		namesOfWeekday[i+1] = names
	}
	for _, m := range []map[string]int{monthNames, weekdayNames} {
		for w := range m {
			minDateWord, maxDateWord = min(minDateWord, len(w)), max(maxDateWord, len(w))
		}
	}
}

var (
	isoDateRe  = regexp.MustCompile(`\b(?:1[89]|20)\d{2}-(\d{2})-\d{2}\b`)
	dateWordRe = regexp.MustCompile(`\b[\p{L}]+\b`)
	relativeRe = regexp.MustCompile(`(?i)\b(yesterday|today|tomorrow|tonight|this (?:morning|afternoon|evening|week|weekend|month|year)|` +
		`(?:last|next) (?:night|week|weekend|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|winter)|` +
		`earlier this (?:week|month|year)|later this (?:week|month|year)|gestern|morgen|heute|hier|demain|aujourd'hui|ayer|mañana|hoy|ieri|domani|oggi)\b`)
)

// dates flags month names, weekdays and relative dates that the source does not use.
// (Years are checked with the numbers.)
func (c *checker) dates(name string, t text) {
	var buf [64]byte
	for start, end := range letterWordSpans(t.norm) {
		w := t.norm[start:end]
		lb := appendLower(buf[:0], w)
		if len(lb) < minDateWord || len(lb) > maxDateWord {
			continue
		}
		lw := string(lb) // short and kept on the stack
		if mo, ok := monthNames[lw]; ok {
			// "may" and "mar" lower case are words, not months; months are capitalised
			// in English and German, and "mars" is a planet too.
			if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) && (lw == "may" || lw == "mar" || lw == "mars" || len(lw) <= 3) {
				continue
			}
			if lw == "may" && !c.idx.hasMonth(mo) && !followedByDateish(t.norm[end:]) && !precededByDateish(t.norm[:start]) {
				continue // sentence-initial "May" is usually the verb
			}
			if !c.idx.hasMonth(mo) {
				c.add(Flag{name, KindDate, t.span(start, end), "Month not in the source."})
			}
			continue
		}
		if d, ok := weekdayNames[lw]; ok && !c.idx.hasWeekday(d) {
			c.add(Flag{name, KindDate, t.span(start, end), "Day not in the source."})
		}
	}
	for start, end := range relativeDates(t.norm) {
		if !c.idx.hasPhrase(t.norm[start:end]) {
			c.add(Flag{name, KindDate, t.span(start, end),
				"Relative date not in the source; it changes meaning once the summary is published."})
		}
	}
}

// hasDigitDashDigit reports whether s holds a digit, '-' and a digit in a row.
func hasDigitDashDigit(s string) bool {
	for i := strings.IndexByte(s, '-'); i >= 0; {
		if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// relativePhrases are relativeRe's phrases spelt out, in the order the regexp tries
// them, by their first letter.
var relativePhrases = func() (t [256][]string) {
	add := func(firsts, seconds string) {
		for _, a := range strings.Split(firsts, "|") {
			for _, b := range strings.Split(seconds, "|") {
				p := strings.TrimSpace(a + " " + b)
				t[p[0]] = append(t[p[0]], p)
			}
		}
	}
	add("yesterday|today|tomorrow|tonight", "")
	add("this", "morning|afternoon|evening|week|weekend|month|year")
	add("last|next", "night|week|weekend|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|winter")
	add("earlier this|later this", "week|month|year")
	add("gestern|morgen|heute|hier|demain|aujourd'hui|ayer|mañana|hoy|ieri|domani|oggi", "")
	return t
}()

// relativeDates yields the start and end of each match of relativeRe in s, without the
// regexp: one of relativePhrases in any case, with \b on both sides (each phrase starts
// and ends with an ASCII letter). strings.EqualFold folds as the regexp does, but only
// compares texts of one length: the two runes that fold to ASCII letters with another
// length, the Kelvin sign and the long s, send the text to the regexp. TestRelativeDates
// and FuzzCheck hold it to the regexp.
func relativeDates(s string) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		if strings.ContainsRune(s, '\u212a') || strings.ContainsRune(s, '\u017f') {
			for _, m := range relativeRe.FindAllStringIndex(s, -1) {
				if !yield(m[0], m[1]) {
					return
				}
			}
			return
		}
		for i := 0; i < len(s); i++ {
			phrases := relativePhrases[s[i]|0x20]
			if len(phrases) == 0 || !isASCIIWord(s[i]) || i > 0 && isASCIIWord(s[i-1]) {
				continue
			}
			for _, p := range phrases {
				end := i + len(p)
				if end <= len(s) && strings.EqualFold(s[i:end], p) && (end == len(s) || !isASCIIWord(s[end])) {
					if !yield(i, end) {
						return
					}
					i = end - 1
					break
				}
			}
		}
	}
}

// letterWords is dateWordRe.FindAllStringIndex(s, -1), collected from letterWordSpans.
func letterWords(s string) [][]int {
	var out [][]int
	for start, end := range letterWordSpans(s) {
		out = append(out, []int{start, end})
	}
	return out
}

// letterWordSpans yields the start and end of each match of dateWordRe in s, without the
// regexp: runs of letters, each shortened from its end until \b (which only ASCII letters
// and digits count as word characters) holds after it.
func letterWordSpans(s string) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for p := 0; p < len(s); {
			r, size := utf8.DecodeRuneInString(s[p:])
			if !unicode.IsLetter(r) || !boundary(s, p) {
				p += size
				continue
			}
			q := p + size
			for q < len(s) {
				r, n := utf8.DecodeRuneInString(s[q:])
				if !unicode.IsLetter(r) {
					break
				}
				q += n
			}
			// Back off rune by rune: letters are whole runes, so decoding backwards
			// finds the ends decoding forwards did.
			for q > p && !boundary(s, q) {
				_, n := utf8.DecodeLastRuneInString(s[p:q])
				q -= n
			}
			if q == p {
				p += size
				continue
			}
			if !yield(p, q) {
				return
			}
			p = q
		}
	}
}

func followedByDateish(s string) bool {
	s = strings.TrimSpace(s)
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}

func precededByDateish(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsDigit(r) {
		return true
	}
	ws := words(s)
	return len(ws) > 0 && slices.Contains([]string{"in", "since", "until", "by", "of", "from", "last", "next", "early", "late", "mid", "end"}, ws[len(ws)-1])
}

var (
	doubleQuoteRe = regexp.MustCompile(`"([^"]{2,400})"`)
	singleQuoteRe = regexp.MustCompile(`(?:^|[\s(\[])'([^'\n]{2,400}?)'(?:$|[\s.,;:!?)\]])`)
)

// quotes flags quoted words that the source does not have verbatim (punctuation and
// case aside).
func (c *checker) quotes(name string, t text) {
	// Each regexp needs its quotation mark twice; most sections have none.
	var found [][]int
	if strings.Count(t.norm, `"`) >= 2 {
		for _, m := range doubleQuoteRe.FindAllStringSubmatchIndex(t.norm, -1) {
			found = append(found, []int{m[0], m[1], m[2], m[3]})
		}
	}
	if strings.Count(t.norm, "'") >= 2 {
		for _, m := range singleQuoteRe.FindAllStringSubmatchIndex(t.norm, -1) {
			if len(words(t.norm[m[2]:m[3]])) >= 2 {
				found = append(found, []int{m[2] - 1, m[3] + 1, m[2], m[3]})
			}
		}
	}
	for _, m := range found {
		q := t.norm[m[2]:m[3]]
		if len(words(q)) == 0 {
			continue
		}
		if !c.idx.hasPhrase(q) {
			c.add(Flag{name, KindQuote, t.span(m[0], m[1]), "Quoted words not found verbatim in the source."})
		}
	}
}

// connectors may sit inside a multi-word name ("Bank of England", "Ursula von der Leyen").
var connectors = map[string]bool{"of": true, "the": true, "de": true, "da": true, "del": true, "della": true,
	"van": true, "von": true, "der": true, "den": true, "le": true, "la": true, "al": true, "bin": true, "du": true, "des": true, "y": true}

// titles are words that often stand before a name in a summary without the source
// putting them right there ("Mayor Sadiq Khan" from "Sadiq Khan, the mayor").
var titles = map[string]bool{"mayor": true, "president": true, "minister": true, "prime": true, "councillor": true,
	"chancellor": true, "secretary": true, "chief": true, "executive": true, "mr": true, "mrs": true, "ms": true,
	"dr": true, "professor": true, "prof": true, "sir": true, "dame": true, "lord": true, "lady": true, "king": true,
	"queen": true, "prince": true, "princess": true, "judge": true, "justice": true, "senator": true, "governor": true,
	"general": true, "captain": true, "inspector": true, "detective": true, "sergeant": true, "commissioner": true,
	"leader": true, "chair": true, "chairman": true, "chairwoman": true, "bishop": true, "pope": true, "st": true,
	"saint": true, "mp": true, "mep": true, "ceo": true, "coach": true, "manager": true, "director": true, "officer": true}

// sentenceStarters are capitalised at the start of a sentence without being names.
var sentenceStarters = map[string]bool{}

func init() {
	for _, ws := range stopwords {
		for _, w := range ws {
			sentenceStarters[w] = true
		}
	}
	for _, w := range strings.Fields(`after before despite under over while when as this these those its their his her our
		new local former residents officials critics people police the a an in on at for by with from if although though
		because since during until unless yet still however meanwhile overall both all some many most several each every
		no not none one two three four five six seven eight nine ten there here it they we you he she i what why how who
		where which that such other another more less fewer nearly about around almost only just even also plus`) {
		sentenceStarters[w] = true
	}
}

var nameWordRe = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{M}\p{N}'\-]*`)

// nameWordSpans yields the start and end of each match of nameWordRe in s, without the
// regexp: a letter or number, then the longest run of letters, marks, numbers,
// apostrophes and hyphens.
func nameWordSpans(s string) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for p := 0; p < len(s); {
			r, size := utf8.DecodeRuneInString(s[p:])
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
				p += size
				continue
			}
			q := p + size
			for q < len(s) {
				r, n := utf8.DecodeRuneInString(s[q:])
				if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r) && r != '\'' && r != '-' {
					break
				}
				q += n
			}
			if !yield(p, q) {
				return
			}
			p = q
		}
	}
}

// names flags capitalised names and acronyms that the source lacks.
func (c *checker) names(name string, t text) {
	toks := c.idx.toks[:0]
	defer func() { c.idx.toks = toks[:0] }()
	for start, end := range nameWordSpans(t.norm) {
		w := strings.TrimRight(t.norm[start:end], "'-")
		tk := nameTok{start: start, end: start + len(w), word: w}
		for _, r := range w {
			if unicode.IsUpper(r) {
				tk.cap = true
				break
			}
		}
		before := strings.TrimRight(t.norm[:start], " ")
		last, _ := utf8.DecodeLastRuneInString(before)
		tk.initial = before == "" || strings.ContainsRune(".!?:;\"(•-", last)
		toks = append(toks, tk)
	}
	german := c.idx.lang == "de" || c.idx.lang == "lb"
	for i := 0; i < len(toks); {
		if !toks[i].cap {
			i++
			continue
		}
		// A group: capitalised words, with connectors between capitalised words.
		j := i + 1
		for j < len(toks) {
			// A possessive ends a name: "Ofqual's Ian Bauckham" is two.
			if strings.TrimSpace(t.norm[toks[j-1].end:toks[j].start]) != "" || trimPossessive(toks[j-1].word) != toks[j-1].word {
				break
			}
			if toks[j].cap {
				j++
				continue
			}
			if connectors[strings.ToLower(toks[j].word)] && j+1 < len(toks) && toks[j+1].cap {
				j += 2
				continue
			}
			break
		}
		group, i0 := toks[i:j], i
		i = j
		var missing []string
		var checked []nameTok
		for k, tk := range group {
			lw := strings.ToLower(trimPossessive(tk.word))
			if pre, suf, ok := strings.Cut(lw, "'"); ok && contractions[suf] {
				lw = pre // "I'm", "We're": the word is the pronoun
				if sentenceStarters[lw] {
					continue
				}
			}
			if !tk.cap || lw == "i" || monthNames[lw] > 0 || weekdayNames[lw] > 0 {
				continue
			}
			acronym := isAcronym(tk.word)
			if !acronym {
				// A word starting a sentence is usually an ordinary word (in German, any
				// noun may be) unless a reporting verb follows it: "Ramanathan said …".
				speaker := len(group) == 1 && j < len(toks) && reportingVerbs[strings.ToLower(toks[j].word)] &&
					!sentenceStarters[lw] && !groupNoun(lw)
				if tk.initial && k == 0 && !speaker && (len(group) == 1 || sentenceStarters[lw] || c.idx.isCommon(lw) || german) {
					continue
				}
				if german && !speaker && (len(group) == 1 || k > 0 && germanDeterminers[strings.ToLower(group[k-1].word)] ||
					k == 0 && i0 > 0 && germanDeterminers[strings.ToLower(toks[i0-1].word)]) {
					continue // German capitalises every noun; names rarely follow an article
				}
			}
			checked = append(checked, tk)
			if acronym && c.idx.expands(lw) {
				continue
			}
			if !c.idx.hasWord(lw) && !c.idx.hasDemonym(lw) {
				missing = append(missing, tk.word)
			}
		}
		// Two known words joined into a name the source never uses ("Jane Khan").
		if len(missing) == 0 {
			for k := 1; k < len(checked); k++ {
				a, b := strings.ToLower(checked[k-1].word), strings.ToLower(trimPossessive(checked[k].word))
				if titles[a] || titles[b] || checked[k].start-checked[k-1].end > 2 {
					continue
				}
				if !c.idx.hasPhrase(a+" "+b) && !c.idx.hasPhrase(b+" "+a) {
					missing = append(missing, checked[k-1].word+" "+checked[k].word)
				}
			}
		}
		if len(missing) > 0 {
			c.add(Flag{name, KindName, t.span(checked[0].start, group[len(group)-1].end),
				"Name not found in the source: " + strings.Join(missing, ", ") + "."})
		}
	}
}

// nameTok is a word the names check looks at.
type nameTok struct {
	start, end int
	word       string
	cap        bool
	initial    bool
}

// groupNoun reports whether w looks like a plural noun for people ("investors",
// "analysts", "residents"), which says things as often as a named speaker does.
func groupNoun(w string) bool {
	for _, suf := range []string{"ers", "ors", "ists", "ents", "ants", "ians", "als", "ics", "ies", "ees", "ives"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// contractions are the endings of "I'm", "we're", "they'll", "I've", "he'd", "don't".
var contractions = map[string]bool{"m": true, "re": true, "ll": true, "ve": true, "d": true, "t": true}

// reportingVerbs follow a speaker's name.
var reportingVerbs = map[string]bool{"said": true, "says": true, "told": true, "added": true, "warned": true,
	"argued": true, "claimed": true, "welcomed": true, "confirmed": true, "announced": true, "denied": true,
	"stated": true, "insisted": true, "admitted": true, "noted": true, "urged": true, "called": true, "praised": true,
	"criticised": true, "criticized": true, "explained": true, "wrote": true, "sagte": true, "erklärte": true,
}

var germanDeterminers = map[string]bool{"der": true, "die": true, "das": true, "den": true, "dem": true, "des": true,
	"ein": true, "eine": true, "einen": true, "einem": true, "einer": true, "eines": true, "kein": true, "keine": true,
	"diese": true, "dieser": true, "dieses": true, "diesen": true, "jede": true, "jeder": true, "jedes": true,
	"neue": true, "neuen": true, "neuer": true, "unsere": true, "ihre": true, "seine": true, "im": true, "am": true, "zum": true, "zur": true, "vom": true, "beim": true}

func isAcronym(w string) bool {
	upper := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			upper++
		}
	}
	return upper >= 2
}

func trimPossessive(w string) string {
	for _, s := range []string{"'s", "'S", "s'"} {
		if strings.HasSuffix(w, s) && len(w) > len(s)+1 {
			if s == "s'" {
				return w[:len(w)-1]
			}
			return w[:len(w)-len(s)]
		}
	}
	return strings.TrimSuffix(w, "'")
}

// hasWord reports whether the source has w (lower case) as a word, allowing a plural or
// possessive, hyphenated parts, and a shared stem with a capitalised source word
// ("British" for "Britain").
func (idx *index) hasWord(w string) bool {
	idx.wordIndex()
	if idx.wordSet[w] || idx.wordSet[strings.TrimSuffix(w, "s")] || idx.wordSet[w+"s"] {
		return true
	}
	if strings.ContainsAny(w, "-'") {
		all := true
		for _, p := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '\'' }) {
			if p != "" && !idx.wordSet[p] {
				all = false
			}
		}
		if all {
			return true
		}
	}
	n := utf8.RuneCountInString(w)
	return n >= 6 && n-3 <= maxStem && idx.hasStem(prefix(w, max(4, n-3)))
}

// maxStem bounds the stems hasWord looks up; names are shorter.
const maxStem = 24

// expands reports whether the source spells out acronym (lower case) as words whose
// initials make it, small joining words aside ("AI": "artificial intelligence").
func (idx *index) expands(acronym string) bool {
	letters := []rune(acronym)
	if len(letters) < 2 || len(letters) > 8 {
		return false
	}
	idx.wordIndex()
	for i := range idx.wordList {
		k, j := 0, i
		for j < len(idx.wordList) && k < len(letters) {
			w := idx.wordList[j]
			r, _ := utf8.DecodeRuneInString(w)
			switch {
			case r == letters[k]:
				k++
			case k > 0 && connectors[w] || k > 0 && (w == "for" || w == "and"):
			default:
				j = len(idx.wordList)
				continue
			}
			j++
		}
		if k == len(letters) {
			return true
		}
	}
	return false
}

// demonyms maps adjectives of place to the places a source may name instead.
var demonyms = map[string][]string{
	"british": {"britain", "uk"}, "english": {"england"}, "scottish": {"scotland"}, "welsh": {"wales"},
	"irish": {"ireland"}, "french": {"france"}, "german": {"germany"}, "spanish": {"spain"}, "italian": {"italy"},
	"dutch": {"netherlands", "holland"}, "european": {"europe", "eu"}, "american": {"america", "us", "usa"},
	"chinese": {"china"}, "japanese": {"japan"}, "russian": {"russia"}, "ukrainian": {"ukraine"}, "polish": {"poland"},
	"swiss": {"switzerland"}, "greek": {"greece"}, "turkish": {"turkey"}, "indian": {"india"}, "canadian": {"canada"},
	"australian": {"australia"}, "londoners": {"london"}, "uk": {"britain", "england", "scotland", "wales"},
	"us": {"america", "usa"}, "britain": {"uk", "british"},
}

func (idx *index) hasDemonym(w string) bool {
	idx.wordIndex()
	for _, place := range demonyms[w] {
		if idx.wordSet[place] {
			return true
		}
	}
	return false
}

// speculation lists hedging and forecasting words a faithful summary only uses when
// its source does.
var speculation = []string{
	"likely", "unlikely", "probably", "possibly", "perhaps", "presumably", "potentially", "might", "could",
	"may have", "may be", "may well", "is expected to", "are expected to", "was expected to", "is set to", "are set to",
	"poised to", "appears to", "appear to", "seems to", "seem to", "reportedly", "it is understood", "is thought to",
	"is believed to", "are believed to", "analysts say", "experts say", "according to experts", "signals", "suggests",
	"suggest", "suggesting", "fears", "hopes", "speculation", "rumoured", "rumored", "no doubt", "undoubtedly", "almost certainly",
	"is bound to", "will probably", "could lead", "is on track to", "paves the way",
	"wahrscheinlich", "vermutlich", "könnte", "dürfte", "probablement", "pourrait", "sans doute",
	"probablemente", "podría", "probabilmente", "potrebbe",
}

// speculationByLength is speculation with the longest phrases first, so that "will
// probably" is found before "probably".
var speculationByLength = newPhraseList(func() []string {
	out := slices.Clone(speculation)
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}())

// phraseList is a list of phrases (lower case, starting with an ASCII letter) in the order
// findPhrases takes them, indexed by their first byte.
type phraseList struct {
	phrases []string
	byFirst [256][]int // positions in phrases
}

func newPhraseList(phrases []string) *phraseList {
	pl := &phraseList{phrases: phrases}
	for i, p := range phrases {
		pl.byFirst[p[0]] = append(pl.byFirst[p[0]], i)
	}
	return pl
}

// asciiLower lowers A-Z only, so byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// findPhrases returns the spans of the phrases of pl in s, A-Z in any case, as whole
// words: each phrase in turn, longest first, skipping a span that overlaps one already
// found. It is one pass over s that looks up the phrases starting with each byte: a
// regexp alternation of seventy phrases is many times slower, and a search per phrase
// several times.
func findPhrases(s string, pl *phraseList) [][2]int {
	type hit struct{ phrase, start int }
	var hits []hit
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		for _, k := range pl.byFirst[c] {
			p := pl.phrases[k]
			if !hasFold(s, i, p) {
				continue
			}
			end := i + len(p)
			if r, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				continue
			}
			hits = append(hits, hit{k, i})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(a.phrase-b.phrase, a.start-b.start) })
	var out [][2]int
	for _, h := range hits {
		start, end := h.start, h.start+len(pl.phrases[h.phrase])
		if slices.ContainsFunc(out, func(o [2]int) bool { return start < o[1] && o[0] < end }) {
			continue
		}
		out = append(out, [2]int{start, end})
	}
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	return out
}

// speculation flags hedging the source does not use: the house style allows only facts
// stated in the article.
func (c *checker) speculation(name string, t text) {
	for _, m := range findPhrases(t.norm, speculationByLength) {
		w := asciiLower(t.norm[m[0]:m[1]])
		if strings.HasPrefix(w, "may ") && t.norm[m[0]] == 'M' {
			continue // the month
		}
		if c.idx.hasPhrase(w) || c.idx.hedges(w) {
			continue
		}
		c.add(Flag{name, KindSpeculation, t.span(m[0], m[1]), "Speculative wording the source does not use."})
	}
}

// hedgeStems name, for speculative phrases, the word whose presence in any form shows
// the source hedges the same way ("A decision is expected from…" for "is expected to").
var hedgeStems = map[string]string{
	"is expected to": "expect", "are expected to": "expect", "was expected to": "expect", "poised to": "poised",
	"appears to": "appear", "appear to": "appear", "seems to": "seem", "seem to": "seem", "it is understood": "understood",
	"is believed to": "believe", "are believed to": "believe", "will probably": "probabl", "could lead": "could",
	"analysts say": "analyst", "experts say": "expert", "according to experts": "expert", "suggests": "suggest",
	"suggest": "suggest", "suggesting": "suggest", "signals": "signal", "fears": "fear", "hopes": "hope",
	"probably": "probabl", "possibly": "possib", "potentially": "potential", "rumoured": "rumo", "rumored": "rumo",
	"speculation": "specul", "paves the way": "pave",
}

// hedges reports whether the source uses the hedge of phrase in another form. "may" is
// looked up lower case, so that the month does not count.
func (idx *index) hedges(phrase string) bool {
	if strings.HasPrefix(phrase, "may ") {
		return mayRe.MatchString(idx.norm)
	}
	stem, ok := hedgeStems[phrase]
	if !ok {
		return false
	}
	idx.wordIndex()
	for _, w := range idx.wordList {
		if strings.HasPrefix(w, stem) {
			return true
		}
	}
	return false
}

var mayRe = regexp.MustCompile(`\bmay\b`)

// languageFlags flags a draft written in another language than the source's (or the
// configured one).
func languageFlags(s Summary, idx *index) []Flag {
	want := idx.lang
	if want == "" {
		return nil
	}
	var all strings.Builder
	for _, kp := range s.KeyPoints {
		all.WriteString(kp)
		all.WriteByte('\n')
	}
	all.WriteString(s.WhyItMatters + "\n" + s.WhatItMeansForYou)
	got := DetectLanguage(all.String())
	if got == "" || got == want {
		return nil
	}
	sec := sections(s)[0]
	for _, x := range sections(s) {
		if DetectLanguage(x.text) == got {
			sec = x
			break
		}
	}
	return []Flag{{sec.name, KindLanguage, sec.text, fmt.Sprintf(
		"The draft seems to be written in %s, but it should be in %s.", languageName(got), languageName(want))}}
}

func languageName(code string) string {
	names := map[string]string{"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
		"nl": "Dutch", "pt": "Portuguese", "sv": "Swedish", "da": "Danish", "pl": "Polish", "ru": "Russian",
		"uk": "Ukrainian", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "zh": "Chinese", "ja": "Japanese",
		"ko": "Korean", "hi": "Hindi"}
	if n, ok := names[code]; ok {
		return n
	}
	return code
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
		if n := sentenceCount(p.text); n > p.maxSents {
			flags = append(flags, Flag{p.name, KindStyle, p.text,
				fmt.Sprintf("Paragraph has %d sentences; the house style is at most %d.", n, p.maxSents)})
		}
	}
	return flags
}
