package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"newsdesk/auth"
	"newsdesk/store"
	"newsdesk/summary"
)

type signinPage struct {
	base
	Next string
}

// queueTabs are the queue's tabs in order; "working" groups the three pipeline states.
var queueTabs = []struct{ Key, Label, Status string }{
	{"review", "Needs review", store.StatusDraft},
	{"working", "Working", "working"},
	{"approved", "Approved", store.StatusApproved},
	{"rejected", "Rejected", store.StatusRejected},
	{"failed", "Failed", store.StatusFailed},
	{"withdrawn", "Withdrawn", store.StatusWithdrawn},
	{"all", "All", ""},
}

type tab struct {
	Key, Label string
	Count      int
	Active     bool
}

type queueItem struct {
	ID, Title, URL, Site, Status, Error string
	Version                             int
	Flags                               int // on the current version
	Created, Updated                    time.Time
}

func toQueueItem(a store.Article) queueItem {
	return queueItem{ID: a.ID, Title: a.Title, URL: a.URL, Site: a.SiteName, Status: a.Status, Error: a.Error,
		Version: a.CurrentVersion, Created: a.CreatedAt, Updated: a.UpdatedAt}
}

type queuePageData struct {
	base
	Tabs   []tab
	Tab    tab
	Items  []queueItem
	Query  string
	Cursor string
	Next   string
	Back   string // this page's address, for the Retry forms to return to
}

const queuePageSize = 25

func (u *ui) queuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := q.Get("tab")
	status, found := "", false
	for _, t := range queueTabs {
		if t.Key == key {
			status, found = t.Status, true
		}
	}
	if !found {
		key, status = "review", store.StatusDraft
	}
	counts, err := u.s.db.Counts(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data := &queuePageData{base: base{Title: "Queue", Nav: "queue", Live: true}, Query: strings.TrimSpace(q.Get("q")),
		Cursor: q.Get("cursor"), Back: localPath(r.URL.RequestURI())}
	total := 0
	for _, n := range counts {
		total += n
	}
	for _, t := range queueTabs {
		n := counts[t.Status]
		switch t.Key {
		case "working":
			n = counts[store.StatusQueued] + counts[store.StatusExtracting] + counts[store.StatusSummarising]
		case "all":
			n = total
		}
		tb := tab{Key: t.Key, Label: t.Label, Count: n, Active: t.Key == key}
		data.Tabs = append(data.Tabs, tb)
		if tb.Active {
			data.Tab = tb
		}
	}
	list, err := u.s.db.List(r.Context(), store.ListParams{Status: status, Query: data.Query, Before: data.Cursor, Limit: queuePageSize})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	flags, err := u.s.db.FlagCounts(r.Context(), ids)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, a := range list {
		it := toQueueItem(a)
		it.Flags = flags[a.ID]
		data.Items = append(data.Items, it)
	}
	if len(list) == queuePageSize {
		v := url.Values{"tab": {key}, "cursor": {list[len(list)-1].ID}}
		if data.Query != "" {
			v.Set("q", data.Query)
		}
		data.Next = "/ui/queue?" + v.Encode()
	}
	data.Title = data.Tab.Label + " · Queue"
	u.render(w, r, http.StatusOK, "queue", data)
}

type submitPageData struct {
	base
	URLs, Text, PastedTitle string
	Results                 []queueItem
	More                    int
}

// maxShownResults caps the submissions listed after a batch; the rest are in the queue.
const maxShownResults = 100

func (u *ui) submitPage(w http.ResponseWriter, r *http.Request) {
	data := &submitPageData{base: base{Title: "Submit", Nav: "submit"}}
	if ids := r.URL.Query().Get("ids"); ids != "" {
		data.Live = true
		for _, id := range strings.Split(ids, ",") {
			a, err := u.s.db.Get(r.Context(), id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				u.fail(w, r, err)
				return
			}
			data.Results = append(data.Results, toQueueItem(a))
		}
		if n, _ := strconv.Atoi(r.URL.Query().Get("n")); n > len(data.Results) {
			data.More = n - len(data.Results)
		}
	}
	u.render(w, r, http.StatusOK, "submit", data)
}

func (u *ui) submitForm(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	data := &submitPageData{base: base{Title: "Submit", Nav: "submit"}, URLs: f.Get("urls"), Text: f.Get("text"), PastedTitle: f.Get("title")}
	var urls []string
	for _, l := range strings.Split(data.URLs, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			urls = append(urls, l)
		}
	}
	req := submitRequest{URLs: urls, Text: strings.TrimSpace(data.Text), Title: strings.TrimSpace(data.PastedTitle)}
	p := sessionFrom(r.Context()).Principal
	subs, err := validateSubmission(req, actor(p))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			data.Error = ae.Message
			if len(urls) == 0 {
				data.Error = "Paste at least one URL, one per line."
			}
			u.render(w, r, http.StatusBadRequest, "submit", data)
			return
		}
		u.fail(w, r, err)
		return
	}
	out, _, err := u.s.Submit(r.Context(), subs)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ids := make([]string, 0, min(len(out), maxShownResults))
	for i, o := range out {
		if i == maxShownResults {
			break
		}
		ids = append(ids, o.ID)
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/submit?n=%d&ids=%s", len(out), strings.Join(ids, ",")), http.StatusSeeOther)
}

// sectionView is one section of a draft with its flags highlighted in place.
type sectionView struct {
	Label    string
	HTML     template.HTML
	Unplaced []summary.Flag
	Flags    int
}

// draftView is one version of a draft with its generation details.
type draftView struct {
	Version          int
	Author, Actor    string
	Model, Prompt    string
	PromptTokens     int
	CompletionTokens int
	Cost             float64
	Created          time.Time
	Notes            []string
	KeyPoints        []sectionView
	Why, What        sectionView
	Flags            int
}

func toDraftView(d store.Draft) draftView {
	v := draftView{Version: d.Version, Author: d.Author, Actor: d.Actor, Model: d.Model, Prompt: d.PromptVersion,
		PromptTokens: d.PromptTokens, CompletionTokens: d.CompletionTokens, Cost: d.CostUSD, Created: d.CreatedAt,
		Notes: d.Notes, Flags: len(flagsFor(d.Flags, summary.SectionWhy)) + len(flagsFor(d.Flags, summary.SectionWhat))}
	section := func(label, name, text string) sectionView {
		fl := flagsFor(d.Flags, name)
		h, unplaced := highlight(text, fl)
		return sectionView{Label: label, HTML: h, Unplaced: unplaced, Flags: len(fl)}
	}
	for i, kp := range d.Summary.KeyPoints {
		sv := section(fmt.Sprintf("Key point %d", i+1), summary.KeyPointSection(i), kp)
		v.Flags += sv.Flags
		v.KeyPoints = append(v.KeyPoints, sv)
	}
	v.Why = section(labelWhy, summary.SectionWhy, d.Summary.WhyItMatters)
	v.What = section(labelWhat, summary.SectionWhat, d.Summary.WhatItMeansForYou)
	return v
}

// editField is one textarea of the edit form.
type editField struct {
	ID, Name, Label, Value, Hint string
	Optional                     bool
	Rows                         int
	Flags                        []summary.Flag
	// After a conflicting save: Took says the value came from the other version; Theirs
	// is the other version's text where both changed the section.
	Took   bool
	Theirs string
}

type articlePageData struct {
	base
	A           articleJSON
	Source      []string
	SourceFlags []summary.Flag
	Draft       *draftView
	Versions    []draftView
	Approved    int
	Working     bool
	CanReview   bool
	Edit        bool
	Fields      []editField
	BaseVersion int
	// Conflict is set when a save found a newer version than the one edited.
	Conflict        string
	ConflictVersion int
	EditedFrom      int
	DiffFrom        int
	// NextReview is the newest other draft waiting for review, offered after a decision.
	NextReview *queueItem
}

// articleOpts are what a handler changes about the article page: edit mode, the user's
// unsaved text and messages.
type articleOpts struct {
	status          int
	edit            bool
	form            *summary.Summary
	base            int
	notice, err     string
	conflict        string
	conflictVersion int
	editedFrom      int
	decided         bool // the user just approved or rejected: offer the next draft
	merge           *mergeResult
}

var doneMessages = map[string]string{
	"saved":        "Saved as version %d.",
	"approved":     "Approved version %d. It is on the portal now.",
	"rejected":     "Rejected. The reason is in the audit trail.",
	"regenerating": "A new draft is being written. This page updates by itself when it is ready.",
	"withdrawn":    "Withdrawn: the portal no longer shows this article.",
	"retried":      "Sent through the pipeline again.",
}

func (u *ui) articlePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o := articleOpts{edit: q.Get("edit") == "1"}
	done := q.Get("done")
	o.decided = done == "approved" || done == "rejected"
	if msg, ok := doneMessages[done]; ok {
		if strings.Contains(msg, "%d") {
			v, _ := strconv.Atoi(q.Get("v"))
			msg = fmt.Sprintf(msg, v)
		}
		o.notice = msg
	}
	u.renderArticle(w, r, r.PathValue("id"), o)
}

func (u *ui) renderArticle(w http.ResponseWriter, r *http.Request, id string, o articleOpts) {
	a, drafts, err := u.s.ArticleView(r.Context(), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := sessionFrom(r.Context()).Principal
	title := a.Title
	if title == "" {
		title = a.URL
	}
	data := &articlePageData{
		base: base{Title: title, Nav: "queue", Live: true, Notice: o.notice, Error: o.err},
		A:    a, Source: paragraphs(a.Text), CanReview: p.Role.Allows(auth.Reviewer),
		Working:  a.Status == store.StatusQueued || a.Status == store.StatusExtracting || a.Status == store.StatusSummarising,
		Conflict: o.conflict, ConflictVersion: o.conflictVersion, EditedFrom: o.editedFrom,
	}
	if a.Published != nil {
		data.Approved = a.Published.Version
	}
	for _, d := range drafts {
		data.Versions = append(data.Versions, toDraftView(d))
	}
	// Flags about the source itself (instructions planted in the page) sit above it.
	if a.Draft != nil {
		data.SourceFlags = flagsFor(a.Draft.Flags, summary.SectionSource)
		for i := range data.Versions {
			if data.Versions[i].Version == a.Draft.Version {
				data.Draft = &data.Versions[i]
			}
		}
		if len(data.Versions) > 1 {
			data.DiffFrom = data.Versions[len(data.Versions)-2].Version
		}
	}
	if o.edit && a.Draft != nil {
		data.Edit = true
		form := summary.Summary{KeyPoints: a.Draft.KeyPoints, WhyItMatters: a.Draft.WhyItMatters, WhatItMeansForYou: a.Draft.WhatItMeansForYou}
		data.BaseVersion = a.Draft.Version
		if o.form != nil {
			form = *o.form
			data.BaseVersion = o.base
		}
		flags := a.Draft.Flags
		for i := range summary.MaxKeyPoints {
			f := editField{ID: fmt.Sprintf("kp%d", i+1), Name: "key_point", Label: fmt.Sprintf("Key point %d", i+1), Rows: 2,
				Optional: i >= summary.MinKeyPoints, Flags: flagsFor(flags, summary.KeyPointSection(i))}
			if i < len(form.KeyPoints) {
				f.Value = form.KeyPoints[i]
			}
			data.Fields = append(data.Fields, f)
		}
		data.Fields = append(data.Fields,
			editField{ID: "why", Name: "why_it_matters", Label: labelWhy, Value: form.WhyItMatters, Rows: 4,
				Hint: "One or two sentences.", Flags: flagsFor(flags, summary.SectionWhy)},
			editField{ID: "what", Name: "what_it_means_for_you", Label: labelWhat, Value: form.WhatItMeansForYou, Rows: 4,
				Hint: "Up to three sentences.", Flags: flagsFor(flags, summary.SectionWhat)})
		if o.merge != nil {
			for i := range data.Fields {
				f := &data.Fields[i]
				f.Took, f.Theirs = o.merge.Took[f.ID], o.merge.Clash[f.ID]
			}
		}
	}
	if o.decided {
		next, err := u.s.db.List(r.Context(), store.ListParams{Status: store.StatusDraft, Limit: 2})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, n := range next {
			if n.ID != a.ID {
				it := toQueueItem(n)
				data.NextReview = &it
				break
			}
		}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	u.render(w, r, status, "article", data)
}

func (u *ui) save(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := r.PostForm
	// The form as laid out (key points by position, blanks kept) and as saved (blanks gone).
	form := summary.Summary{WhyItMatters: strings.TrimSpace(f.Get("why_it_matters")),
		WhatItMeansForYou: strings.TrimSpace(f.Get("what_it_means_for_you"))}
	sum := form
	sum.KeyPoints = nil
	for _, kp := range f["key_point"] {
		kp = strings.TrimSpace(kp)
		form.KeyPoints = append(form.KeyPoints, kp)
		if kp != "" {
			sum.KeyPoints = append(sum.KeyPoints, kp)
		}
	}
	base, err := strconv.Atoi(f.Get("base_version"))
	if err != nil {
		u.problem(w, r, http.StatusBadRequest, "The form could not be read", "The version you edited is missing from the form.")
		return
	}
	p := sessionFrom(r.Context()).Principal
	d, err := u.s.SaveDraft(r.Context(), id, p, sum, base)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/ui/articles/%s?done=saved&v=%d", url.PathEscape(id), d.Version), http.StatusSeeOther)
		return
	}
	keep := articleOpts{edit: true, form: &form, base: base}
	var ae *apiError
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ae):
		keep.status, keep.err = ae.Status, "Not saved: "+ae.Message
		u.renderArticle(w, r, id, keep)
	case errors.As(err, &ce):
		a, gerr := u.s.db.Get(r.Context(), id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		keep.status = http.StatusConflict
		if a.CurrentVersion == base {
			keep.err = "Not saved: " + ce.Reason
			u.renderArticle(w, r, id, keep)
			return
		}
		keep.conflictVersion, keep.editedFrom = a.CurrentVersion, base
		// Saving again now is a deliberate choice to build on their version.
		keep.base = a.CurrentVersion
		msg := fmt.Sprintf("Someone else saved version %d while you were editing version %d.", a.CurrentVersion, base)
		baseD, berr := u.s.db.GetDraft(r.Context(), id, base)
		curD, cerr := u.s.db.GetDraft(r.Context(), id, a.CurrentVersion)
		if berr == nil && cerr == nil {
			m := mergeEdit(baseD.Summary, form, curD.Summary)
			keep.form, keep.merge = &m.Form, &m
			clash := map[string]bool{}
			for k := range m.Clash {
				clash[k] = true
			}
			if took := fieldList(m.Took); took != "" {
				msg += " Their changes to " + took + " are merged into your text below."
			}
			if both := fieldList(clash); both != "" {
				msg += " You both changed " + both + ": their text is shown under yours; keep what is right."
			}
			msg += fmt.Sprintf(" Check the form, then save it as version %d.", a.CurrentVersion+1)
		} else {
			msg += " Your text is kept below: compare their version, then save yours on top of it, or discard yours."
		}
		keep.conflict = msg
		u.renderArticle(w, r, id, keep)
	default:
		u.fail(w, r, err)
	}
}

type confirmPageData struct {
	base
	A       articleJSON
	Version int
}

func (u *ui) approveForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil || v < 1 {
		u.renderArticle(w, r, id, articleOpts{status: http.StatusBadRequest, err: "Choose the version to approve."})
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		// Without JavaScript the confirmation is a page of its own.
		a, _, err := u.s.ArticleView(r.Context(), id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.render(w, r, http.StatusOK, "confirm", &confirmPageData{base: base{Title: "Approve version " + strconv.Itoa(v) + "?"}, A: a, Version: v})
		return
	}
	if err := u.s.db.Approve(r.Context(), id, v, actor(sessionFrom(r.Context()).Principal)); err != nil {
		u.actionFailed(w, r, id, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/articles/%s?done=approved&v=%d", url.PathEscape(id), v), http.StatusSeeOther)
}

// actionFailed shows the article again with the reason an action was refused.
func (u *ui) actionFailed(w http.ResponseWriter, r *http.Request, id string, err error) {
	var ce *store.ConflictError
	var ae *apiError
	switch {
	case errors.As(err, &ce):
		u.renderArticle(w, r, id, articleOpts{status: http.StatusConflict, err: ce.Reason})
	case errors.As(err, &ae):
		u.renderArticle(w, r, id, articleOpts{status: ae.Status, err: ae.Message})
	default:
		u.fail(w, r, err)
	}
}

func (u *ui) rejectForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		u.renderArticle(w, r, id, articleOpts{status: http.StatusBadRequest, err: "Give a reason for rejecting: the editor will read it."})
		return
	}
	if err := u.s.db.Reject(r.Context(), id, reason, actor(sessionFrom(r.Context()).Principal)); err != nil {
		u.actionFailed(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/ui/articles/"+url.PathEscape(id)+"?done=rejected", http.StatusSeeOther)
}

func (u *ui) withdrawForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		u.renderArticle(w, r, id, articleOpts{status: http.StatusBadRequest, err: "Give a reason for withdrawing: it goes into the audit trail."})
		return
	}
	if err := u.s.db.Withdraw(r.Context(), id, reason, actor(sessionFrom(r.Context()).Principal)); err != nil {
		u.actionFailed(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/ui/articles/"+url.PathEscape(id)+"?done=withdrawn", http.StatusSeeOther)
}

func (u *ui) regenerateForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	instr := strings.TrimSpace(r.PostForm.Get("instructions"))
	if len(instr) > 2000 {
		u.renderArticle(w, r, id, articleOpts{status: http.StatusBadRequest, err: "Instructions are limited to 2,000 characters."})
		return
	}
	if err := u.s.Regenerate(r.Context(), id, instr, sessionFrom(r.Context()).Principal); err != nil {
		u.actionFailed(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/ui/articles/"+url.PathEscape(id)+"?done=regenerating", http.StatusSeeOther)
}

func (u *ui) retryForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.s.Retry(r.Context(), id, sessionFrom(r.Context()).Principal); err != nil {
		u.actionFailed(w, r, id, err)
		return
	}
	back := r.PostForm.Get("back")
	if back == "" {
		back = "/ui/articles/" + url.PathEscape(id) + "?done=retried"
	}
	http.Redirect(w, r, localPath(back), http.StatusSeeOther)
}

type previewPageData struct {
	base
	A        articleJSON
	Version  int
	Approved bool
	Current  int
	Summary  summary.Summary
	Label    string
}

func (u *ui) previewPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a, drafts, err := u.s.ArticleView(r.Context(), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	want := 0
	if a.Published != nil {
		want = a.Published.Version
	} else if a.Draft != nil {
		want = a.Draft.Version
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("v")); err == nil {
		want = v
	}
	data := &previewPageData{base: base{Title: "Preview · " + a.Title, Nav: "queue"}, A: a, Label: DisclosureLabel}
	if a.Draft != nil {
		data.Current = a.Draft.Version
	}
	for _, d := range drafts {
		if d.Version == want {
			data.Version, data.Summary = d.Version, summary.Clean(d.Summary)
		}
	}
	if data.Version == 0 {
		u.problem(w, r, http.StatusNotFound, "Nothing to preview", "This article has no draft with that version yet.")
		return
	}
	data.Approved = a.Published != nil && a.Published.Version == data.Version
	u.render(w, r, http.StatusOK, "preview", data)
}

type diffSection struct {
	Label   string
	HTML    template.HTML
	Changed bool
}

type diffPageData struct {
	base
	A         articleJSON
	From, To  int
	Versions  []int
	Sections  []diffSection
	AnyChange bool
}

func (u *ui) diffPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a, drafts, err := u.s.ArticleView(r.Context(), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(drafts) == 0 {
		u.problem(w, r, http.StatusNotFound, "Nothing to compare", "This article has no draft yet.")
		return
	}
	byVersion := map[int]store.Draft{}
	data := &diffPageData{base: base{Title: "Compare versions · " + a.Title, Nav: "queue"}, A: a}
	for _, d := range drafts {
		byVersion[d.Version] = d
		data.Versions = append(data.Versions, d.Version)
	}
	q := r.URL.Query()
	data.To = drafts[len(drafts)-1].Version
	if v, err := strconv.Atoi(q.Get("to")); err == nil {
		data.To = v
	}
	data.From = data.To - 1
	if v, err := strconv.Atoi(q.Get("from")); err == nil {
		data.From = v
	}
	from, okf := byVersion[data.From]
	to, okt := byVersion[data.To]
	if !okt || (!okf && data.From != 0) {
		u.problem(w, r, http.StatusNotFound, "No such version", "Pick two versions that exist.")
		return
	}
	n := max(len(from.Summary.KeyPoints), len(to.Summary.KeyPoints))
	add := func(label, a, b string) {
		ops := diffWords(a, b)
		s := diffSection{Label: label, HTML: diffHTML(ops), Changed: changed(ops)}
		data.AnyChange = data.AnyChange || s.Changed
		data.Sections = append(data.Sections, s)
	}
	for i := range n {
		var x, y string
		if i < len(from.Summary.KeyPoints) {
			x = from.Summary.KeyPoints[i]
		}
		if i < len(to.Summary.KeyPoints) {
			y = to.Summary.KeyPoints[i]
		}
		add(fmt.Sprintf("Key point %d", i+1), x, y)
	}
	add(labelWhy, from.Summary.WhyItMatters, to.Summary.WhyItMatters)
	add(labelWhat, from.Summary.WhatItMeansForYou, to.Summary.WhatItMeansForYou)
	u.render(w, r, http.StatusOK, "diff", data)
}

type tokensPageData struct {
	base
	Tokens    []store.Token
	Self      int64
	NewSecret string
	NewName   string
	Roles     []auth.Role
}

func (u *ui) tokensData(r *http.Request) (*tokensPageData, error) {
	list, err := u.s.db.Tokens(r.Context())
	if err != nil {
		return nil, err
	}
	return &tokensPageData{base: base{Title: "Tokens", Nav: "tokens"}, Tokens: list,
		Self: sessionFrom(r.Context()).Principal.TokenID, Roles: []auth.Role{auth.Editor, auth.Reviewer, auth.Admin}}, nil
}

func (u *ui) tokensPage(w http.ResponseWriter, r *http.Request) {
	data, err := u.tokensData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("done") == "revoked" {
		data.Notice = "Token revoked. Its sessions have ended."
	}
	u.render(w, r, http.StatusOK, "tokens", data)
}

func (u *ui) createTokenForm(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	role, rerr := auth.ParseRole(r.PostForm.Get("role"))
	var secret string
	var err error
	if name != "" && rerr == nil {
		secret, _, err = u.s.db.CreateToken(r.Context(), name, role)
		if err != nil {
			u.fail(w, r, err)
			return
		}
	}
	data, err := u.tokensData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch {
	case name == "":
		data.Error = "Give the token a name: the person or system that will use it."
	case rerr != nil:
		data.Error = "Choose a role: editor, reviewer or admin."
	default:
		// Shown once, on this response only (no redirect, no-store): it is not kept anywhere.
		data.NewSecret, data.NewName = secret, name
	}
	status := http.StatusOK
	if data.Error != "" {
		status = http.StatusBadRequest
	}
	u.render(w, r, status, "tokens", data)
}

func (u *ui) revokeTokenForm(w http.ResponseWriter, r *http.Request) {
	tid, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	if err := u.s.db.RevokeToken(r.Context(), tid); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/ui/admin/tokens?done=revoked", http.StatusSeeOther)
}
