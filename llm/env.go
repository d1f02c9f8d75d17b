package llm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EnvConfig reads a [Config] from the environment (getenv is os.Getenv in main). It also
// installs NEWSDESK_LLM_PRICES into the process-wide price table. Unset variables keep
// the defaults NewOpenAI applies. It reports every malformed variable at once.
//
//	OPENAI_BASE_URL, OPENAI_API_KEY, NEWSDESK_MODEL
//	NEWSDESK_LLM_TIMEOUT             per-request deadline (Go duration, 90s)
//	NEWSDESK_LLM_RETRIES             in-process retries of 429/5xx/timeouts (2; 0 for none)
//	NEWSDESK_LLM_RPM, NEWSDESK_LLM_TPM  provider limits per minute (0: none)
//	NEWSDESK_LLM_TOKEN_FIELD         max_tokens | max_completion_tokens (by provider)
//	NEWSDESK_LLM_FORMAT              json_schema | json_object | plain (json_schema)
//	NEWSDESK_AZURE_API_VERSION       Azure deployments API version (unset: not Azure)
//	NEWSDESK_LLM_CONTEXT_TOKENS      model context window (128000)
//	NEWSDESK_LLM_INPUT_BUDGET        article tokens per request before summarising in parts (12000)
//	NEWSDESK_LLM_MAX_PARTS           most parts of a long article (12)
//	NEWSDESK_LLM_MAX_OUTPUT_TOKENS   answer cap (1500)
//	NEWSDESK_LLM_LANGUAGE            write every draft in this language (ISO 639-1; unset: the article's)
//	NEWSDESK_LLM_REASONING_EFFORT    reasoning_effort to send (unset: none sent)
//	NEWSDESK_LLM_DISABLE_THINKING    true: send chat_template_kwargs enable_thinking=false
//	NEWSDESK_LLM_PRICES              "model=input/output,…" USD per million tokens
func EnvConfig(getenv func(string) string) (Config, error) {
	var errs []error
	num := func(name string) int {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s must be a whole number, got %q", name, v))
		}
		return n
	}
	cfg := Config{
		BaseURL:         strings.TrimSpace(getenv("OPENAI_BASE_URL")),
		APIKey:          strings.TrimSpace(getenv("OPENAI_API_KEY")),
		Model:           strings.TrimSpace(getenv("NEWSDESK_MODEL")),
		RPM:             num("NEWSDESK_LLM_RPM"),
		TPM:             num("NEWSDESK_LLM_TPM"),
		TokenLimitField: strings.TrimSpace(getenv("NEWSDESK_LLM_TOKEN_FIELD")),
		ResponseFormat:  strings.TrimSpace(getenv("NEWSDESK_LLM_FORMAT")),
		AzureAPIVersion: strings.TrimSpace(getenv("NEWSDESK_AZURE_API_VERSION")),
		ContextTokens:   num("NEWSDESK_LLM_CONTEXT_TOKENS"),
		InputBudget:     num("NEWSDESK_LLM_INPUT_BUDGET"),
		MaxParts:        num("NEWSDESK_LLM_MAX_PARTS"),
		MaxOutputTokens: num("NEWSDESK_LLM_MAX_OUTPUT_TOKENS"),
		Language:        strings.TrimSpace(getenv("NEWSDESK_LLM_LANGUAGE")),
		ReasoningEffort: strings.TrimSpace(getenv("NEWSDESK_LLM_REASONING_EFFORT")),
	}
	if v := strings.TrimSpace(getenv("NEWSDESK_LLM_RETRIES")); v != "" {
		cfg.MaxRetries = num("NEWSDESK_LLM_RETRIES")
		cfg.NoRetries = cfg.MaxRetries == 0
	}
	if v := strings.TrimSpace(getenv("NEWSDESK_LLM_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("NEWSDESK_LLM_TIMEOUT must be a duration such as 90s, got %q", v))
		}
		cfg.Timeout = d
	}
	if v := strings.TrimSpace(getenv("NEWSDESK_LLM_DISABLE_THINKING")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("NEWSDESK_LLM_DISABLE_THINKING must be true or false, got %q", v))
		}
		cfg.DisableThinking = b
	}
	switch cfg.TokenLimitField {
	case "", MaxTokens, MaxCompletionTokens:
	default:
		errs = append(errs, fmt.Errorf("NEWSDESK_LLM_TOKEN_FIELD must be max_tokens or max_completion_tokens, got %q", cfg.TokenLimitField))
	}
	switch cfg.ResponseFormat {
	case "", FormatJSONSchema, FormatJSONObject, FormatPlain, "text":
	default:
		errs = append(errs, fmt.Errorf("NEWSDESK_LLM_FORMAT must be json_schema, json_object or plain, got %q", cfg.ResponseFormat))
	}
	if v := getenv("NEWSDESK_LLM_PRICES"); strings.TrimSpace(v) != "" {
		p, err := ParsePrices(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("NEWSDESK_LLM_PRICES: %w", err))
		} else {
			SetPrices(p)
		}
	}
	return cfg, errors.Join(errs...)
}
