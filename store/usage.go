package store

import (
	"context"
	"fmt"
	"time"
)

// DayUsage is what the model cost on one UTC day.
type DayUsage struct {
	Day              string  `json:"day"` // YYYY-MM-DD, UTC
	Generations      int     `json:"generations"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

// UsageByDay sums machine-written drafts per UTC day over the last days days, newest first.
// Reused generations cost nothing and count as such.
func (db *DB) UsageByDay(ctx context.Context, days int) ([]DayUsage, error) {
	rows, err := db.pool.Query(ctx, `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
			count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(cost_usd), 0)
		FROM drafts WHERE generation IS NOT NULL AND created_at >= now() - make_interval(days => $1)
		GROUP BY 1 ORDER BY 1 DESC`, days)
	if err != nil {
		return nil, fmt.Errorf("usage by day: %w", err)
	}
	defer rows.Close()
	var out []DayUsage
	for rows.Next() {
		var u DayUsage
		if err := rows.Scan(&u.Day, &u.Generations, &u.PromptTokens, &u.CompletionTokens, &u.CostUSD); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SpentToday is the model cost of the current UTC day, in US dollars.
func (db *DB) SpentToday(ctx context.Context) (float64, error) {
	var spent float64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(sum(cost_usd), 0) FROM drafts
		WHERE generation IS NOT NULL AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`).Scan(&spent)
	if err != nil {
		return 0, fmt.Errorf("spent today: %w", err)
	}
	return spent, nil
}

// NextUTCMidnight is when a daily budget starts afresh.
func NextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
