package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"newsdesk/store"
)

// Section headings of a published summary, shown exactly once each.
const (
	headingKeyPoints = "Key points"
	headingWhy       = "Why this matters"
	headingWhat      = "What this means for you"
)

// embedTmpl is the fragment a portal drops into its page: semantic markup, classes to style
// it, no script and no inline style. html/template escapes every value for its context.
var embedTmpl = template.Must(template.New("embed").Parse(`<article class="newsdesk-summary" data-newsdesk-id="{{.ID}}"{{if .Lang}} lang="{{.Lang}}"{{end}}>
<header>
<h2 class="newsdesk-title">{{if .URL}}<a href="{{.URL}}" rel="noopener">{{.Title}}</a>{{else}}{{.Title}}{{end}}</h2>
<p class="newsdesk-label">{{.Label}}</p>
</header>
<section class="newsdesk-key-points">
<h3>` + headingKeyPoints + `</h3>
<ul>
{{range .KeyPoints}}<li>{{.}}</li>
{{end}}</ul>
</section>
<section class="newsdesk-why">
<h3>` + headingWhy + `</h3>
<p>{{.Why}}</p>
</section>
<section class="newsdesk-what">
<h3>` + headingWhat + `</h3>
<p>{{.What}}</p>
</section>
</article>
`))

type embedData struct {
	ID, Lang, URL, Title, Label string
	KeyPoints                   []string
	Why, What                   string
}

// renderEmbed returns the HTML fragment of an approved summary.
func renderEmbed(p store.PublicSummary) ([]byte, error) {
	d := embedData{
		ID: p.ID, Lang: p.Lang, URL: p.URL, Title: titleOf(p), Label: DisclosureLabel, KeyPoints: p.KeyPoints,
		Why:  stripHeading(p.WhyItMatters, headingWhy),
		What: stripHeading(p.WhatItMeansForYou, headingWhat),
	}
	var b bytes.Buffer
	if err := embedTmpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render embed %s: %w", p.ID, err)
	}
	return b.Bytes(), nil
}

// titleOf is the article's title, or its URL when extraction found none.
func titleOf(p store.PublicSummary) string {
	if t := strings.TrimSpace(p.Title); t != "" {
		return t
	}
	return p.URL
}

// stripHeading removes a section's own heading repeated at the start of its text (the
// reference page's "What this means for you: What this means for you:" defect), so that the
// fragment shows each heading once whatever slipped through review.
func stripHeading(text, heading string) string {
	t := strings.TrimSpace(text)
	for {
		if len(t) < len(heading) || !strings.EqualFold(t[:len(heading)], heading) {
			return t
		}
		rest := strings.TrimLeft(t[len(heading):], " ")
		if !strings.HasPrefix(rest, ":") && !strings.HasPrefix(rest, "—") && !strings.HasPrefix(rest, "-") {
			return t
		}
		t = strings.TrimSpace(strings.TrimLeft(rest, ":—- "))
	}
}
