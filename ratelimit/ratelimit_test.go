package ratelimit

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock: tests move it forward instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// take calls Allow n times and returns how many were allowed.
func take(l *Limiter, key string, n int) int {
	ok := 0
	for range n {
		if allowed, _ := l.Allow(key); allowed {
			ok++
		}
	}
	return ok
}

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Rate
	}{
		{"60/m", Rate{Events: 60, Per: time.Minute}},
		{"60/min", Rate{Events: 60, Per: time.Minute}},
		{"10/m:3", Rate{Events: 10, Per: time.Minute, Burst: 3}},
		{" 5/S ", Rate{Events: 5, Per: time.Second}},
		{"1000/h:50", Rate{Events: 1000, Per: time.Hour, Burst: 50}},
		{"3/30s", Rate{Events: 3, Per: 30 * time.Second}},
		{"off", Rate{}},
		{"0", Rate{}},
		{"", Rate{}},
	} {
		t.Run(fmt.Sprintf("%q parses", tt.in), func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if err != nil {
				t.Fatalf("ParseRate(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if again, err := ParseRate(got.String()); err != nil || again.Unlimited() != got.Unlimited() ||
				(!got.Unlimited() && (again.Events != got.Events || again.Per != got.Per || again.burst() != got.burst())) {
				t.Errorf("ParseRate(%q.String() = %q) = %+v, %v; want the same rate back", tt.in, got.String(), again, err)
			}
		})
	}
	for _, in := range []string{"60", "x/m", "-1/m", "60/fortnight", "60/m:0", "60/m:x", "60/-1s"} {
		t.Run(fmt.Sprintf("%q is refused", in), func(t *testing.T) {
			if _, err := ParseRate(in); !errors.Is(err, ErrBadRate) {
				t.Errorf("ParseRate(%q) error = %v, want ErrBadRate", in, err)
			}
		})
	}
}

func TestLimiterAllowsABurstThenRefuses(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 60, Per: time.Minute, Burst: 5}, c.now)
	if got := take(l, "tok1", 5); got != 5 {
		t.Fatalf("first 5 requests: %d allowed, want 5", got)
	}
	ok, wait := l.Allow("tok1")
	if ok {
		t.Fatal("6th request in the same instant was allowed, want refused")
	}
	if wait != time.Second {
		t.Errorf("retry after = %v, want 1s (60 a minute)", wait)
	}
}

func TestLimiterRefillsWithTime(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 60, Per: time.Minute, Burst: 5}, c.now)
	take(l, "tok1", 5)
	c.advance(500 * time.Millisecond)
	ok, wait := l.Allow("tok1")
	if ok {
		t.Fatal("allowed after half a token refilled")
	}
	if wait != 500*time.Millisecond {
		t.Errorf("retry after = %v, want 500ms", wait)
	}
	c.advance(500 * time.Millisecond)
	if ok, _ := l.Allow("tok1"); !ok {
		t.Fatal("refused after a whole token refilled")
	}
	if ok, _ := l.Allow("tok1"); ok {
		t.Fatal("allowed a second request on one refilled token")
	}
	// A long pause refills to the burst, not beyond it.
	c.advance(time.Hour)
	if got := take(l, "tok1", 10); got != 5 {
		t.Errorf("after an hour's pause: %d allowed, want the burst of 5", got)
	}
}

func TestLimiterKeepsKeysApart(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 10, Per: time.Minute, Burst: 2}, c.now)
	if got := take(l, "203.0.113.7", 5); got != 2 {
		t.Fatalf("key a: %d allowed, want 2", got)
	}
	if got := take(l, "198.51.100.9", 5); got != 2 {
		t.Errorf("key b after key a ran dry: %d allowed, want its own 2", got)
	}
}

func TestLimiterSustainedRateHoldsOverTime(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 10, Per: time.Minute, Burst: 3}, c.now)
	allowed := 0
	// One attempt every 100ms for 10 minutes: 6,000 attempts.
	for range 6000 {
		if ok, _ := l.Allow("k"); ok {
			allowed++
		}
		c.advance(100 * time.Millisecond)
	}
	// 10 minutes at 10 a minute, plus the initial burst.
	if want := 100 + 3; allowed < want-1 || allowed > want {
		t.Errorf("allowed %d of 6000 attempts over 10 minutes, want %d", allowed, want)
	}
}

func TestUnlimitedRateAllowsEverything(t *testing.T) {
	l := New(Rate{}, nil)
	if got := take(l, "k", 10_000); got != 10_000 {
		t.Errorf("unlimited: %d of 10000 allowed", got)
	}
	if l.Len() != 0 {
		t.Errorf("unlimited limiter holds %d buckets, want 0", l.Len())
	}
}

func TestLimiterMemoryIsBoundedAgainstKeySpraying(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 10, Per: time.Minute, Burst: 1}, c.now)
	l.MaxKeys = 100
	// 1,000 addresses, each trying twice: the first 100 get their own bucket, the rest share
	// the overflow bucket, which lets one request through.
	allowed := 0
	for i := range 1000 {
		allowed += take(l, fmt.Sprintf("10.0.%d.%d", i/256, i%256), 2)
	}
	if n := l.Len(); n > 101 {
		t.Errorf("holds %d buckets after 1000 keys, want at most MaxKeys+1 = 101", n)
	}
	if allowed != 100+1 {
		t.Errorf("allowed %d requests from 1000 sprayed keys, want 101 (100 buckets + the shared overflow)", allowed)
	}
	// Once the buckets have refilled they are dropped, and new keys get buckets again.
	c.advance(time.Minute)
	if ok, _ := l.Allow("192.0.2.1"); !ok {
		t.Error("a new key was refused after every bucket had refilled")
	}
	if n := l.Len(); n > 2 {
		t.Errorf("holds %d buckets after the sweep, want the new key's only (≤2)", n)
	}
}

func TestLimiterIsSafeForConcurrentUse(t *testing.T) {
	c := newClock()
	l := New(Rate{Events: 1, Per: time.Hour, Burst: 50}, c.now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			n := take(l, "shared", 100)
			mu.Lock()
			allowed += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("8 goroutines × 100 requests on a burst of 50: %d allowed, want exactly 50", allowed)
	}
}
