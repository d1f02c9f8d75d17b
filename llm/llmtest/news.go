package llmtest

import "strings"

// The article of `newsdesk bench pipeline`'s pages: a wire story of twelve paragraphs,
// about 2,700 bytes, whose every paragraph names plan id so that no two pages share their
// text. The bench serves it inside a news page; the light handler's tests and the model
// client's benchmark use it as the worker receives it.
const (
	NewsByline   = "By Morgan Tide, coastal affairs correspondent"
	NewsSiteName = "The Bench Courier"
)

// NewsTitle is the headline of plan id's story.
func NewsTitle(id string) string { return "Harbour authority sets out flood plan " + id }

// NewsParagraphs returns the paragraphs of plan id's story.
func NewsParagraphs(id string) []string {
	out := make([]string, len(newsParagraphs))
	for i, p := range newsParagraphs {
		out[i] = strings.ReplaceAll(p, "{id}", id)
	}
	return out
}

var newsParagraphs = []string{
	"The harbour authority on Thursday published flood defence plan {id}, a set of measures meant to protect the old town and the container terminal from storm surges that have grown more frequent over the past decade.",
	"Plan {id} proposes raising the sea wall along the eastern quay by eighty centimetres, installing four new pumping stations and replacing the lock gates at the mouth of the inner basin, which date from the nineteen fifties.",
	"The authority estimates that the work in plan {id} will cost one hundred and twenty million euros over six years. About half would come from the national climate adaptation fund, according to documents released with the plan.",
	"Officials said the measures in plan {id} were drawn up after the storm of last February, when water overtopped the quay in three places and flooded more than two hundred homes and shops in the lower streets.",
	"Shopkeepers in the old town welcomed plan {id} but asked for the works to be scheduled outside the summer season. Several said the February flood had cost them weeks of trade and thousands of euros in repairs.",
	"Environmental groups raised concerns about plan {id} and its effect on the salt marsh north of the harbour, where the new pumping stations would discharge. They asked for an independent study before construction begins.",
	"The port's container operator said it supported plan {id} because a single day of closure costs shipping lines and hauliers several million euros. It said it would contribute to the cost of the new lock gates.",
	"Under plan {id}, the first phase would begin next spring with the eastern quay. The lock gates would follow in the third year, when ships can be diverted to the outer terminal for a period of about four months.",
	"The city council must approve plan {id} before the national fund can release money. A vote is expected in January, after a period of public consultation during which residents can comment on the proposals.",
	"Engineers who reviewed plan {id} for the authority said the higher wall would cope with the storms expected by the middle of the century, but that further measures would likely be needed after that.",
	"Residents can read plan {id} at the town hall and at the harbour office, and a public meeting is scheduled for the second week of December in the old fish market hall.",
	"The authority said it would publish monthly progress reports on plan {id} once work starts, including costs and any delays, so that residents and businesses can follow the project.",
}
