package llm

import (
	"strings"
	"testing"
	"time"
)

func TestEnvConfig(t *testing.T) {
	env := map[string]string{
		"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "NEWSDESK_MODEL": "llama3.1:8b",
		"NEWSDESK_LLM_TIMEOUT": "5m", "NEWSDESK_LLM_RETRIES": "0", "NEWSDESK_LLM_RPM": "30",
		"NEWSDESK_LLM_TOKEN_FIELD": "max_tokens", "NEWSDESK_LLM_FORMAT": "json_object",
		"NEWSDESK_LLM_CONTEXT_TOKENS": "8192", "NEWSDESK_LLM_INPUT_BUDGET": "4000",
		"NEWSDESK_LLM_LANGUAGE": "en", "NEWSDESK_LLM_DISABLE_THINKING": "true",
		"NEWSDESK_LLM_PRICES": "llama3.1=0/0,env-test-model=2/3",
	}
	cfg, err := EnvConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("EnvConfig: %v", err)
	}
	want := Config{BaseURL: "http://127.0.0.1:11434/v1", Model: "llama3.1:8b", Timeout: 5 * time.Minute, NoRetries: true,
		RPM: 30, TokenLimitField: MaxTokens, ResponseFormat: FormatJSONObject, ContextTokens: 8192, InputBudget: 4000,
		Language: "en", DisableThinking: true}
	if cfg.BaseURL != want.BaseURL || cfg.Model != want.Model || cfg.Timeout != want.Timeout || cfg.NoRetries != want.NoRetries ||
		cfg.RPM != want.RPM || cfg.TokenLimitField != want.TokenLimitField || cfg.ResponseFormat != want.ResponseFormat ||
		cfg.ContextTokens != want.ContextTokens || cfg.InputBudget != want.InputBudget || cfg.Language != want.Language ||
		cfg.DisableThinking != want.DisableThinking {
		t.Errorf("EnvConfig = %+v, want %+v", cfg, want)
	}
	if got := Cost("env-test-model", Usage{1_000_000, 1_000_000}); got != 5 {
		t.Errorf("Cost after NEWSDESK_LLM_PRICES = %v, want 5", got)
	}

	bad := map[string]string{"NEWSDESK_LLM_RPM": "many", "NEWSDESK_LLM_TIMEOUT": "soon", "NEWSDESK_LLM_FORMAT": "xml", "NEWSDESK_LLM_PRICES": "x"}
	_, err = EnvConfig(func(k string) string { return bad[k] })
	for _, name := range []string{"NEWSDESK_LLM_RPM", "NEWSDESK_LLM_TIMEOUT", "NEWSDESK_LLM_FORMAT", "NEWSDESK_LLM_PRICES"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("EnvConfig(bad) error = %v, want it to name %s", err, name)
		}
	}
}
