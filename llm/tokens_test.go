package llm

import (
	"strings"
	"testing"

	"newsdesk/summary"
)

func TestCountTokens(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello world", 2}, // o200k_base: "hello", " world"
		{"The council approved the plan.", 6},
	} {
		if got := CountTokens(tt.text); got != tt.want {
			t.Errorf("CountTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
	long := strings.Repeat("The council approved a £12 million budget for road repairs on Tuesday. ", 200)
	got, est := CountTokens(long), estimateTokens(long)
	if got < 2000 || got > 4000 {
		t.Errorf("CountTokens(200 sentences) = %d, want about 3,000", got)
	}
	if est < got*8/10 || est > got*15/10 {
		t.Errorf("estimateTokens = %d, far from the tokenizer's %d", est, got)
	}
}

// TestEstimateBoundsCount: readPart counts a prompt's tokens only when the provider read
// less than 0.6 of estimateTokens' figure, which is safe while the estimate is at least
// 0.84 of the count (then half the count is at most 0.6 of the estimate). The corpus
// holds news in four languages.
func TestEstimateBoundsCount(t *testing.T) {
	cases, err := summary.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		text := c.Source().Text
		n, est := CountTokens(text), estimateTokens(text)
		if float64(est) < 0.84*float64(n) {
			t.Errorf("%s (%s): estimate %d, count %d: below 0.84", c.Name, c.Source().Lang, est, n)
		}
	}
}
