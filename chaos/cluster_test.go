//go:build chaos

package chaos

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"newsdesk/testenv"
)

// newCluster starts a three-node JetStream cluster on loopback ports and waits until every
// node reports healthy (meta leader elected).
func newCluster(t *testing.T) []*natsNode {
	t.Helper()
	names := []string{"n1", "n2", "n3"}
	cports := make([]int, len(names))
	routes := make([]string, len(names))
	for i := range names {
		cports[i] = freePort(t)
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", cports[i])
	}
	nodes := make([]*natsNode, len(names))
	for i, name := range names {
		nodes[i] = newNATS(t, name, cports[i], routes)
	}
	waitUntil(t, 30*time.Second, "a healthy JetStream cluster", func() bool {
		for _, n := range nodes {
			if !n.healthy() {
				return false
			}
		}
		return true
	})
	return nodes
}

// streamLeader asks the cluster which node leads the stream, retrying for up to 30s while
// the cluster elects one.
func streamLeader(t *testing.T, urls string, stream string) string {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("connect to the cluster: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := ctxTimeout(3 * time.Second)
		info, err := func() (*jetstream.StreamInfo, error) {
			st, err := js.Stream(ctx, stream)
			if err != nil {
				return nil, err
			}
			return st.Info(ctx)
		}()
		cancel()
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
			if info.Config.Replicas != 3 {
				t.Errorf("stream %s has %d replicas, want 3", stream, info.Config.Replicas)
			}
			return info.Cluster.Leader
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: no leader after 30s (last error: %v)", stream, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// clusterServices starts a three-node JetStream cluster and the services of a run against it
// with replicas 3 and a fake LLM slow enough for faults to land mid-call.
func clusterServices(t *testing.T) ([]*natsNode, *services) {
	t.Helper()
	nodes := newCluster(t)
	urls := make([]string, len(nodes))
	for i, n := range nodes {
		urls[i] = n.url()
	}
	s := &services{
		dbURL:      testenv.Database(t),
		natsURL:    strings.Join(urls, ","),
		pages:      newPages(t),
		llm:        newFakeLLM(t),
		adminToken: testenv.RandomName("chaos-admin-token-"),
		dataDir:    t.TempDir(),
		env:        defaultEnv(),
	}
	s.env["NEWSDESK_NATS_REPLICAS"] = "3"
	s.llm.setLatency(300 * time.Millisecond)
	return nodes, s
}

// TestScaleOutStreamLeaderLoss runs two API and two worker processes against a three-node
// JetStream cluster with replicas 3, and kills the stream leader mid-run while editors keep
// submitting through both APIs. Nothing acknowledged may be lost.
func TestScaleOutStreamLeaderLoss(t *testing.T) {
	nodes, s := clusterServices(t)
	apis := []*api{s.api(t, "api-1"), s.api(t, "api-2")}
	s.worker(t, "worker-1", nil)
	s.worker(t, "worker-2", nil)

	l := newLedger()
	all := stories(s.pages, "cluster", 200)
	// First half before the fault.
	for i := 0; i < 100; i += 20 {
		if _, err := l.submit(t, apis[(i/20)%2], s.adminToken, all[i:i+20]); err != nil {
			t.Fatal(err)
		}
	}
	waitDrafts(t, s, 25, time.Minute)
	leader := streamLeader(t, s.natsURL, "NEWSDESK")
	var killed *natsNode
	for _, n := range nodes {
		if n.name == leader {
			killed = n
		}
	}
	if killed == nil {
		t.Fatalf("stream leader %q is not one of ours", leader)
	}
	start := time.Now()
	killed.stop()
	t.Logf("killed stream leader %s with %d drafts done", leader, countStatus(t, s.dbURL, "draft"))

	// Second half while the cluster elects a new leader: a submit may fail (not
	// acknowledged, so not counted), but every acknowledged one must end well.
	var wg sync.WaitGroup
	var refused sync.Map
	for i := 100; i < 200; i += 20 {
		wg.Go(func() {
			batch := all[i : i+20]
			for try := 0; try < 20; try++ {
				if _, err := l.submit(t, apis[(i/20)%2], s.adminToken, batch); err == nil {
					return
				} else {
					refused.Store(i, err.Error())
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	refused.Range(func(k, v any) bool {
		t.Logf("a submit was refused while the leader was gone (then retried): %v", v)
		return true
	})
	t.Logf("all submits acknowledged %s after the leader was killed; new leader %s", time.Since(start).Round(time.Millisecond),
		streamLeader(t, s.natsURL, "NEWSDESK"))

	c := invariant(t, "3-node cluster, stream leader killed", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 200 {
		t.Errorf("drafts = %d, want 200", c.Drafts)
	}
}

// TestClusterNodePaused freezes the stream leader with SIGSTOP for longer than the election
// timeout (a hung process or a VM pause, as Jepsen does), lets the cluster elect another
// leader, then resumes it: the old leader must step down without losing or doubling work.
func TestClusterNodePaused(t *testing.T) {
	nodes, s := clusterServices(t)
	a := s.api(t, "api")
	s.worker(t, "worker-1", nil)
	s.worker(t, "worker-2", nil)
	l := newLedger()
	all := stories(s.pages, "paused", 120)
	l.mustSubmit(t, a, s.adminToken, all[:60], 20)
	waitDrafts(t, s, 15, time.Minute)

	leader := streamLeader(t, s.natsURL, "NEWSDESK")
	var paused *natsNode
	for _, n := range nodes {
		if n.name == leader {
			paused = n
		}
	}
	if paused == nil {
		t.Fatalf("stream leader %q is not one of ours", leader)
	}
	paused.p.signal(syscall.SIGSTOP)
	resumed := false
	resume := func() {
		if !resumed {
			paused.p.signal(syscall.SIGCONT)
			resumed = true
		}
	}
	t.Cleanup(resume)
	// Editors keep submitting while it hangs; a refused submit is retried (it was never
	// acknowledged).
	frozeAt := time.Now()
	for i := 60; i < 120; i += 20 {
		for try := 0; ; try++ {
			t0 := time.Now()
			_, err := l.submit(t, a, s.adminToken, all[i:i+20])
			if err == nil {
				// The API may wait a few seconds for JetStream to confirm the jobs, then
				// answers anyway (the rows are committed; the reconciler publishes).
				if d := time.Since(t0); d > 8*time.Second {
					t.Errorf("a submit took %s while a cluster node was frozen; an editor waits for that", d.Round(time.Millisecond))
				} else if d > time.Second {
					t.Logf("a submit took %s while a cluster node was frozen", d.Round(time.Millisecond))
				}
				break
			}
			t.Logf("submit refused %s after the leader froze: %v", time.Since(frozeAt).Round(time.Millisecond), err)
			if time.Since(frozeAt) > time.Minute {
				t.Fatalf("submits still refused a minute after the leader froze")
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	time.Sleep(6 * time.Second)
	t.Logf("froze stream leader %s for 6s+; leader now %s", leader, streamLeader(t, s.natsURL, "NEWSDESK"))
	resume()

	c := invariant(t, "3-node cluster, stream leader paused", s, l, 2*time.Minute, llmPerArticle)
	if c.Drafts != 120 {
		t.Errorf("drafts = %d, want 120", c.Drafts)
	}
}
