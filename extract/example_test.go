package extract_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"newsdesk/extract"
)

func ExampleExtract() {
	page := `<html lang="en"><head><title>Barrier approved | The Courier</title>
<meta property="og:site_name" content="The Courier">
<meta property="article:published_time" content="2026-03-14T09:30:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Barrier approved</h1><p>By Amira Hassan</p>
<p>` + strings.Repeat("The council approved the flood barrier after two years of debate. ", 5) + `</p>
<p>` + strings.Repeat("Work on the first phase starts in the autumn and takes eighteen months. ", 4) + `</p>
<p>Sign up for our morning newsletter in your inbox.</p></article></body></html>`
	u, _ := url.Parse("https://courier.example/news/barrier-approved")
	a, err := extract.Extract([]byte(page), u)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Title, "|", a.SiteName, "|", a.Lang, "|", a.PublishedAt.Format("2006-01-02"), "|", a.WordCount, "words")
	fmt.Println(strings.Count(a.Text, "\n\n")+1, "paragraphs; newsletter prompt removed:", !strings.Contains(a.Text, "newsletter"))
	// Output:
	// Barrier approved | The Courier | en | 2026-03-14 | 107 words
	// 2 paragraphs; newsletter prompt removed: true
}

func ExampleError() {
	_, err := extract.FromText("Paywalled story", "Subscribe to continue reading.", nil)
	var e *extract.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Permanent())
		fmt.Println(e.Reason)
	}
	// Output:
	// not_article true
	// The text is too short to be an article (4 words).
}
