package summary

import "testing"

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
