package summary

import (
	"strings"
	"testing"
)

// BenchmarkCheck measures one draft checked against a corpus article, the work the
// summarise worker and the draft editor do per save.
func BenchmarkCheck(b *testing.B) {
	cases, err := Corpus()
	if err != nil {
		b.Fatal(err)
	}
	c := cases[0]
	b.ReportAllocs()
	for b.Loop() {
		Check(c.Drafts[0].Summary, c.Source())
	}
}

// newsText is a news article in the shape bench pipeline serves: twelve paragraphs of a
// local story, dense with numbers and spelled numbers.
var newsText = strings.Join([]string{
	"The harbour authority on Thursday published flood defence plan 000123, a set of measures meant to protect the old town and the container terminal from storm surges that have grown more frequent over the past decade.",
	"Plan 000123 proposes raising the sea wall along the eastern quay by eighty centimetres, installing four new pumping stations and replacing the lock gates at the mouth of the inner basin, which date from the nineteen fifties.",
	"The authority estimates that the work in plan 000123 will cost one hundred and twenty million euros over six years. About half would come from the national climate adaptation fund, according to documents released with the plan.",
	"Officials said the measures in plan 000123 were drawn up after the storm of last February, when water overtopped the quay in three places and flooded more than two hundred homes and shops in the lower streets.",
	"Shopkeepers in the old town welcomed plan 000123 but asked for the works to be scheduled outside the summer season. Several said the February flood had cost them weeks of trade and thousands of euros in repairs.",
	"Environmental groups raised concerns about plan 000123 and its effect on the salt marsh north of the harbour, where the new pumping stations would discharge. They asked for an independent study before construction begins.",
	"The port's container operator said it supported plan 000123 because a single day of closure costs shipping lines and hauliers several million euros. It said it would contribute to the cost of the new lock gates.",
	"Under plan 000123, the first phase would begin next spring with the eastern quay. The lock gates would follow in the third year, when ships can be diverted to the outer terminal for a period of about four months.",
	"The city council must approve plan 000123 before the national fund can release money. A vote is expected in January, after a period of public consultation during which residents can comment on the proposals.",
	"Engineers who reviewed plan 000123 for the authority said the higher wall would cope with the storms expected by the middle of the century, but that further measures would likely be needed after that.",
	"Residents can read plan 000123 at the town hall and at the harbour office, and a public meeting is scheduled for the second week of December in the old fish market hall.",
	"The authority said it would publish monthly progress reports on plan 000123 once work starts, including costs and any delays, so that residents and businesses can follow the project.",
}, "\n\n")

// BenchmarkCheckNews measures the summarise worker's check of one machine draft (the
// article's own sentences, as bench pipeline's fake model writes them) against a news
// article no draft was checked against before.
func BenchmarkCheckNews(b *testing.B) {
	s, src := newsDraft()
	if flags := Check(s, src); len(flags) > 0 {
		b.Fatalf("flags on a draft of the article's own sentences: %v", flags)
	}
	b.ReportAllocs()
	for b.Loop() {
		Check(s, src)
	}
}

// newsDraft returns BenchmarkCheckNews's draft and article.
func newsDraft() (Summary, Source) {
	s := Summary{
		KeyPoints: []string{
			"The harbour authority on Thursday published flood defence plan 000123.",
			"Plan 000123 proposes raising the sea wall along the eastern quay by eighty centimetres.",
			"The authority estimates that the work in plan 000123 will cost one hundred and twenty million euros over six years.",
			"About half would come from the national climate adaptation fund, according to documents released with the plan.",
		},
		WhyItMatters:      "Officials said the measures in plan 000123 were drawn up after the storm of last February.",
		WhatItMeansForYou: "The article does not describe any direct effect on readers yet.",
	}
	return s, Source{Title: "Harbour authority sets out flood plan 000123", Byline: "Morgan Tide", Text: newsText, Lang: "en"}
}
