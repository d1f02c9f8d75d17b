package llm

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input  float64 `json:"input"`
	Output float64 `json:"output"`
}

// PriceTable maps model names to prices. A model matches the longest entry that is a
// prefix of its name, so "gpt-4o-mini" also prices "gpt-4o-mini-2024-07-18".
type PriceTable map[string]Price

// DefaultPrices are list prices of common hosted models (USD per million tokens, as
// published by the providers; check them against your contract and override with
// [SetPrices] or NEWSDESK_LLM_PRICES). Models not listed, such as local ones, cost 0.
var DefaultPrices = PriceTable{
	"gpt-4o-mini":   {0.15, 0.60},
	"gpt-4o":        {2.50, 10.00},
	"gpt-4.1-nano":  {0.10, 0.40},
	"gpt-4.1-mini":  {0.40, 1.60},
	"gpt-4.1":       {2.00, 8.00},
	"gpt-5-nano":    {0.05, 0.40},
	"gpt-5-mini":    {0.25, 2.00},
	"gpt-5":         {1.25, 10.00},
	"o4-mini":       {1.10, 4.40},
	"o3-mini":       {1.10, 4.40},
	"o3":            {2.00, 8.00},
	"gpt-3.5-turbo": {0.50, 1.50},
}

var (
	pricesMu sync.RWMutex
	prices   = maps.Clone(DefaultPrices)
)

// SetPrices adds t to the process-wide price table that [Cost] uses, replacing entries
// of the same name.
func SetPrices(t PriceTable) {
	pricesMu.Lock()
	defer pricesMu.Unlock()
	maps.Copy(prices, t)
}

// Cost returns what usage u of model cost in US dollars, from the process-wide price
// table; 0 for a model with no price.
func Cost(model string, u Usage) float64 {
	pricesMu.RLock()
	defer pricesMu.RUnlock()
	return PriceTable(prices).Cost(model, u)
}

// Cost returns what usage u of model cost in US dollars; 0 for a model with no price.
func (t PriceTable) Cost(model string, u Usage) float64 {
	p, ok := t.Lookup(model)
	if !ok {
		return 0
	}
	return (float64(u.PromptTokens)*p.Input + float64(u.CompletionTokens)*p.Output) / 1e6
}

// Lookup returns the price of model: an exact entry, else the longest entry that
// prefixes its name (case-insensitive, ignoring a "provider/" prefix as OpenRouter
// writes it).
func (t PriceTable) Lookup(model string) (Price, bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	best, found := "", false
	for name := range t {
		n := strings.ToLower(name)
		if strings.HasPrefix(m, n) && len(n) > len(best) || !found && n == m {
			best, found = name, true
		}
	}
	if !found {
		return Price{}, false
	}
	return t[best], true
}

// ParsePrices reads a price table written as "model=input/output" pairs separated by
// commas, in US dollars per million tokens: "gpt-4o-mini=0.15/0.6,llama3=0/0".
func ParsePrices(s string) (PriceTable, error) {
	t := PriceTable{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, pair, ok := strings.Cut(item, "=")
		in, out, ok2 := strings.Cut(pair, "/")
		if !ok || !ok2 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("llm: price %q: want model=input/output", item)
		}
		pi, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		po, err2 := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if err1 != nil || err2 != nil || pi < 0 || po < 0 {
			return nil, fmt.Errorf("llm: price %q: want two non-negative numbers", item)
		}
		t[strings.TrimSpace(name)] = Price{pi, po}
	}
	return t, nil
}
