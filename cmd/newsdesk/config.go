package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"newsdesk/logctx"
)

// config is every setting, read from the environment once and passed down.
type config struct {
	DatabaseURL   string
	NATSURL       string
	Addr          string
	DataDir       string
	PublicURL     string
	AdminToken    string
	AllowPrivate  bool
	LLM           string // openai or extractive
	OpenAIKey     string
	OpenAIBaseURL string
	Model         string
	LLMConc       int
	LLMRPM        int
	LLMTPM        int
	LLMTimeout    time.Duration
	TokenField    string
	Format        string
	AzureVersion  string
	ExtractConc   int
	PortalOrigins []string
	LogFormat     string
	LogLevel      slog.Level
	// Queue tuning, mainly for tests and the fault suite.
	AckWaitExtract   time.Duration
	AckWaitSummarise time.Duration
	MaxDeliver       int
	Replicas         int
	ReconcileEvery   time.Duration
	RepublishAfter   time.Duration
	DrainTimeout     time.Duration
	Faults           string
	DailyBudget      float64
	LLMContext       int    // the model's context window in tokens
	LLMInputBudget   int    // most article tokens in one request; longer articles go in parts
	LLMMaxOutput     int    // cap on the answer's tokens
	LLMLanguage      string // write every draft in this language instead of the article's
	LLMPrices        string // "model=input/output,…" USD per million tokens
	LLMReasoning     string // reasoning_effort for reasoning models
	LLMNoThinking    bool   // chat_template_kwargs enable_thinking=false (Qwen3 on vLLM/llama.cpp)
	MetricsAddr      string // worker processes: where to serve /metrics
}

// defaultModel is a current small OpenAI model; any OpenAI-compatible model name works.
const defaultModel = "gpt-4o-mini"

func loadConfig(getenv func(string) string) (config, error) {
	var errs []string
	str := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	num := func(k string, def int) int {
		v := getenv(k)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Sprintf("%s must be a whole number, got %q", k, v))
			return def
		}
		return n
	}
	dur := func(k string, def time.Duration) time.Duration {
		v := getenv(k)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Sprintf("%s must be a duration such as 30s, got %q", k, v))
			return def
		}
		return d
	}
	boolean := func(k string) bool {
		v := strings.ToLower(getenv(k))
		switch v {
		case "", "0", "false", "no", "off":
			return false
		case "1", "true", "yes", "on":
			return true
		}
		errs = append(errs, fmt.Sprintf("%s must be true or false, got %q", k, v))
		return false
	}
	c := config{
		DatabaseURL:      str("DATABASE_URL", ""),
		NATSURL:          str("NATS_URL", ""),
		Addr:             str("NEWSDESK_ADDR", "127.0.0.1:8080"),
		DataDir:          str("NEWSDESK_DATA_DIR", "./data"),
		AdminToken:       str("NEWSDESK_ADMIN_TOKEN", ""),
		AllowPrivate:     boolean("NEWSDESK_FETCH_ALLOW_PRIVATE"),
		OpenAIKey:        str("OPENAI_API_KEY", ""),
		OpenAIBaseURL:    str("OPENAI_BASE_URL", ""),
		Model:            str("NEWSDESK_MODEL", defaultModel),
		LLMConc:          num("NEWSDESK_LLM_CONCURRENCY", 4),
		LLMRPM:           num("NEWSDESK_LLM_RPM", 0),
		LLMTPM:           num("NEWSDESK_LLM_TPM", 0),
		LLMTimeout:       dur("NEWSDESK_LLM_TIMEOUT", 90*time.Second),
		TokenField:       str("NEWSDESK_LLM_TOKEN_FIELD", ""),
		Format:           str("NEWSDESK_LLM_FORMAT", ""),
		AzureVersion:     str("NEWSDESK_AZURE_API_VERSION", ""),
		ExtractConc:      num("NEWSDESK_EXTRACT_CONCURRENCY", 8),
		LogFormat:        str("NEWSDESK_LOG_FORMAT", "text"),
		AckWaitExtract:   dur("NEWSDESK_ACK_WAIT_EXTRACT", 30*time.Second),
		AckWaitSummarise: dur("NEWSDESK_ACK_WAIT_SUMMARISE", 60*time.Second),
		MaxDeliver:       num("NEWSDESK_MAX_DELIVER", 5),
		Replicas:         num("NEWSDESK_NATS_REPLICAS", 1),
		ReconcileEvery:   dur("NEWSDESK_RECONCILE_INTERVAL", 5*time.Second),
		RepublishAfter:   dur("NEWSDESK_REPUBLISH_AFTER", 10*time.Minute),
		DrainTimeout:     dur("NEWSDESK_DRAIN_TIMEOUT", 30*time.Second),
		Faults:           getenv("NEWSDESK_FAULTS"),
		LLMContext:       num("NEWSDESK_LLM_CONTEXT_TOKENS", 0),
		LLMInputBudget:   num("NEWSDESK_LLM_INPUT_BUDGET", 0),
		LLMMaxOutput:     num("NEWSDESK_LLM_MAX_OUTPUT_TOKENS", 0),
		LLMLanguage:      str("NEWSDESK_LLM_LANGUAGE", ""),
		LLMPrices:        getenv("NEWSDESK_LLM_PRICES"),
		LLMReasoning:     str("NEWSDESK_LLM_REASONING_EFFORT", ""),
		LLMNoThinking:    boolean("NEWSDESK_LLM_DISABLE_THINKING"),
		MetricsAddr:      str("NEWSDESK_METRICS_ADDR", ""),
	}
	if v := getenv("NEWSDESK_LLM_DAILY_BUDGET"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			errs = append(errs, fmt.Sprintf("NEWSDESK_LLM_DAILY_BUDGET must be an amount in US dollars such as 25 or 7.50, got %q", v))
		}
		c.DailyBudget = f
	}
	c.PublicURL = str("NEWSDESK_PUBLIC_URL", "http://"+c.Addr)
	if o := getenv("NEWSDESK_PORTAL_ORIGINS"); o != "" {
		for _, s := range strings.Split(o, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.PortalOrigins = append(c.PortalOrigins, s)
			}
		}
	}
	switch lvl := strings.ToLower(getenv("NEWSDESK_LOG_LEVEL")); lvl {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Sprintf("NEWSDESK_LOG_LEVEL must be debug, info, warn or error, got %q", lvl))
	}
	def := "extractive"
	if c.OpenAIKey != "" || c.OpenAIBaseURL != "" {
		def = "openai"
	}
	c.LLM = strings.ToLower(str("NEWSDESK_LLM", def))
	switch c.LLM {
	case "openai":
		if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
			errs = append(errs, "NEWSDESK_LLM=openai needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for another OpenAI-compatible server)")
		}
	case "extractive":
	default:
		errs = append(errs, fmt.Sprintf("NEWSDESK_LLM must be openai or extractive, got %q", c.LLM))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 20 {
		errs = append(errs, "NEWSDESK_ADMIN_TOKEN must be at least 20 characters (use a long random secret)")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

func newLogger(c config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	// logctx.Handler adds the job's article_id and stage to lines logged deep in llm and
	// extract through the context.
	if c.LogFormat == "json" {
		return slog.New(logctx.Handler{Handler: slog.NewJSONHandler(w, opts)})
	}
	return slog.New(logctx.Handler{Handler: slog.NewTextHandler(w, opts)})
}
