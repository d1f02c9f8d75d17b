package workers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"newsdesk/extract"
)

func TestRetryDelayGrowsAndHonoursTheProvider(t *testing.T) {
	prev := time.Duration(0)
	for delivered := uint64(1); delivered <= 6; delivered++ {
		base := time.Second << delivered
		for range 50 {
			d := retryDelay(delivered, 0)
			if d < base/2 || d > base {
				t.Fatalf("retryDelay(%d) = %v, want within [%v, %v]", delivered, d, base/2, base)
			}
		}
		if base <= prev {
			t.Fatalf("backoff does not grow at delivery %d", delivered)
		}
		prev = base
	}
	if d := retryDelay(1, 90*time.Second); d != 90*time.Second {
		t.Fatalf("retryDelay with Retry-After 90s = %v", d)
	}
}

type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "slow down" }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }
func (e retryAfterErr) Permanent() bool           { return false }

func TestClassify(t *testing.T) {
	notArticle := &extract.Error{Kind: "not_article", Reason: "The page is behind a paywall."}
	for _, tt := range []struct {
		name      string
		err       error
		permanent bool
		reason    string
	}{
		{"extract errors say so themselves", fmt.Errorf("extract: %w", notArticle), true, "paywall"},
		{"our own permanent errors", permanentf("unknown stage %q", "x"), true, "unknown stage"},
		{"anything else is transient", errors.New("connection refused"), false, "Temporary problem: connection refused"},
		{"transient with a wait", retryAfterErr{3 * time.Second}, false, "slow down"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reason, permanent := classify(tt.err)
			if permanent != tt.permanent || !contains(reason, tt.reason) {
				t.Fatalf("classify = %q, %v; want %v containing %q", reason, permanent, tt.permanent, tt.reason)
			}
		})
	}
	if d := retryAfter(fmt.Errorf("wrapped: %w", retryAfterErr{3 * time.Second})); d != 3*time.Second {
		t.Fatalf("retryAfter = %v", d)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("exit-after-extract-commit:0.25, skip-ack")
	if err != nil {
		t.Fatal(err)
	}
	if f[FaultExitAfterExtractCommit] != 0.25 || f[FaultSkipAck] != 1 {
		t.Fatalf("faults = %v", f)
	}
	if !f.hit(FaultSkipAck) || f.hit(FaultExitAfterDraftCommit) {
		t.Fatal("hit: a fault at probability 1 must fire, an absent one never")
	}
	for _, bad := range []string{"nonsense", "skip-ack:2", "skip-ack:x"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	if f, err := ParseFaults(""); err != nil || len(f) != 0 {
		t.Fatalf("empty: %v %v", f, err)
	}
}
