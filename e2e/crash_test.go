package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/extract"
	"newsdesk/llm"
	"newsdesk/llm/llmtest"
	"newsdesk/queue"
	"newsdesk/store"
	"newsdesk/testenv"
	"newsdesk/workers"
)

// TestMain lets the test binary double as a worker process that a test can kill -9.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSDESK_E2E_WORKER") == "1" {
		runChildWorker()
		return
	}
	os.Exit(m.Run())
}

type childConfig struct {
	DBURL, NATSURL, Stream, Prefix, LLMURL string
	AckWait                                time.Duration
}

func runChildWorker() {
	var c childConfig
	if err := json.Unmarshal([]byte(os.Getenv("NEWSDESK_E2E_CONFIG")), &c); err != nil {
		panic(err)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, c.DBURL)
	if err != nil {
		panic(err)
	}
	nc, err := nats.Connect(c.NATSURL)
	if err != nil {
		panic(err)
	}
	js, _ := jetstream.New(nc)
	q, err := queue.Open(ctx, js, queue.Config{Stream: c.Stream, Prefix: c.Prefix,
		AckWait: map[queue.Stage]time.Duration{queue.Extract: c.AckWait, queue.Summarise: c.AckWait}})
	if err != nil {
		panic(err)
	}
	wr, err := llm.NewOpenAI(llm.Config{BaseURL: c.LLMURL, APIKey: "k", Model: "test-model", NoRetries: true})
	if err != nil {
		panic(err)
	}
	w := workers.New(store.New(pool), q, workers.Config{
		ID: "doomed", Writer: wr, GenKeyPrefix: "test-model|v",
		Fetcher: extract.NewFetcher(extract.FetchOptions{AllowPrivate: true}),
	})
	_ = w.Run(ctx) // until killed
}

// TestWorkerKilledMidJobCompletesAfterRedelivery kills a worker process with SIGKILL while
// its LLM call is in flight: no ack, no clean-up. JetStream redelivers after AckWait, a
// second worker takes the (expired) lease, and the article ends with exactly one draft.
func TestWorkerKilledMidJobCompletesAfterRedelivery(t *testing.T) {
	inFlight := make(chan struct{}, 1)
	hold := make(chan struct{})
	var called atomic.Bool
	handler := func(w http.ResponseWriter, c *llmtest.Call) {
		if called.CompareAndSwap(false, true) {
			inFlight <- struct{}{}
			select { // the doomed worker's call: held until the worker is dead
			case <-hold:
			case <-time.After(30 * time.Second):
			}
			return
		}
		llmtest.OK(llmtest.Sample())(w, c)
	}
	ackWait := 2 * time.Second
	s := newStack(t, stackOptions{llm: handler, ackWait: ackWait})
	defer close(hold)

	cfg, _ := json.Marshal(childConfig{DBURL: s.dbURL, NATSURL: testenv.NATSURL(), Stream: s.qcfg.Stream,
		Prefix: s.qcfg.Prefix, LLMURL: s.llm.URL, AckWait: ackWait})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NEWSDESK_E2E_WORKER=1", "NEWSDESK_E2E_CONFIG="+string(cfg))
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	id := s.submit(s.pageURL("/news/crash"))
	select {
	case <-inFlight:
	case <-time.After(30 * time.Second):
		t.Fatal("the doomed worker never called the LLM")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if a := s.get(id); a.Status != "summarising" {
		t.Fatalf("after the kill: status %q, want summarising", a.Status)
	}

	s.startWorker(workerOptions{allowPrivate: true, id: "survivor"})
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "draft" {
		t.Fatalf("status %q error %q, want draft", a.Status, a.Error)
	}
	if all, gen := s.draftCount(id); all != 1 || gen != 1 {
		t.Fatalf("drafts = %d (%d generated), want 1", all, gen)
	}
	if n := s.llm.Requests(); n != 2 {
		t.Errorf("LLM requests = %d, want 2 (the killed call and the redelivered one)", n)
	}
}

// TestRedeliveredMessagesMakeNoSecondDraft delivers every stage's message again after the
// article has its draft, bypassing the publish dedupe: the handlers find the work done.
func TestRedeliveredMessagesMakeNoSecondDraft(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.startWorker(workerOptions{allowPrivate: true})
	id := s.submit(s.pageURL("/news/twice"))
	a := s.waitDone(id, 30*time.Second)
	if a.Status != "draft" {
		t.Fatalf("status %q error %q", a.Status, a.Error)
	}
	js := s.q.JetStream()
	body, _ := json.Marshal(queue.Job{ArticleID: id, Attempt: 1})
	for _, stage := range []queue.Stage{queue.Extract, queue.Summarise, queue.Summarise} {
		// A new message id each time: JetStream delivers it as if the dedupe window had passed.
		if _, err := js.Publish(t.Context(), s.q.Subject(stage), body, jetstream.WithMsgID(testenv.RandomName("dup-"))); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 20*time.Second, "duplicates to be consumed", func() bool {
		info, err := js.Stream(t.Context(), s.qcfg.Stream)
		return err == nil && info.CachedInfo().State.Msgs == 0
	})
	if all, gen := s.draftCount(id); all != 1 || gen != 1 {
		t.Fatalf("drafts = %d (%d generated), want 1", all, gen)
	}
	if n := s.llm.Requests(); n != 1 {
		t.Errorf("LLM requests = %d, want 1", n)
	}
	if got := s.get(id); got.Status != "draft" || !strings.EqualFold(got.Draft.Author, "llm") {
		t.Errorf("article = %s by %s", got.Status, got.Draft.Author)
	}
}
