package web

import (
	"net/http"
	"time"

	"newsdesk/store"
)

type usagePageData struct {
	base
	Today     store.DayUsage
	Days      []store.DayUsage
	Budget    float64
	Paused    bool
	ResumesAt *time.Time
}

// usagePage shows tokens and cost per day, and whether the daily budget holds summaries back.
func (u *ui) usagePage(w http.ResponseWriter, r *http.Request) {
	rep, err := u.s.usageReport(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "usage", &usagePageData{
		base:  base{Title: "Model usage", Nav: "usage"},
		Today: rep.Today, Days: rep.Days, Budget: rep.DailyBudgetUSD, Paused: rep.Paused, ResumesAt: rep.ResumesAt,
	})
}
