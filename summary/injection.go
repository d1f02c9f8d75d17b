package summary

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// injectionPatterns are the shapes of instructions aimed at a model rather than at
// readers. News about prompt injection will match too: a flag asks a reviewer to look,
// it does not block.
//
// need lists, for each pattern, groups of strings of which every match holds at least
// one string from each group, written in lower case with each run of white space as one
// space (a leading \b asks for an ASCII word boundary before the string). A text that
// lacks them is not searched: most articles lack most of them, and running thirteen
// case-insensitive regexps over every article was most of the cost of checking a draft.
// TestInjectionNeeds and FuzzCheck hold the prefilter to the plain search.
var injectionPatterns = []injectionPattern{
	{regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.!?\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those|system)\b[^.!?\n]{0,30}?\b(?:instructions?|prompts?|directions?|rules|guidelines|messages?|context|commands?)\b`), "an order to ignore instructions", [][]string{{`\bignore`, `\bdisregard`, `\bforget`, `\boverride`, `\bbypass`, `\bskip`}, {"instruction", "prompt", "direction", "rules", "guideline", "message", "context", "command"}}},
	{regexp.MustCompile(`(?i)\b(?:new|updated|real|actual|hidden|secret|additional)\s+(?:instructions?|system\s+prompt|task|directive)s?\s*[:\-]`), "a block of new instructions", [][]string{{`\bnew `, `\bupdated `, `\breal `, `\bactual `, `\bhidden `, `\bsecret `, `\badditional `}, {"instruction", "system prompt", "task", "directive"}}},
	{regexp.MustCompile(`(?i)<\|?\s*(?:im_start|im_end|system|assistant|user|endoftext)\s*\|?>|\[/?INST\]|<</?SYS>>|</?(?:system|assistant|instructions?)>|###\s*(?:system|instruction|assistant|user)\b`), "a chat-template role tag", [][]string{{"<", "[inst]", "[/inst]", "###"}}},
	{regexp.MustCompile(`(?im)(?:^|[.!?]\s+)\s*(?:system|assistant|developer)\s*(?:prompt|message)?\s*:`), "a role label", [][]string{{"system", "assistant", "developer"}, {":"}}},
	{regexp.MustCompile(`(?i)\b(?:system|developer)\s+(?:prompt|message|instructions?)\b`), "a mention of the system prompt", [][]string{{`\bsystem prompt`, `\bsystem message`, `\bsystem instruction`, `\bdeveloper prompt`, `\bdeveloper message`, `\bdeveloper instruction`}}},
	{regexp.MustCompile(`(?i)\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:[\w-]+\s+){0,2}?(?:ai|a\.i\.|chatgpt|gpt|claude|gemini|llm|language\s+model|assistant|chatbot|summari[sz]er|helpful|no\s+longer)\b`), `a "you are" role assignment`, [][]string{{`\byou are `}}},
	{regexp.MustCompile(`(?i)\b(?:as\s+an\s+ai(?:\s+language)?\s+model|act\s+as\s+(?:an?\s+)?(?:ai|assistant|model|different)|pretend\s+(?:to\s+be|you\s+are)|from\s+now\s+on,?\s+you|jailbreak|developer\s+mode|\bDAN\b\s+mode)\b`), "a role-play instruction", [][]string{{`\bas an ai`, `\bact as `, `\bpretend `, `\bfrom now on`, `\bjailbreak`, `\bdeveloper mode`, `\bdan mode`}}},
	{regexp.MustCompile(`(?i)\b(?:note|message|instruction|attention|reminder)s?\s+(?:to|for)\s+(?:the\s+)?(?:ai|a\.i\.|llms?|language\s+models?|models?|assistants?|chatbots?|summari[sz]ers?|bots?|crawlers?)\b|\b(?:dear|hey|attention)\s+(?:ai|llm|assistant|chatgpt|model|summari[sz]er)\b|\bif\s+you\s+are\s+an?\s+(?:ai|llm|language\s+model|assistant|bot)\b`), "a message addressed to an AI", [][]string{{`\bnote`, `\bmessage`, `\binstruction`, `\battention`, `\breminder`, `\bdear `, `\bhey `, `\bif you are a`}}},
	{regexp.MustCompile(`(?i)\b(?:ai|llm|language\s+model|assistant|chatbot|summari[sz]er)s?\b[^.!?\n]{0,40}?\b(?:must|should|shall|are\s+instructed\s+to|need\s+to|have\s+to)\s+(?:always\s+)?(?:say|write|describe|state|include|add|mention|call|claim|report|reply|respond|summari[sz]e|recommend|output)\b`), "an instruction to AI systems", [][]string{{`\bai`, "llm", "language model", "assistant", "chatbot", "summariser", "summarizer"}, {`\bmust `, `\bshould `, `\bshall `, `\bare instructed to `, `\bneed to `, `\bhave to `}}},
	{regexp.MustCompile(`(?i)\b(?:when|if)\s+(?:you\s+)?summari[sz](?:e|ing)\b[^.!?\n]{0,60}?\b(?:say|write|include|add|mention|state|describe|call|claim|tell)\b|\b(?:do\s+not|don't|never)\s+(?:summari[sz]e|mention|reveal|include)\b[^.!?\n]{0,40}\b(?:this|the\s+(?:article|following|above|text))\b`), "an instruction about the summary", [][]string{{`\bsummari`, `\bnot mention`, `\bnot reveal`, `\bnot include`, `\bdon't mention`, `\bdon't reveal`, `\bdon't include`, `\bnever mention`, `\bnever reveal`, `\bnever include`}}},
	{regexp.MustCompile(`(?i)\b(?:include|add|insert|append|put|embed)\s+(?:this|the\s+following|a|an|our|my)\s+(?:link|url|hyperlink|e-?mail(?:\s+address)?|phone\s+number|contact|referral|coupon|discount\s+code|affiliate)\b|\b(?:include|add|insert|append)\s+(?:a\s+)?(?:link|url)\s+to\b`), "a request to add a link or contact", [][]string{{`\blink`, `\bhyperlink`, `\burl`, `\bemail`, `\be-mail`, `\bphone number`, `\bcontact`, `\breferral`, `\bcoupon`, `\bdiscount code`, `\baffiliate`}}},
	{regexp.MustCompile(`(?i)\b(?:respond|reply|answer|write|output)\s+(?:only\s+)?(?:in|with)\s+(?:french|german|spanish|italian|chinese|russian|json|the\s+following|"[^"]{1,40}")\b|\b(?:print|output|repeat)\s+(?:the\s+)?(?:following|your\s+(?:instructions|prompt|system\s+prompt))\b`), "an instruction about the answer", [][]string{{"respond ", "reply ", "answer ", "write ", "output ", "print ", "repeat "}}},
	{regexp.MustCompile(`(?i)<!--|-->|\bdisplay\s*:\s*none\b|\bvisibility\s*:\s*hidden\b|\bfont-size\s*:\s*0\b|\bcolor\s*:\s*(?:#fff(?:fff)?|white)\b`), "hidden-text markup", [][]string{{"<!--", "-->", "display", "visibility", "font-size", "color"}}},
}

type injectionPattern struct {
	re   *regexp.Regexp
	what string
	need [][]string
}

// InjectionFlags looks for instruction-like text in the source (title, byline and text):
// orders to ignore instructions, role tags and labels, "you are" assignments, messages
// to AI systems, requests to add links, hidden-text markup and invisible characters.
// Each becomes a flag of kind "injection" on section "source", so the reviewer checks
// the draft follows the article and not the injected text.
func InjectionFlags(src Source) []Flag {
	return injectionFlags(sourceText(src), true)
}

// sourceText is the text of src the checks search: title, byline and text.
func sourceText(src Source) string { return src.Title + "\n" + src.Byline + "\n" + src.Text }

// injectionFlags is InjectionFlags on all, a source's sourceText, with or without the
// prefilter.
func injectionFlags(all string, prefilter bool) []Flag {
	var flags []Flag
	var seen map[string]bool
	var found []bool
	if prefilter {
		var folded string
		folded, prefilter = foldForNeeds(all)
		if prefilter {
			found = needs.find(folded)
		}
	}
	for i, p := range injectionPatterns {
		if prefilter && !needs.has(i, found) {
			continue
		}
		for _, m := range p.re.FindAllStringIndex(all, 3) {
			snippet := around(all, m[0], m[1])
			if seen[snippet] {
				continue
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[snippet] = true
			flags = append(flags, Flag{SectionSource, KindInjection, snippet, fmt.Sprintf(
				"The article contains %s, which reads like text aimed at an AI model. It was passed to the model as data; check that the draft follows the article, not this text.", p.what)})
		}
	}
	if n := invisible(all); n > 0 {
		flags = append(flags, Flag{SectionSource, KindInjection, fmt.Sprintf("%d invisible characters", n), fmt.Sprintf(
			"The article contains %d invisible formatting characters (zero-width, bidirectional or tag characters), which can hide text from readers but not from a model.", n)})
	}
	return flags
}

// around returns the match widened to whole words, at most about 160 characters.
func around(s string, start, end int) string {
	from, to := max(0, start-40), min(len(s), end+60)
	for from > 0 && from < start && !isBoundary(s[from-1]) {
		from++
	}
	for to < len(s) && to > end && !isBoundary(s[to]) {
		to--
	}
	out := strings.Join(strings.Fields(s[from:to]), " ")
	if r := []rune(out); len(r) > 200 {
		out = string(r[:200]) + "…"
	}
	return out
}

func isBoundary(b byte) bool { return b == ' ' || b == '\n' || b == '\t' }

// invisible counts characters that render as nothing and can hide or disguise text:
// bidirectional controls and Unicode tag characters (used for "ASCII smuggling")
// anywhere, and zero-width characters next to a letter. A zero-width space alone between
// paragraphs, as some blogs use for spacing, does not count.
func invisible(s string) int {
	n := 0
	prev := rune(-1) // none
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			prev = rune(s[i])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < firstInvisible:
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r >= 0xE0000 && r <= 0xE007F:
			n++
		case r >= '\u200b' && r <= '\u200d', r >= '\u2060' && r <= '\u2064':
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if prev >= 0 && letterOrDigit(prev) || i+size < len(s) && letterOrDigit(next) {
				n++
			}
		case unicode.Is(unicode.Cf, r) && r != '\u00ad' && r != '\ufeff' && r != '\u200e' && r != '\u200f':
			n++
		}
		prev = r
		i += size
	}
	// A stray joiner or two occur in emoji and Indic text; many are a pattern.
	if n < 3 {
		return 0
	}
	return n
}

// firstInvisible bounds the runes invisible counts from below: before it, only the soft
// hyphen is a format character, and invisible does not count it (TestFirstInvisible).
const firstInvisible = '\u0600'

func letterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// foldForNeeds returns s with ASCII letters in lower case and each run of the white
// space regexp's \s matches ([\t\n\f\r ]) as one space: where a case-insensitive
// pattern matches s, its literal parts occur in the result. ok is false when s holds one
// of the two non-ASCII letters that case-fold to ASCII ones (the Kelvin sign and the long
// s): the caller then searches without the prefilter.
func foldForNeeds(s string) (string, bool) {
	if foldsToASCII(s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		space = false
		b.WriteByte(c)
	}
	return b.String(), true
}

// needs indexes every string injectionPatterns need, to look for all of them in one pass
// over a folded text: a search per string took longer than the rest of checking a draft.
var needs = newNeedIndex()

type needIndex struct {
	strs   []string  // the needed strings, without \b
	word   []bool    // whether strs[k] must start a word (it is written with \b)
	groups [][][]int // per pattern, its need groups as positions in strs
	single []int     // the strings of one byte, found with IndexByte
	first  [256][]int
	// pairs marks the first two bytes of the longer strings, for a string that may
	// start anywhere [0] or only at the start of a word [1].
	pairs [2][1 << 16 / 64]uint64
}

func newNeedIndex() *needIndex {
	ni := &needIndex{}
	ids := map[string]int{}
	for _, p := range injectionPatterns {
		var groups [][]int
		for _, g := range p.need {
			var group []int
			for _, w := range g {
				k, ok := ids[w]
				if !ok {
					k = len(ni.strs)
					ids[w] = k
					str, word := strings.CutPrefix(w, `\b`)
					ni.strs, ni.word = append(ni.strs, str), append(ni.word, word)
					if len(str) == 1 {
						ni.single = append(ni.single, k)
					} else {
						ni.first[str[0]] = append(ni.first[str[0]], k)
						pair, at := uint16(str[0])<<8|uint16(str[1]), 0
						if word {
							at = 1
						}
						ni.pairs[at][pair/64] |= 1 << (pair % 64)
					}
				}
				group = append(group, k)
			}
			groups = append(groups, group)
		}
		ni.groups = append(ni.groups, groups)
	}
	return ni
}

// find reports, for each needed string, whether folded holds it; after \b (an ASCII word
// boundary: each string written with one starts with a letter) when it is written so.
func (ni *needIndex) find(folded string) []bool {
	found := make([]bool, len(ni.strs))
	for _, k := range ni.single {
		found[k] = strings.IndexByte(folded, ni.strs[k][0]) >= 0
	}
	for i := 0; i+1 < len(folded); i++ {
		pair := uint16(folded[i])<<8 | uint16(folded[i+1])
		bit := uint64(1) << (pair % 64)
		anywhere := ni.pairs[0][pair/64]&bit != 0
		atWord := ni.pairs[1][pair/64]&bit != 0 && (i == 0 || !isASCIIWord(folded[i-1]))
		if !anywhere && !atWord {
			continue
		}
		for _, k := range ni.first[folded[i]] {
			if !found[k] && (atWord || !ni.word[k]) && strings.HasPrefix(folded[i:], ni.strs[k]) {
				found[k] = true
			}
		}
	}
	return found
}

// has reports whether found holds a string of every need group of pattern p.
func (ni *needIndex) has(p int, found []bool) bool {
	for _, group := range ni.groups[p] {
		if !slices.ContainsFunc(group, func(k int) bool { return found[k] }) {
			return false
		}
	}
	return true
}

func isASCIIWord(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
