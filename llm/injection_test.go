package llm_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"newsdesk/llm/llmtest"
	"newsdesk/summary"
)

var boundaryRe = regexp.MustCompile(`[0-9A-F]{18}`)

// TestInjectionCorpusIsTreatedAsData runs every hostile text of the injection corpus
// through Write: the text reaches the model only inside the data block, the system
// prompt is the same as for a harmless article, nothing in the text can close the
// block, and the source is flagged for the reviewer.
func TestInjectionCorpusIsTreatedAsData(t *testing.T) {
	b, err := os.ReadFile("../summary/testdata/injection.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus struct{ Hostile []struct{ Name, Text string } }
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.NewServer(t, llmtest.Grounded())
	w := newWriter(t, srv, nil)
	if _, err := w.Write(t.Context(), request()); err != nil {
		t.Fatalf("Write(harmless): %v", err)
	}
	harmless := boundaryRe.ReplaceAllString(srv.Calls()[0].System(), "B")

	for _, tt := range corpus.Hostile {
		t.Run(tt.Name, func(t *testing.T) {
			req := request()
			req.Text = article + "\n\n" + tt.Text + "\n\nThe work will take two years."
			n := srv.Requests()
			if _, err := w.Write(t.Context(), req); err != nil {
				t.Fatalf("Write: %v", err)
			}
			c := srv.Calls()[n]
			if got := boundaryRe.ReplaceAllString(c.System(), "B"); got != harmless {
				t.Errorf("the system prompt changed with the article")
			}
			if strings.Count(c.User(), "<<<END ARTICLE") != 1 {
				t.Errorf("the text forged a second end marker")
			}
			block := c.Article()
			if !strings.Contains(block, "The work will take two years.") {
				t.Errorf("text after the injection fell out of the data block: %q", block)
			}
			visible := strings.Map(func(r rune) rune {
				if r >= 0xE0000 && r <= 0xE007F || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r >= 0x200b && r <= 0x200d {
					return -1
				}
				return r
			}, tt.Text)
			if first := strings.Fields(visible)[0]; !strings.Contains(block, first) {
				t.Errorf("the injected text %q is not inside the data block", first)
			}
			if outside := strings.Replace(c.User(), block, "", 1); strings.Contains(outside, strings.TrimSpace(visible)) {
				t.Errorf("the injected text appears outside the data block")
			}
			flagged := false
			for _, f := range summary.Check(llmtest.Sample(), summary.Source{Text: req.Text, Lang: "en"}) {
				flagged = flagged || f.Kind == summary.KindInjection
			}
			if !flagged {
				t.Errorf("the source is not flagged for the reviewer")
			}
		})
	}
}
