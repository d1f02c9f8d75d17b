package llm

import (
	"strings"
	"testing"

	"newsdesk/prompts"
)

// BenchmarkCountTokens counts a 1,000-word article.
func BenchmarkCountTokens(b *testing.B) {
	text := strings.Repeat("The council approved a £12 million budget for road repairs on Tuesday, officials said. ", 70)
	CountTokens("warm up")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		CountTokens(text)
	}
}

// BenchmarkEstimateTokens estimates the messages of a bench pipeline request, as
// readPart does after every answer.
func BenchmarkEstimateTokens(b *testing.B) {
	sys, user := prompts.Render(prompts.Input{Title: "Harbour authority sets out flood plan", Language: "en",
		Text: strings.Repeat("The harbour authority on Thursday published flood defence plan 000042, a set of measures. ", 30)})
	b.SetBytes(int64(len(sys) + len(user)))
	for b.Loop() {
		estimateTokens(sys)
		estimateTokens(user)
	}
}
