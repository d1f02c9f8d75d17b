package llm

import (
	"math"
	"testing"
)

func TestCost(t *testing.T) {
	u := Usage{PromptTokens: 2_000_000, CompletionTokens: 500_000}
	for _, tt := range []struct {
		model string
		want  float64
	}{
		{"gpt-4o-mini", 2*0.15 + 0.5*0.60},
		{"gpt-4o-mini-2024-07-18", 2*0.15 + 0.5*0.60}, // dated names take the family's price
		{"gpt-4o", 2*2.50 + 0.5*10},                   // not gpt-4o-mini's
		{"openai/gpt-4o-mini", 2*0.15 + 0.5*0.60},
		{"llama3.1:8b", 0},
		{"", 0},
	} {
		if got := PriceTable(DefaultPrices).Cost(tt.model, u); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Cost(%q) = %v, want %v", tt.model, got, tt.want)
		}
	}
}

func TestParsePricesAndSetPrices(t *testing.T) {
	p, err := ParsePrices(" my-model = 1/4 , other=0.5/0.5")
	if err != nil {
		t.Fatal(err)
	}
	if p["my-model"] != (Price{1, 4}) || p["other"] != (Price{0.5, 0.5}) {
		t.Errorf("ParsePrices = %v", p)
	}
	SetPrices(p)
	if got := Cost("my-model", Usage{1_000_000, 1_000_000}); got != 5 {
		t.Errorf("Cost(my-model) after SetPrices = %v, want 5", got)
	}
	for _, bad := range []string{"x", "x=1", "x=a/b", "=1/2", "x=-1/2"} {
		if _, err := ParsePrices(bad); err == nil {
			t.Errorf("ParsePrices(%q) succeeded, want an error", bad)
		}
	}
}
