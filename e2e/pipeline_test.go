package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"newsdesk/auth"
	"newsdesk/llm/llmtest"
)

func TestSubmitDraftEditApprovePublished(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: true})

	id := s.submit(s.pageURL("/news/library-budget"))
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "draft" || a.Draft == nil {
		t.Fatalf("status = %q (error %q), want draft", a.Status, a.Error)
	}
	if a.Title == "" || !strings.Contains(a.Text, "consultation") {
		t.Errorf("extracted title %q / text %.80q: want the article", a.Title, a.Text)
	}
	if strings.Contains(a.Text, "Share on Facebook") || strings.Contains(a.Text, "Related articles") {
		t.Errorf("extracted text carries page furniture: %q", a.Text)
	}
	d := a.Draft
	if d.Version != 1 || len(d.KeyPoints) < 3 || d.WhyItMatters == "" || d.WhatItMeansForYou == "" {
		t.Fatalf("draft = %+v, want v1 with three sections", d)
	}
	if d.Author != "llm" || d.Model == "" || d.PromptVersion == "" || d.Usage.PromptTokens == 0 {
		t.Errorf("draft provenance = author %q model %q prompt %q usage %+v", d.Author, d.Model, d.PromptVersion, d.Usage)
	}

	// Not on the portal before approval.
	if code := s.call("GET", "/api/v1/published/"+id, "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("published before approval: status %d, want 404", code)
	}

	edit := map[string]any{
		"key_points":            []string{"The council approved the plan on Tuesday.", "A consultation preceded the vote.", "Work begins in March."},
		"why_it_matters":        "The plan commits public money for three years.",
		"what_it_means_for_you": "Residents can comment on the designs in the spring.",
		"base_version":          1,
	}
	var saved struct{ Version int }
	if code := s.call("PUT", "/api/v1/articles/"+id+"/draft", auth.Editor, edit, &saved); code != http.StatusOK || saved.Version != 2 {
		t.Fatalf("save edit: status %d version %d, want 200 v2", code, saved.Version)
	}
	// A stale save (someone else saved v2 meanwhile) is a conflict.
	if code := s.call("PUT", "/api/v1/articles/"+id+"/draft", auth.Reviewer, edit, nil); code != http.StatusConflict {
		t.Fatalf("stale save: status %d, want 409", code)
	}
	if code := s.call("POST", "/api/v1/articles/"+id+"/approve", auth.Editor, map[string]int{"version": 2}, nil); code != http.StatusForbidden {
		t.Fatalf("editor approving: status %d, want 403", code)
	}
	if code := s.call("POST", "/api/v1/articles/"+id+"/approve", auth.Reviewer, map[string]int{"version": 2}, nil); code != http.StatusOK {
		t.Fatalf("approve: status %d", code)
	}
	var pub struct {
		ID        string   `json:"id"`
		Version   int      `json:"version"`
		KeyPoints []string `json:"key_points"`
	}
	if code := s.call("GET", "/api/v1/published/"+id, "", nil, &pub); code != http.StatusOK || pub.Version != 2 || pub.KeyPoints[0] != "The council approved the plan on Tuesday." {
		t.Fatalf("published: status %d %+v", code, pub)
	}

	// An edit after approval is a new draft; the portal keeps the approved version.
	edit["base_version"] = 2
	edit["why_it_matters"] = "UNAPPROVED TEXT"
	if code := s.call("PUT", "/api/v1/articles/"+id+"/draft", auth.Editor, edit, nil); code != http.StatusOK {
		t.Fatalf("edit after approval: status %d", code)
	}
	var raw map[string]any
	s.call("GET", "/api/v1/published/"+id, "", nil, &raw)
	if raw["why_it_matters"] == "UNAPPROVED TEXT" || raw["version"] != float64(2) {
		t.Fatalf("portal shows unapproved text: %v", raw)
	}
	var byURL map[string]any
	if code := s.call("GET", "/api/v1/published?url="+s.pageURL("/news/library-budget")+"%23frag", "", nil, &byURL); code != http.StatusOK || byURL["id"] != id {
		t.Fatalf("published by url: status %d %v", code, byURL)
	}

	a = s.get(id)
	actions := []string{}
	for _, h := range a.History {
		actions = append(actions, h.Action)
	}
	if got := strings.Join(actions, ","); got != "submit,extract,extracted,draft,edit,approve,edit" {
		t.Errorf("history = %s", got)
	}

	// Withdrawal takes it off the portal at once.
	if code := s.call("POST", "/api/v1/articles/"+id+"/withdraw", auth.Reviewer, map[string]string{"reason": "legal asked"}, nil); code != http.StatusOK {
		t.Fatalf("withdraw: status %d", code)
	}
	if code := s.call("GET", "/api/v1/published/"+id, "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("withdrawn article still published: %d", code)
	}
}

func TestSameURLTwiceIsOneArticleAndOneDraft(t *testing.T) {
	s := newStack(t, stackOptions{})
	first := s.submit(s.pageURL("/news/bridge?utm_source=x"))
	second := s.submit(strings.Replace(s.pageURL("/news/bridge#top"), "http://127.0.0.1", "HTTP://127.0.0.1", 1))
	if first != second {
		t.Fatalf("same article got two ids: %s, %s", first, second)
	}
	var again struct{ ID string }
	if code := s.call("POST", "/api/v1/articles", auth.Editor, map[string]string{"url": s.pageURL("/news/bridge")}, &again); code != http.StatusOK || again.ID != first {
		t.Fatalf("resubmit: status %d id %s, want 200 %s", code, again.ID, first)
	}
	s.startWorker(workerOptions{allowPrivate: true})
	s.waitDone(first, 30*time.Second)
	if all, gen := s.draftCount(first); all != 1 || gen != 1 {
		t.Fatalf("drafts = %d (%d generated), want 1", all, gen)
	}
}

func TestBatchSubmit(t *testing.T) {
	s := newStack(t, stackOptions{})
	var res struct {
		Articles []struct {
			ID      string
			Created bool
		}
	}
	urls := []string{s.pageURL("/news/a"), s.pageURL("/news/b"), s.pageURL("/news/a?utm_medium=mail")}
	if code := s.call("POST", "/api/v1/articles", auth.Editor, map[string]any{"urls": urls}, &res); code != http.StatusAccepted {
		t.Fatalf("batch: status %d", code)
	}
	if len(res.Articles) != 3 || res.Articles[0].ID != res.Articles[2].ID || res.Articles[0].ID == res.Articles[1].ID {
		t.Fatalf("batch results = %+v", res.Articles)
	}
	if !res.Articles[0].Created || !res.Articles[1].Created || res.Articles[2].Created {
		t.Fatalf("created flags = %+v", res.Articles)
	}
}

func TestBadSubmissionsAre400AndQueueNothing(t *testing.T) {
	s := newStack(t, stackOptions{})
	for _, tt := range []struct {
		name string
		body string
		want string
	}{
		{"not http", `{"url":"ftp://example.com/a"}`, "Only http and https"},
		{"no host", `{"url":"https:///a"}`, "no host"},
		{"too long", `{"url":"https://example.com/` + strings.Repeat("a", 2100) + `"}`, "limit is 2048"},
		{"malformed JSON", `{"url":`, "malformed JSON"},
		{"unknown field", `{"link":"https://example.com/"}`, "malformed JSON"},
		{"nothing", `{}`, "url"},
		{"one bad URL in a batch", `{"urls":["https://example.com/ok","javascript:alert(1)"]}`, "URL 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.api.URL+"/api/v1/articles", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+s.tokens[auth.Editor])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error string }
			decodeBody(t, resp, &e)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error, tt.want) {
				t.Fatalf("status %d error %q, want 400 containing %q", resp.StatusCode, e.Error, tt.want)
			}
		})
	}
	var n int
	if err := s.db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM articles`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("articles after bad submissions = %d (%v), want 0", n, err)
	}
	info, err := s.q.JetStream().Stream(t.Context(), s.qcfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if msgs := info.CachedInfo().State.Msgs; msgs != 0 {
		t.Fatalf("queued messages = %d, want 0", msgs)
	}
}

func TestFailuresHaveReasonsAndNoDraft(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: true})
	for _, tt := range []struct {
		name, path, reason string
	}{
		{"page too short", "/short", "text"},
		{"a PDF", "/report.pdf", "PDF"},
		{"a 404", "/missing", "404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := s.submit(s.pageURL(tt.path))
			a := s.waitDone(id, 30*time.Second)
			if a.Status != "failed" || !strings.Contains(a.Error, tt.reason) {
				t.Fatalf("status %q error %q, want failed mentioning %q", a.Status, a.Error, tt.reason)
			}
			if all, _ := s.draftCount(id); all != 0 {
				t.Fatalf("drafts = %d, want 0", all)
			}
		})
	}
	if n := s.llm.Requests(); n != 0 {
		t.Errorf("LLM requests = %d for pages that are not articles, want 0", n)
	}
}

func TestPrivateAddressRefusedByDefault(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: false})
	id := s.submit(s.pageURL("/news/internal"))
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "failed" || !strings.Contains(a.Error, "127.0.0.1") {
		t.Fatalf("status %q error %q, want failed naming the private address", a.Status, a.Error)
	}
	if all, _ := s.draftCount(id); all != 0 {
		t.Fatalf("drafts = %d, want 0", all)
	}
}

func TestLLMRateLimitThenSuccess(t *testing.T) {
	s := newStack(t, stackOptions{llm: llmtest.Sequence(llmtest.RateLimited("1"), llmtest.OK(llmtest.Sample()))})
	s.startWorker(workerOptions{allowPrivate: true})
	id := s.submit(s.pageURL("/news/rates"))
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "draft" {
		t.Fatalf("status %q error %q, want draft", a.Status, a.Error)
	}
	times := s.llm.Times()
	if len(times) != 2 {
		t.Fatalf("LLM requests = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, want at least the 1 s Retry-After", gap)
	}
}

func TestLLMServerErrorEveryTimeFails(t *testing.T) {
	s := newStack(t, stackOptions{llm: llmtest.ServerError(500), maxDeliver: 2})
	s.startWorker(workerOptions{allowPrivate: true})
	id := s.submit(s.pageURL("/news/outage"))
	a := s.waitDone(id, 60*time.Second)
	if a.Status != "failed" || !strings.Contains(a.Error, "Gave up after 2 tries") || !strings.Contains(a.Error, "500") {
		t.Fatalf("status %q error %q, want failed after 2 tries naming the 500", a.Status, a.Error)
	}
	// MaxRetries 1 in process × MaxDeliver 2 deliveries.
	if n := s.llm.Requests(); n != 4 {
		t.Errorf("LLM requests = %d, want 4", n)
	}
}

func TestMessyModelAnswersBecomeCleanDrafts(t *testing.T) {
	sample := llmtest.Sample()
	answers := map[string]llmtest.Handler{
		"fenced":   llmtest.Fenced(sample),
		"prose":    llmtest.ProseThenJSON(sample),
		"headings": llmtest.Headings(sample),
	}
	s := newStack(t, stackOptions{llm: func(w http.ResponseWriter, c *llmtest.Call) {
		for slug, h := range answers {
			if strings.Contains(c.User(), "plan for "+slug) {
				h(w, c)
				return
			}
		}
		llmtest.Garbage()(w, c)
	}})
	s.startWorker(workerOptions{allowPrivate: true})
	for slug := range answers {
		t.Run(slug, func(t *testing.T) {
			a := s.waitDone(s.submit(s.pageURL("/news/"+slug)), 30*time.Second)
			if a.Status != "draft" {
				t.Fatalf("status %q error %q, want draft", a.Status, a.Error)
			}
			if strings.Join(a.Draft.KeyPoints, "|") != strings.Join(sample.KeyPoints, "|") ||
				a.Draft.WhyItMatters != sample.WhyItMatters || a.Draft.WhatItMeansForYou != sample.WhatItMeansForYou {
				t.Fatalf("draft = %+v, want the clean sample", a.Draft)
			}
		})
	}
}

func TestRolesAndPortalNeverShowsDrafts(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: true})
	id := s.submit(s.pageURL("/news/roles"))
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "draft" {
		t.Fatalf("status %q", a.Status)
	}
	if code := s.call("GET", "/api/v1/articles/"+id, "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	for _, path := range []string{"/approve", "/reject", "/regenerate", "/withdraw"} {
		if code := s.call("POST", "/api/v1/articles/"+id+path, auth.Editor, map[string]any{"version": 1, "reason": "x"}, nil); code != http.StatusForbidden {
			t.Errorf("editor POST %s: %d, want 403", path, code)
		}
	}
	if code := s.call("GET", "/api/v1/tokens", auth.Reviewer, nil, nil); code != http.StatusForbidden {
		t.Errorf("reviewer listing tokens: %d, want 403", code)
	}
	var list struct{ Articles []any }
	if code := s.call("GET", "/api/v1/published", "", nil, &list); code != http.StatusOK || len(list.Articles) != 0 {
		t.Errorf("published list has %d articles before any approval (status %d)", len(list.Articles), code)
	}
	for _, path := range []string{"/api/v1/published/" + id, "/api/v1/published?url=" + s.pageURL("/news/roles")} {
		if code := s.call("GET", path, "", nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s for a draft: %d, want 404", path, code)
		}
	}
}

func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := jsonDecode(resp, v); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

// TestIdenticalTextReusesTheGeneration: the same wire story under two URLs is summarised once.
func TestIdenticalTextReusesTheGeneration(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: true})
	first := s.waitDone(s.submit(s.pageURL("/same/one")), 30*time.Second)
	second := s.waitDone(s.submit(s.pageURL("/same/two")), 30*time.Second)
	if first.Status != "draft" || second.Status != "draft" {
		t.Fatalf("statuses %q %q", first.Status, second.Status)
	}
	if n := s.llm.Requests(); n != 1 {
		t.Fatalf("LLM requests = %d, want 1: identical text must not be paid for twice", n)
	}
	if second.Draft.Usage.PromptTokens != 0 || second.Draft.WhyItMatters != first.Draft.WhyItMatters {
		t.Fatalf("second draft = %+v, want the first generation at no token cost", second.Draft)
	}
	// A reviewer's regenerate is a new generation, paid for.
	if code := s.call("POST", "/api/v1/articles/"+second.ID+"/regenerate", auth.Reviewer, map[string]string{"instructions": "shorter"}, nil); code != http.StatusAccepted {
		t.Fatalf("regenerate: %d", code)
	}
	again := s.waitDone(second.ID, 30*time.Second)
	if again.Status != "draft" || again.Draft.Version != 2 || s.llm.Requests() != 2 {
		t.Fatalf("after regenerate: %s v%d, LLM requests %d", again.Status, again.Draft.Version, s.llm.Requests())
	}
	if !strings.Contains(s.llm.Calls()[1].User(), "shorter") {
		t.Errorf("the reviewer's instructions did not reach the model")
	}
}
