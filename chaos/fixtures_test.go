//go:build chaos

package chaos

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsdesk/llm/llmtest"
)

// pages serves the articles of a scenario: /story/N is a distinct, extractable news article
// (distinct so that no two share a generation), /gone/N answers 404, /pdf/N is a PDF.
type pages struct {
	srv     *httptest.Server
	fetches atomic.Int64
}

func newPages(t testing.TB) *pages {
	p := &pages{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /story/{n}", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, storyHTML(r.PathValue("n")))
	})
	mux.HandleFunc("GET /gone/{n}", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		http.NotFound(w, r)
	})
	mux.HandleFunc("GET /pdf/{n}", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		w.Header().Set("Content-Type", "application/pdf")
		io.WriteString(w, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pages) story(tag string, n int) string {
	return fmt.Sprintf("%s/story/%s-%04d", p.srv.URL, tag, n)
}
func (p *pages) gone(n int) string { return fmt.Sprintf("%s/gone/%d", p.srv.URL, n) }
func (p *pages) pdf(n int) string  { return fmt.Sprintf("%s/pdf/%d", p.srv.URL, n) }

// storyHTML is a plain news article about story id; every sentence names id, so its text,
// and therefore its generation key, is unique.
func storyHTML(id string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council approves plan %[1]s</title>
<meta property="og:site_name" content="Chaos Gazette"></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>Council approves plan %[1]s</h1><p class="byline">By Ada Reporter</p>`, id)
	paras := []string{
		"The city council approved plan %s on Tuesday after a debate that lasted more than four hours. Members voted nine to four in favour of the proposal, which had been delayed twice this year.",
		"Under plan %s, the city will repair twelve bridges over the next three years. The work is expected to cost about forty million pounds, according to figures published by the finance committee.",
		"Supporters of plan %s said the bridges had been neglected for decades. Opponents argued that the money should instead go to bus services in the outer districts of the city.",
		"The mayor said plan %s would create around two hundred jobs in construction. She added that the first contracts would be signed before the end of the summer.",
		"Residents near the oldest bridge in plan %s have complained about closures for years. A local group collected more than three thousand signatures asking for faster repairs.",
		"The council will publish a detailed timetable for plan %s next month. Public meetings are planned in each district so that residents can ask questions about the work.",
	}
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>"+p+"</p>\n", id)
	}
	b.WriteString(`</article></main><footer><p>© Chaos Gazette</p></footer></body></html>`)
	return b.String()
}

// storyRe finds the story id in an LLM request (the title and every sentence carry it).
var storyRe = regexp.MustCompile(`plan ([A-Za-z0-9]+-[0-9]{4})`)

// fakeLLM is the OpenAI-compatible provider of a scenario. It answers with a faithful summary
// of the article after a configurable latency, and with garbage for stories tagged "garbage";
// it never answers stories tagged "doomed", holding each call until the caller goes away.
// It counts calls per story.
type fakeLLM struct {
	srv     *llmtest.Server
	latency atomic.Int64 // nanoseconds
	mu      sync.Mutex
	calls   map[string]int
	active  atomic.Int64 // calls being answered right now
}

func newFakeLLM(t testing.TB) *fakeLLM {
	f := &fakeLLM{calls: map[string]int{}}
	grounded, garbage := llmtest.Grounded(), llmtest.Garbage()
	f.srv = llmtest.NewServer(t, func(w http.ResponseWriter, c *llmtest.Call) {
		f.active.Add(1)
		defer f.active.Add(-1)
		story := ""
		if m := storyRe.FindStringSubmatch(c.User()); m != nil {
			story = m[1]
		}
		f.mu.Lock()
		f.calls[story]++
		f.mu.Unlock()
		if strings.HasPrefix(story, "doomed") {
			<-c.Ctx.Done()
			return
		}
		if d := time.Duration(f.latency.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-c.Ctx.Done():
				return
			}
		}
		if strings.HasPrefix(story, "garbage") {
			garbage(w, c)
			return
		}
		grounded(w, c)
	})
	return f
}

func (f *fakeLLM) URL() string                { return f.srv.URL }
func (f *fakeLLM) setLatency(d time.Duration) { f.latency.Store(int64(d)) }
func (f *fakeLLM) requests() int              { return f.srv.Requests() }

// perStory returns a copy of the call counts by story id.
func (f *fakeLLM) perStory() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.calls))
	for k, v := range f.calls {
		out[k] = v
	}
	return out
}
