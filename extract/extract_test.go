package extract

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenResult is what a golden file records: the article, or the gate's verdict.
type goldenResult struct {
	Error   *goldenError `json:"error,omitempty"`
	Article *Article     `json:"article,omitempty"`
}

type goldenError struct {
	Kind      string `json:"kind"`
	Reason    string `json:"reason"`
	Permanent bool   `json:"permanent"`
}

func TestExtractGolden(t *testing.T) {
	for _, tt := range []struct {
		name     string
		url      string
		wantKind string // "" means an article
	}{
		{"article", "https://valleycourier.example/news/2026/03/riverside-flood-barrier?utm_source=x", ""},
		{"paywall", "https://harbourledger.example/business/inside-the-deal", KindNotArticle},
		{"cookiewall", "https://news.example.com/story/123", KindNotArticle},
		{"listing", "https://valleycourier.example/news", KindNotArticle},
		{"error", "https://valleycourier.example/news/missing-story", KindNotArticle},
		{"challenge", "https://news.example.com/story/456", KindNotArticle},
	} {
		t.Run("the "+tt.name+" page", func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", tt.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(tt.url)
			a, err := Extract(src, u)
			var got goldenResult
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Extract(%s) error %T %v, want *Error", tt.name, err, err)
				}
				got.Error = &goldenError{Kind: e.Kind, Reason: e.Reason, Permanent: e.Permanent()}
				if e.Kind != tt.wantKind {
					t.Errorf("Extract(%s) kind = %q (%s), want %q", tt.name, e.Kind, e.Reason, tt.wantKind)
				}
			} else {
				got.Article = a
				if tt.wantKind != "" {
					t.Errorf("Extract(%s) returned an article (%d words), want a %s error", tt.name, a.WordCount, tt.wantKind)
				}
			}
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			gotJSON = append(gotJSON, '\n')
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./extract -run TestExtractGolden -update)", err)
			}
			if string(gotJSON) != string(want) {
				t.Errorf("Extract(%s) differs from %s:\n got: %s\nwant: %s", tt.name, golden, gotJSON, want)
			}
		})
	}
}

func TestExtractArticleContent(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://valleycourier.example/news/2026/03/riverside-flood-barrier")
	a, err := Extract(src, u)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, want := range []string{"Riverside council has approved", "public meetings before the planning application"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	for _, debris := range []string{"We use cookies", "Share on Facebook", "Related stories", "About us", "Sport", "By Amira", "Photo: Courier", "Sign up", "morning briefing"} {
		if strings.Contains(a.Text, debris) {
			t.Errorf("text contains debris %q:\n%s", debris, a.Text)
		}
	}
	if !strings.Contains(a.Text, ".\n\nCouncillors voted") {
		t.Errorf("paragraphs are not separated by a blank line:\n%s", a.Text)
	}
	checks := []struct{ field, got, want string }{
		{"Title", a.Title, "Riverside council approves new flood barrier"},
		{"Byline", a.Byline, "Amira Hassan"},
		{"SiteName", a.SiteName, "The Valley Courier"},
		{"Lang", a.Lang, "en-GB"},
		{"CanonicalURL", a.CanonicalURL, "https://valleycourier.example/news/2026/03/riverside-flood-barrier"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if want := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC); !a.PublishedAt.Equal(want) {
		t.Errorf("PublishedAt = %v, want %v", a.PublishedAt, want)
	}
	if a.WordCount < 300 || a.WordCount > 420 {
		t.Errorf("WordCount = %d, want about 350", a.WordCount)
	}
}

func TestFromText(t *testing.T) {
	u, _ := url.Parse("https://www.harbourledger.example/business/inside-the-deal")
	long := strings.Repeat("The harbour authority signed an agreement with a shipping group after months of talks. ", 12)
	t.Run("pasted article text becomes an article", func(t *testing.T) {
		a, err := FromText("  Inside the   deal ", long+"\n\n\n"+long, u)
		if err != nil {
			t.Fatalf("FromText: %v", err)
		}
		if a.Title != "Inside the deal" || a.SiteName != "harbourledger.example" || a.WordCount != 2*12*14 {
			t.Errorf("FromText = title %q site %q words %d", a.Title, a.SiteName, a.WordCount)
		}
		if strings.Count(a.Text, "\n\n") != 1 {
			t.Errorf("FromText text has %d paragraph breaks, want 1", strings.Count(a.Text, "\n\n"))
		}
	})
	for _, tt := range []struct{ name, text string }{
		{"a few words are refused", "Subscribe now."},
		{"a pasted paywall notice is refused", "Subscribe to continue reading. " + strings.Repeat("Get unlimited access to our journalism for one pound a week. ", 8)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromText("Title", tt.text, u)
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindNotArticle || !e.Permanent() {
				t.Fatalf("FromText(%q) error = %v, want a permanent not_article *Error", tt.text, err)
			}
		})
	}
}

func TestCountWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"one two  three", 3},
		{"it's 9-2, ok?", 5},
		{"東京都で新しい", 3},
		{"서울 시장이 말했다", 3},
	} {
		if got := countWords(tt.in); got != tt.want {
			t.Errorf("countWords(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestExtractLimits(t *testing.T) {
	para := "<p>" + strings.Repeat("The council approved the barrier after a long debate. ", 5) + "</p>"
	for _, tt := range []struct {
		name, page, reason string
	}{
		{"a page nested deeper than the parser allows is refused", "<html><body>" + strings.Repeat("<div>", 600) + para + "</body></html>", "nested too deeply"},
		{"a page nested deeper than the extractor limit is refused", "<html><body>" + strings.Repeat("<div>", maxDepth+10) + para + "</body></html>", "nested too deeply"},
		{"a page with too many elements is refused", "<html><body>" + strings.Repeat("<span>x</span>", maxElements+1) + "</body></html>", "too large"},
		{"a page with too much text is refused", "<html><body><article>" + strings.Repeat(para, maxPageWords/45+1) + "</article></body></html>", "too much text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract([]byte(tt.page), nil)
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindNotArticle || !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("Extract error = %v, want not_article mentioning %q", err, tt.reason)
			}
		})
	}
	t.Run("scripts, styles and drawings do not count towards the limits", func(t *testing.T) {
		junk := strings.Repeat("<svg><path d='M0 0'/><path d='M1 1'/></svg><script>var x=1</script><style>p{}</style>", maxElements/2)
		page := "<html><head><title>Barrier approved</title></head><body>" + junk + "<article>" + strings.Repeat(para, 4) + "</article></body></html>"
		a, err := Extract([]byte(page), nil)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if a.WordCount < 100 {
			t.Errorf("WordCount = %d, want the article's 180", a.WordCount)
		}
	})
}

func TestExtractSkipsHiddenElements(t *testing.T) {
	para := "<p>" + strings.Repeat("The council approved the barrier after a long debate. ", 5) + "</p>"
	page := `<html><body><article>` + para + `<p>Mayor Joan Pritchard<span style="display: none">Pritchard tooltip: the mayor's other stories</span> said the plan was funded.</p>` +
		para + `<div hidden>Alternate layout text</div><div aria-hidden="true">Screen-reader-hidden promo</div>` + para + `</article></body></html>`
	a, err := Extract([]byte(page), nil)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, s := range []string{"tooltip", "Alternate layout", "promo"} {
		if strings.Contains(a.Text, s) {
			t.Errorf("text contains hidden %q:\n%s", s, a.Text)
		}
	}
	if !strings.Contains(a.Text, "said the plan was funded") {
		t.Errorf("text lost the visible sentence:\n%s", a.Text)
	}
}

func TestExtractUsesStructuredBodyOfScriptRenderedPages(t *testing.T) {
	body := strings.Repeat("The council approved the flood barrier after two years of debate. ", 8)
	ld := `{"@type":"NewsArticle","headline":"Barrier approved","articleBody":"` + body + `"%s}`
	shell := `<html><head><title>Barrier approved</title><script type="application/ld+json">%s</script></head>
<body><div id="app">Loading…</div><script src="/app.js"></script></body></html>`
	t.Run("a script-rendered page gives its JSON-LD article body", func(t *testing.T) {
		a, err := Extract([]byte(fmt.Sprintf(shell, fmt.Sprintf(ld, ""))), nil)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if a.WordCount != 88 || !strings.HasPrefix(a.Text, "The council approved") {
			t.Errorf("Extract = %d words %q, want the 88-word article body", a.WordCount, a.Text)
		}
	})
	t.Run("a page declared paywalled does not", func(t *testing.T) {
		_, err := Extract([]byte(fmt.Sprintf(shell, fmt.Sprintf(ld, `,"isAccessibleForFree":false`))), nil)
		if !IsNotArticle(err) {
			t.Errorf("Extract error = %v, want not_article", err)
		}
	})
}

// TestExtractConcurrent runs Extract from several goroutines, as the worker does; run with
// -race it checks that the libraries share no unsynchronised state.
func TestExtractConcurrent(t *testing.T) {
	var pages [][]byte
	for _, name := range []string{"article", "paywall", "listing", "error"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	want := make([]string, len(pages))
	for i, p := range pages {
		a, _ := Extract(p, nil)
		if a != nil {
			want[i] = a.Text
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 8 {
				i := (g + k) % len(pages)
				a, _ := Extract(pages[i], nil)
				if got := ""; a != nil && a.Text != want[i] {
					got = a.Text
					t.Errorf("concurrent Extract of page %d differs:\n%s", i, got)
				}
			}
		})
	}
	wg.Wait()
}
