package summary

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normaliseRuneByRune is normalise as first written, every rune through the general
// path; normalise must give the same text and offsets.
func normaliseRuneByRune(s string) text {
	t := text{orig: s}
	var b strings.Builder
	for i, r := range s {
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
		for range len(rep) {
			t.offs = append(t.offs, i)
		}
		b.WriteString(rep)
	}
	t.offs = append(t.offs, len(s))
	t.norm = b.String()
	return t
}

func TestNormaliseKeepsItsOutput(t *testing.T) {
	texts := []string{"", "plain", "a`b\tc\nd\ve\ff\rg", "a\tb\nc\vd\fe\rf g`h´i“j”k—l\u00a0m\u200bn\u00ado½p\xffq\x00r\x7fs\u2028t"}
	cases, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Source().Text)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		texts = append(texts, string(b))
		for i := range b {
			b[i] &= 0x7f
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		got, want := normalise(s), normaliseRuneByRune(s)
		offs := make([]int, len(got.norm)+1)
		for i := range offs {
			offs[i] = got.off(i)
		}
		if got.norm != want.norm || !reflect.DeepEqual(offs, want.offs) {
			t.Fatalf("normalise(%q) = %q %v, want %q %v", s, got.norm, offs, want.norm, want.offs)
		}
		if n := normaliseText(s); n != want.norm {
			t.Fatalf("normaliseText(%q) = %q, want %q", s, n, want.norm)
		}
	}
}

func TestAppendLower(t *testing.T) {
	texts := []string{"", "abc", "ABC Def", "İstanbul ẞ Ⱥ \u212a \u017f ÀÉÎ", "\xff\xfeA", "a\uFFFDB", "ΣΑΣ Привет"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		texts = append(texts, string(b), string([]rune{rune(rng.IntN(0x2000)), rune(rng.IntN(0x11000))}))
	}
	for _, s := range texts {
		if got, want := string(appendLower([]byte("x"), s)), "x"+strings.ToLower(s); got != want {
			t.Fatalf("appendLower(%q) = %q, want %q", s, got, want)
		}
	}
}
