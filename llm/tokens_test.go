package llm

import (
	"strings"
	"testing"
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
