package llm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/prompts"
	"newsdesk/summary"
)

// Token-limit fields a provider may expect ([Config.TokenLimitField]).
const (
	MaxTokens           = "max_tokens"
	MaxCompletionTokens = "max_completion_tokens"
)

// Response-format modes ([Config.ResponseFormat]).
const (
	FormatJSONSchema = "json_schema"
	FormatJSONObject = "json_object"
	FormatPlain      = "plain"
)

// Config configures [OpenAI]. Zero values take the defaults in brackets.
type Config struct {
	// BaseURL is the endpoint, ending in /v1 for OpenAI-compatible servers
	// [https://api.openai.com/v1]. With AzureAPIVersion set it is the Azure resource URL.
	BaseURL string
	APIKey  string
	// Model is the model (or Azure deployment) name.
	Model string
	// Timeout is the deadline of one HTTP request [90s].
	Timeout time.Duration
	// MaxRetries is how often a 429, 5xx or timeout is retried in process [2]; set
	// NoRetries for none.
	MaxRetries int
	NoRetries  bool
	// RetryBaseDelay is the first backoff step, doubled at each retry, with jitter [1s].
	RetryBaseDelay time.Duration
	// MaxRetryWait is the longest wait between two attempts in process; a provider asking
	// for longer gets a transient error carrying its Retry-After instead [60s].
	MaxRetryWait time.Duration
	// TokenLimitField is MaxTokens or MaxCompletionTokens. Empty picks
	// max_completion_tokens for OpenAI and Azure, max_tokens elsewhere (Ollama and
	// llama.cpp read only max_tokens).
	TokenLimitField string
	// MaxOutputTokens caps the answer [1500]. A truncated answer is retried once with
	// twice the cap.
	MaxOutputTokens int
	// ResponseFormat is FormatJSONSchema (strict schema) [default], FormatJSONObject, or
	// FormatPlain for servers that accept neither.
	ResponseFormat string
	// AzureAPIVersion, when set, talks to Azure OpenAI's deployments API with this
	// api-version (json_schema needs 2024-08-01-preview or later).
	AzureAPIVersion string
	// ContextTokens is the model's context window [128000].
	ContextTokens int
	// InputBudget is the most article tokens sent in one request [12000]; a longer
	// article is summarised in parts which are then combined.
	InputBudget int
	// MaxParts bounds the parts of a long article [12]; a longer one fails with a reason.
	MaxParts int
	// Language, when set (ISO 639-1), is the language every draft is written in instead
	// of the article's own.
	Language string
	// ReasoningEffort is sent as reasoning_effort when set ("none", "low", …).
	ReasoningEffort string
	// DisableThinking sends chat_template_kwargs {"enable_thinking": false} (Qwen3 on
	// vLLM and llama.cpp).
	DisableThinking bool
	// RPM and TPM are the provider's requests and tokens per minute; zero is unlimited.
	RPM, TPM int
	// Limiter, when set, is used instead of the process-wide limiter for BaseURL and
	// Model that RPM and TPM make.
	Limiter *Limiter
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// OpenAI is a [Writer] that asks an OpenAI-compatible chat completions endpoint. It is
// safe for concurrent use.
type OpenAI struct {
	cfg     Config
	client  *openai.Client
	limiter *Limiter
	log     *slog.Logger
}

var _ Writer = (*OpenAI)(nil)

// NewOpenAI returns a writer for cfg. It fails when cfg names no model or an unknown
// mode.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: no model configured")
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, 90*time.Second)
	switch {
	case cfg.NoRetries:
		cfg.MaxRetries = 0
	case cfg.MaxRetries <= 0:
		cfg.MaxRetries = 2
	}
	cfg.RetryBaseDelay = cmp.Or(cfg.RetryBaseDelay, time.Second)
	cfg.MaxRetryWait = cmp.Or(cfg.MaxRetryWait, 60*time.Second)
	cfg.MaxOutputTokens = cmp.Or(cfg.MaxOutputTokens, 1500)
	cfg.ResponseFormat = cmp.Or(cfg.ResponseFormat, FormatJSONSchema)
	cfg.ContextTokens = cmp.Or(cfg.ContextTokens, 128000)
	cfg.InputBudget = cmp.Or(cfg.InputBudget, 12000)
	cfg.MaxParts = cmp.Or(cfg.MaxParts, 12)
	switch cfg.ResponseFormat {
	case FormatJSONSchema, FormatJSONObject, FormatPlain:
	case "text":
		cfg.ResponseFormat = FormatPlain
	default:
		return nil, fmt.Errorf("llm: unknown response format %q (want json_schema, json_object or plain)", cfg.ResponseFormat)
	}
	isOpenAI := cfg.BaseURL == "" || strings.Contains(cfg.BaseURL, "openai.com") ||
		strings.Contains(cfg.BaseURL, "azure.com") || cfg.AzureAPIVersion != ""
	switch cfg.TokenLimitField {
	case "":
		cfg.TokenLimitField = MaxTokens
		if isOpenAI {
			cfg.TokenLimitField = MaxCompletionTokens
		}
	case MaxTokens, MaxCompletionTokens:
	default:
		return nil, fmt.Errorf("llm: unknown token-limit field %q (want max_tokens or max_completion_tokens)", cfg.TokenLimitField)
	}

	var cc openai.ClientConfig
	if cfg.AzureAPIVersion != "" {
		if cfg.BaseURL == "" {
			return nil, errors.New("llm: Azure needs the resource URL as base URL")
		}
		cc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		cc.APIVersion = cfg.AzureAPIVersion
		cc.AzureModelMapperFunc = func(model string) string { return model } // model is the deployment
	} else {
		cc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			cc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	if cfg.HTTPClient != nil {
		cc.HTTPClient = cfg.HTTPClient
	} else {
		// The per-call context deadline is the real limit; this one only guards against
		// a context without one.
		// Every request goes to one host, several at once (NEWSDESK_LLM_CONCURRENCY):
		// the default transport keeps two idle connections per host and would close
		// and reopen the others, a TLS handshake each, on every wave of requests.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		cc.HTTPClient = &http.Client{Timeout: cfg.Timeout + 5*time.Second, Transport: tr}
	}
	lim := cfg.Limiter
	if lim == nil && (cfg.RPM > 0 || cfg.TPM > 0) {
		lim = SharedLimiter(cfg.BaseURL+"|"+cfg.Model, cfg.RPM, cfg.TPM)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &OpenAI{cfg: cfg, client: openai.NewClientWithConfig(cc), limiter: lim, log: log}, nil
}

// state collects what one Write cost.
type state struct {
	usage    Usage
	requests int
	model    string
	notes    []string
}

func (st *state) note(format string, args ...any) {
	st.notes = append(st.notes, fmt.Sprintf(format, args...))
}

// Write summarises req. Long articles are summarised in parts, then combined, and a note
// says so. The error, if any, is an [*Error]; the Result then still reports the usage
// and requests spent, so that failed attempts are costed too.
func (o *OpenAI) Write(ctx context.Context, req Request) (Result, error) {
	st := &state{model: o.cfg.Model}
	lang := cmp.Or(o.cfg.Language, req.Lang)
	if lang == "" { // detecting costs as much as the rest of a request
		lang = cmp.Or(summary.DetectLanguage(req.Text), "en")
	}
	in := prompts.Input{
		Title: req.Title, Byline: req.Byline, SiteName: req.SiteName,
		Text: req.Text, Language: lang, Instructions: req.Instructions,
	}
	s, err := o.write(ctx, in, st)
	res := Result{
		Summary:       s,
		Author:        AuthorLLM,
		Model:         st.model,
		PromptVersion: prompts.Version,
		Usage:         st.usage,
		Language:      lang,
		Requests:      st.requests,
		Notes:         st.notes,
	}
	if err != nil {
		o.log.WarnContext(ctx, "summary not written", "model", o.cfg.Model, "requests", st.requests, "error", err)
		return res, err
	}
	return res, nil
}

func (o *OpenAI) write(ctx context.Context, in prompts.Input, st *state) (summary.Summary, error) {
	budget := o.budget(in)
	// A token is at least a byte, so an article of no more bytes than the budget fits
	// without counting; counting is a good part of the CPU a summary costs us.
	tokens, counted := len(in.Text), false
	if tokens > budget {
		tokens, counted = CountTokens(in.Text), true
	}
	for halvings := 0; ; halvings++ {
		s, err := o.writeWithin(ctx, in, st, tokens, budget)
		if !errors.Is(err, ErrContextLength) || halvings == 3 || budget < 400 {
			return s, err
		}
		// The provider's context is smaller than configured: split the article into
		// parts half the size and start again.
		if !counted {
			tokens, counted = CountTokens(in.Text), true
		}
		budget = min(budget, tokens) / 2
		st.note("the provider reported the prompt longer than its context; retried in parts of at most %d tokens", budget)
	}
}

// writeWithin summarises in one request when the article fits budget, else in parts.
func (o *OpenAI) writeWithin(ctx context.Context, in prompts.Input, st *state, tokens, budget int) (summary.Summary, error) {
	if tokens <= budget {
		return o.generate(ctx, in, st)
	}
	parts := splitParts(in.Text, budget)
	if len(parts) > o.cfg.MaxParts {
		return summary.Summary{}, permanent(ErrTooLong, fmt.Sprintf(
			"The article is too long to summarise: about %d tokens, which would take %d parts of %d tokens (the limit is %d parts).",
			tokens, len(parts), budget, o.cfg.MaxParts), nil)
	}
	var notes []string
	for i, p := range parts {
		pin := in
		pin.Text, pin.Part, pin.Parts, pin.Instructions = p, i+1, len(parts), ""
		s, err := o.generate(ctx, pin, st)
		if errors.Is(err, ErrInsufficientSource) {
			st.note("part %d of %d held nothing to summarise", i+1, len(parts))
			continue
		}
		if err != nil {
			return summary.Summary{}, err
		}
		notes = append(notes, partNote(s))
	}
	if len(notes) == 0 {
		return summary.Summary{}, permanent(ErrInsufficientSource,
			"The article text is not enough for a summary: no part of the long article held news to summarise.", nil)
	}
	cin := in
	cin.Text, cin.Notes = "", notes
	s, err := o.generate(ctx, cin, st)
	if err == nil {
		st.notes = append([]string{fmt.Sprintf("summarised in %d parts then combined (article about %d tokens; budget %d tokens a part)",
			len(parts), tokens, budget)}, st.notes...)
	}
	return s, err
}

// budget is the most article tokens one request may carry: the configured budget, and
// what the context leaves after the prompt and the answer.
func (o *OpenAI) budget(in prompts.Input) int {
	bare := prompts.Input{Title: in.Title, Byline: in.Byline, SiteName: in.SiteName,
		Language: in.Language, Instructions: in.Instructions}
	overhead := prompts.Size(bare) + 50 // at most this many tokens
	if o.cfg.ContextTokens-overhead-2*o.cfg.MaxOutputTokens < o.cfg.InputBudget {
		sys, user := prompts.Render(bare)
		overhead = CountTokens(sys) + CountTokens(user) + 50
	}
	room := o.cfg.ContextTokens - overhead - 2*o.cfg.MaxOutputTokens
	return max(200, min(o.cfg.InputBudget, room))
}

func partNote(s summary.Summary) string {
	var b strings.Builder
	for _, kp := range s.KeyPoints {
		b.WriteString("- " + kp + "\n")
	}
	b.WriteString("Context: " + s.WhyItMatters)
	return b.String()
}

// promptTokens counts the tokens of a request's messages.
func promptTokens(msgs []openai.ChatCompletionMessage) int {
	n := 0
	for _, m := range msgs {
		n += CountTokens(m.Content) + 4
	}
	return n
}

// readPart reports whether a provider that read read prompt tokens read fewer than half
// of the sent tokens of msgs, with more than 2000 sent. Counting is costly, so it counts
// only when a cheap estimate does not settle it: estimateTokens gives a fifth to a half
// more than o200k on news text, so a provider that read more than 0.6 of it read more
// than half.
func readPart(msgs []openai.ChatCompletionMessage, read int) (sent int, cut bool) {
	if read <= 0 {
		return 0, false
	}
	est := 0
	for _, m := range msgs {
		est += estimateTokens(m.Content) + 4
	}
	if float64(read) >= 0.6*float64(est) {
		return 0, false
	}
	sent = promptTokens(msgs)
	return sent, sent > 2000 && read < sent/2
}

// problem kinds of an answer that cannot be used, which decide how to try again.
const (
	problemInvalid   = iota // parse or validation failure: ask for a repair
	problemTruncated        // finish_reason length: ask again with more room
	problemEmpty            // no choices or empty content: ask again
)

// generate makes one summary from in, repairing or retrying an unusable answer once.
func (o *OpenAI) generate(ctx context.Context, in prompts.Input, st *state) (summary.Summary, error) {
	sys, user := prompts.Render(in)
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: sys},
		{Role: openai.ChatMessageRoleUser, Content: user},
	}
	maxOut := o.cfg.MaxOutputTokens
	var first string
	for attempt := 0; ; attempt++ {
		resp, err := o.complete(ctx, msgs, maxOut, st)
		if err != nil {
			return summary.Summary{}, err
		}
		s, content, problem, kind, err := o.read(resp)
		if err != nil {
			return summary.Summary{}, err
		}
		if problem == "" {
			return s, nil
		}
		if attempt == 1 {
			return summary.Summary{}, permanent(ErrUnusableAnswer,
				fmt.Sprintf("The model returned an unusable answer twice: %s; then %s.", first, problem), nil)
		}
		first = problem
		o.log.InfoContext(ctx, "unusable model answer; trying once more", "problem", problem)
		switch kind {
		case problemTruncated:
			maxOut *= 2
			st.note("retried with %d output tokens after a truncated answer", maxOut)
		case problemEmpty:
			st.note("retried after %s", problem)
		default:
			msgs = append(msgs,
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: content},
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "That answer cannot be used: " +
					problem + ". Reply again with only the corrected JSON object, keeping every rule."},
			)
			st.note("repaired after %s", problem)
		}
	}
}

// read turns a response into a clean, valid summary, or says what is wrong with it. A
// non-nil error is final (insufficient source, refusal, content filter).
func (o *OpenAI) read(resp openai.ChatCompletionResponse) (s summary.Summary, content, problem string, kind int, err error) {
	if len(resp.Choices) == 0 {
		return s, "", "the answer had no choices", problemEmpty, nil
	}
	ch := resp.Choices[0]
	content = ch.Message.Content
	switch {
	case ch.Message.Refusal != "":
		return s, content, "", 0, permanent(ErrRefused, "The model refused to summarise this article: "+ch.Message.Refusal, nil)
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return s, content, "", 0, permanent(ErrRefused, "The model provider's content filter stopped the answer.", nil)
	case ch.FinishReason == openai.FinishReasonLength:
		return s, content, "the answer was cut off at the output token limit", problemTruncated, nil
	case strings.TrimSpace(content) == "" && ch.Message.ReasoningContent != "":
		return s, content, "the answer was empty (the model spent it on reasoning)", problemEmpty, nil
	case strings.TrimSpace(content) == "":
		return s, content, "the answer was empty", problemEmpty, nil
	}
	out, perr := parseOutput(content)
	if perr != nil {
		return s, content, perr.Error(), problemInvalid, nil
	}
	if out.InsufficientSource {
		reason := cmp.Or(strings.TrimSpace(out.InsufficientReason), "the model gave no reason")
		return s, content, "", 0, permanent(ErrInsufficientSource, "The article text is not enough for a summary: "+reason, nil)
	}
	s = summary.Clean(summary.Summary{KeyPoints: out.KeyPoints, WhyItMatters: out.WhyItMatters, WhatItMeansForYou: out.WhatItMeansForYou})
	var verr *summary.ValidationError
	if err := summary.Validate(s); errors.As(err, &verr) {
		return s, content, strings.Join(verr.Problems, ", "), problemInvalid, nil
	}
	return s, content, "", 0, nil
}

// complete sends one chat completion, retrying 429, 5xx and timeouts with backoff.
func (o *OpenAI) complete(ctx context.Context, msgs []openai.ChatCompletionMessage, maxOut int, st *state) (openai.ChatCompletionResponse, error) {
	req := o.request(maxOut, msgs)
	estimate := maxOut
	if o.limiter.LimitsTokens() {
		estimate += promptTokens(msgs)
	}
	for attempt := 0; ; attempt++ {
		if err := o.limiter.Wait(ctx, estimate); err != nil {
			return openai.ChatCompletionResponse{}, transient(ErrUnavailable,
				"The summary was stopped while waiting for the provider's rate limit: "+err.Error(), err)
		}
		callCtx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
		start := time.Now()
		resp, err := o.client.CreateChatCompletion(callCtx, req)
		cancel()
		st.requests++
		if err == nil {
			o.limiter.Succeeded()
			st.usage = st.usage.Add(Usage{resp.Usage.PromptTokens, resp.Usage.CompletionTokens})
			if resp.Model != "" {
				st.model = resp.Model
			}
			// A server that cut the prompt to fit a smaller context (older Ollama kept
			// head and tail and only logged it) reports far fewer prompt tokens than we
			// sent. Tokenizers differ by a third at most, so half means truncation.
			if sent, cut := readPart(msgs, resp.Usage.PromptTokens); cut {
				return resp, permanent(ErrContextLength, fmt.Sprintf(
					"The model provider read only %d of about %d prompt tokens: its context is smaller than configured.",
					resp.Usage.PromptTokens, sent), nil)
			}
			if o.log.Enabled(ctx, slog.LevelDebug) { // boxing the attributes costs allocations
				o.log.DebugContext(ctx, "model answered", "model", resp.Model, "duration", time.Since(start),
					"prompt_tokens", resp.Usage.PromptTokens, "completion_tokens", resp.Usage.CompletionTokens)
			}
			return resp, nil
		}
		e := o.classify(ctx, err, resp.Header())
		if errors.Is(e, ErrRateLimited) {
			o.limiter.Throttled(e.wait)
		}
		if e.permanent || ctx.Err() != nil {
			return resp, e
		}
		if attempt >= o.cfg.MaxRetries {
			e.Msg = fmt.Sprintf("%s (%d attempts)", e.Msg, attempt+1)
			return resp, e
		}
		delay := max(e.wait, o.backoff(attempt))
		if delay > o.cfg.MaxRetryWait {
			return resp, e
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return resp, e
		}
		o.log.InfoContext(ctx, "model request failed; retrying", "attempt", attempt+1, "delay", delay, "error", e.Msg)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, e
		case <-t.C:
		}
	}
}

// backoff is the full-jitter exponential delay before retry attempt+1.
func (o *OpenAI) backoff(attempt int) time.Duration {
	d := o.cfg.RetryBaseDelay << min(attempt, 6)
	return d/2 + rand.N(d/2+1)
}

var contextLengthRe = regexp.MustCompile(`(?i)context[_ ]length|context size|maximum context|exceeds the context|too many tokens|exceed_context`)

// classify turns a go-openai error into an [*Error] an editor can read.
func (o *OpenAI) classify(ctx context.Context, err error, h http.Header) *Error {
	var (
		apiErr *openai.APIError
		reqErr *openai.RequestError
		status int
		msg    string
		code   string
		filter bool
	)
	switch {
	case errors.As(err, &apiErr):
		status, msg, code = apiErr.HTTPStatusCode, apiErr.Message, apiErr.Type
		if apiErr.Code != nil {
			code = strings.Trim(fmt.Sprint(apiErr.Code)+" "+apiErr.Type, " ")
		}
		filter = apiErr.InnerError != nil && strings.Contains(apiErr.InnerError.Code, "filter")
	case errors.As(err, &reqErr):
		status, msg = reqErr.HTTPStatusCode, bodyText(reqErr.Body)
	case ctx.Err() != nil:
		return transient(ErrUnavailable, "The summary was stopped before the model answered: "+ctx.Err().Error(), err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return transient(ErrUnavailable, fmt.Sprintf("The model provider did not answer within %s", o.cfg.Timeout), err)
	case errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated):
		return permanent(ErrRefused, "This model needs the max_completion_tokens field: set the token-limit field to max_completion_tokens.", err)
	case errors.Is(err, openai.ErrChatCompletionInvalidModel):
		return permanent(ErrRefused, fmt.Sprintf("The model %q cannot be used for chat completions.", o.cfg.Model), err)
	default:
		var (
			se  *json.SyntaxError
			ue  *json.UnmarshalTypeError
			ue2 *url.Error
			ne  net.Error
		)
		switch {
		case errors.As(err, &se) || errors.As(err, &ue):
			return transient(ErrUnavailable, "The model provider sent a response that is not valid JSON", err)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return transient(ErrUnavailable, "The model provider's response was cut off", err)
		case errors.As(err, &ue2) || errors.As(err, &ne):
			return transient(ErrUnavailable, "The model provider could not be reached: "+o.redact(err.Error()), err)
		}
		// Anything else failed before a request was sent: a configuration problem that
		// no retry can fix.
		return permanent(ErrRefused, "The request to the model provider could not be made: "+o.redact(err.Error()), err)
	}
	msg = o.redact(strings.TrimSpace(msg))
	detail := strings.TrimSpace(fmt.Sprintf("%d %s", status, msg))
	var e *Error
	switch {
	case status == http.StatusTooManyRequests && strings.Contains(code+" "+msg, "insufficient_quota"):
		e = permanent(ErrQuota, "The model provider account has run out of quota or credit: "+detail, err)
	case status == http.StatusTooManyRequests:
		e = transient(ErrRateLimited, "The model provider is limiting our requests: "+detail, err)
		e.wait = retryAfter(h)
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		e = transient(ErrUnavailable, "The model provider is unavailable: "+detail, err)
		e.wait = retryAfter(h)
	case filter || strings.Contains(code, "content_filter"):
		e = permanent(ErrRefused, "The model provider's content filter blocked the article: "+detail, err)
	case status == http.StatusBadRequest && contextLengthRe.MatchString(code+" "+msg):
		e = permanent(ErrContextLength, "The article is longer than the model's context: "+detail, err)
	default:
		e = permanent(ErrRefused, "The model provider refused the request: "+detail, err)
	}
	e.Status, e.Code = status, code
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var (
	tagRe = regexp.MustCompile(`<[^>]*>`)
	keyRe = regexp.MustCompile(`\b(sk-[A-Za-z0-9_\-]{2})[A-Za-z0-9_\-*]{6,}`)
)

// redact removes the configured API key, and anything shaped like one, from a message.
func (o *OpenAI) redact(s string) string {
	if k := o.cfg.APIKey; len(k) >= 6 {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	return keyRe.ReplaceAllString(s, "$1…[redacted]")
}

// bodyText makes a short readable text of a non-JSON error body (an HTML proxy page).
func bodyText(b []byte) string {
	s := strings.Join(strings.Fields(tagRe.ReplaceAllString(string(b), " ")), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// retryAfter reads how long a provider asks us to wait: retry-after-ms, Retry-After
// (seconds or a date), or else the sooner of the x-ratelimit-reset-* hints.
func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, time.Until(t))
		}
	}
	var d time.Duration
	for _, k := range []string{"x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"} {
		if v, err := time.ParseDuration(h.Get(k)); err == nil && v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	return d
}

// splitParts cuts text into consecutive parts of at most budget tokens, at paragraph
// ends where it can, else at sentence ends, else between words.
func splitParts(text string, budget int) []string {
	var units []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if CountTokens(p) <= budget {
			units = append(units, p)
			continue
		}
		for _, s := range summary.Sentences(p) {
			if CountTokens(s) <= budget {
				units = append(units, s)
				continue
			}
			words := strings.Fields(s)
			var cur []string
			for _, w := range words {
				if len(cur) > 0 && CountTokens(strings.Join(append(cur, w), " ")) > budget {
					units = append(units, strings.Join(cur, " "))
					cur = nil
				}
				cur = append(cur, w)
			}
			if len(cur) > 0 {
				units = append(units, strings.Join(cur, " "))
			}
		}
	}
	var parts []string
	var cur strings.Builder
	n := 0
	for _, u := range units {
		t := CountTokens(u) + 1
		if n > 0 && n+t > budget {
			parts = append(parts, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(u)
		n += t
	}
	if n > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

// request is the go-openai request for msgs with at most maxOut output tokens.
func (o *OpenAI) request(maxOut int, msgs []openai.ChatCompletionMessage) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: o.cfg.Model, Messages: msgs, ReasoningEffort: o.cfg.ReasoningEffort}
	if o.cfg.TokenLimitField == MaxTokens {
		// Deprecated by OpenAI, but the only field Ollama and llama.cpp read.
		req.MaxTokens = maxOut //lint:ignore SA1019 see above
	} else {
		req.MaxCompletionTokens = maxOut
	}
	if o.cfg.DisableThinking {
		req.ChatTemplateKwargs = map[string]any{"enable_thinking": false}
	}
	switch o.cfg.ResponseFormat {
	case FormatJSONSchema:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: prompts.SchemaName, Schema: prompts.Schema(), Strict: true,
			},
		}
	case FormatJSONObject:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}
