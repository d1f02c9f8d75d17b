package summary

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// text is a normalised copy of a section or source, with a map back to the original so
// that flags can quote the section as it was written.
type text struct {
	orig string
	norm string
	// offs[i] is the byte in orig where norm's byte i came from; len(norm)+1 entries. It
	// is nil when each byte stays where it was, as in ASCII text.
	offs []int
}

// normalise applies NFKC, unifies quotation marks and dashes, drops soft hyphens and
// zero-width characters, and turns any white space into a plain space.
func normalise(s string) text {
	if ascii(s) {
		return text{orig: s, norm: normaliseASCII(s)}
	}
	offs := make([]int, 0, len(s)+1)
	norm := normaliseInto(s, &offs)
	return text{orig: s, norm: norm, offs: offs}
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normaliseASCII is normaliseInto for ASCII s, which keeps its length; s itself when
// nothing changes.
func normaliseASCII(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == '`' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '`':
			b.WriteByte('\'')
		case '\t', '\n', '\v', '\f', '\r':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// off is offs[i], or i when offs is nil.
func (t text) off(i int) int {
	if t.offs == nil {
		return i
	}
	return t.offs[i]
}

// normaliseText is normalise(s).norm, without the map back to s.
func normaliseText(s string) string {
	if ascii(s) {
		return normaliseASCII(s)
	}
	return normaliseInto(s, nil)
}

// normaliseInto returns the normalised s and, unless offs is nil, appends to *offs where
// each of its bytes came from.
func normaliseInto(s string, offs *[]int) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if r < utf8.RuneSelf { // most of a text: ASCII keeps its byte, but ` and white space
			c := byte(r)
			switch c {
			case '`':
				c = '\''
			case '\t', '\n', '\v', '\f', '\r':
				c = ' '
			}
			if offs != nil {
				*offs = append(*offs, i)
			}
			b.WriteByte(c)
			continue
		}
		var rep string
		switch {
		case r == '\u00ad' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff':
			continue
		case strings.ContainsRune("“”„‟«»〝〞＂", r):
			rep = `"`
		case strings.ContainsRune("‘’‚‛‹›`´", r):
			rep = "'"
		case strings.ContainsRune("‐‑‒–—―−", r):
			rep = "-"
		case unicode.IsSpace(r):
			rep = " "
		case r < utf8.RuneSelf:
			rep = string(r)
		default:
			rep = norm.NFKC.String(string(r))
		}
		if offs != nil {
			for range len(rep) {
				*offs = append(*offs, i)
			}
		}
		b.WriteString(rep)
	}
	if offs != nil {
		*offs = append(*offs, len(s))
	}
	return b.String()
}

// span returns the original text behind norm[start:end].
func (t text) span(start, end int) string {
	if start < 0 || end > len(t.norm) || start >= end {
		return ""
	}
	o1, o2 := t.off(start), t.off(end)
	if end < len(t.norm) && t.off(end) == t.off(end-1) {
		// end falls inside the expansion of one rune: take that whole rune.
		_, size := utf8.DecodeRuneInString(t.orig[t.off(end-1):])
		o2 = t.off(end-1) + size
	}
	return strings.TrimSpace(t.orig[o1:o2])
}

// mask blanks norm[start:end] (with spaces) so later checks skip it.
func (t *text) mask(start, end int) {
	t.norm = t.norm[:start] + strings.Repeat(" ", end-start) + t.norm[end:]
}

// words returns the lower-case words of s: runs of letters, marks and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), notLetterDigitMark)
}

// wordString joins the words of s with single spaces, padded with one space each side,
// for whole-word substring matching.
func wordString(s string) string { return " " + strings.Join(words(s), " ") + " " }

// appendLower appends strings.ToLower(s) to b.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, unicode.ToLower(r))
		i += size
	}
	return b
}
