package web

import (
	"fmt"
	"strings"

	"newsdesk/summary"
)

// mergeResult is a three-way merge of an editor's unsaved form with a version someone else
// saved meanwhile, section by section (each key point by position, and the two paragraphs).
type mergeResult struct {
	// Form is what the editor's form shows: merged where only one side changed a section,
	// the editor's own text where both did. Key points keep their positions ("" for empty).
	Form summary.Summary
	// Took names the sections (edit field ids: kp1…kp5, why, what) taken from their version.
	Took map[string]bool
	// Clash maps the sections both changed to their version's text.
	Clash map[string]string
}

// mergeEdit merges mine (the form, edited from base) with theirs (saved since base). A
// section only one side changed takes that side; one both changed keeps mine and reports
// theirs, for the editor to choose. Comparison ignores differences in white space.
func mergeEdit(base, mine, theirs summary.Summary) mergeResult {
	m := mergeResult{Took: map[string]bool{}, Clash: map[string]string{}}
	pick := func(field, b, my, th string) string {
		nb, nm, nt := normSpace(b), normSpace(my), normSpace(th)
		switch {
		case nm == nt, nt == nb:
			return my
		case nm == nb:
			m.Took[field] = true
			return th
		default:
			m.Clash[field] = th
			return my
		}
	}
	at := func(s []string, i int) string {
		if i < len(s) {
			return s[i]
		}
		return ""
	}
	n := max(summary.MaxKeyPoints, len(base.KeyPoints), len(mine.KeyPoints), len(theirs.KeyPoints))
	for i := range n {
		m.Form.KeyPoints = append(m.Form.KeyPoints,
			pick(fmt.Sprintf("kp%d", i+1), at(base.KeyPoints, i), at(mine.KeyPoints, i), at(theirs.KeyPoints, i)))
	}
	m.Form.WhyItMatters = pick("why", base.WhyItMatters, mine.WhyItMatters, theirs.WhyItMatters)
	m.Form.WhatItMeansForYou = pick("what", base.WhatItMeansForYou, mine.WhatItMeansForYou, theirs.WhatItMeansForYou)
	return m
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// fieldLabels name edit fields in messages.
func fieldLabel(id string) string {
	switch id {
	case "why":
		return labelWhy
	case "what":
		return labelWhat
	}
	return "Key point " + strings.TrimPrefix(id, "kp")
}

// fieldList names fields in a sentence, in form order.
func fieldList(set map[string]bool) string {
	var names []string
	for _, id := range []string{"kp1", "kp2", "kp3", "kp4", "kp5", "why", "what"} {
		if set[id] {
			names = append(names, "“"+fieldLabel(id)+"”")
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
