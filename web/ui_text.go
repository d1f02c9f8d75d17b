package web

import (
	"html/template"
	"sort"
	"strings"

	"newsdesk/summary"
)

// flagKinds names flag kinds for reviewers.
var flagKinds = map[string]string{
	summary.KindNumber: "Number", summary.KindCurrency: "Amount", summary.KindPercentage: "Percentage",
	summary.KindDate: "Date", summary.KindQuote: "Quote", summary.KindName: "Name",
	summary.KindSpeculation: "Speculation", summary.KindURL: "Link", summary.KindEmail: "E-mail",
	summary.KindPhone: "Phone number", summary.KindLanguage: "Language", summary.KindStyle: "Style",
	summary.KindInjection: "Instructions in the source",
}

func flagKind(k string) string {
	if l, ok := flagKinds[k]; ok {
		return l
	}
	return k
}

type span struct {
	start, end int
	flag       summary.Flag
}

// highlight returns text as HTML with every flag whose text occurs in it marked in place:
// a focusable <mark> whose tooltip (shown on hover and on keyboard focus, and read by screen
// readers) gives the reason. Flags whose text cannot be found are returned as unplaced, to be
// listed beside the section. Everything is escaped; only the marks are markup.
func highlight(text string, flags []summary.Flag) (template.HTML, []summary.Flag) {
	var spans []span
	var unplaced []summary.Flag
	overlaps := func(s, e int) bool {
		for _, sp := range spans {
			if s < sp.end && sp.start < e {
				return true
			}
		}
		return false
	}
	lower := strings.ToLower(text)
	for _, f := range flags {
		if f.Text == "" {
			unplaced = append(unplaced, f)
			continue
		}
		placed := false
		find := func(hay, needle string) bool {
			for from := 0; from <= len(hay)-len(needle); {
				i := strings.Index(hay[from:], needle)
				if i < 0 {
					return false
				}
				s, e := from+i, from+i+len(needle)
				if !overlaps(s, e) {
					spans = append(spans, span{s, e, f})
					return true
				}
				from = e
			}
			return false
		}
		placed = find(text, f.Text)
		if !placed && len(lower) == len(text) {
			// Case-insensitive fallback, only where lowering kept the byte offsets.
			placed = find(lower, strings.ToLower(f.Text))
		}
		if !placed {
			unplaced = append(unplaced, f)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		b.WriteString(template.HTMLEscapeString(text[at:sp.start]))
		kind := template.HTMLEscapeString(sp.flag.Kind)
		b.WriteString(`<mark class="flag flag-` + kind + `" tabindex="0">`)
		b.WriteString(template.HTMLEscapeString(text[sp.start:sp.end]))
		b.WriteString(`<span class="tip" role="tooltip"><strong>` + template.HTMLEscapeString(flagKind(sp.flag.Kind)) +
			`:</strong> ` + template.HTMLEscapeString(sp.flag.Reason) + `</span></mark>`)
		at = sp.end
	}
	b.WriteString(template.HTMLEscapeString(text[at:]))
	return template.HTML(b.String()), unplaced
}
