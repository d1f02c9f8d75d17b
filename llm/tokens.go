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
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // ASCII, most of a prompt: the same classes, a run at a time
			switch k := asciiKinds[c]; k {
			case kindLetter, kindDigit:
				j := i + 1
				for j < len(s) && s[j] < utf8.RuneSelf && asciiKinds[s[j]] == k {
					j++
				}
				if int(k) != kind {
					n, run = n+runTokens(run, kind), 0
				}
				kind, run, i = int(k), run+j-i, j
			default:
				n, run, kind = n+runTokens(run, kind), 0, 0
				if k == kindOther {
					n++
				}
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k := 0
		switch {
		case unicode.IsLetter(r) && size >= 3: // CJK and other wide scripts: about a token a character
			n, run, kind = n+runTokens(run, kind), 0, 0
			n++
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r):
			k = kindLetter
		case unicode.IsDigit(r):
			k = kindDigit
		}
		if k != kind {
			n, run, kind = n+runTokens(run, kind), 0, 0
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
	return n + runTokens(run, kind)
}

// Kinds of characters for estimateTokens.
const (
	kindSpace = iota
	kindLetter
	kindDigit
	kindOther
)

// runTokens is what a run of run bytes of letters or digits costs.
func runTokens(run, kind int) int {
	switch kind {
	case kindLetter:
		return (run + 3) / 4
	case kindDigit:
		return (run + 2) / 3
	}
	return 0
}

// asciiKinds classes the ASCII characters as unicode.IsLetter, IsDigit and IsSpace do.
var asciiKinds = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			t[c] = kindLetter
		case '0' <= c && c <= '9':
			t[c] = kindDigit
		case c == ' ' || '\t' <= c && c <= '\r':
			t[c] = kindSpace
		default:
			t[c] = kindOther
		}
	}
	return t
}()
