package summary

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Summary is one draft in the house format: three to five key points and two short
// paragraphs. The JSON names are the ones the API and the model's schema use.
type Summary struct {
	KeyPoints         []string `json:"key_points"`
	WhyItMatters      string   `json:"why_it_matters"`
	WhatItMeansForYou string   `json:"what_it_means_for_you"`
}

// Section names used in [Flag.Section] and in error messages.
const (
	SectionWhy    = "why_it_matters"
	SectionWhat   = "what_it_means_for_you"
	SectionSource = "source"
)

// KeyPointSection returns the section name of the i-th key point (0-based), "key_points[i]".
func KeyPointSection(i int) string {
	if i >= 0 && i < len(keyPointSections) {
		return keyPointSections[i]
	}
	return "key_points[" + strconv.Itoa(i) + "]"
}

// keyPointSections are the first section names of key points, made once.
var keyPointSections = func() (names [2 * MaxKeyPoints]string) {
	for i := range names {
		names[i] = "key_points[" + strconv.Itoa(i) + "]"
	}
	return names
}()

// House-style limits, from the newsroom style anchors in the research notes.
const (
	MinKeyPoints       = 3
	MaxKeyPoints       = 5
	MaxKeyPointWords   = 25
	MaxWhyWords        = 50
	MaxWhySentences    = 2
	MaxWhatWords       = 60
	MaxWhatSentences   = 3
	hardKeyPointWords  = 35  // beyond this a "key point" is a paragraph, not a point
	hardParagraphWords = 200 // beyond this a section is an article, not a summary paragraph
)

// headingRe matches a section heading at the start of a section's text, with optional
// Markdown emphasis, a number or bullet before it, and a colon or dash after it. Models
// (and the portal page in shared/reference) repeat headings inside their own sections.
var headingRe = regexp.MustCompile(`(?i)^\s*(?:#+\s*)?(?:\*\*|__|\*|_)?\s*` +
	`(?:why\s+(?:this|it)\s+matters|what\s+(?:this|it)\s+means\s+for\s+(?:you|readers)|` +
	`key\s+(?:points|takeaways)|summary|` +
	// The same headings as models write them in German, French, Spanish and Italian.
	`warum\s+(?:das|es)\s+wichtig\s+ist|was\s+(?:das|es)\s+für\s+(?:sie|dich)\s+bedeutet|kernpunkte|` +
	`pourquoi\s+c'est\s+important|ce\s+que\s+cela\s+(?:signifie|change)\s+pour\s+vous|points\s+clés|` +
	`por\s+qué\s+(?:es\s+importante|importa)|qué\s+significa\s+para\s+(?:usted|ti)|puntos\s+clave|` +
	`perché\s+è\s+importante|cosa\s+significa\s+per\s+te|punti\s+chiave)` +
	`\s*(?:\*\*|__|\*|_)?\s*(?:[:：]|\s[-–—])\s*(?:\*\*|__|\*|_)?\s*`)

// bulletRe matches list markers a model puts before a key point: "-", "*", "•", "1.", "(2)".
var bulletRe = regexp.MustCompile(`^\s*(?:[-*•·–—▪►]+|\(?\d{1,2}[.)]|\(?[a-e][.)](?:\s))\s*`)

// Clean normalises a summary: it trims and collapses whitespace, removes bullet markers
// from key points, drops empty key points, and strips a section heading repeated at the
// start of a section ("What this means for you: What this means for you: …"), however
// often it is repeated.
func Clean(s Summary) Summary {
	out := Summary{
		WhyItMatters:      stripHeadings(collapse(s.WhyItMatters)),
		WhatItMeansForYou: stripHeadings(collapse(s.WhatItMeansForYou)),
	}
	for _, kp := range s.KeyPoints {
		kp = collapse(kp)
		for {
			next := collapse(bulletRe.ReplaceAllString(stripHeadings(kp), ""))
			if next == kp {
				break
			}
			kp = next
		}
		kp = strings.Trim(kp, "*_ ")
		if kp != "" {
			out.KeyPoints = append(out.KeyPoints, kp)
		}
	}
	return out
}

func stripHeadings(s string) string {
	for {
		next := strings.TrimSpace(headingRe.ReplaceAllString(s, ""))
		if next == s {
			break
		}
		s = next
	}
	// A stripped "**Heading:** text" can leave a closing "**" before the text.
	s = strings.TrimSpace(strings.TrimPrefix(s, "**"))
	return upperFirst(s)
}

// upperFirst makes the first letter upper case; a stripped heading can leave a sentence
// that began lower case ("Why this matters: it means…" → "It means…").
func upperFirst(s string) string {
	for i, r := range s {
		if unicode.IsLetter(r) {
			if unicode.IsLower(r) && i == 0 {
				return string(unicode.ToUpper(r)) + s[len(string(r)):]
			}
			return s
		}
		if i > 0 {
			return s
		}
	}
	return s
}

// collapse trims s, turns any run of white space (including non-breaking and zero-width
// characters) into one space.
func collapse(s string) string {
	if collapsed(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad':
			continue
		case r == 0 || (unicode.IsControl(r) && !unicode.IsSpace(r)):
			// Postgres text cannot hold NUL, and no control character belongs in a summary.
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// collapsed reports whether collapse(s) is s: printable ASCII and single spaces, none at
// either end.
func collapsed(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}

// ValidationError lists every house rule a summary breaks that makes it unusable.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "summary: " + strings.Join(e.Problems, "; ")
}

// Validate reports, as a [*ValidationError], the rule breaks that make a summary unusable:
// fewer than 3 or more than 5 key points, a key point that is empty, more than one
// sentence or far too long, a duplicated key point, an empty paragraph, or a section that
// still starts with a section heading. Softer style issues (word counts) are not errors;
// [Check] reports them as flags.
func Validate(s Summary) error {
	var p []string
	if n := len(s.KeyPoints); n < MinKeyPoints || n > MaxKeyPoints {
		p = append(p, fmt.Sprintf("%d key points, want %d to %d", n, MinKeyPoints, MaxKeyPoints))
	}
	seen := map[string]int{}
	for i, kp := range s.KeyPoints {
		kp = strings.TrimSpace(kp)
		switch {
		case kp == "":
			p = append(p, fmt.Sprintf("key point %d is empty", i+1))
			continue
		case headingRe.MatchString(kp):
			p = append(p, fmt.Sprintf("key point %d starts with a heading", i+1))
		}
		if n := len(Sentences(kp)); n > 1 {
			p = append(p, fmt.Sprintf("key point %d has %d sentences, want one", i+1, n))
		}
		if n := WordCount(kp); n > hardKeyPointWords {
			p = append(p, fmt.Sprintf("key point %d has %d words, want at most %d", i+1, n, MaxKeyPointWords))
		}
		key := strings.ToLower(kp)
		if j, ok := seen[key]; ok {
			p = append(p, fmt.Sprintf("key point %d repeats key point %d", i+1, j+1))
		}
		seen[key] = i
	}
	for _, sec := range []struct{ name, text string }{
		{`"Why this matters"`, s.WhyItMatters},
		{`"What this means for you"`, s.WhatItMeansForYou},
	} {
		switch t := strings.TrimSpace(sec.text); {
		case t == "":
			p = append(p, sec.name+" is empty")
		case headingRe.MatchString(t):
			p = append(p, sec.name+" repeats a section heading")
		case WordCount(t) > hardParagraphWords:
			p = append(p, fmt.Sprintf("%s has %d words, want at most %d", sec.name, WordCount(t), hardParagraphWords))
		}
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// WordCount counts words the way an editor would: white-space separated tokens that hold
// at least one letter or digit (a lone dash is not a word).
func WordCount(s string) int {
	n := 0
	for f := range strings.FieldsSeq(s) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}
