package e2e

import (
	"net/http"
	"testing"
	"time"

	"newsdesk/auth"
)

type usage struct {
	Today struct {
		Generations      int     `json:"generations"`
		PromptTokens     int     `json:"prompt_tokens"`
		CompletionTokens int     `json:"completion_tokens"`
		CostUSD          float64 `json:"cost_usd"`
	} `json:"today"`
	Paused bool `json:"paused"`
}

// TestDailyBudgetMakesJobsWaitVisibly: past the budget, summarise jobs wait in the queue
// (they are not delivered, so they do not burn retries) and the usage report says so.
func TestDailyBudgetMakesJobsWaitVisibly(t *testing.T) {
	s := newStack(t, stackOptions{model: "gpt-4o-mini"})
	// web.Config.DailyBudget is what /usage reports; rebuild the API with it.
	s.useAPI(t, 0.000001)
	s.startWorker(workerOptions{allowPrivate: true, dailyBudget: 0.000001})

	first := s.waitDone(s.submit(s.pageURL("/news/spend")), 30*time.Second)
	if first.Status != "draft" {
		t.Fatalf("first: %s %s", first.Status, first.Error)
	}
	var u usage
	if code := s.call("GET", "/api/v1/usage", auth.Editor, nil, &u); code != http.StatusOK {
		t.Fatalf("usage: %d", code)
	}
	if u.Today.Generations != 1 || u.Today.PromptTokens == 0 || u.Today.CostUSD <= 0 || !u.Paused {
		t.Fatalf("usage after one generation = %+v, want 1 generation, tokens, cost, paused", u)
	}
	time.Sleep(6 * time.Second) // the worker's view of the spend refreshes every 5 s
	second := s.submit(s.pageURL("/news/waits"))
	time.Sleep(8 * time.Second)
	if a := s.get(second); a.Status != "summarising" {
		t.Fatalf("second article over budget: %s (%s), want it waiting in summarising", a.Status, a.Error)
	}
	if n := s.llm.Requests(); n != 1 {
		t.Fatalf("LLM requests = %d over budget, want 1", n)
	}
}
