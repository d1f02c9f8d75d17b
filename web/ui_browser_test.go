package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"newsdesk/auth"
	"newsdesk/extract"
	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/testenv"
	"newsdesk/urlnorm"
	"newsdesk/workers"
)

// The browser tests drive Debian's Chromium against the real stack: the web server, a real
// worker, Postgres, JetStream, a local page server, and the LLM as an OpenAI-compatible
// httptest server. They write a screenshot of every page to web/testdata/screenshots (or
// $SCREENSHOT_DIR) for people to look at.

// chromiumPath finds the browser. A missing browser fails the test: a skipped browser test
// would hide a missing install step (`apt-get install -y chromium`; .ci/run does it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("Chromium is required for the browser tests and was not found (install it: apt-get install -y chromium, or set CHROMIUM)")
	return ""
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// deskEnv is the whole running system.
type deskEnv struct {
	db    *store.DB
	url   string // the review desk's base URL
	pages string // the page server's base URL
	llm   *llmtest.Server
}

// articleHTML is a real-looking news page for the extract stage.
const articleHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Riverside council approves £12m flood defence plan | The Riverside Courier</title>
<meta property="og:site_name" content="The Riverside Courier">
<meta property="og:title" content="Riverside council approves £12m flood defence plan">
<meta name="author" content="Hannah Okafor">
<meta property="article:published_time" content="2026-11-24T08:30:00Z">
<link rel="canonical" href="%s/news/flood-defences">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>Riverside council approves £12m flood defence plan</h1>
<p class="byline">By Hannah Okafor, local democracy reporter</p>
<p>Riverside council has approved a £12 million plan to strengthen flood defences along the River Wend after two winters of damaging floods in the town centre.</p>
<p>Councillors voted 31 to 9 on Tuesday evening to fund new embankments, larger drainage culverts and a network of river-level sensors between Mill Lane and the railway bridge.</p>
<p>The scheme will be paid for by a government grant of £7 million and £5 million of council borrowing, repaid over 25 years from the capital budget.</p>
<p>Council leader Amira Shah said the town could not face another winter like the last one, when more than 400 homes and 60 businesses were flooded.</p>
<p>"Families have waited far too long for this. The work starts in March and the first embankments will be finished before next winter," she told the meeting.</p>
<p>Opposition councillors said they supported better defences but objected to the borrowing, arguing that the council should have waited for a second round of government funding.</p>
<p>Residents of the Mill Lane estate, which flooded twice last year, welcomed the decision. Many said their home insurance premiums had tripled since the floods.</p>
<p>The Environment Agency, which drew up the plan with the council, said the new defences would protect around 1,200 properties from a flood of the size expected once in every hundred years.</p>
<p>Construction will close the riverside footpath between Mill Lane and the railway bridge for about eight months, the council said. A temporary route will be signposted through Victoria Park.</p>
<p>The river-level sensors will publish readings online every 15 minutes, so that residents can see when water is rising and sign up for text alerts.</p>
</article></main>
<footer><p>© The Riverside Courier</p><a href="/privacy">Privacy</a></footer>
</body></html>`

func startDesk(t *testing.T) *deskEnv {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	pool := testenv.Pool(t)
	db := store.New(pool)
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := queue.Open(ctx, js, queue.Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}

	pages := httptest.NewServer(nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /news/flood-defences", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, articleHTML, pages.URL)
	})
	mux.HandleFunc("GET /news/gone", http.NotFound)
	pages.Config.Handler = mux
	t.Cleanup(pages.Close)

	// A little slow, so that the browser is watching the queue before the draft exists.
	fake := llmtest.NewServer(t, llmtest.Slow(3*time.Second, llmtest.Inventing()))
	writer, err := llm.NewOpenAI(llm.Config{BaseURL: fake.URL, APIKey: "test", Model: "gpt-4o-mini", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	wk := workers.New(db, q, workers.Config{
		Fetcher: extract.NewFetcher(extract.FetchOptions{AllowPrivate: true}),
		Writer:  writer, GenKeyPrefix: "browser-test", Logger: log, DrainTimeout: 2 * time.Second,
	})
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := wk.Run(wctx); err != nil && wctx.Err() == nil {
			t.Errorf("worker: %v", err)
		}
	}()
	t.Cleanup(func() { stop(); <-done })

	srv := New(db, q, Config{Logger: log})
	desk := httptest.NewServer(srv.Handler())
	t.Cleanup(desk.Close)
	return &deskEnv{db: db, url: desk.URL, pages: pages.URL, llm: fake}
}

// browser is one Chromium tab with its own cookies.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	shot int
}

func (b *browser) do(timeout time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

func evalT[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot writes the whole page as PNG and logs its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	return b.capture(name, chromedp.FullScreenshot(100))
}

// screenshotViewport writes what fits on the screen, as a person on a phone sees it first.
func (b *browser) screenshotViewport(name string) string {
	b.t.Helper()
	return b.capture(name, chromedp.CaptureScreenshot())
}

func (b *browser) capture(name string, shot chromedp.Action[[]byte]) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	b.shot++
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("write screenshot: %v", err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// fill sets a field's value as typing would: an input event follows. (chromedp.SetValue
// refuses an empty value.)
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	s, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%s);
		el.value = %s; el.dispatchEvent(new Event('input', {bubbles: true})); })()`, s, v))
}

// scriptReady waits until app.js has wired up its handlers, so that a key press is not
// lost on a page whose deferred script has not run yet.
var scriptReady = chromedp.WaitReady(chromedp.CSS(`html[data-js="ready"]`))

func newBrowsers(t *testing.T) (first, second *browser) {
	t.Helper()
	dir := screenshotDir(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// The second reviewer gets a browser context of its own: separate cookies, same browser.
	ctx2, cancel2 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx2, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open second browser context: %v", err)
	}
	return &browser{t: t, ctx: ctx, dir: dir}, &browser{t: t, ctx: ctx2, dir: dir, shot: 50}
}

func (b *browser) signIn(base, token string) {
	b.t.Helper()
	b.do(20*time.Second, "sign in",
		chromedp.Navigate(base+"/ui/signin"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("nav.tabs")),
	)
}

func TestReviewDeskInABrowser(t *testing.T) {
	env := startDesk(t)
	ctx := t.Context()
	adminSecret, _, err := env.db.CreateToken(ctx, "Ada Lindqvist", auth.Admin)
	if err != nil {
		t.Fatal(err)
	}
	reviewerSecret, _, err := env.db.CreateToken(ctx, "Sam Okoye", auth.Reviewer)
	if err != nil {
		t.Fatal(err)
	}
	ada, sam := newBrowsers(t)
	pageURL := env.pages + "/news/flood-defences"
	goneURL := env.pages + "/news/gone"

	// Sign in: the desk sends a new visitor to the sign-in page and back.
	ada.do(20*time.Second, "open the desk", chromedp.Navigate(env.url+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	if loc := ada.location(); !strings.Contains(loc, "/ui/signin?next=") {
		t.Errorf("a new visitor landed on %s, want the sign-in page", loc)
	}
	ada.screenshot("signin")
	ada.signIn(env.url, adminSecret)

	// Submit two URLs: one article, one page that is gone.
	ada.do(20*time.Second, "submit",
		chromedp.Navigate(env.url+"/ui/submit"),
		chromedp.WaitVisible(chromedp.CSS("#urls")),
		chromedp.SendKeys(chromedp.CSS("#urls"), pageURL+"\n"+goneURL),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#results")),
	)
	ada.screenshot("submitted")
	key, _ := urlnorm.Normalize(pageURL)
	art, err := env.db.GetByURLKey(ctx, key)
	if err != nil {
		t.Fatalf("the submitted article is not in the store: %v", err)
	}

	// The review tab, opened while the draft is still being written, fills in by itself.
	ada.do(10*time.Second, "open the review queue",
		chromedp.Navigate(env.url+"/ui/queue?tab=review"),
		chromedp.WaitVisible(chromedp.CSS("#list")),
		chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`),
	)
	if n := evalT[int](ada, `document.querySelectorAll('#list [data-row]').length`); n != 0 {
		t.Fatalf("the draft was ready before the queue was watched (%d rows); the live update is not tested", n)
	}
	ada.do(90*time.Second, "wait for the draft to appear in the queue",
		chromedp.WaitVisible(chromedp.CSS(`#list [data-row][data-id="`+art.ID+`"]`)))
	if !evalT[bool](ada, `window.__sameDocument === true`) {
		t.Error("the queue was reloaded; the row should have arrived over server-sent events")
	}
	if got := ada.text(`#list .flag-count`); got != "1 remark to check" {
		t.Errorf("the queue row says %q, want the invented figure counted", got)
	}
	if got := ada.text(`#tabs a[aria-current="page"] .count`); got != "1" {
		t.Errorf("needs-review count = %q, want 1", got)
	}
	ada.screenshot("queue-needs-review")

	// Failed articles show their reason and a Retry button.
	ada.do(60*time.Second, "the failed tab",
		chromedp.Navigate(env.url+"/ui/queue?tab=failed"),
		chromedp.WaitVisible(chromedp.CSS(`#list .row-error`)),
		chromedp.WaitVisible(chromedp.CSS(`#list form[action$="/retry"] button`)),
	)
	ada.screenshot("queue-failed")

	// Keyboard: j selects, ? shows help, o opens.
	ada.do(10*time.Second, "keyboard in the queue",
		chromedp.Navigate(env.url+"/ui/queue?tab=review"),
		chromedp.WaitVisible(chromedp.CSS(`#list [data-row]`)),
		scriptReady,
		chromedp.KeyEvent("j"),
		chromedp.WaitVisible(chromedp.CSS(`#list .row.selected`)),
		chromedp.KeyEvent("?"),
		chromedp.WaitVisible(chromedp.CSS(`dialog#help[open]`)),
	)
	ada.screenshot("keyboard-help")
	ada.do(15*time.Second, "open the article with o",
		chromedp.KeyEvent("\x1b"), // Escape closes the help
		chromedp.WaitNotPresent(chromedp.CSS(`dialog#help[open]`)),
		chromedp.KeyEvent("o"),
		chromedp.WaitVisible(chromedp.CSS(`#draft .keypoints`)),
		scriptReady,
	)

	// The article page: source beside the draft, the invented claim highlighted with its
	// reason on keyboard focus.
	if n := evalT[int](ada, `document.querySelectorAll('#draft mark.flag').length`); n == 0 {
		t.Error("no grounding flag is highlighted in the draft (the fake model invents a figure)")
	}
	tipShown := evalT[bool](ada, `(() => { const m = document.querySelector('#draft mark.flag'); m.focus();
		return getComputedStyle(m.querySelector('.tip')).display !== 'none'; })()`)
	if !tipShown {
		t.Error("the flag's reason is not shown on keyboard focus")
	}
	for _, want := range []string{"Hannah Okafor", "The Riverside Courier", "gpt-4o-mini"} {
		if !strings.Contains(ada.text("main"), want) {
			t.Errorf("the article page does not show %q", want)
		}
	}
	ada.screenshot("article-flag-focused")

	// Ada edits: e opens the editor; she drops the invented key point and rewrites one section.
	adaWhy := "The new defences should protect about 1,200 properties along the River Wend from a once-in-a-century flood."
	ada.do(15*time.Second, "edit",
		chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`),
		scriptReady,
		chromedp.KeyEvent("e"),
		chromedp.WaitVisible(chromedp.CSS("#edit")),
	)
	kp5 := evalT[string](ada, `document.querySelector('#kp5').value`)
	if !strings.Contains(kp5, "48.5 million") {
		t.Errorf("key point 5 = %q, want the invented figure the reviewer removes", kp5)
	}
	ada.do(10*time.Second, "type the edit",
		fill("#kp5", ""),
		fill("#why", ""),
		chromedp.SendKeys(chromedp.CSS("#why"), adaWhy),
	)

	// Meanwhile Sam saves version 2 from his own browser, with a change to another section.
	samWhat := "Residents near Mill Lane should expect the riverside footpath to close for about eight months."
	sam.signIn(env.url, reviewerSecret)
	sam.do(15*time.Second, "Sam edits and saves",
		chromedp.Navigate(env.url+"/ui/articles/"+art.ID+"?edit=1"),
		chromedp.WaitVisible(chromedp.CSS("#what")),
		fill("#what", samWhat),
		chromedp.Click(chromedp.CSS("#save-btn")),
		chromedp.WaitVisible(chromedp.CSS(".msg-ok")),
	)
	sam.screenshot("second-reviewer-saved")

	// Ada's open editor learns of it live, before she saves.
	ada.do(15*time.Second, "the stale warning", chromedp.WaitVisible(chromedp.CSS("#stale")))
	ada.screenshot("edit-stale-warning")

	// Her save is refused with the conflict message, and her text is kept.
	ada.do(15*time.Second, "stale save", chromedp.Click(chromedp.CSS("#save-btn")), chromedp.WaitVisible(chromedp.CSS("#conflict")))
	msg := ada.text("#conflict")
	if !strings.Contains(msg, "Someone else saved version 2 while you were editing version 1") {
		t.Errorf("conflict message = %q", msg)
	}
	if got := evalT[string](ada, `document.querySelector('#why').value`); got != adaWhy {
		t.Errorf("after the conflict the editor holds %q, want Ada's text %q", got, adaWhy)
	}
	if got := evalT[string](ada, `document.querySelector('#what').value`); got != samWhat {
		t.Errorf("after the conflict the last section is %q, want Sam's change merged in: %q", got, samWhat)
	}
	ada.screenshot("edit-conflict")

	// She saves on top of Sam's version, then approves with a confirmation (key a).
	ada.do(15*time.Second, "save on top",
		chromedp.Click(chromedp.CSS("#save-btn")),
		chromedp.WaitVisible(chromedp.CSS(".msg-ok")),
	)
	if got := ada.text(".msg-ok"); !strings.Contains(got, "Saved as version 3") {
		t.Errorf("after saving: %q", got)
	}
	ada.do(10*time.Second, "approve dialog",
		scriptReady,
		chromedp.KeyEvent("a"),
		chromedp.WaitVisible(chromedp.CSS("#approve-dialog[open]")),
	)
	ada.screenshot("approve-confirmation")
	ada.do(15*time.Second, "approve",
		chromedp.Click(chromedp.CSS("#approve-confirm")),
		chromedp.WaitVisible(chromedp.CSS(".badge-live")),
	)
	if got := ada.text(".msg-ok"); !strings.Contains(got, "Approved version 3") {
		t.Errorf("after approving: %q", got)
	}
	ada.screenshot("article-approved")

	// The portal's public API has Ada's approved text, without the invented figure.
	res, err := http.Get(env.url + "/api/v1/published/" + art.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/published/%s: %d %s", art.ID, res.StatusCode, body)
	}
	var pub struct {
		Version           int      `json:"version"`
		KeyPoints         []string `json:"key_points"`
		WhyItMatters      string   `json:"why_it_matters"`
		WhatItMeansForYou string   `json:"what_it_means_for_you"`
	}
	if err := json.Unmarshal(body, &pub); err != nil {
		t.Fatal(err)
	}
	if pub.Version != 3 || pub.WhyItMatters != adaWhy || strings.Contains(string(body), "48.5 million") {
		t.Errorf("published = %s, want version 3 with Ada's text and no invented figure", body)
	}
	// Sam's change to the last section was merged into Ada's form; her version has both.
	if pub.WhatItMeansForYou != samWhat {
		t.Errorf("published what_it_means_for_you = %q, want Sam's change kept under Ada's edit", pub.WhatItMeansForYou)
	}

	// The preview: each heading exactly once, and the label.
	ada.do(10*time.Second, "preview", chromedp.Navigate(env.url+"/ui/articles/"+art.ID+"/preview"), chromedp.WaitVisible(chromedp.CSS("article.portal")))
	portal := ada.text("article.portal")
	for _, h := range []string{"Key points", "Why this matters", "What this means for you", DisclosureLabel} {
		if n := strings.Count(portal, h); n != 1 {
			t.Errorf("the preview shows %q %d times, want once", h, n)
		}
	}
	ada.screenshot("preview")

	ada.do(10*time.Second, "diff", chromedp.Navigate(env.url+"/ui/articles/"+art.ID+"/diff?from=1&to=3"), chromedp.WaitVisible(chromedp.CSS(".diff ins")))
	if !strings.Contains(ada.text(".diff"), "1,200 properties") {
		t.Error("the diff does not show Ada's new words")
	}
	ada.screenshot("diff")

	// Admin: create a token, shown once.
	ada.do(10*time.Second, "tokens",
		chromedp.Navigate(env.url+"/ui/admin/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Night desk"),
		chromedp.Click(chromedp.CSS(`form[action="/ui/admin/tokens"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	)
	if v := evalT[string](ada, `document.querySelector('#secret').value`); !strings.HasPrefix(v, auth.TokenPrefix) {
		t.Errorf("new token shown as %q", v)
	}
	ada.screenshot("tokens")
	ada.do(10*time.Second, "revoke asks first",
		scriptReady,
		chromedp.Click(chromedp.CSS(`form[data-ask] button`)),
		chromedp.WaitVisible(chromedp.CSS("dialog#ask[open]")),
	)
	ada.screenshot("tokens-revoke-confirmation")
	ada.do(10*time.Second, "revoke",
		chromedp.Click(chromedp.CSS("#ask-yes")),
		chromedp.WaitVisible(chromedp.CSS("tr.revoked")),
	)

	// 320 px wide: nothing scrolls sideways.
	for _, p := range []struct{ name, path, wait string }{
		{"article-320px", "/ui/articles/" + art.ID, "#draft"},
		{"queue-320px", "/ui/queue?tab=all", "#list"},
	} {
		ada.do(15*time.Second, p.name,
			chromedp.EmulateViewport(320, 700),
			chromedp.Navigate(env.url+p.path),
			chromedp.WaitVisible(chromedp.CSS(p.wait)),
		)
		if w := evalT[int](ada, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("%s: the page is %d px wide at a 320 px viewport", p.name, w)
		}
		ada.screenshotViewport(p.name)
	}
}

// TestReviewDeskWithoutJavaScript does the core work with scripts switched off: every
// action is a plain form, and approving asks on a page of its own.
func TestReviewDeskWithoutJavaScript(t *testing.T) {
	env := startDesk(t)
	ctx := t.Context()
	secret, _, err := env.db.CreateToken(ctx, "Rita Novak", auth.Reviewer)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newBrowsers(t)
	b.shot = 70
	b.do(10*time.Second, "switch off JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.signIn(env.url, secret)
	pageURL := env.pages + "/news/flood-defences"
	b.do(20*time.Second, "submit",
		chromedp.Navigate(env.url+"/ui/submit"),
		chromedp.WaitVisible(chromedp.CSS("#urls")),
		chromedp.SendKeys(chromedp.CSS("#urls"), pageURL),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#results")),
	)
	key, _ := urlnorm.Normalize(pageURL)
	art, err := env.db.GetByURLKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// Without live updates, reloading shows progress.
	articlePage := env.url + "/ui/articles/" + art.ID
	deadline := time.Now().Add(90 * time.Second)
	for {
		b.do(10*time.Second, "reload the article", chromedp.Navigate(articlePage), chromedp.WaitVisible(chromedp.CSS("#head")))
		ctx2, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		_, err := chromedp.Run(ctx2, chromedp.Nodes(chromedp.CSS("#draft .keypoints")))
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no draft after 90s of reloading")
		}
		time.Sleep(time.Second)
	}
	// The edit is set rather than typed: key events on a loaded machine could land before the
	// field has focus, and this test is about the form working without JavaScript, not typing.
	b.do(15*time.Second, "open the editor",
		chromedp.Click(chromedp.CSS("[data-edit]")),
		chromedp.WaitVisible(chromedp.CSS("#why")),
	)
	vctx, vcancel := context.WithTimeout(b.ctx, 10*time.Second)
	why, err := chromedp.Run(vctx, chromedp.Value(chromedp.CSS("#why")))
	vcancel()
	if err != nil {
		t.Fatalf("read the why field: %v", err)
	}
	b.do(15*time.Second, "edit and save",
		chromedp.SetValue(chromedp.CSS("#why"), why+" Checked by the desk."),
		chromedp.Click(chromedp.CSS("#save-btn")),
		chromedp.WaitVisible(chromedp.CSS(".msg-ok")),
	)
	if got := b.text(".msg-ok"); !strings.Contains(got, "Saved as version 2") {
		t.Errorf("after saving: %q", got)
	}
	b.do(15*time.Second, "approve asks on a page of its own",
		chromedp.Click(chromedp.CSS("#approve-btn")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-approve")),
	)
	if h := b.text("h1"); h != "Approve version 2?" {
		t.Errorf("confirmation page heading %q", h)
	}
	if _, err := env.db.GetPublished(ctx, art.ID); err != store.ErrNotFound {
		t.Fatalf("published before the confirmation (err=%v)", err)
	}
	b.screenshot("nojs-approve-confirmation")
	b.do(15*time.Second, "confirm",
		chromedp.Click(chromedp.CSS("main form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".badge-live")),
	)
	p, err := env.db.GetPublished(ctx, art.ID)
	if err != nil || p.Version != 2 || !strings.Contains(p.Draft.Summary.WhyItMatters, "Checked by the desk.") {
		t.Errorf("published %+v (err %v), want version 2 with the edit", p.Draft.Summary, err)
	}
	b.screenshot("nojs-approved")
}
