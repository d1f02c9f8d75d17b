package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"
)

// feedSize is how many of the most recently approved summaries the feeds carry.
const feedSize = 50

const (
	feedTitle       = "newsdesk: approved summaries"
	feedDescription = "Summaries of news articles, written with AI assistance and approved by an editor."
)

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	AtomLink      atomLink  `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	Description string  `xml:"description"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// jsonFeed is JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonFeedItem struct {
	ID            string   `json:"id"`
	URL           string   `json:"url"`
	ExternalURL   string   `json:"external_url,omitempty"`
	Title         string   `json:"title"`
	ContentHTML   string   `json:"content_html"`
	Summary       string   `json:"summary"`
	DatePublished string   `json:"date_published"`
	DateModified  string   `json:"date_modified"`
	Language      string   `json:"language,omitempty"`
	Tags          []string `json:"tags,omitempty"`
}

// itemID is the permanent id of an article in both feeds: it does not change when a new
// version is approved, so readers update the item instead of showing it twice.
func itemID(id string) string { return "urn:uuid:" + id }

// buildFeeds renders both feeds of the given entries (newest first).
func buildFeeds(base string, entries []*pubEntry) (rss, jf *pubRep, err error) {
	h := sha256.New()
	var newest time.Time
	for _, e := range entries {
		h.Write([]byte(e.api.etag[0]))
		if e.sum.ApprovedAt.After(newest) {
			newest = e.sum.ApprovedAt
		}
	}
	tag := hex.EncodeToString(h.Sum(nil))[:32]

	doc := rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title: feedTitle, Link: base + "/", Description: feedDescription,
		AtomLink:  atomLink{Href: base + "/feed.xml", Rel: "self", Type: "application/rss+xml"},
		Generator: "newsdesk",
	}}
	if !newest.IsZero() {
		doc.Channel.LastBuildDate = newest.UTC().Format(time.RFC1123Z)
	}
	feed := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: feedTitle, HomePageURL: base + "/",
		FeedURL: base + "/feed.json", Description: feedDescription, Items: []jsonFeedItem{}}
	for _, e := range entries {
		s := e.sum
		link := base + "/embed/" + s.ID
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: titleOf(s), Link: link, Description: string(e.embed.body),
			GUID:    rssGUID{IsPermaLink: "false", Value: itemID(s.ID)},
			PubDate: s.ApprovedAt.UTC().Format(time.RFC1123Z),
		})
		feed.Items = append(feed.Items, jsonFeedItem{
			ID: itemID(s.ID), URL: link, ExternalURL: s.URL, Title: titleOf(s), ContentHTML: string(e.embed.body),
			Summary:       stripHeading(s.WhyItMatters, headingWhy),
			DatePublished: s.ApprovedAt.UTC().Format(time.RFC3339),
			DateModified:  s.ApprovedAt.UTC().Format(time.RFC3339),
			Language:      s.Lang,
		})
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, nil, fmt.Errorf("encode rss: %w", err)
	}
	b.WriteByte('\n')
	jb, err := json.MarshalIndent(feed, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encode json feed: %w", err)
	}
	rss = newPubRep("application/rss+xml; charset=utf-8", b.Bytes(), "r"+tag, newest)
	jf = newPubRep("application/feed+json; charset=utf-8", append(jb, '\n'), "j"+tag, newest)
	return rss, jf, nil
}

// feeds returns the feed representations: built once per snapshot when the cache is live,
// from Postgres otherwise.
func (p *portal) feeds(r *http.Request) (rss, jf *pubRep, err error) {
	if snap := p.cache.load(); snap != nil {
		snap.feedsOnce.Do(func() {
			snap.rss, snap.jf, snap.feedErr = buildFeeds(p.cache.publicURL, snap.sorted[:min(feedSize, len(snap.sorted))])
		})
		return snap.rss, snap.jf, snap.feedErr
	}
	page, _, err := p.pageFromDB(r.Context(), nil, nil, feedSize)
	if err != nil {
		return nil, nil, err
	}
	return buildFeeds(p.cache.publicURL, page)
}

func (p *portal) feedRSS(w http.ResponseWriter, r *http.Request) {
	rss, _, err := p.feeds(r)
	if err != nil {
		p.s.writeError(w, r, err)
		return
	}
	p.serve(w, r, rss)
}

func (p *portal) feedJSON(w http.ResponseWriter, r *http.Request) {
	_, jf, err := p.feeds(r)
	if err != nil {
		p.s.writeError(w, r, err)
		return
	}
	p.serve(w, r, jf)
}
