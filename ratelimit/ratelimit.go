// Package ratelimit is a small in-memory token-bucket limiter keyed by a string (an API
// token's id, a client's address). newsdesk uses it to slow down submit floods from one token
// and password guessing from one address; see web/ratelimit.go for the HTTP glue.
//
// Each key has a bucket of Burst tokens that refills at Events per Per. A request takes one
// token or is refused with the time until the next token. The limiter holds at most MaxKeys
// buckets: a bucket that has refilled completely is the same as no bucket and is dropped, and
// when every slot holds a partly used bucket, new keys share one overflow bucket, so that an
// attacker who sprays keys (addresses) cannot grow memory or get fresh buckets.
//
// The state is per process: with several API processes each enforces its own limit.
package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a sustained rate of Events per Per, with bursts of up to Burst events. The zero
// Rate is unlimited.
type Rate struct {
	Events int
	Per    time.Duration
	Burst  int
}

// Unlimited reports whether r lets everything through.
func (r Rate) Unlimited() bool { return r.Events <= 0 || r.Per <= 0 }

// String formats r the way [ParseRate] reads it.
func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	unit := r.Per.String()
	switch r.Per {
	case time.Second:
		unit = "s"
	case time.Minute:
		unit = "m"
	case time.Hour:
		unit = "h"
	}
	return fmt.Sprintf("%d/%s:%d", r.Events, unit, r.burst())
}

func (r Rate) burst() int {
	if r.Burst > 0 {
		return r.Burst
	}
	return r.Events
}

// ErrBadRate is wrapped by the error [ParseRate] returns for a malformed rate.
var ErrBadRate = errors.New("ratelimit: bad rate")

// ParseRate reads a rate written as EVENTS/UNIT[:BURST], where UNIT is s, m, min, h or a Go
// duration ("30s"): "60/m" is sixty a minute with bursts of sixty, "10/m:3" ten a minute with
// bursts of three. "off", "0" and "" are unlimited.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "off" || s == "0" || s == "none" {
		return Rate{}, nil
	}
	spec, burstText, hasBurst := strings.Cut(s, ":")
	n, unit, ok := strings.Cut(spec, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%w %q: want EVENTS/UNIT[:BURST], e.g. 60/m or 10/m:3", ErrBadRate, s)
	}
	events, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || events < 0 {
		return Rate{}, fmt.Errorf("%w %q: events must be a whole number", ErrBadRate, s)
	}
	var per time.Duration
	switch u := strings.TrimSpace(unit); u {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		per, err = time.ParseDuration(u)
		if err != nil || per <= 0 {
			return Rate{}, fmt.Errorf("%w %q: unit must be s, m, h or a duration", ErrBadRate, s)
		}
	}
	r := Rate{Events: events, Per: per}
	if hasBurst {
		r.Burst, err = strconv.Atoi(strings.TrimSpace(burstText))
		if err != nil || r.Burst < 1 {
			return Rate{}, fmt.Errorf("%w %q: burst must be a whole number of at least 1", ErrBadRate, s)
		}
	}
	return r, nil
}

// DefaultMaxKeys bounds a [Limiter]'s buckets when [Limiter.MaxKeys] is zero.
const DefaultMaxKeys = 100_000

// overflowKey is the bucket new keys share when the limiter is full. Real keys are never
// empty (callers key by token id or address).
const overflowKey = "\x00overflow"

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// Limiter limits events per key. It is safe for concurrent use.
type Limiter struct {
	rate  Rate
	now   func() time.Time
	every float64 // nanoseconds per token
	burst float64

	// MaxKeys bounds the buckets held [DefaultMaxKeys]. Set it before first use.
	MaxKeys int

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

// New returns a limiter for r. now is the clock (nil: time.Now); tests pass a fake one.
func New(r Rate, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{rate: r, now: now, buckets: map[string]*bucket{}}
	if !r.Unlimited() {
		l.every = float64(r.Per) / float64(r.Events)
		l.burst = float64(r.burst())
	}
	return l
}

// Rate returns the limiter's rate.
func (l *Limiter) Rate() Rate { return l.rate }

// Allow takes one token from key's bucket. When the bucket is empty it returns false and how
// long until a token is available.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.rate.Unlimited() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketFor(key, now)
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(elapsed)/l.every)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) * l.every))
	return false, max(wait, time.Nanosecond)
}

// Len returns how many buckets the limiter holds.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// bucketFor returns key's bucket, making a full one if needed. l.mu is held.
func (l *Limiter) bucketFor(key string, now time.Time) *bucket {
	if b, ok := l.buckets[key]; ok {
		return b
	}
	limit := l.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	if len(l.buckets) >= limit && !now.Before(l.nextSweep) {
		l.sweep(now)
	}
	if len(l.buckets) >= limit {
		key = overflowKey
		if b, ok := l.buckets[key]; ok {
			return b
		}
		// The overflow bucket may exceed MaxKeys by one; it is the only one that can.
	}
	b := &bucket{tokens: l.burst, at: now}
	l.buckets[key] = b
	return b
}

// sweep drops buckets that have refilled completely: they hold no information. When it
// frees nothing, the next sweep waits until the oldest bucket could be full, so that a
// flood of new keys costs one map walk per refill period rather than one per request.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(l.burst * l.every)
	var oldest time.Time
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/l.every >= l.burst {
			delete(l.buckets, k)
			continue
		}
		if oldest.IsZero() || b.at.Before(oldest) {
			oldest = b.at
		}
	}
	l.nextSweep = now
	if !oldest.IsZero() {
		l.nextSweep = oldest.Add(full)
	}
}
