package extract

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Quality gate thresholds. An article shorter than minWords is refused outright; the walls
// and interstitials below are recognised only when the extracted text is shorter than
// shortWords, because a full article that also carries a subscribe box or a cookie banner is
// still an article.
const (
	minWords     = 50
	shortWords   = 300
	maxPageScan  = 256 << 10 // bytes of page text searched for phrases
	maxLinkShare = 0.5       // share of the extracted text inside links above which it is navigation
)

// pageSignals are facts about the whole page, gathered before readability mutates it.
type pageSignals struct {
	text           string // lower-cased visible text, capped at maxPageScan
	words          int    // words of visible text
	linkWords      int    // words inside links
	passwordInputs int
	paywallHints   int             // elements whose class/id names a paywall or registration wall
	consentHints   int             // elements whose class/id names a cookie/consent dialog
	challengeHints int             // bot-challenge markers (forms, scripts, ids)
	linkTexts      map[string]bool // normalised texts of links of three words or more, not URLs
}

var (
	paywallClassHints    = []string{"paywall", "regwall", "piano-", "tp-modal", "subscriber-only", "premium-content", "article-locked", "meteredcontent"}
	consentClassHints    = []string{"cookie", "consent", "gdpr", "onetrust", "cmp-", "didomi", "cookiebot", "usercentrics", "qc-cmp"}
	challengeScriptHints = []string{"challenges.cloudflare.com", "captcha", "perimeterx", "datadome", "/cdn-cgi/challenge-platform"}
	challengeClassHints  = []string{"cf-challenge", "challenge-form", "cf-browser-verification", "px-captcha", "captcha", "g-recaptcha", "h-captcha", "ddos-protection", "datadome"}
)

// scanPage gathers the page-wide signals the gate uses.
func scanPage(doc *html.Node) *pageSignals {
	s := &pageSignals{linkTexts: map[string]bool{}}
	var b strings.Builder
	var walk func(n *html.Node, link *strings.Builder)
	walk = func(n *html.Node, link *strings.Builder) {
		switch n.Type {
		case html.TextNode:
			w := countWords(n.Data)
			s.words += w
			if link != nil {
				s.linkWords += w
				link.WriteString(n.Data)
			}
			if b.Len() < maxPageScan {
				b.WriteString(n.Data)
				b.WriteByte(' ')
			}
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Head:
				// Only scripts in the head matter (challenge pages load their solver there).
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && c.DataAtom == atom.Script {
						s.challengeHints += countHints(strings.ToLower(attr(c, "src")), challengeScriptHints)
					}
				}
				return
			case atom.Script:
				s.challengeHints += countHints(strings.ToLower(attr(n, "src")), challengeScriptHints)
				return
			case atom.Style, atom.Noscript, atom.Template:
				return
			case atom.A:
				// In-page links (a table of contents) repeat the page's own headings; they
				// are not links to other stories.
				if link == nil && !strings.HasPrefix(strings.TrimSpace(attr(n, "href")), "#") {
					var lb strings.Builder
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						walk(c, &lb)
					}
					if t := strings.TrimSpace(lb.String()); countWords(t) >= 3 && !looksLikeURL(t) {
						s.linkTexts[normTitle(t)] = true
					}
					return
				}
			case atom.Input:
				if strings.EqualFold(attr(n, "type"), "password") {
					s.passwordInputs++
				}
			}
			if ci := attr(n, "class") + " " + attr(n, "id"); len(ci) > 1 {
				ci = strings.ToLower(ci)
				s.paywallHints += min(1, countHints(ci, paywallClassHints))
				s.consentHints += min(1, countHints(ci, consentClassHints))
				s.challengeHints += min(1, countHints(ci, challengeClassHints))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, link)
		}
	}
	walk(doc, nil)
	s.text = strings.ToLower(collapse(b.String()))
	return s
}

func countHints(s string, hints []string) int {
	n := 0
	for _, h := range hints {
		if strings.Contains(s, h) {
			n++
		}
	}
	return n
}

var (
	challengeTitles = []string{"just a moment", "attention required", "are you a robot", "are you human", "security check",
		"bot verification", "captcha", "verify you are human", "checking your browser", "pardon our interruption",
		"one more step", "access denied", "ddos-guard", "request blocked", "human verification"}
	challengePhrases = []string{"verify you are human", "verify that you are human", "checking your browser", "checking if the site connection is secure",
		"enable javascript and cookies to continue", "complete the security check", "press & hold", "press and hold",
		"are you a robot", "unusual traffic from your computer", "not a robot", "needs to review the security of your connection",
		"access to this page has been denied", "please enable js and disable any ad blocker", "solve the captcha"}
	errorTitles = []string{"404", "page not found", "page cannot be found", "page can't be found", "page could not be found",
		"couldn't find that page", "could not find that page", "page doesn't exist", "page does not exist", "page is no longer available",
		"410 gone", "500 internal", "internal server error", "service unavailable", "502 bad gateway", "error 500", "error 503",
		"seite nicht gefunden", "página no encontrada", "page introuvable", "pagina non trovata", "pagina niet gevonden"}
	weakErrorTitles = []string{"not found", "oops", "something went wrong", "doesn't exist", "does not exist", "no longer available", "error"}
	paywallPhrases  = []string{"subscribe to continue", "subscribe to read", "subscribe now to", "to continue reading", "continue reading with",
		"already a subscriber", "already subscribed", "subscribers only", "for subscribers", "exclusive to subscribers",
		"this content is for", "this article is for", "sign in to continue", "sign in to read", "log in to continue",
		"log in to read", "login to continue", "login to read", "create a free account", "register to continue", "register to read",
		"become a member", "members only", "unlock this article", "unlock full access", "start your free trial", "start your subscription",
		"you have reached your limit", "you've reached your limit", "free articles remaining", "free article limit",
		"to read the full article", "to read this article", "remaining of this article", "get unlimited access", "subscription required",
		"premium article", "premium content"}
	consentPhrases = []string{"we use cookies", "uses cookies", "use of cookies", "accept all", "accept cookies", "reject all",
		"manage preferences", "manage cookies", "cookie settings", "cookie policy", "your privacy choices", "privacy settings",
		"we and our partners", "our partners", "consent", "legitimate interest", "store and/or access information on a device",
		"personalised ads", "personalized ads"}
)

// gate decides whether an extracted page is an article. It returns nil for articles and an
// *Error of kind not_article, with a reason an editor understands, for everything else.
// Walls and interstitials are recognised by what newsdesk would otherwise summarise: a short
// text plus the wall's own words or markup.
func gate(a *Article, m *meta, sig *pageSignals, node *html.Node, pageURL *url.URL) *Error {
	title := strings.ToLower(m.title + " | " + m.h1)
	short := a.WordCount < shortWords
	text := strings.ToLower(a.Text)

	// Bot challenges first: their pages are short and would otherwise read as "too little text".
	if short && (containsAny(title, challengeTitles) && (sig.challengeHints > 0 || containsAny(sig.text, challengePhrases) || sig.words < 150) ||
		containsAny(sig.text, challengePhrases) && (sig.challengeHints > 0 || a.WordCount < minWords)) {
		return notArticle("The site showed a bot check (a CAPTCHA or \"checking your browser\" page) instead of the article.")
	}
	if !isArticleType(m.ldTypes) && (short && containsAny(title, errorTitles) || a.WordCount < 150 && containsAny(title, weakErrorTitles)) {
		return notArticle("The page is an error page (%q), not an article.", truncateRunes(firstNonEmpty(m.h1, m.title), 60))
	}
	if m.ldFree == "false" && a.WordCount < 200 ||
		a.WordCount < 200 && containsAny(text, paywallPhrases) ||
		a.WordCount < 150 && sig.paywallHints > 0 && containsAny(sig.text, paywallPhrases) ||
		a.WordCount < minWords && sig.passwordInputs > 0 {
		return notArticle("The page is behind a paywall or login wall: newsdesk only sees %s. Paste the article text instead.", wordsPhrase(a.WordCount))
	}
	if a.WordCount < 200 && countPhrases(text, consentPhrases) >= 2 ||
		a.WordCount < minWords && sig.consentHints > 0 && countPhrases(sig.text, consentPhrases) >= 2 {
		return notArticle("The site showed a cookie or consent notice instead of the article.")
	}
	if pageURL != nil && (pageURL.Path == "" || pageURL.Path == "/") && pageURL.RawQuery == "" && !isArticleType(m.ldTypes) {
		return notArticle("The address is a site's home page, not an article.")
	}
	if listingType(m.ldTypes) && !isArticleType(m.ldTypes) {
		return notArticle("The page is a list of articles (a section or search page), not an article.")
	}
	if a.WordCount < minWords {
		return notArticle("The page has too little text to be an article (%s).", wordsPhrase(a.WordCount))
	}
	share := 0.0
	if node != nil {
		share = linkShare(node)
	}
	if share > maxLinkShare {
		return notArticle("The page is mostly links (%.0f%% of its text), a list or navigation page rather than an article.", share*100)
	}
	if linked, paras, words := linkedParagraphs(a.Text, sig.linkTexts); words >= 0.25 && (linked >= 5 && linked*3 >= paras ||
		!articleSignals(m) && linked >= 4 && linked*4 >= paras) || !articleSignals(m) && share > 0.2 && headlineList(a.Text) {
		return notArticle("The page is a list of headlines, not an article.")
	}
	return nil
}

// linkedParagraphs counts the paragraphs of text that are, whole, the text of a link on the
// page (headlines of other stories), all paragraphs, and the share of words in the former.
func linkedParagraphs(text string, links map[string]bool) (linked, all int, share float64) {
	words, linkedWords := 0, 0
	for _, p := range strings.Split(text, "\n\n") {
		all++
		w := countWords(p)
		words += w
		if links[normTitle(p)] {
			linked++
			linkedWords += w
		}
	}
	if words > 0 {
		share = float64(linkedWords) / float64(words)
	}
	return linked, all, share
}

// articleSignals reports whether the page declares itself an article.
func articleSignals(m *meta) bool {
	return isArticleType(m.ldTypes) || strings.EqualFold(m.ogType, "article") || m.published != "" || m.ldPublished != ""
}

// gateText applies the checks that make sense for pasted text.
func gateText(a *Article) *Error {
	if a.WordCount < minWords {
		return notArticle("The text is too short to be an article (%s).", wordsPhrase(a.WordCount))
	}
	low := strings.ToLower(a.Text)
	if a.WordCount < 200 && countPhrases(low, paywallPhrases) > 0 {
		return notArticle("The text looks like a paywall or login notice, not the article.")
	}
	if a.WordCount < 200 && countPhrases(low, consentPhrases) >= 2 {
		return notArticle("The text looks like a cookie or consent notice, not the article.")
	}
	if headlineList(a.Text) {
		return notArticle("The text is a list of headlines, not an article.")
	}
	return nil
}

func wordsPhrase(n int) string {
	if n == 1 {
		return "1 word"
	}
	return fmt.Sprintf("%d words", n)
}

func listingType(types []string) bool {
	for _, t := range types {
		switch strings.ToLower(t) {
		case "collectionpage", "searchresultspage", "itemlist":
			return true
		}
	}
	return false
}

func containsAny(s string, subs []string) bool { return countPhrases(s, subs) > 0 }

func countPhrases(s string, subs []string) int {
	n := 0
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// linkShare is the share of words of n that sit inside links.
func linkShare(n *html.Node) float64 {
	var all, linked int
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.TextNode {
			w := countWords(n.Data)
			all += w
			if in {
				linked += w
			}
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			in = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(n, false)
	if all == 0 {
		return 0
	}
	return float64(linked) / float64(all)
}

// headlineList reports whether text reads like a list of headlines and teasers: many short
// paragraphs and almost no paragraph of running prose.
func headlineList(text string) bool {
	paras := strings.Split(text, "\n\n")
	if len(paras) < 8 {
		return false
	}
	total, prose := 0, 0
	for _, p := range paras {
		w := countWords(p)
		total += w
		if w >= 30 && strings.ContainsAny(p, ".!?。！？") {
			prose += w
		}
	}
	return total > 0 && float64(prose)/float64(total) < 0.25
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") || strings.HasPrefix(l, "www.")
}
