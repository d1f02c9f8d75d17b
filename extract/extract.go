package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"github.com/go-shiori/dom"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Article is the text and metadata extracted from a page.
type Article struct {
	Title, Byline, SiteName, Lang, CanonicalURL, Excerpt string
	PublishedAt                                          time.Time // zero when unknown
	Text                                                 string    // plain text, paragraphs separated by a blank line
	WordCount                                            int
}

// Extract turns an HTML page into article text and metadata. pageURL may be nil. html should
// be UTF-8 (as [Fetcher.Fetch] returns it); other encodings are sniffed from the page.
// Pages that are not articles (paywalls, consent walls, bot checks, error and listing pages,
// too little text) return an *[Error] of kind not_article whose Reason says why; the Article
// returned with it holds what was extracted, for diagnostics and benchmarks only.
func Extract(htmlBytes []byte, pageURL *url.URL) (a *Article, err error) {
	defer func() {
		// The extractors are large third-party code run on hostile input; a panic in one of
		// them must fail this page, not the worker.
		if r := recover(); r != nil {
			a, err = nil, &Error{Kind: KindNotArticle, Reason: "The page's HTML could not be read.", Err: fmt.Errorf("extract panic: %v", r)}
		}
	}()
	if !utf8.Valid(htmlBytes) {
		htmlBytes = decodeHTML(htmlBytes, "")
	}
	doc, err := parseHTML(htmlBytes)
	if err != nil {
		return nil, err
	}
	m := readMeta(doc)
	n, depth := prune(doc)
	if n > maxElements {
		return nil, notArticle("The page is too large to read safely (%d HTML elements; newsdesk's limit is %d).", n, maxElements)
	}
	if depth > maxDepth {
		return nil, notArticle("The page's HTML is nested too deeply to be read safely (%d levels; newsdesk's limit is %d).", depth, maxDepth)
	}
	sig := scanPage(doc)
	if sig.words > maxPageWords {
		return nil, notArticle("The page has too much text to be a news article (%d words; newsdesk's limit is %d).", sig.words, maxPageWords)
	}
	text, node, rd, tm := mainText(doc, pageURL, sig, []string{m.h1, m.ogTitle, m.ldHeadline, m.title})
	if body := structuredBody(m, text); body != "" {
		text = body
	}
	a = buildArticle(m, rd, tm, text, pageURL)
	if e := gate(a, m, sig, node, pageURL); e != nil {
		return a, e
	}
	return a, nil
}

// maxElements bounds the work on one page: the extractors' cost grows faster than linearly
// with the tree. News pages have a few thousand elements (at most 1,600 in the benchmark
// corpus, after pruning); a page over the limit is refused, not extracted slowly.
const maxElements = 40_000

// maxPageWords bounds the text of one page: trafilatura's cost grows with the square of the
// text (about 1 s at 225,000 words), and the longest news features run to a few ten thousand.
const maxPageWords = 150_000

// maxDepth bounds the nesting of elements: the extractors walk ancestors and descendants of
// every node, so their cost grows with the square of the depth (half a second for a few
// kilobytes nested 500 deep). News pages nest at most about 50 deep (51 in the benchmark
// corpus); x/net/html itself stops at 512.
const maxDepth = 160

// prune removes what no extractor reads (scripts other than JSON-LD, styles, SVG drawings)
// and what a browser would not show (see hidden), and returns the number of elements left
// and the deepest nesting.
func prune(doc *html.Node) (elements, depth int) {
	var walk func(*html.Node, int)
	walk = func(x *html.Node, d int) {
		depth = max(depth, d)
		for c := x.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode {
				drop := false
				switch c.DataAtom {
				case atom.Style, atom.Svg:
					drop = true
				case atom.Script:
					drop = !strings.EqualFold(strings.TrimSpace(attr(c, "type")), "application/ld+json")
				case atom.Html, atom.Head, atom.Body:
					// Anti-flicker snippets hide the whole body until scripts run.
				default:
					drop = hidden(c)
				}
				if drop {
					x.RemoveChild(c)
					c = next
					continue
				}
				elements++
			}
			walk(c, d+1)
			c = next
		}
	}
	walk(doc, 0)
	return elements, depth
}

// hidden reports whether a browser would not show n: the hidden attribute, an inline
// display:none or visibility:hidden, or aria-hidden (as Readability.js decides). Pages keep
// tooltips, pop-ups and alternate layouts in such elements, and only readability skips them.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if a.Val == "true" && !strings.Contains(attr(n, "class"), "fallback-image") {
				return true
			}
		case "style":
			v := strings.ToLower(strings.ReplaceAll(a.Val, " ", ""))
			if strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// parseHTML parses a page. x/net/html refuses trees deeper than 512 open elements, which
// also bounds the recursion of everything that walks the tree afterwards.
func parseHTML(b []byte) (*html.Node, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		if strings.Contains(err.Error(), "open stack of elements exceeds") {
			return nil, &Error{Kind: KindNotArticle, Reason: "The page's HTML is nested too deeply to be read safely.", Err: err}
		}
		return nil, &Error{Kind: KindNotArticle, Reason: "The page's HTML could not be read.", Err: err}
	}
	return doc, nil
}

// mainText finds the article text. It runs readeck's readability on a copy of the page and
// go-trafilatura on the page itself, with readability's result as trafilatura's fallback
// candidate: trafilatura is the more precise of the two, and readability rescues the pages
// where trafilatura finds too little. The text is then cleaned of the debris both leave
// inside the article (see cleanText); titles are the page's own headlines, to recognise the
// headline repeated at the top of the text. It also returns readability's content node, which
// keeps the page's links for the quality gate, and both libraries' view of the metadata.
func mainText(doc *html.Node, pageURL *url.URL, sig *pageSignals, titles []string) (string, *html.Node, readability.Article, trafilatura.Metadata) {
	p := readability.NewParser()
	rd, err := p.ParseAndMutate(dom.Clone(doc, true), pageURL)
	if err != nil {
		rd = readability.Article{}
	}
	res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{
		OriginalURL:        pageURL,
		EnableFallback:     true,
		FallbackCandidates: &trafilatura.FallbackCandidates{Readability: rd.Node},
		// Dates come from the page's metadata (readMeta); scanning the text for dates costs
		// 10–20% of the time and changes nothing in the text.
		HtmlDateMode: trafilatura.Disabled,
	})
	var text string
	if err == nil && res != nil && res.ContentNode != nil {
		text = normalizeText(render.InnerText(res.ContentNode))
	}
	if text == "" && rd.Node != nil {
		text = normalizeText(render.InnerText(rd.Node))
	}
	var tm trafilatura.Metadata
	if err == nil && res != nil {
		tm = res.Metadata
	}
	return cleanText(text, append(titles, tm.Title, rd.Title()), sig.linkTexts), rd.Node, rd, tm
}

// structuredBody returns the JSON-LD articleBody when the page's HTML holds little of the
// article (script-rendered pages ship the text only there), else "". It is not used for
// pages that declare themselves paywalled: that copy is meant for search engines.
func structuredBody(m *meta, text string) string {
	if m.ldBody == "" || m.ldFree == "false" {
		return ""
	}
	got := countWords(text)
	if got >= 2*minWords {
		return ""
	}
	body := normalizeText(html.UnescapeString(m.ldBody))
	if n := countWords(body); n < minWords || n < 2*got {
		return ""
	}
	return body
}

// buildArticle merges page metadata, the libraries' metadata and the text. The page's own
// structured data (JSON-LD, OpenGraph, meta tags) wins; the libraries fill gaps.
func buildArticle(m *meta, rd readability.Article, tm trafilatura.Metadata, text string, pageURL *url.URL) *Article {
	a := &Article{Text: text, WordCount: countWords(text)}
	a.Title = collapse(firstNonEmpty(m.ldHeadline, m.ogTitle, rd.Title(), m.h1, m.title))
	if h1 := collapse(m.h1); h1 != "" && a.Title != h1 && strings.Contains(normTitle(a.Title), normTitle(h1)) {
		a.Title = h1 // the <title> is the headline plus the site's name
	}
	if len(m.ldAuthors) > 0 {
		a.Byline = strings.Join(dedupe(m.ldAuthors), ", ")
	}
	a.Byline = collapse(firstNonEmpty(a.Byline, m.metaAuthor, rd.Byline(), strings.ReplaceAll(tm.Author, "; ", ", ")))
	a.SiteName = collapse(firstNonEmpty(m.siteName, m.ldPublisher, rd.SiteName(), tm.Sitename))
	a.Title = trimSiteName(a.Title, a.SiteName)
	if a.SiteName == "" && pageURL != nil {
		a.SiteName = strings.TrimPrefix(pageURL.Hostname(), "www.")
	}
	a.Lang = normalizeLang(firstNonEmpty(m.lang, m.ldLang, rd.Language(), tm.Language))
	a.CanonicalURL = resolveURL(pageURL, m.canonical)
	if a.CanonicalURL == "" && pageURL != nil {
		a.CanonicalURL = resolveURL(nil, pageURL.String())
	}
	for _, s := range []string{m.ldPublished, m.published, m.timeTag} {
		if t := parseTime(s); !t.IsZero() {
			a.PublishedAt = t
			break
		}
	}
	if a.PublishedAt.IsZero() {
		if t, err := rd.PublishedTime(); err == nil && t.Year() >= 1990 {
			a.PublishedAt = t
		}
	}
	if a.PublishedAt.IsZero() && tm.Date.Year() >= 1990 {
		a.PublishedAt = tm.Date
	}
	a.Excerpt = collapse(firstNonEmpty(m.description, rd.Excerpt()))
	if a.Excerpt == "" {
		a.Excerpt = firstParagraph(text)
	}
	a.Excerpt = truncateRunes(a.Excerpt, 300)
	// JSON-LD and meta values often carry HTML entities ("&#8216;") that no parser decoded.
	for _, f := range []*string{&a.Title, &a.Byline, &a.SiteName, &a.Excerpt} {
		*f = collapse(html.UnescapeString(*f))
	}
	if placeholderBylines[strings.ToLower(a.Byline)] {
		a.Byline = ""
	}
	return a
}

// trimSiteName removes a trailing " | Site" or " - Site" from a headline.
func trimSiteName(title, site string) string {
	if site == "" {
		return title
	}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " :: ", " · "} {
		if t, ok := strings.CutSuffix(title, sep+site); ok && t != "" {
			return t
		}
	}
	return title
}

// placeholderBylines are CMS account names that are not authors.
var placeholderBylines = map[string]bool{"admin": true, "administrator": true, "root": true, "user": true,
	"webmaster": true, "guest": true, "editor": true, "author": true, "unknown": true}

// FromText builds an Article from text an editor pasted (paywalled or script-rendered
// pages); nothing is fetched, and the same quality gate applies. pageURL may be nil.
func FromText(title, text string, pageURL *url.URL) (*Article, error) {
	text = normalizeText(text)
	a := &Article{Title: collapse(title), Text: text, WordCount: countWords(text)}
	if pageURL != nil {
		a.SiteName = strings.TrimPrefix(pageURL.Hostname(), "www.")
		a.CanonicalURL = resolveURL(nil, pageURL.String())
	}
	a.Excerpt = truncateRunes(firstParagraph(text), 300)
	if e := gateText(a); e != nil {
		return nil, e
	}
	return a, nil
}

// normalizeText collapses white space inside lines, drops empty lines and separates the
// remaining lines (paragraphs) with a blank line. Soft hyphens, zero-width spaces and word
// joiners, invisible in a browser, are removed; the zero-width (non-)joiners stay, as they
// carry meaning in Persian, Indic scripts and emoji.
func normalizeText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u00ad', '\u200b', '\u2060', '\ufeff':
			return -1
		case '\u00a0':
			return ' '
		}
		return r
	}, s)
	var paras []string
	for _, line := range strings.Split(s, "\n") {
		if line = collapse(line); line != "" {
			paras = append(paras, line)
		}
	}
	return strings.Join(paras, "\n\n")
}

// countWords counts words: runs of letters or digits, with ideographs and kana (written
// without spaces) counted as half a word each, roughly how they translate.
func countWords(s string) int {
	words, cjk := 0, 0
	in := false
	for _, r := range s {
		if r < utf8.RuneSelf { // ASCII fast path: most text on most pages
			c := r | 0x20
			word := 'a' <= c && c <= 'z' || '0' <= r && r <= '9'
			if word && !in {
				words++
			}
			in = word
			continue
		}
		switch {
		case r >= 0x2e80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			cjk++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if !in {
				words++
			}
			in = true
		default:
			in = false
		}
	}
	return words + cjk/2
}

func firstParagraph(text string) string {
	p, _, _ := strings.Cut(text, "\n\n")
	return p
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		k := strings.ToLower(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

func normalizeLang(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", "-"))
	if i := strings.IndexAny(s, " ,;"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 35 {
		return ""
	}
	return s
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// IsNotArticle reports whether err is the quality gate's verdict.
func IsNotArticle(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindNotArticle
}
