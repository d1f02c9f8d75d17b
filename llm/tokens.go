package llm

import (
	"unicode"
	"unicode/utf8"
)

// CountTokens estimates how many tokens a BPE tokenizer of the GPT-4o family would make
// of s. It runs offline and downloads nothing.
func CountTokens(s string) int {
	return estimateTokens(s)
}

// estimateTokens is a self-contained approximation of a BPE token count: a word of
// letters costs one token per 4 bytes (rounded up), digits one per 3, and every other
// non-space character one. It errs on the high side for English prose.
func estimateTokens(s string) int {
	n := 0
	run, kind := 0, 0 // kind: 1 letters, 2 digits
	flush := func() {
		switch kind {
		case 1:
			n += (run + 3) / 4
		case 2:
			n += (run + 2) / 3
		}
		run, kind = 0, 0
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k := 0
		switch {
		case unicode.IsLetter(r) && size >= 3: // CJK and other wide scripts: about a token a character
			flush()
			n++
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush()
		}
		if k == 0 {
			if !unicode.IsSpace(r) {
				n++
			}
			continue
		}
		kind = k
		run += size
	}
	flush()
	return n
}
