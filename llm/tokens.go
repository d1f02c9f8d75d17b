package llm

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"
)

// o200k is OpenAI's o200k_base BPE (GPT-4o and later), compiled into the binary by
// tiktoken-go: counting needs no download. Other model families tokenise differently,
// by some percent either way; the context budget leaves room for that.
var o200k = sync.OnceValue(codec.NewO200kBase)

// CountTokens counts the tokens of s with the o200k_base tokenizer embedded in the
// binary. It runs offline and downloads nothing.
func CountTokens(s string) int {
	if s == "" {
		return 0
	}
	n, err := o200k().Count(s)
	if err != nil {
		return estimateTokens(s)
	}
	return n
}

// estimateTokens is the fallback when the tokenizer fails: a word of letters costs one
// token per 4 bytes (rounded up), digits one per 3, and every other non-space character
// one. It errs on the high side for English prose.
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
		if c := s[i]; c < utf8.RuneSelf { // ASCII, most of a prompt: the same classes, faster
			i++
			k := 0
			switch {
			case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
				k = 1
			case '0' <= c && c <= '9':
				k = 2
			}
			if k != kind {
				flush()
			}
			if k == 0 {
				if c != ' ' && (c < '\t' || c > '\r') {
					n++
				}
				continue
			}
			kind = k
			run++
			continue
		}
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
