package workers

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"newsdesk/store"
)

// budget keeps the summarise stage inside a daily spending limit. Over the limit, slots stop
// pulling: the jobs wait in the queue (visible as its depth, and in GET /api/v1/usage)
// instead of being delivered and failed, and resume at midnight UTC or when the limit is
// raised.
type budget struct {
	db    *store.DB
	limit float64 // US dollars per UTC day; 0 means none
	log   *slog.Logger

	mu      sync.Mutex
	checked time.Time
	over    bool
}

// exhausted reports whether today's spend has reached the limit, asking Postgres at most
// every few seconds.
func (b *budget) exhausted(ctx context.Context) bool {
	if b == nil || b.limit <= 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.checked) < 5*time.Second {
		return b.over
	}
	spent, err := b.db.SpentToday(ctx)
	if err != nil {
		return b.over // keep the last answer while Postgres is away
	}
	b.checked = time.Now()
	over := spent >= b.limit
	if over != b.over {
		if over {
			b.log.Warn("daily LLM budget reached: summarise jobs wait in the queue until midnight UTC",
				"spent_usd", spent, "budget_usd", b.limit, "resumes_at", store.NextUTCMidnight(time.Now()))
		} else {
			b.log.Info("daily LLM budget available again: summarising resumes", "spent_usd", spent, "budget_usd", b.limit)
		}
	}
	b.over = over
	return over
}
