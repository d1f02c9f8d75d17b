package llm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Limiter keeps requests and tokens per minute under a provider's limits. One Limiter is
// meant to be shared by every goroutine that calls the same provider: requests are spaced
// evenly (60s/RPM apart) and tokens come from a bucket that refills at TPM per minute.
// After a 429 it pauses everyone for the provider's Retry-After and halves its rates,
// then recovers them step by step with each success.
type Limiter struct {
	mu          sync.Mutex
	rpm, tpm    float64 // configured limits; 0 means none
	factor      float64 // adaptive share of the limits in use, 0.1 … 1
	nextStart   time.Time
	tokens      float64
	refilled    time.Time
	pausedUntil time.Time
	now         func() time.Time
}

// NewLimiter returns a limiter for rpm requests and tpm tokens per minute; zero means no
// limit of that kind.
func NewLimiter(rpm, tpm int) *Limiter {
	l := &Limiter{rpm: float64(max(rpm, 0)), tpm: float64(max(tpm, 0)), factor: 1, now: time.Now}
	l.tokens = l.tpm
	l.refilled = l.now()
	return l
}

var (
	sharedMu       sync.Mutex
	sharedLimiters = map[string]*Limiter{}
)

// SharedLimiter returns the process-wide limiter for key (such as base URL and model),
// making it on first use with the given limits. Writers built with the same key share
// one budget, however many there are.
func SharedLimiter(key string, rpm, tpm int) *Limiter {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	k := fmt.Sprintf("%s|%d|%d", key, rpm, tpm)
	if l, ok := sharedLimiters[k]; ok {
		return l
	}
	l := NewLimiter(rpm, tpm)
	sharedLimiters[k] = l
	return l
}

// LimitsTokens reports whether the limiter has a tokens-per-minute limit, so that callers
// count a request's tokens only when it matters.
func (l *Limiter) LimitsTokens() bool { return l != nil && l.tpm > 0 }

// Wait blocks until a request of about tokens tokens may start, and books it. It returns
// the context's error if ctx ends first.
func (l *Limiter) Wait(ctx context.Context, tokens int) error {
	if l == nil {
		return ctx.Err()
	}
	for {
		l.mu.Lock()
		now := l.now()
		at := now
		if l.pausedUntil.After(at) {
			at = l.pausedUntil
		}
		if l.rpm > 0 && l.nextStart.After(at) {
			at = l.nextStart
		}
		need := 0.0
		if l.tpm > 0 {
			l.refill(now)
			need = min(float64(tokens), l.tpm) // a request larger than a minute's budget waits for a full bucket
			if l.tokens < need {
				rate := l.tpm * l.factor / 60 // tokens per second
				if t := now.Add(time.Duration((need - l.tokens) / rate * float64(time.Second))); t.After(at) {
					at = t
				}
			}
		}
		if !at.After(now) {
			if l.rpm > 0 {
				l.nextStart = now.Add(time.Duration(float64(time.Minute) / (l.rpm * l.factor)))
			}
			l.tokens -= need
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		t := time.NewTimer(at.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (l *Limiter) refill(now time.Time) {
	if d := now.Sub(l.refilled); d > 0 {
		l.tokens = min(l.tpm, l.tokens+d.Seconds()*l.tpm*l.factor/60)
		l.refilled = now
	}
}

// Throttled tells the limiter the provider answered 429: every caller pauses for wait
// (a second when the provider named no wait) and the rates drop by half, down to a
// tenth of the limits.
func (l *Limiter) Throttled(wait time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.tpm > 0 {
		l.refill(now)
	}
	if wait <= 0 {
		wait = time.Second
	}
	// Requests in flight when the provider starts refusing all come back 429 together:
	// they are one signal, so the rates drop once per pause.
	if !l.pausedUntil.After(now) {
		l.factor = max(0.1, l.factor/2)
	}
	if t := now.Add(wait); t.After(l.pausedUntil) {
		l.pausedUntil = t
	}
}

// Succeeded tells the limiter a request went through; the rates recover by 5% of the
// limits a time (additive increase after a multiplicative decrease).
func (l *Limiter) Succeeded() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.factor < 1 {
		if l.tpm > 0 {
			l.refill(l.now())
		}
		l.factor = min(1, l.factor+0.05)
	}
}

// Factor returns the share of the configured limits in use (1 when not slowed down).
func (l *Limiter) Factor() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.factor
}
