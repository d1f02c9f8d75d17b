package extract

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta is what the page says about itself, read before readability mutates the tree.
type meta struct {
	title, ogTitle, h1  string
	siteName            string
	lang                string
	canonical           string
	description         string
	published           string // raw; parsed by parseTime
	ogType              string
	timeTag             string // first <time datetime> inside the page
	ldTypes             []string
	ldHeadline          string
	ldBody              string // articleBody: the text itself, on some script-rendered pages
	ldAuthors           []string
	ldPublisher, ldLang string
	ldPublished         string
	ldFree              string // isAccessibleForFree, lower-cased ("false" means paywalled)
	metaAuthor          string
}

// readMeta walks the document once and collects metadata.
func readMeta(doc *html.Node) *meta {
	m := &meta{}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				if m.lang == "" {
					m.lang = attr(n, "lang")
				}
				if m.lang == "" {
					m.lang = attr(n, "xml:lang")
				}
			case atom.Title:
				if m.title == "" {
					m.title = collapse(textOf(n))
				}
			case atom.H1:
				if m.h1 == "" {
					m.h1 = collapse(textOf(n))
				}
			case atom.Meta:
				m.readMetaTag(n)
			case atom.Link:
				if m.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
			case atom.Time:
				if m.timeTag == "" {
					m.timeTag = strings.TrimSpace(attr(n, "datetime"))
				}
			case atom.Script:
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") && n.FirstChild != nil {
					m.readJSONLD(n.FirstChild.Data)
				}
				return
			case atom.Style, atom.Noscript, atom.Template:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return m
}

func (m *meta) readMetaTag(n *html.Node) {
	key := strings.ToLower(strings.TrimSpace(attr(n, "property")))
	if key == "" {
		key = strings.ToLower(strings.TrimSpace(attr(n, "name")))
	}
	if key == "" {
		key = strings.ToLower(strings.TrimSpace(attr(n, "itemprop")))
	}
	if key == "" {
		if strings.EqualFold(attr(n, "http-equiv"), "content-language") && m.lang == "" {
			m.lang = strings.TrimSpace(attr(n, "content"))
		}
		return
	}
	val := strings.TrimSpace(attr(n, "content"))
	if val == "" {
		return
	}
	set := func(p *string) {
		if *p == "" {
			*p = val
		}
	}
	switch key {
	case "og:title", "twitter:title":
		set(&m.ogTitle)
	case "og:site_name", "application-name":
		set(&m.siteName)
	case "og:url":
		set(&m.canonical)
	case "og:type":
		set(&m.ogType)
	case "og:locale", "language", "dc.language":
		if m.lang == "" {
			m.lang = strings.ReplaceAll(val, "_", "-")
		}
	case "description", "og:description", "twitter:description":
		set(&m.description)
	case "author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author":
		if !strings.HasPrefix(val, "http") {
			set(&m.metaAuthor)
		}
	case "article:published_time", "og:published_time", "datepublished", "date", "pubdate",
		"publishdate", "publish-date", "publish_date", "dc.date.issued", "dc.date", "dcterms.created",
		"sailthru.date", "parsely-pub-date", "article.published", "cxenseparse:recs:publishtime":
		set(&m.published)
	}
}

// readJSONLD collects article fields from a JSON-LD block, including @graph arrays.
func (m *meta) readJSONLD(src string) {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(src)), &v); err != nil {
		return
	}
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e, depth+1)
			}
		case map[string]any:
			if g, ok := x["@graph"]; ok {
				visit(g, depth+1)
			}
			types := ldStrings(x["@type"])
			m.ldTypes = append(m.ldTypes, types...)
			if !isArticleType(types) {
				if isPageType(types) {
					if me, ok := x["mainEntity"]; ok {
						visit(me, depth+1)
					}
				}
				return
			}
			setStr := func(p *string, key string) {
				if *p == "" {
					if s, ok := x[key].(string); ok {
						*p = strings.TrimSpace(s)
					}
				}
			}
			setStr(&m.ldHeadline, "headline")
			setStr(&m.ldBody, "articleBody")
			setStr(&m.ldPublished, "datePublished")
			setStr(&m.ldLang, "inLanguage")
			if len(m.ldAuthors) == 0 {
				m.ldAuthors = ldNames(x["author"])
			}
			if m.ldPublisher == "" {
				if ns := ldNames(x["publisher"]); len(ns) > 0 {
					m.ldPublisher = ns[0]
				}
			}
			if f, ok := x["isAccessibleForFree"]; ok && m.ldFree == "" {
				switch fv := f.(type) {
				case bool:
					if fv {
						m.ldFree = "true"
					} else {
						m.ldFree = "false"
					}
				case string:
					m.ldFree = strings.ToLower(strings.TrimSpace(fv))
				}
			}
		}
	}
	visit(v, 0)
}

func isArticleType(types []string) bool {
	for _, t := range types {
		t = strings.ToLower(t)
		if strings.HasSuffix(t, "article") || t == "blogposting" || t == "report" || t == "liveblogposting" ||
			t == "posting" || t == "socialmediaposting" || t == "review" || t == "opinionnewsarticle" {
			return true
		}
	}
	return false
}

func isPageType(types []string) bool {
	for _, t := range types {
		if strings.EqualFold(t, "WebPage") || strings.EqualFold(t, "ItemPage") {
			return true
		}
	}
	return false
}

func ldStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ldNames returns the names of a JSON-LD Person/Organization value or list.
func ldNames(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if s := strings.TrimSpace(x); s != "" && !strings.HasPrefix(s, "http") {
			out = append(out, s)
		}
	case []any:
		for _, e := range x {
			out = append(out, ldNames(e)...)
		}
	case map[string]any:
		if s, ok := x["name"].(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// parseTime parses the date formats found in news metadata; zero when none fits.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	t, err := dateparse.ParseAny(s)
	if err != nil || t.Year() < 1990 || t.Year() > 2100 {
		return time.Time{}
	}
	return t
}

// resolveURL resolves ref against base; it returns "" for anything but an absolute http(s) URL.
func resolveURL(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

// textOf returns the text below n, skipping scripts and styles.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// collapse trims s and collapses runs of white space to one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
