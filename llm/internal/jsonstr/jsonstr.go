// Package jsonstr encodes JSON strings byte for byte as encoding/json does, without
// reflection or a copy: llm splices the messages into request bodies with it, and
// llmtest writes its answers with it.
package jsonstr

import (
	"bytes"
	"unicode/utf8"
)

// Append appends s as a JSON string the way encoding/json does: with <, > and &
// escaped, invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func Append(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				for i < len(s) && s[i] < utf8.RuneSelf && safe[s[i]] {
					i++
				}
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safe marks the ASCII characters Append copies as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Cut decodes the JSON string at the start of b and returns it with what follows it.
// ok is false, and encoding/json should decode b instead, when b does not start with a
// string that Cut decodes exactly as encoding/json does: an unterminated one, or one
// holding a control character, invalid UTF-8, an escaped surrogate or an unknown escape.
func Cut(b []byte) (s string, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	end, escaped := -1, false
	for i := 1; i < len(b); {
		c := b[i]
		if c == '"' {
			end = i
			break
		}
		if c == '\\' {
			escaped = true
			i += 2
			continue
		}
		if c < 0x20 {
			return "", b, false
		}
		i++
	}
	if end < 0 {
		return "", b, false
	}
	span, rest := b[1:end], b[end+1:]
	if !escaped {
		if !utf8.Valid(span) {
			return "", b, false
		}
		return string(span), rest, true
	}
	out := make([]byte, 0, len(span))
	for len(span) > 0 {
		i := bytes.IndexByte(span, '\\')
		if i < 0 {
			i = len(span)
		}
		if !utf8.Valid(span[:i]) {
			return "", b, false
		}
		out = append(out, span[:i]...)
		if i == len(span) {
			break
		}
		// span[i] is a backslash, and the loop above saw the byte after it.
		switch e := span[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(span[i+2:])
			if !ok || 0xd800 <= r && r < 0xe000 {
				return "", b, false
			}
			out = utf8.AppendRune(out, r)
			span = span[i+6:]
			continue
		default:
			return "", b, false
		}
		span = span[i+2:]
	}
	return string(out), rest, true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Skip consumes the JSON value at the start of b, after white space, and returns what
// follows it. It matches brackets and finds the ends of strings but checks nothing
// else: callers either validated b first or can afford to be lenient.
func Skip(b []byte) (rest []byte, ok bool) {
	b = TrimSpace(b)
	if len(b) == 0 {
		return b, false
	}
	switch b[0] {
	case '"':
		return skipString(b)
	case '{', '[':
		depth := 0
		for len(b) > 0 {
			switch b[0] {
			case '"':
				if b, ok = skipString(b); !ok {
					return b, false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return b[1:], true
				}
			}
			b = b[1:]
		}
		return b, false
	}
	// A number, true, false or null: up to the next delimiter.
	n := 0
	for n < len(b) && !delimiter(b[n]) {
		n++
	}
	return b[n:], n > 0
}

// skipString consumes the string at the start of b without decoding it.
func skipString(b []byte) ([]byte, bool) {
	for i := 1; ; {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return b, false
		}
		i += j
		backslashes := 0
		for k := i - 1; k > 0 && b[k] == '\\'; k-- {
			backslashes++
		}
		i++
		if backslashes%2 == 0 {
			return b[i:], true
		}
	}
}

func delimiter(c byte) bool {
	return c == ',' || c == '}' || c == ']' || space(c)
}

func space(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// TrimSpace drops JSON white space from the front of b.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && space(b[0]) {
		b = b[1:]
	}
	return b
}
