package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"newsdesk/llm/llmtest"
	"newsdesk/queue"
)

// NEWSDESK_LLM_CONCURRENCY is the provider's limit on calls in flight; the worker runs
// more summarise slots than that, and the extra slots must wait for a free call, not
// add to the provider's load. Real Postgres, JetStream and worker; the model is slow
// enough for every slot to be waiting on it at once.
func TestModelCallsStayWithinTheLimitWithMoreSlots(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	answer := llmtest.OK(llmtest.Sample())
	s := newStack(t, stackOptions{llm: func(w http.ResponseWriter, c *llmtest.Call) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		llmtest.Slow(200*time.Millisecond, answer)(w, c)
	}})
	s.startWorker(workerOptions{allowPrivate: true,
		slots: map[queue.Stage]int{queue.Extract: 6, queue.Summarise: 6}, modelCalls: 2})
	var ids []string
	for i := range 6 {
		ids = append(ids, s.submit(s.pageURL(fmt.Sprintf("/news/limit-%d", i))))
	}
	for _, id := range ids {
		if a := s.waitDone(id, 60*time.Second); a.Status != "draft" {
			t.Fatalf("article %s: status %q error %q, want draft", id, a.Status, a.Error)
		}
	}
	if n := s.llm.Requests(); n != 6 {
		t.Errorf("LLM requests = %d, want 6", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 2 {
		t.Errorf("at most %d model calls were in flight, want exactly the limit of 2 (6 slots, 6 articles)", most)
	}
}
