package summary

import (
	"strings"
	"unicode"
)

// stopwords holds frequent function words per language. They are what tells languages
// of the same script apart; content words would only add noise.
var stopwords = map[string][]string{
	"en": strings.Fields("the and of to in is that for it was on with as by at from this be are have has had not but which will would its their they were been he she his her who an or said more also than after about into over"),
	"de": strings.Fields("der die das und ist nicht den von zu mit sich des auf für im dem ein eine einen einer auch es an als nach wie bei aus sind wird wurde werden hat haben noch über sie er nur oder aber vor zur bis mehr durch"),
	"fr": strings.Fields("le la les et des est un une du en que qui dans pour pas sur au avec ce il elle sont par plus ont été a aux ne se son sa ses mais ou cette leur selon après"),
	"es": strings.Fields("el la los las y de que en un una es por con para del se no al lo su sus como más pero ha han fue son sobre este esta entre también desde según ya"),
	"it": strings.Fields("il lo la gli le e di che è un una per con non del della dei delle al alla si sono ha hanno anche come più ma nel nella questo questa essere stato dopo secondo"),
	"nl": strings.Fields("de het een en van is dat in op te met voor niet zijn er aan ook als bij door maar om dan nog wordt werd naar heeft hebben deze dit uit over zij hij"),
	"pt": strings.Fields("o a os as e de que em um uma é do da dos das para com não por se no na mais como mas foi são ao pelo pela seu sua também entre após"),
	"sv": strings.Fields("och att det som en på är av för med till den har de inte om ett men var jag vi ska kan från efter också eller hade sig under"),
	"da": strings.Fields("og at det som en på er af for med til den har de ikke om et men var vi skal kan fra efter også eller havde sig under"),
	"pl": strings.Fields("i w na z że się nie do to jest jak po o co od przez dla ale tak jego już są był była może także oraz który która"),
}

// stopIndex maps a word to the languages it is a stopword of.
var stopIndex = func() map[string][]string {
	m := map[string][]string{}
	for lang, words := range stopwords {
		for _, w := range words {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// DetectLanguage guesses the ISO 639-1 language of text from its stopwords (and its
// script for texts in Cyrillic, Greek, Arabic, Hebrew, CJK and other scripts). It returns
// "" when the text is too short or too mixed to tell.
func DetectLanguage(text string) string {
	if s := scriptLanguage(text); s != "" {
		return s
	}
	scores := map[string]int{}
	total := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	}) {
		total++
		for _, l := range stopIndex[w] {
			scores[l]++
		}
		if total >= 3000 {
			break
		}
	}
	best, second := "", 0
	for l, n := range scores {
		if best == "" || n > scores[best] || n == scores[best] && l < best {
			if best != "" {
				second = max(second, scores[best])
			}
			best = l
		} else {
			second = max(second, n)
		}
	}
	// Too few hits, or a near tie, is no answer: a wrong guess is worse than none.
	if best == "" || scores[best] < 3 || float64(scores[best]) < 1.25*float64(second) {
		return ""
	}
	return best
}

// scriptLanguage names the language of texts written mostly in a script one language
// (or one family we treat as one) owns.
func scriptLanguage(text string) string {
	counts := map[string]int{}
	letters := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			counts["ja"] += 3 // kana mark Japanese even among kanji
		case unicode.Is(unicode.Hangul, r):
			counts["ko"]++
		case unicode.Is(unicode.Han, r):
			counts["zh"]++
		case unicode.Is(unicode.Cyrillic, r):
			counts["ru"]++
			if strings.ContainsRune("іїєґ", unicode.ToLower(r)) {
				counts["uk"] += 20
			}
		case unicode.Is(unicode.Greek, r):
			counts["el"]++
		case unicode.Is(unicode.Arabic, r):
			counts["ar"]++
		case unicode.Is(unicode.Hebrew, r):
			counts["he"]++
		case unicode.Is(unicode.Devanagari, r):
			counts["hi"]++
		}
		if letters > 5000 {
			break
		}
	}
	if letters == 0 {
		return ""
	}
	if counts["ja"] > 0 && counts["ja"]+counts["zh"] > letters/2 {
		return "ja"
	}
	if counts["uk"] > 0 && counts["ru"] > letters/2 {
		return "uk"
	}
	for _, l := range []string{"ko", "zh", "ru", "el", "ar", "he", "hi"} {
		if counts[l] > letters/2 {
			return l
		}
	}
	return ""
}
