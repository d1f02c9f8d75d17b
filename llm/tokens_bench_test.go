package llm

import (
	"strings"
	"testing"
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
