package web

// A hostile article goes through the whole pipeline (pasted HTML → extract → summarise with an
// OpenAI-compatible fake that repeats the payloads → edit → reject → approve) and every page
// that shows it is checked structurally: no script, event handler or javascript: URL that the
// page's own code did not put there, and the payloads visible as text.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/summary"
	"newsdesk/testenv"
	"newsdesk/workers"
)

// xssPayloads are the hostile strings; each carries a label so that a finding names it.
var xssPayloads = []string{
	`<script>alert('p1')</script>`,
	`<img src=x onerror=alert('p2')>`,
	`</textarea><script>alert('p3')</script>`,
	`"><svg onload=alert('p4')>`,
	`'><iframe src=javascript:alert('p5')>`,
	`<a href="javascript:alert('p6')">more</a>`,
	`[details](javascript:alert('p7'))`,
	`<body onload=alert('p8')>`,
	`</title><script>alert('p9')</script>`,
	`]]><script>alert('p10')</script><![CDATA[`,
	`<!--<script>alert('p11')</script>-->`,
	`{{template "layout" .}}{{.CSRF}}`,
	`&lt;script&gt;alert('p13')&lt;/script&gt;`,
	`<style>body{display:none}</style><link rel=stylesheet href=//evil.example/p14.css>`,
	`<base href="//evil.example/p15/">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert('p16')">`,
	"'-alert('p17')-'\u2028\u2029",
	`<form action=javascript:alert('p18')><button>go</button></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert('p19')>`,
	`<x onpointerover=alert('p20') contenteditable>hover</x>`,
}

// secPipeline runs the extract and summarise stages against an OpenAI-compatible fake that
// answers with h, until the test ends.
func secPipeline(t *testing.T, f *secFixture, h llmtest.Handler) *llmtest.Server {
	t.Helper()
	fake := llmtest.NewServer(t, h)
	writer, err := llm.NewOpenAI(llm.Config{BaseURL: fake.URL, APIKey: "sk-test-xss", Model: "gpt-test", NoRetries: true, Logger: f.log})
	if err != nil {
		t.Fatal(err)
	}
	wk := workers.New(f.db, f.q, workers.Config{Writer: writer, Logger: f.log, DrainTimeout: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() { defer close(done); wk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return fake
}

func xssHTML() string {
	var b strings.Builder
	p := xssPayloads
	fmt.Fprintf(&b, `<!doctype html><html><head><title>Council approves road repairs %s</title>
<meta property="og:title" content="Council approves road repairs %s">
<meta name="author" content="Sam Reporter %s">
<meta property="og:site_name" content="Gazette %s">
<link rel="canonical" href="javascript:alert('canonical')">
</head><body><article><h1>Council approves road repairs %s</h1>`,
		html.EscapeString(p[8]), html.EscapeString(p[0]), html.EscapeString(p[1]), html.EscapeString(p[2]), html.EscapeString(p[3]))
	for _, para := range strings.Split(secGroundText, "\n\n") {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(para))
	}
	for i, pl := range p {
		fmt.Fprintf(&b, "<p>Residents posted message number %d on the council forum, which read %s in full, and the clerk kept a copy of it for the record.</p>\n", i+1, html.EscapeString(pl))
	}
	b.WriteString(`</article></body></html>`)
	return b.String()
}

// xssSummary is the fake model's answer: the house format with payloads in every section.
func xssSummary(from int) summary.Summary {
	p := func(i int) string { return xssPayloads[(from+i)%len(xssPayloads)] }
	return summary.Summary{
		KeyPoints: []string{
			"The council approved a £12 million budget " + p(0) + " for road repairs on Tuesday",
			"Work on the first 40 streets " + p(1) + " starts in March",
			"Jane Porter said " + p(2) + " the money comes from reserves",
			"Residents posted " + p(3) + " on the forum",
		},
		WhyItMatters:      "Road repairs had been delayed " + p(4) + " for two years " + p(5),
		WhatItMeansForYou: "Drivers and cyclists can expect roadworks " + p(6) + " from March " + p(7),
	}
}

// xssFindings tokenises an HTML document and returns every piece of active content: a script
// that is not one of our /static/ files, an event-handler attribute, a dangerous URL, or an
// element that loads or changes the page.
func xssFindings(doc string) []string {
	var out []string
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script":
			src := ""
			for _, a := range tok.Attr {
				if a.Key == "src" {
					src = a.Val
				}
			}
			if !strings.HasPrefix(src, "/static/") {
				out = append(out, "a script element not from /static/: "+tok.String())
			}
		case "iframe", "object", "embed", "base", "svg", "math", "frame", "frameset", "applet", "xss", "x":
			out = append(out, "an injected "+tok.Data+" element: "+tok.String())
		case "meta":
			for _, a := range tok.Attr {
				if a.Key == "http-equiv" {
					out = append(out, "a meta http-equiv element: "+tok.String())
				}
			}
		case "style":
			out = append(out, "a style element (the CSP allows none): "+tok.String())
		case "link":
			for _, a := range tok.Attr {
				if a.Key == "href" && !strings.HasPrefix(a.Val, "/static/") && !strings.HasPrefix(a.Val, "/feed.") {
					out = append(out, "a link to elsewhere: "+tok.String())
				}
			}
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") {
				out = append(out, "an event-handler attribute: "+tok.String())
			}
			if key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href" || key == "data" {
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, html.UnescapeString(a.Val)))
				for _, scheme := range []string{"javascript:", "vbscript:", "data:text/html", "//evil.example"} {
					if strings.HasPrefix(v, scheme) {
						out = append(out, "a "+scheme+" URL: "+tok.String())
					}
				}
			}
			if key == "style" && strings.Contains(strings.ToLower(a.Val), "url(") {
				out = append(out, "a style attribute loading a URL: "+tok.String())
			}
		}
	}
}

// xssText returns the document's text as a reader sees it (entities decoded).
func xssText(doc string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		if tt == xhtml.TextToken {
			b.Write(z.Text())
			b.WriteByte(' ')
		}
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			for _, a := range z.Token().Attr {
				if a.Key == "value" || a.Key == "title" || a.Key == "content" {
					b.WriteString(a.Val + " ")
				}
			}
		}
	}
}

func TestHostileArticleIsEscapedEverywhere(t *testing.T) {
	f := newSecFixture(t, Config{PortalOrigins: []string{"https://portal.example"}})
	fake := secPipeline(t, f, llmtest.OK(xssSummary(0)))
	editor, reviewer := f.caller("the editor"), f.caller("the reviewer")

	hostileURL := `https://news.example/story?q="><script>alert('url')</script>&x=javascript:alert(1)`
	body, _ := json.Marshal(map[string]string{"url": hostileURL, "html": xssHTML()})
	w := f.api(t, editor, http.MethodPost, "/api/v1/articles", string(body))
	if w.Code != http.StatusAccepted {
		t.Fatalf("submit = %d %s", w.Code, w.Body.String())
	}
	var sub struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &sub)
	id := sub.ID
	testenv.Eventually(t, 60*time.Second, "the hostile article gets its draft", func() bool {
		a := f.get(t, id)
		if a.Status == "failed" {
			t.Fatalf("the hostile article failed: %s", a.Error)
		}
		return a.Status == "draft"
	})
	if fake.Requests() == 0 {
		t.Fatal("the model was never asked")
	}
	// The model saw the payloads as data inside the article.
	if user := fake.Calls()[0].User(); !strings.Contains(user, "alert('p1')") {
		t.Errorf("the prompt does not carry the article's text payloads: %.300s", user)
	}
	a := f.get(t, id)
	if strings.Contains(strings.ToLower(a.CanonicalURL), "javascript:alert('canonical')") {
		t.Errorf("a javascript: canonical URL was kept: %q", a.CanonicalURL)
	}
	if !strings.Contains(a.Title+a.Byline+a.SiteName, "alert('p3')") {
		t.Errorf("the metadata lost its payloads, so the checks below prove less: %q %q %q", a.Title, a.Byline, a.SiteName)
	}
	if !strings.Contains(a.Text, "<script>alert('p1')</script>") {
		t.Fatalf("the extracted text lost the payloads, so the test proves nothing: %.300s", a.Text)
	}

	// An editor saves v2 with more payloads; a reviewer rejects with a hostile reason, then
	// approves v2.
	v2 := xssSummary(8)
	edit, _ := json.Marshal(map[string]any{"key_points": v2.KeyPoints, "why_it_matters": v2.WhyItMatters,
		"what_it_means_for_you": v2.WhatItMeansForYou, "base_version": 1})
	if w := f.api(t, editor, http.MethodPut, "/api/v1/articles/"+id+"/draft", string(edit)); w.Code != 200 {
		t.Fatalf("save v2 = %d %s", w.Code, w.Body.String())
	}
	reason, _ := json.Marshal(map[string]string{"reason": xssPayloads[0] + xssPayloads[1] + xssPayloads[2]})
	if w := f.api(t, reviewer, http.MethodPost, "/api/v1/articles/"+id+"/reject", string(reason)); w.Code != 200 {
		t.Fatalf("reject = %d %s", w.Code, w.Body.String())
	}

	checkJSON := func(t *testing.T, name, body string) {
		t.Helper()
		if i := strings.IndexAny(body, "<>"); i >= 0 {
			t.Errorf("%s: raw %q in JSON (Go's encoder escapes it as \\u003c; something wrote JSON by hand): …%s…", name, body[i], body[max(0, i-80):min(len(body), i+80)])
		}
		if strings.ContainsAny(body, "\u2028\u2029") {
			t.Errorf("%s: raw U+2028/U+2029 in JSON (breaks JSON embedded in script)", name)
		}
		if !strings.Contains(body, `\u003cscript\u003e`) {
			t.Errorf("%s: the payloads are missing (escaped), so this check proves nothing", name)
		}
	}
	checkHTML := func(t *testing.T, name, doc string, wantText ...string) {
		t.Helper()
		for _, finding := range xssFindings(doc) {
			t.Errorf("%s: %s", name, finding)
		}
		text := xssText(doc)
		for _, s := range wantText {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q is not shown as text; the page lost or mangled it", name, s)
			}
		}
	}

	t.Run("the API's article JSON", func(t *testing.T) {
		w := f.api(t, editor, http.MethodGet, "/api/v1/articles/"+id, "")
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
		checkJSON(t, "GET /api/v1/articles/{id}", w.Body.String())
	})
	t.Run("the API's article list", func(t *testing.T) {
		checkJSON(t, "GET /api/v1/articles", f.api(t, editor, http.MethodGet, "/api/v1/articles", "").Body.String())
	})

	uiPage := func(t *testing.T, path string) string {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
		r.AddCookie(&http.Cookie{Name: cookiePlain, Value: reviewer.session})
		w := f.serve(r)
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		return w.Body.String()
	}
	for _, p := range []struct{ path, want string }{
		{"/ui/queue?tab=all", "alert('p1')"},
		{"/ui/queue?tab=rejected", "alert('p1')"},
		{"/ui/queue?q=" + strings.ReplaceAll(xssPayloads[0], " ", "+"), ""},
		{"/ui/articles/" + id, "alert('p1')"},
		{"/ui/articles/" + id + "/preview", "alert('p9')"},
		{"/ui/articles/" + id + "/diff", "alert('p10')"},
	} {
		t.Run("the review desk's "+p.path, func(t *testing.T) {
			var want []string
			if p.want != "" {
				want = append(want, p.want)
			}
			checkHTML(t, p.path, uiPage(t, p.path), want...)
		})
	}
	t.Run("the article page shows the hostile source text and reject reason as text", func(t *testing.T) {
		doc := uiPage(t, "/ui/articles/"+id)
		checkHTML(t, "article page", doc, "alert('p13')", "</textarea><script>alert('p3')</script>", "onerror=alert('p2')")
	})

	if w := f.api(t, reviewer, http.MethodPost, "/api/v1/articles/"+id+"/approve", `{"version":2}`); w.Code != 200 {
		t.Fatalf("approve v2 = %d %s", w.Code, w.Body.String())
	}
	public := func(t *testing.T, path string) string {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
		r.Header.Set("Origin", "https://portal.example")
		w := f.serve(r)
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q", path, got)
		}
		return w.Body.String()
	}
	t.Run("the portal's JSON", func(t *testing.T) {
		checkJSON(t, "/api/v1/published/{id}", public(t, "/api/v1/published/"+id))
		checkJSON(t, "/api/v1/published", public(t, "/api/v1/published"))
	})
	t.Run("the embed", func(t *testing.T) {
		checkHTML(t, "/embed/{id}", public(t, "/embed/"+id), "alert('p9')")
	})
	t.Run("the RSS feed", func(t *testing.T) {
		var feed struct {
			Items []struct {
				Title       string `xml:"title"`
				Description string `xml:"description"`
			} `xml:"channel>item"`
		}
		doc := public(t, "/feed.xml")
		if err := xml.Unmarshal([]byte(doc), &feed); err != nil {
			t.Fatalf("the feed is not well-formed XML (a payload broke out?): %v", err)
		}
		if len(feed.Items) != 1 {
			t.Fatalf("feed has %d items, want 1", len(feed.Items))
		}
		// Readers render the description as HTML.
		checkHTML(t, "RSS description", feed.Items[0].Description, "alert('p9')")
	})
	t.Run("the JSON feed", func(t *testing.T) {
		var feed struct {
			Items []struct {
				ContentHTML string `json:"content_html"`
			} `json:"items"`
		}
		doc := public(t, "/feed.json")
		checkJSON(t, "/feed.json", doc)
		if err := json.Unmarshal([]byte(doc), &feed); err != nil || len(feed.Items) != 1 {
			t.Fatalf("JSON feed: %v, %d items", err, len(feed.Items))
		}
		checkHTML(t, "JSON feed content_html", feed.Items[0].ContentHTML, "alert('p9')")
	})
	t.Logf("%d hostile payloads, each in the source text, the model's draft or the edit, the metadata where it fits", len(xssPayloads))
}

// TestXSSCheckerFindsActiveContent keeps the structural checker honest: it must flag what a
// broken template would emit.
func TestXSSCheckerFindsActiveContent(t *testing.T) {
	for _, p := range xssPayloads {
		doc := "<p>" + p + "</p>"
		if strings.Contains(p, "&lt;") || strings.HasPrefix(p, "{{") || strings.HasPrefix(p, "'-") || strings.HasPrefix(p, "[details]") || strings.HasPrefix(p, "<!--") {
			continue // inert even when unescaped: text, a comment, a template-injection probe
		}
		if len(xssFindings(doc)) == 0 {
			t.Errorf("unescaped %q was not flagged", p)
		}
		if f := xssFindings("<p>" + html.EscapeString(p) + "</p>"); len(f) != 0 {
			t.Errorf("escaped %q was flagged: %v", p, f)
		}
	}
}

// TestReflectedInputIsEscaped sends the payloads in every query and form field the review
// desk echoes back (search, tab, next, a failed submission's fields, a failed token form).
func TestReflectedInputIsEscaped(t *testing.T) {
	// Many sign-ins from one address: the sign-in rate limit is not what this tests.
	t.Setenv(SignInRateEnv, "off")
	f := newSecFixture(t, Config{})
	ed, ad := f.caller("the editor"), f.caller("the admin")
	tried, echoed := 0, 0
	for i, p := range xssPayloads {
		q := url.QueryEscape(p)
		for _, tc := range []struct {
			c          *secCaller
			method     string
			path, form string
		}{
			{ed, http.MethodGet, "/ui/queue?q=" + q, ""},
			{ed, http.MethodGet, "/ui/queue?tab=" + q + "&cursor=" + q, ""},
			{nil, http.MethodGet, "/ui/signin?next=" + q, ""},
			{nil, http.MethodPost, "/ui/signin", url.Values{"token": {p}, "next": {p}}.Encode()},
			{ed, http.MethodPost, "/ui/submit", url.Values{"urls": {p + "\nhttps://news.example/" + strconv.Itoa(i) + "\n" + p}, "text": {p}, "title": {p}}.Encode()},
			{ad, http.MethodPost, "/ui/admin/tokens", url.Values{"name": {p}, "role": {p}}.Encode()},
			{ed, http.MethodGet, "/ui/articles/" + q, ""},
		} {
			tried++
			form := tc.form
			if tc.c != nil && tc.method == http.MethodPost {
				form += "&csrf=" + url.QueryEscape(tc.c.csrf)
			}
			r := httptest.NewRequestWithContext(t.Context(), tc.method, tc.path, strings.NewReader(form))
			if tc.method == http.MethodPost {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.c != nil {
				r.AddCookie(&http.Cookie{Name: cookiePlain, Value: tc.c.session})
			}
			w := f.serve(r)
			if w.Code >= 500 {
				t.Errorf("%s %s with payload %d = %d", tc.method, tc.path, i+1, w.Code)
			}
			if loc := w.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, "/") {
				t.Errorf("%s %s with payload %d redirects off-site to %q", tc.method, tc.path, i+1, loc)
			}
			for _, finding := range xssFindings(w.Body.String()) {
				t.Errorf("%s %s with payload %q: %s", tc.method, tc.path, p, finding)
			}
			if strings.Contains(xssText(w.Body.String()), "alert('p") {
				echoed++
			}
		}
	}
	if echoed < len(xssPayloads) {
		t.Errorf("only %d responses show a payload back as text; the check proves little", echoed)
	}
	t.Logf("%d reflected-input requests (%d payloads × 7 places), %d echoed the payload as text", tried, len(xssPayloads), echoed)
}
