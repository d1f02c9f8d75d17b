package summary

import (
	"testing"
	"unicode"
)

// TestFirstScripted: scriptLanguage may skip the letters before firstScripted, as none is
// in a script it counts; and DetectLanguage's score array holds every stopword language.
func TestFirstScripted(t *testing.T) {
	for r := rune(0); r < firstScripted; r++ {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Han, unicode.Cyrillic, unicode.Greek,
			unicode.Arabic, unicode.Hebrew, unicode.Devanagari) {
			t.Errorf("%U is before firstScripted but in a script scriptLanguage counts", r)
		}
	}
	if len(stopLangs) > len(([16]int{})) {
		t.Errorf("%d stopword languages; DetectLanguage counts at most 16", len(stopLangs))
	}
}
