package summary

import (
	"maps"
	"slices"
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

// stopLangs are the languages of stopwords, sorted.
var stopLangs = slices.Sorted(maps.Keys(stopwords))

// stopIndex maps a word to the languages (positions in stopLangs) it is a stopword of.
var stopIndex = func() map[string][]int {
	m := map[string][]int{}
	for i, lang := range stopLangs {
		for _, w := range stopwords[lang] {
			m[w] = append(m[w], i)
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
	var scores [16]int // by position in stopLangs
	total := 0
	for w := range strings.FieldsFuncSeq(strings.ToLower(text), func(r rune) bool {
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
	// The most hits, the first language in order among equals; and the most hits of
	// any other language.
	best, second := 0, 0
	for l := range stopLangs {
		if scores[l] > scores[best] {
			best = l
		}
	}
	for l := range stopLangs {
		if l != best {
			second = max(second, scores[l])
		}
	}
	// Too few hits, or a near tie, is no answer: a wrong guess is worse than none.
	if scores[best] < 3 || float64(scores[best]) < 1.25*float64(second) {
		return ""
	}
	return stopLangs[best]
}

// scripts are the scripts scriptLanguage counts, each with its language.
const (
	scriptJa = iota // kana
	scriptKo
	scriptZh
	scriptRu
	scriptUk // the letters only Ukrainian has, on top of scriptRu
	scriptEl
	scriptAr
	scriptHe
	scriptHi
	numScripts
)

// firstScripted is the first rune of the scripts scriptLanguage counts (Greek):
// TestFirstScripted checks the letters before it.
const firstScripted = '\u0370'

// scriptLanguage names the language of texts written mostly in a script one language
// (or one family we treat as one) owns.
func scriptLanguage(text string) string {
	var counts [numScripts]int
	letters := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case r < firstScripted:
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			counts[scriptJa] += 3 // kana mark Japanese even among kanji
		case unicode.Is(unicode.Hangul, r):
			counts[scriptKo]++
		case unicode.Is(unicode.Han, r):
			counts[scriptZh]++
		case unicode.Is(unicode.Cyrillic, r):
			counts[scriptRu]++
			if strings.ContainsRune("іїєґ", unicode.ToLower(r)) {
				counts[scriptUk] += 20
			}
		case unicode.Is(unicode.Greek, r):
			counts[scriptEl]++
		case unicode.Is(unicode.Arabic, r):
			counts[scriptAr]++
		case unicode.Is(unicode.Hebrew, r):
			counts[scriptHe]++
		case unicode.Is(unicode.Devanagari, r):
			counts[scriptHi]++
		}
		if letters > 5000 {
			break
		}
	}
	if letters == 0 {
		return ""
	}
	if counts[scriptJa] > 0 && counts[scriptJa]+counts[scriptZh] > letters/2 {
		return "ja"
	}
	if counts[scriptUk] > 0 && counts[scriptRu] > letters/2 {
		return "uk"
	}
	for _, sc := range []struct {
		script int
		lang   string
	}{{scriptKo, "ko"}, {scriptZh, "zh"}, {scriptRu, "ru"}, {scriptEl, "el"}, {scriptAr, "ar"}, {scriptHe, "he"}, {scriptHi, "hi"}} {
		if counts[sc.script] > letters/2 {
			return sc.lang
		}
	}
	return ""
}
