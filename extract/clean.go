package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text-level cleaning of the extracted article. Extractors choose the right container but
// keep debris inside it: the headline repeated, bylines and datelines, newsletter and app
// prompts, "Read more" links, related-story lists at the end. Every rule here is about the
// shape and wording of such debris on news pages in general, never about a particular site.

var (
	// promoRules match short paragraphs that sell, share or navigate rather than report. Each
	// rule has a literal trigger, checked first on the lower-cased paragraph, so the regular
	// expressions run only on the few paragraphs that might match.
	promoRules = []phraseRule{
		rule("sign", `\bsign(ing)? up (for|to) (our|the|my|his|her)\b.{0,40}\b(newsletter|briefing|alerts?|updates|emails?|list)\b|\bsign up (now|today|here)\b`),
		rule("subscribe", `\bsubscribe (now|today|here)\b|\bsubscribe to (our|the)\b.{0,40}\b(newsletter|channel|podcast|magazine|print|digital)\b`),
		rule("newsletter", `\b(sign|subscri|inbox|deliver|get|receive|free|daily|weekly|morning|evening)|^(\S+ ){0,3}newsletters?$`),
		rule("inbox", `\byour inbox\b`),
		rule("follow", `\bfollow (us|him|her|them|me)\b.{0,30}\b(on|at) @?(twitter|facebook|instagram|x|linkedin|tiktok|youtube|threads|bluesky|mastodon|social)\b|\bfollow @|\bfollow .{1,40} on (twitter|facebook|instagram|linkedin|tiktok|youtube|threads|bluesky|mastodon|social media)\b`),
		rule("twitter @", ``),
		rule("click here", ``), rule("tap here", ``),
		rule(" app", `\b(get|download) (the|our) .{0,30}\bapp\b`),
		rule("thanks for signing up", ``),
		rule("share", `\bshare (it|this|this story|this article) with\b`),
		rule("like this story", ``), rule("continue reading below", ``),
		rule("non-commercial use", ``), rule("all rights reserved", ``),
		rule("copyright", `^copyright\b`), rule("©", `^©`), rule("(c) ", `\(c\) \d{4}`),
		rule("this article has been sent to", ``), rule("an error has occurred", ``),
		rule("error processing your subscription", ``),
		rule("log", `\byou must (be )?log(ged)? in\b|\blog in to (post|comment|leave)\b`),
		rule("see more photos", ``), rule("send us your", ``), rule("have a tip?", ``), rule("may be reached at", ``),
		rule("@", `\b(email|write to) .{1,40} at \S+@`),
		rule("contributed to this report", ``),
		rule(":", `^(source|photos?|images?|videos?|credits?|fotos?|bild(er)?):`),
		rule("retrieved", `\bretrieved \d{1,2} \w+ \d{4} from\b`),
		rule("commission", `\bwe (may )?(earn|get|receive) (a )?(small )?commission\b|\baffiliate commission\b`),
		rule("share of the sale", ``), rule("affiliate link", ``), rule("prices are subject to change", ``),
		rule("join", `\bjoin (our|the) .{0,30}(challenge|community)\b`),
		rule("comment", `\bcomments? (are|is) (closed|moderated)\b|\bcomentários\b`),
		rule("leia", `\bleia (também|mais)\b`), rule("leggi anche", ``), rule("lesen sie auch", ``),
		rule("lire aussi", ``), rule("lee también", ``),
	}

	// labelRe matches a paragraph that introduces a list of links to other stories.
	labelRe = regexp.MustCompile(`(?i)^(` + strings.Join([]string{
		`related( stories| articles| content| coverage| links| news)?`, `more( stories| news| from .{1,40}| on this( story)?| great .{1,30} stories| to read)?`,
		`read (more|next|also)`, `see (also|more)`, `also read`, `you (may|might) (also )?like`, `recommended( for you)?`,
		`most (read|popular|viewed|shared)( .{0,30})?`, `(top|trending|latest|popular) (stories|news|articles|now)`,
		`explore further`, `don'?t miss`, `what to read next`, `further reading`, `in (other|related) news`, `up next`,
		`leggi anche`, `leia também`, `lesen sie auch`, `lire aussi`, `lee también`, `más noticias`, `mais notícias`, `tags?`,
	}, "|") + `)\s*[:.…]*$`)

	// inlineLabelRe matches "Read more: <headline>" style lines.
	inlineLabelRe = regexp.MustCompile(`(?i)^(read more|related|see more|more|also read|read also|watch|listen|don'?t miss|recommended|leggi anche|leia também|lesen sie auch|lire aussi|lee también|siehe auch)\s*[:|»>–-]`)

	// bylineRe and datelineRe match the bylines and timestamps that pages print around
	// the article text.
	bylineRe   = regexp.MustCompile(`^(?i:by|por|von|par|di|door|av|af)\s+\p{Lu}[\p{L}.'’-]*(\s+[\p{L}.'’-]+){0,5}(\s*(,|and|&|\||·|-|–)\s*.*)?$`)
	datelineRe = regexp.MustCompile(`(?i)\b(published|updated|posted|modified|last updated|publicado|aktualisiert|veröffentlicht|publié|pubblicato)\b`)
	monthRe    = regexp.MustCompile(`(?i)\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b`)
)

// cleanText removes debris paragraphs from extracted text (paragraphs separated by a blank
// line) and returns the cleaned text.
func cleanText(text string, titles []string, links map[string]bool) string {
	paras := strings.Split(text, "\n\n")
	if len(paras) == 0 {
		return text
	}
	keep := make([]bool, len(paras))
	for i := range keep {
		keep[i] = true
	}
	words := make([]int, len(paras))
	for i, p := range paras {
		words[i] = countWords(p)
	}

	// The headline and its byline/dateline block often open the text.
	for i := 0; i < len(paras) && i < 4; i++ {
		if isTitle(paras[i], titles) || words[i] <= 10 && (isByline(paras[i]) || isDateline(paras[i])) {
			keep[i] = false
		}
	}
	isLink := func(i int) bool { return links[normTitle(paras[i])] }
	for i, p := range paras {
		switch {
		case words[i] <= 60 && matchAny(strings.ToLower(p), promoRules):
			keep[i] = false
		case words[i] <= 25 && inlineLabelRe.MatchString(p):
			keep[i] = false
		case words[i] <= 8 && isShareBar(p):
			keep[i] = false
		case words[i] >= 4 && isLink(i) && isHeadlineLike(p, words[i]) && p == strings.ToUpper(p):
			keep[i] = false // a shouted link to another story ("CLICK HERE TO GET THE APP")
		case (i >= len(paras)-3 || i < 4) && words[i] <= 10 && (isByline(p) || isDateline(p)):
			keep[i] = false
		}
	}
	// A label such as "Related stories" or "More:" and the short headline-like paragraphs
	// that follow it are a list of links.
	for i, p := range paras {
		if words[i] > 8 || !labelRe.MatchString(strings.TrimSpace(p)) {
			continue
		}
		keep[i] = false
		for j := i + 1; j < len(paras) && isHeadlineLike(paras[j], words[j]) && isLink(j); j++ {
			keep[j] = false
		}
	}
	// A widget of linked headlines (with or without teasers) at the very end is a list of
	// links too: from the end, walk back over short paragraphs; if at least three of them are
	// link texts, drop everything from the first linked one on.
	first, linked := -1, 0
	for j := len(paras) - 1; j >= 0 && (!keep[j] || words[j] <= 25); j-- {
		if keep[j] && isLink(j) && isHeadlineLike(paras[j], words[j]) {
			first, linked = j, linked+1
		}
	}
	if linked >= 3 || linked >= 2 && first >= len(paras)-3 {
		for j := first; j < len(paras); j++ {
			keep[j] = false
		}
	}
	var out []string
	for i, p := range paras {
		if keep[i] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return text
	}
	return strings.Join(out, "\n\n")
}

// isHeadlineLike reports whether p reads like a headline: short and without the final
// punctuation of a sentence.
func isHeadlineLike(p string, words int) bool {
	if words == 0 || words > 18 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(p))
	return !strings.ContainsRune(".!:;,\"”’)。！", r) || r == '?' && words <= 14
}

func isByline(p string) bool {
	p = strings.TrimSpace(p)
	if strings.HasSuffix(p, ".") || strings.HasSuffix(p, "!") || strings.HasSuffix(p, "?") || countWords(p) > 8 {
		return false // a sentence ("By Tuesday, the fire had spread.")
	}
	return bylineRe.MatchString(p)
}

// isDateline reports whether p is mostly a timestamp ("Updated: Tue., Nov. 19, 2019").
func isDateline(p string) bool {
	if !monthRe.MatchString(p) {
		return false
	}
	if datelineRe.MatchString(p) {
		return true
	}
	if strings.HasSuffix(strings.TrimSpace(p), ".") {
		return false // a sentence, not a timestamp
	}
	letters, rest := 0, 0
	for _, r := range p {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	for _, r := range monthRe.ReplaceAllString(p, "") {
		if unicode.IsLetter(r) {
			rest++
		}
	}
	return rest <= 8 && letters < 40
}

// isTitle reports whether p repeats the page's headline.
func isTitle(p string, titles []string) bool {
	np := normTitle(p)
	if np == "" {
		return false
	}
	for _, t := range titles {
		nt := normTitle(t)
		if nt == "" {
			continue
		}
		if np == nt || len(np) >= 20 && strings.HasPrefix(nt, np) || len(nt) >= 20 && strings.HasPrefix(np, nt) && len(np)-len(nt) < 40 {
			return true
		}
	}
	return false
}

func normTitle(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shareWords are the words of share bars.
var shareWords = map[string]bool{"share": true, "facebook": true, "twitter": true, "whatsapp": true, "pinterest": true, "pint": true,
	"pin": true, "linkedin": true, "email": true, "e": true, "mail": true, "print": true, "reddit": true, "messenger": true, "telegram": true,
	"tweet": true, "copy": true, "link": true, "sms": true, "flipboard": true, "tumblr": true, "x": true, "baixar": true, "compartilhar": true,
	"teilen": true, "partager": true, "condividi": true, "compartir": true, "comment": true, "comments": true, "save": true}

// isShareBar reports whether p is made only of share-button words.
func isShareBar(p string) bool {
	fs := strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return !unicode.IsLetter(r) })
	if len(fs) < 2 {
		return false
	}
	for _, f := range fs {
		if !shareWords[f] {
			return false
		}
	}
	return true
}

// phraseRule is a literal trigger and, optionally, a regular expression that must also match
// (both on lower-cased text).
type phraseRule struct {
	trigger string
	re      *regexp.Regexp
}

func rule(trigger, pattern string) phraseRule {
	r := phraseRule{trigger: trigger}
	if pattern != "" {
		r.re = regexp.MustCompile(pattern)
	}
	return r
}

// matchAny reports whether lower-cased text matches any rule.
func matchAny(lower string, rules []phraseRule) bool {
	for _, r := range rules {
		if strings.Contains(lower, r.trigger) && (r.re == nil || r.re.MatchString(lower)) {
			return true
		}
	}
	return false
}
