package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/store"
	"newsdesk/summary"
	"newsdesk/testenv"
	"newsdesk/urlnorm"
)

const testPublicURL = "https://desk.example.org"

// portalEnv is one database and the helpers to put articles into it.
type portalEnv struct {
	t        testing.TB
	db       *store.DB
	reviewer string // bearer token
	servers  map[*httptest.Server]*Server
}

func newPortalEnv(t testing.TB) *portalEnv {
	t.Helper()
	db := store.New(testenv.Pool(t))
	secret, _, err := db.CreateToken(t.Context(), "rev", auth.Reviewer)
	if err != nil {
		t.Fatal(err)
	}
	return &portalEnv{t: t, db: db, reviewer: secret, servers: map[*httptest.Server]*Server{}}
}

// server starts a web server on the env's database. With live it runs the portal cache and
// waits until it serves from memory; without, the routes read Postgres.
func (e *portalEnv) server(live bool) *httptest.Server {
	t := e.t
	t.Helper()
	srv := New(e.db, nil, Config{
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		PortalOrigins: []string{"https://portal.example"},
		PublicURL:     testPublicURL,
	})
	if live {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.RunPortalCache(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("RunPortalCache: %v", err)
			}
		})
		testenv.Eventually(t, 5*time.Second, "portal cache goes live", srv.PortalCacheLive)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.servers[hs] = srv
	return hs
}

// draft makes an article with a machine draft (v1) whose text carries marker.
func (e *portalEnv) draft(rawURL, marker string) string {
	t := e.t
	t.Helper()
	ctx := t.Context()
	key, err := urlnorm.Normalize(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := e.db.Submit(ctx, store.Submission{URL: rawURL, URLKey: key, Actor: "test",
		SourceText: "SECRET-SOURCE-TEXT " + marker})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.db.StartExtract(ctx, a.ID, a.Attempt); err != nil || !ok {
		t.Fatalf("StartExtract = %v, %v", ok, err)
	}
	if ok, err := e.db.SaveExtract(ctx, a.ID, a.Attempt, store.Extracted{Title: "Story at " + rawURL, SiteName: "Example News",
		Byline: "A. Writer", Lang: "en", Text: "SECRET-SOURCE-TEXT " + marker, WordCount: 3}); err != nil || !ok {
		t.Fatalf("SaveExtract = %v, %v", ok, err)
	}
	d := store.Draft{ArticleID: a.ID, Summary: ptSum(marker), Author: "llm", Model: "test-model",
		Flags: []summary.Flag{{Section: "why_it_matters", Kind: "unsupported", Text: "SECRET-FLAG", Reason: "SECRET-FLAG"}},
		Notes: []string{"SECRET-NOTE"}}
	if _, ok, err := e.db.SaveGenerated(ctx, a.Attempt, d); err != nil || !ok {
		t.Fatalf("SaveGenerated = %v, %v", ok, err)
	}
	return a.ID
}

func ptSum(marker string) summary.Summary {
	return summary.Summary{
		KeyPoints:         []string{"First point " + marker + ".", "Second point " + marker + ".", "Third point " + marker + "."},
		WhyItMatters:      "It matters because of " + marker + ".",
		WhatItMeansForYou: "For you it means " + marker + ".",
	}
}

func (e *portalEnv) approve(id string, version int) {
	e.t.Helper()
	if err := e.db.Approve(e.t.Context(), id, version, "test (reviewer)"); err != nil {
		e.t.Fatal(err)
	}
}

// published drafts and approves v1 of an article.
func (e *portalEnv) published(rawURL, marker string) string {
	id := e.draft(rawURL, marker)
	e.approve(id, 1)
	return id
}

type ptResponse struct {
	status int
	header http.Header
	body   string
}

func ptGet(t *testing.T, base, path string, header ...string) ptResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return ptDo(t, req)
}

func ptDo(t *testing.T, req *http.Request) ptResponse {
	t.Helper()
	// A transport of our own: the default one asks for gzip and decodes it silently.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ptResponse{res.StatusCode, res.Header, string(b)}
}

// publicRoutes are every public route that can show an article's text.
func publicRoutes(id, rawURL string) []string {
	return []string{
		"/api/v1/published/" + id,
		"/api/v1/published?url=" + url.QueryEscape(rawURL),
		"/api/v1/published",
		"/feed.xml",
		"/feed.json",
		"/embed/" + id,
	}
}

func TestPublicRoutesShowOnlyTheApprovedVersion(t *testing.T) {
	for _, live := range []bool{true, false} {
		name := "from Postgres"
		if live {
			name = "from the cache"
		}
		t.Run(name, func(t *testing.T) {
			env := newPortalEnv(t)
			hs := env.server(live)
			const rawURL = "https://news.example/story?utm_source=x"
			id := env.published(rawURL, "APPROVED-V1")
			if _, err := env.db.SaveEdit(t.Context(), store.Draft{ArticleID: id, Summary: ptSum("UNAPPROVED-V2"), Actor: "ed"}, 1); err != nil {
				t.Fatal(err)
			}
			// An article that never got approved.
			other := env.draft("https://news.example/other", "NEVER-APPROVED")

			testenv.Eventually(t, 2*time.Second, "every route shows v1", func() bool {
				for _, path := range publicRoutes(id, "https://NEWS.example/story#frag") {
					if r := ptGet(t, hs.URL, path); !strings.Contains(r.body, "APPROVED-V1") {
						return false
					}
				}
				return true
			})
			for _, path := range append(publicRoutes(id, rawURL), "/api/v1/published/"+other, "/embed/"+other) {
				r := ptGet(t, hs.URL, path)
				for _, secret := range []string{"UNAPPROVED-V2", "NEVER-APPROVED", "SECRET-SOURCE-TEXT", "SECRET-FLAG", "SECRET-NOTE", env.reviewer, "flags", "history"} {
					if strings.Contains(r.body, secret) {
						t.Errorf("GET %s shows %q:\n%s", path, secret, r.body)
					}
				}
			}
			if r := ptGet(t, hs.URL, "/api/v1/published/"+other); r.status != http.StatusNotFound {
				t.Errorf("GET published of a draft = %d, want 404", r.status)
			}
			if r := ptGet(t, hs.URL, "/embed/"+other); r.status != http.StatusNotFound {
				t.Errorf("GET embed of a draft = %d, want 404", r.status)
			}

			// Approving v2 replaces v1 everywhere.
			env.approve(id, 2)
			var last string
			deadline := time.Now().Add(2 * time.Second)
			for {
				last = ""
				for _, path := range publicRoutes(id, rawURL) {
					r := ptGet(t, hs.URL, path)
					if !strings.Contains(r.body, "UNAPPROVED-V2") || strings.Contains(r.body, "APPROVED-V1") {
						last = path + ": " + r.body
						break
					}
				}
				if last == "" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after approving v2, a route still shows v1 or lacks v2: %s", last)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestPublishedJSONShape(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	id := env.published("https://news.example/a", "SHAPE")
	var r ptResponse
	testenv.Eventually(t, time.Second, "published", func() bool {
		r = ptGet(t, hs.URL, "/api/v1/published/"+id)
		return r.status == http.StatusOK
	})
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "url", "title", "site_name", "byline", "published_at", "key_points", "why_it_matters", "what_it_means_for_you", "version", "approved_at", "label"} {
		if _, ok := got[k]; !ok {
			t.Errorf("published JSON lacks %q: %s", k, r.body)
		}
	}
	if len(got) != 12 {
		t.Errorf("published JSON has %d fields, want 12: %s", len(got), r.body)
	}
	if got["id"] != id || got["version"] != 1.0 || got["label"] != DisclosureLabel {
		t.Errorf("published JSON = %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestPublishedConditionalRequests(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	id := env.published("https://news.example/a", "COND")
	path := "/api/v1/published/" + id
	testenv.Eventually(t, time.Second, "published", func() bool { return ptGet(t, hs.URL, path).status == http.StatusOK })
	first := ptGet(t, hs.URL, path)
	etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if etag == "" || lm == "" || first.header.Get("Cache-Control") == "" {
		t.Fatalf("missing validators: %v", first.header)
	}
	for _, tt := range []struct {
		name   string
		header []string
		want   int
	}{
		{"the same ETag is not modified", []string{"If-None-Match", etag}, http.StatusNotModified},
		{"a weak ETag in a list is not modified", []string{"If-None-Match", `"x", W/` + etag}, http.StatusNotModified},
		{"another ETag is sent in full", []string{"If-None-Match", `"other"`}, http.StatusOK},
		{"Last-Modified is not modified", []string{"If-Modified-Since", lm}, http.StatusNotModified},
		{"an older date is sent in full", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, http.StatusOK},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lm}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ptGet(t, hs.URL, path, tt.header...)
			if r.status != tt.want {
				t.Errorf("status = %d, want %d", r.status, tt.want)
			}
			if tt.want == http.StatusNotModified && r.body != "" {
				t.Errorf("304 with a body: %q", r.body)
			}
		})
	}
	// A new approval changes the ETag.
	if _, err := env.db.SaveEdit(t.Context(), store.Draft{ArticleID: id, Summary: ptSum("COND2"), Actor: "ed"}, 1); err != nil {
		t.Fatal(err)
	}
	env.approve(id, 2)
	testenv.Eventually(t, 2*time.Second, "the old ETag is stale", func() bool {
		return ptGet(t, hs.URL, path, "If-None-Match", etag).status == http.StatusOK
	})
}

func TestPublishedCompression(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	id := env.draft("https://news.example/long", "LONG")
	long := ptSum(strings.Repeat("lengthy words ", 100))
	if _, err := env.db.SaveEdit(t.Context(), store.Draft{ArticleID: id, Summary: long, Actor: "ed"}, 1); err != nil {
		t.Fatal(err)
	}
	env.approve(id, 2)
	small := env.published("https://news.example/short", "S")
	testenv.Eventually(t, 2*time.Second, "published", func() bool {
		return ptGet(t, hs.URL, "/api/v1/published/"+id).status == 200
	})

	plain := ptGet(t, hs.URL, "/api/v1/published/"+id)
	zipped := ptGet(t, hs.URL, "/api/v1/published/"+id, "Accept-Encoding", "br, gzip;q=0.8")
	refused := ptGet(t, hs.URL, "/api/v1/published/"+id, "Accept-Encoding", "gzip;q=0, identity")
	if plain.header.Get("Content-Encoding") != "" || refused.header.Get("Content-Encoding") != "" {
		t.Errorf("compressed without being asked: %v / %v", plain.header, refused.header)
	}
	if zipped.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", zipped.header.Get("Content-Encoding"))
	}
	if !strings.Contains(zipped.header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q, want Accept-Encoding", zipped.header.Get("Vary"))
	}
	zr, err := gzip.NewReader(strings.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unzipped) != plain.body || len(zipped.body) >= len(plain.body) {
		t.Errorf("gzip body (%d bytes) does not decode to the plain one (%d bytes)", len(zipped.body), len(plain.body))
	}
	if r := ptGet(t, hs.URL, "/api/v1/published/"+small, "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "" {
		t.Errorf("a %d-byte body was compressed", len(r.body))
	}
}

func TestPublishedCORS(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	id := env.published("https://news.example/a", "CORS")
	path := "/api/v1/published/" + id
	testenv.Eventually(t, time.Second, "published", func() bool { return ptGet(t, hs.URL, path).status == http.StatusOK })

	r := ptGet(t, hs.URL, path, "Origin", "https://portal.example")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://portal.example" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin = %q", got)
	}
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("ETag not exposed: %v", r.header)
	}
	if !strings.Contains(r.header.Get("Vary"), "Origin") {
		t.Errorf("Vary = %q, want Origin", r.header.Get("Vary"))
	}
	r = ptGet(t, hs.URL, path, "Origin", "https://evil.example")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("unknown origin: Access-Control-Allow-Origin = %q", got)
	}

	for _, tt := range []struct {
		name, origin, method string
		allowed              bool
	}{
		{"a configured origin may GET", "https://portal.example", "GET", true},
		{"an unknown origin may not", "https://evil.example", "GET", false},
		{"a configured origin may not DELETE", "https://portal.example", "DELETE", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, hs.URL+path, nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", tt.method)
			req.Header.Set("Access-Control-Request-Headers", "if-none-match")
			r := ptDo(t, req)
			if r.status != http.StatusNoContent {
				t.Errorf("preflight status = %d, want 204", r.status)
			}
			got := r.header.Get("Access-Control-Allow-Origin") != "" && strings.Contains(r.header.Get("Access-Control-Allow-Methods"), tt.method)
			if got != tt.allowed {
				t.Errorf("preflight allowed = %v, want %v: %v", got, tt.allowed, r.header)
			}
			if tt.allowed && !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "If-None-Match") {
				t.Errorf("If-None-Match not allowed: %v", r.header)
			}
		})
	}
}

type ptListPage struct {
	Articles []struct {
		ID         string    `json:"id"`
		ApprovedAt time.Time `json:"approved_at"`
	} `json:"articles"`
	NextCursor string `json:"next_cursor"`
}

func TestPublishedListPagesNewestFirst(t *testing.T) {
	for _, live := range []bool{true, false} {
		t.Run(fmt.Sprintf("live cache %v", live), func(t *testing.T) {
			env := newPortalEnv(t)
			hs := env.server(live)
			var ids []string
			for i := range 5 {
				ids = append(ids, env.published(fmt.Sprintf("https://news.example/%d", i), fmt.Sprintf("L%d", i)))
			}
			env.draft("https://news.example/draft", "D")
			testenv.Eventually(t, 2*time.Second, "all five listed", func() bool {
				return strings.Count(ptGet(t, hs.URL, "/api/v1/published").body, `"id"`) == 5
			})
			var seen []string
			path := "/api/v1/published?limit=2"
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("pagination does not end")
				}
				var p ptListPage
				r := ptGet(t, hs.URL, path)
				if err := json.Unmarshal([]byte(r.body), &p); err != nil {
					t.Fatalf("%s: %v", r.body, err)
				}
				for _, a := range p.Articles {
					seen = append(seen, a.ID)
				}
				if p.NextCursor == "" {
					break
				}
				path = "/api/v1/published?limit=2&cursor=" + url.QueryEscape(p.NextCursor)
			}
			want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
			if strings.Join(seen, ",") != strings.Join(want, ",") {
				t.Errorf("pages = %v, want newest first %v", seen, want)
			}

			var all ptListPage
			json.Unmarshal([]byte(ptGet(t, hs.URL, "/api/v1/published").body), &all)
			since := all.Articles[2].ApprovedAt.Format(time.RFC3339Nano) // the third newest
			var p ptListPage
			r := ptGet(t, hs.URL, "/api/v1/published?since="+url.QueryEscape(since))
			json.Unmarshal([]byte(r.body), &p)
			if len(p.Articles) != 2 || p.Articles[0].ID != ids[4] || p.Articles[1].ID != ids[3] {
				t.Errorf("since %s = %s, want the two newest", since, r.body)
			}
			if r := ptGet(t, hs.URL, "/api/v1/published?since=yesterday"); r.status != http.StatusBadRequest {
				t.Errorf("bad since = %d, want 400", r.status)
			}

			// A poller learns of a withdrawal from the same request.
			if err := env.db.Withdraw(t.Context(), ids[4], "legal", "rev"); err != nil {
				t.Fatal(err)
			}
			var polled struct {
				ptListPage
				Withdrawn []struct {
					ID          string    `json:"id"`
					WithdrawnAt time.Time `json:"withdrawn_at"`
				} `json:"withdrawn"`
			}
			testenv.Eventually(t, time.Second, "the poll lists the withdrawal", func() bool {
				r := ptGet(t, hs.URL, "/api/v1/published?since="+url.QueryEscape(since))
				polled.Withdrawn = nil
				json.Unmarshal([]byte(r.body), &polled)
				return len(polled.Withdrawn) == 1
			})
			if polled.Withdrawn[0].ID != ids[4] || len(polled.Articles) != 1 || polled.Articles[0].ID != ids[3] {
				t.Errorf("poll after withdrawal = %+v", polled)
			}
			if r := ptGet(t, hs.URL, "/api/v1/published"); strings.Contains(r.body, "withdrawn") || strings.Contains(r.body, ids[4]) {
				t.Errorf("the plain list shows the withdrawal: %s", r.body)
			}
		})
	}
}

// RSS as the validators read it.
type ptRSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Description string `xml:"description"`
		// Both <link> and <atom:link> land here; the namespace tells them apart.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			GUID        struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Value       string `xml:",chardata"`
			} `xml:"guid"`
			PubDate string `xml:"pubDate"`
		} `xml:"item"`
	} `xml:"channel"`
}

func TestFeeds(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	tricky := `<b>bold</b> & "quotes" ]]> <script>alert(1)</script>`
	id := env.draft("https://news.example/tricky?a=1&b=2", "FEED")
	if _, err := env.db.SaveEdit(t.Context(), store.Draft{ArticleID: id, Summary: summary.Summary{
		KeyPoints: []string{tricky, "Two.", "Three."}, WhyItMatters: "Why " + tricky, WhatItMeansForYou: "What."}, Actor: "ed"}, 1); err != nil {
		t.Fatal(err)
	}
	env.approve(id, 2)
	id2 := env.published("https://news.example/second", "SECOND")
	testenv.Eventually(t, 2*time.Second, "both in the feed", func() bool {
		return strings.Contains(ptGet(t, hs.URL, "/feed.json").body, id2)
	})

	t.Run("RSS 2.0 is well-formed with the required elements", func(t *testing.T) {
		r := ptGet(t, hs.URL, "/feed.xml")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/rss+xml") {
			t.Errorf("Content-Type = %q", ct)
		}
		var doc ptRSS
		if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, r.body)
		}
		c := doc.Channel
		var link, self string
		for _, l := range c.Links {
			switch l.XMLName.Space {
			case "":
				link = l.Value
			case "http://www.w3.org/2005/Atom":
				if l.Rel == "self" {
					self = l.Href
				}
			}
		}
		if doc.Version != "2.0" || c.Title == "" || c.Description == "" || link != testPublicURL+"/" {
			t.Errorf("channel = %q %q %q %q", doc.Version, c.Title, c.Description, link)
		}
		if self != testPublicURL+"/feed.xml" {
			t.Errorf("atom:link rel=self = %q", self)
		}
		if len(c.Items) != 2 {
			t.Fatalf("%d items, want 2", len(c.Items))
		}
		if c.Items[0].GUID.Value != "urn:uuid:"+id2 || c.Items[1].GUID.Value != "urn:uuid:"+id {
			t.Errorf("items not newest first or guid unstable: %q, %q", c.Items[0].GUID.Value, c.Items[1].GUID.Value)
		}
		for _, it := range c.Items {
			if it.Title == "" || it.Description == "" || it.GUID.IsPermaLink != "false" {
				t.Errorf("item lacks elements: %+v", it)
			}
			if u, err := url.Parse(it.Link); err != nil || !u.IsAbs() || !strings.HasPrefix(it.Link, testPublicURL+"/embed/") {
				t.Errorf("link %q is not absolute on the public URL", it.Link)
			}
			if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
				t.Errorf("pubDate %q is not RFC 822: %v", it.PubDate, err)
			}
		}
		// The description is HTML carried as text: decoding the XML gives escaped HTML, in
		// which the summary's own markup is text, never tags.
		d := c.Items[1].Description
		if !strings.Contains(d, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(d, "<script") {
			t.Errorf("description does not escape the text: %s", d)
		}
	})

	t.Run("JSON Feed 1.1 has the required fields", func(t *testing.T) {
		r := ptGet(t, hs.URL, "/feed.json")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/feed+json") {
			t.Errorf("Content-Type = %q", ct)
		}
		var f struct {
			Version     string `json:"version"`
			Title       string `json:"title"`
			HomePageURL string `json:"home_page_url"`
			FeedURL     string `json:"feed_url"`
			Items       []struct {
				ID            string `json:"id"`
				URL           string `json:"url"`
				ExternalURL   string `json:"external_url"`
				Title         string `json:"title"`
				ContentHTML   string `json:"content_html"`
				DatePublished string `json:"date_published"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.body), &f); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if f.Version != "https://jsonfeed.org/version/1.1" || f.Title == "" || f.FeedURL != testPublicURL+"/feed.json" || f.HomePageURL != testPublicURL+"/" {
			t.Errorf("feed = %+v", f)
		}
		if len(f.Items) != 2 {
			t.Fatalf("%d items, want 2", len(f.Items))
		}
		for _, it := range f.Items {
			if it.ID == "" || it.ContentHTML == "" || !strings.HasPrefix(it.URL, testPublicURL+"/embed/") {
				t.Errorf("item = %+v", it)
			}
			if _, err := time.Parse(time.RFC3339, it.DatePublished); err != nil {
				t.Errorf("date_published %q: %v", it.DatePublished, err)
			}
		}
		if f.Items[1].ID != "urn:uuid:"+id || f.Items[1].ExternalURL != "https://news.example/tricky?a=1&b=2" {
			t.Errorf("item = %+v", f.Items[1])
		}
		if !strings.Contains(f.Items[1].ContentHTML, "&lt;b&gt;bold&lt;/b&gt;") {
			t.Errorf("content_html does not escape the text: %s", f.Items[1].ContentHTML)
		}
	})
}

func TestEmbedFragment(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	id := env.draft("https://news.example/embed", "E")
	s := summary.Summary{
		KeyPoints:         []string{`Point <script>alert(1)</script> one.`, "Point two.", "Point three.", "Point four."},
		WhyItMatters:      "Why this matters: it is \"important\" & urgent.",
		WhatItMeansForYou: "What this means for you: What this means for you: check your bill.",
	}
	if _, err := env.db.SaveEdit(t.Context(), store.Draft{ArticleID: id, Summary: s, Actor: "ed"}, 1); err != nil {
		t.Fatal(err)
	}
	env.approve(id, 2)
	var r ptResponse
	testenv.Eventually(t, 2*time.Second, "embed served", func() bool {
		r = ptGet(t, hs.URL, "/embed/"+id)
		return r.status == 200
	})
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	b := r.body
	for _, tt := range []struct {
		what string
		n    int
		got  int
	}{
		{"<ul>", 1, strings.Count(b, "<ul>")},
		{"<li>", 4, strings.Count(b, "<li>")},
		{"Why this matters heading", 1, strings.Count(b, "Why this matters")},
		{"What this means for you heading", 1, strings.Count(b, "What this means for you")},
		{"h3 headings", 3, strings.Count(b, "<h3>")},
		{"disclosure label", 1, strings.Count(b, DisclosureLabel)},
		{"script tags", 0, strings.Count(strings.ToLower(b), "<script")},
		{"style attributes", 0, strings.Count(b, "style=")},
	} {
		if tt.got != tt.n {
			t.Errorf("%s: %d, want %d\n%s", tt.what, tt.got, tt.n, b)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;important&#34; &amp; urgent", "check your bill", `href="https://news.example/embed"`} {
		if !strings.Contains(b, want) {
			t.Errorf("fragment lacks %q:\n%s", want, b)
		}
	}
	// Well-formed enough for an XML parser: every element closes.
	dec := xml.NewDecoder(bytes.NewReader([]byte(b)))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("fragment is not well-formed: %v\n%s", err, b)
		}
	}
}

func TestTwoServersSeeApprovalAndWithdrawalWithinASecond(t *testing.T) {
	env := newPortalEnv(t)
	a := env.server(true)
	b := env.server(true)
	const rawURL = "https://news.example/two"
	id := env.draft(rawURL, "TWO-V1")
	routes := publicRoutes(id, rawURL)

	post := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, a.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+env.reviewer)
		req.Header.Set("Content-Type", "application/json")
		if r := ptDo(t, req); r.status != http.StatusOK {
			t.Fatalf("POST %s = %d: %s", path, r.status, r.body)
		}
	}
	// Warm B's view of the article as absent, so that a stale cache would show.
	for _, p := range routes[:2] {
		if r := ptGet(t, b.URL, p); r.status != http.StatusNotFound {
			t.Fatalf("before approval GET %s = %d", p, r.status)
		}
	}
	post("/api/v1/articles/"+id+"/approve", `{"version":1}`)
	testenv.Eventually(t, time.Second, "server B shows the approval on every route", func() bool {
		for _, p := range routes {
			if !strings.Contains(ptGet(t, b.URL, p).body, "TWO-V1") {
				return false
			}
		}
		return true
	})
	post("/api/v1/articles/"+id+"/withdraw", `{"reason":"legal"}`)
	testenv.Eventually(t, time.Second, "server B drops the article from every route", func() bool {
		for _, p := range routes {
			if strings.Contains(ptGet(t, b.URL, p).body, "TWO-V1") {
				return false
			}
		}
		return ptGet(t, b.URL, routes[0]).status == http.StatusNotFound && ptGet(t, b.URL, "/embed/"+id).status == http.StatusNotFound
	})
}

// TestCacheFollowsPublicChangesNotPipelineTraffic: a live cache takes a new title of an
// approved article (a failed regeneration retried from the start re-extracts it while the
// approved version stays), and is not woken by the pipeline steps of other articles.
func TestCacheFollowsPublicChangesNotPipelineTraffic(t *testing.T) {
	env := newPortalEnv(t)
	srv := env.server(true)
	const rawURL = "https://news.example/retitled"
	id := env.published(rawURL, "RETITLED")
	testenv.Eventually(t, time.Second, "the cache shows the approval", func() bool {
		return strings.Contains(ptGet(t, srv.URL, "/api/v1/published/"+id).body, "Story at "+rawURL)
	})
	v, _ := portals.Load(env.servers[srv])
	cache := v.(*portal).cache
	applied := cache.applied.Load()

	// A pipeline run of another article does not wake the cache (it would read Postgres).
	env.draft("https://news.example/unrelated", "UNRELATED")
	time.Sleep(200 * time.Millisecond)
	if n := cache.applied.Load() - applied; n != 0 {
		t.Errorf("a pipeline run of an unapproved article woke the portal cache %d times", n)
	}

	ctx := t.Context()
	attempt, err := env.db.Regenerate(ctx, id, "", "rev")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := env.db.Fail(ctx, id, attempt, "timeout"); err != nil || !ok {
		t.Fatalf("Fail = %v, %v", ok, err)
	}
	if attempt, err = env.db.Retry(ctx, id, "rev"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := env.db.StartExtract(ctx, id, attempt); err != nil || !ok {
		t.Fatalf("StartExtract = %v, %v", ok, err)
	}
	if ok, err := env.db.SaveExtract(ctx, id, attempt, store.Extracted{Title: "CORRECTED TITLE", SiteName: "Example News",
		Byline: "A. Writer", Lang: "en", Text: "SECRET-SOURCE-TEXT RETITLED", WordCount: 3}); err != nil || !ok {
		t.Fatalf("SaveExtract = %v, %v", ok, err)
	}
	testenv.Eventually(t, time.Second, "the cache shows the new title", func() bool {
		return strings.Contains(ptGet(t, srv.URL, "/api/v1/published/"+id).body, "CORRECTED TITLE")
	})
}

func TestCursorRoundTrip(t *testing.T) {
	c := pubCursor{at: time.UnixMicro(1764150000123456), id: "0b5c8a5e-2f0e-4c61-9a55-0d7f2e1d3c4b"}
	got, err := parsePubCursor(c.String())
	if err != nil || !got.at.Equal(c.at) || got.id != c.id {
		t.Errorf("parseCursor(%q) = %v, %v", c.String(), got, err)
	}
	for _, bad := range []string{"", "abc", "zz.short", "!!.0b5c8a5e-2f0e-4c61-9a55-0d7f2e1d3c4b", "abc.0b5c8a5e-2f0e-4c61-9a55-0d7f2e1d3c4\x00"} {
		if _, err := parsePubCursor(bad); err == nil {
			t.Errorf("parseCursor(%q) accepted", bad)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"identity", false},
	} {
		var h []string
		if tt.header != "" {
			h = []string{tt.header}
		}
		if got := acceptsGzip(h); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestPortalCacheRecoversFromALostListener(t *testing.T) {
	env := newPortalEnv(t)
	hs := env.server(true)
	first := env.published("https://news.example/first", "FIRST")
	testenv.Eventually(t, time.Second, "first article served", func() bool {
		return ptGet(t, hs.URL, "/api/v1/published/"+first).status == http.StatusOK
	})
	// Cut the LISTEN connection from the server side, as a failover or a network cut would.
	var n int
	err := env.db.Pool().QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminate the listener: %d connections, %v", n, err)
	}
	// Changes while the listener is away are still seen within a second: from Postgres while
	// it reconnects, from the full reload after.
	second := env.published("https://news.example/second", "SECOND")
	if err := env.db.Withdraw(t.Context(), first, "test", "rev"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Second, "the changes show while the listener reconnects", func() bool {
		return ptGet(t, hs.URL, "/api/v1/published/"+second).status == http.StatusOK &&
			ptGet(t, hs.URL, "/api/v1/published/"+first).status == http.StatusNotFound
	})
	var live bool
	for range 100 {
		if live = env.servers[hs].PortalCacheLive(); live {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !live {
		t.Fatal("the portal cache did not come back within 5 s")
	}
	third := env.published("https://news.example/third", "THIRD")
	testenv.Eventually(t, time.Second, "changes after the reconnect show", func() bool {
		return ptGet(t, hs.URL, "/api/v1/published/"+third).status == http.StatusOK &&
			ptGet(t, hs.URL, "/api/v1/published/"+first).status == http.StatusNotFound &&
			strings.Count(ptGet(t, hs.URL, "/api/v1/published").body, `"id"`) == 2
	})
}
