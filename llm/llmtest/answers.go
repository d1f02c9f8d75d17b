package llmtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"newsdesk/llm/internal/jsonstr"
	"newsdesk/summary"
)

// Sample returns a valid summary in the house style, for answers that need one.
func Sample() summary.Summary {
	return summary.Summary{
		KeyPoints: []string{
			"The council approved a £12 million budget for road repairs on Tuesday.",
			"Work on the first 40 streets starts in March.",
			"The leader of the council, Jane Porter, said the money comes from reserves.",
		},
		WhyItMatters:      "Road repairs had been delayed for two years because of budget pressures.",
		WhatItMeansForYou: "Drivers and cyclists on the listed streets can expect roadworks from March.",
	}
}

// output is the JSON object the prompt asks for.
type output struct {
	KeyPoints          []string `json:"key_points"`
	WhyItMatters       string   `json:"why_it_matters"`
	WhatItMeansForYou  string   `json:"what_it_means_for_you"`
	Language           string   `json:"language"`
	InsufficientSource bool     `json:"insufficient_source"`
	InsufficientReason string   `json:"insufficient_reason"`
}

// JSON returns s as the model's JSON answer. It writes what json.Marshal writes for an
// output, without reflection: the light handler answers every call with it.
func JSON(s summary.Summary) string {
	b := make([]byte, 0, 256+len(s.WhyItMatters)+len(s.WhatItMeansForYou)+len(s.KeyPoints)*160)
	b = append(b, `{"key_points":`...)
	if s.KeyPoints == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, kp := range s.KeyPoints {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, kp)
		}
		b = append(b, ']')
	}
	b = append(b, `,"why_it_matters":`...)
	b = jsonstr.Append(b, s.WhyItMatters)
	b = append(b, `,"what_it_means_for_you":`...)
	b = jsonstr.Append(b, s.WhatItMeansForYou)
	b = append(b, `,"language":"en","insufficient_source":false,"insufficient_reason":""}`...)
	return string(b)
}

// Reply writes a successful chat completion with content and finish reason, and a usage
// block estimated from the sizes of the request and the answer. It writes the bytes
// writeJSON writes for completion's map, without the map.
func Reply(w http.ResponseWriter, c *Call, content, finish string) {
	model := c.Request.Model
	if model == "" {
		model = "llmtest-model"
	}
	prompt, done := len(c.Body)/4+1, len(content)/4+1
	b := make([]byte, 0, 256+len(model)+len(content)+len(content)/8)
	b = append(b, `{"choices":[{"finish_reason":`...)
	b = jsonstr.Append(b, finish)
	b = append(b, `,"index":0,"message":{"content":`...)
	b = jsonstr.Append(b, content)
	b = append(b, `,"role":"assistant"}}],"created":`...)
	b = strconv.AppendInt(b, c.Time.Unix(), 10)
	b = append(b, `,"id":"chatcmpl-llmtest-`...)
	b = strconv.AppendInt(b, int64(c.Index), 10)
	b = append(b, `","model":`...)
	b = jsonstr.Append(b, model)
	b = append(b, `,"object":"chat.completion","usage":{"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(done), 10)
	b = append(b, `,"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt+done), 10)
	b = append(b, "}}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func completion(c *Call, msg map[string]any, finish string) map[string]any {
	model := c.Request.Model
	if model == "" {
		model = "llmtest-model"
	}
	content, _ := msg["content"].(string)
	prompt, done := len(c.Body)/4+1, len(content)/4+1
	return map[string]any{
		"id": fmt.Sprintf("chatcmpl-llmtest-%d", c.Index), "object": "chat.completion",
		"created": c.Time.Unix(), "model": model,
		"choices": []map[string]any{{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done},
	}
}

// Content answers with content as the message and finish reason "stop".
func Content(content string) Handler {
	return func(w http.ResponseWriter, c *Call) { Reply(w, c, content, "stop") }
}

// OK answers with s as a clean JSON answer.
func OK(s summary.Summary) Handler { return Content(JSON(s)) }

// Fenced answers with s in a ```json code fence.
func Fenced(s summary.Summary) Handler { return Content("```json\n" + JSON(s) + "\n```") }

// ProseThenJSON answers with a sentence of prose, then s as JSON, then more prose.
func ProseThenJSON(s summary.Summary) Handler {
	return Content("Here is the summary you asked for, in the requested format:\n\n" + JSON(s) +
		"\n\nLet me know if you would like any changes.")
}

// Think answers with a <think> block (holding braces) before s as JSON.
func Think(s summary.Summary) Handler {
	return Content("<think>The user wants {a summary}. Let me list the key points first.</think>\n" + JSON(s))
}

// WithHeadings returns s with each paragraph's heading repeated inside it twice, and
// bullet markers on the key points, as models sometimes write them.
func WithHeadings(s summary.Summary) summary.Summary {
	out := summary.Summary{
		WhyItMatters:      "Why this matters: Why this matters: " + s.WhyItMatters,
		WhatItMeansForYou: "What this means for you: What this means for you: " + s.WhatItMeansForYou,
	}
	for _, kp := range s.KeyPoints {
		out.KeyPoints = append(out.KeyPoints, "• "+kp)
	}
	return out
}

// Headings answers with s after [WithHeadings].
func Headings(s summary.Summary) Handler { return OK(WithHeadings(s)) }

// Truncated answers with the first half of s's JSON and finish reason "length".
func Truncated(s summary.Summary) Handler {
	j := JSON(s)
	return func(w http.ResponseWriter, c *Call) { Reply(w, c, j[:len(j)/2], "length") }
}

// Broken answers with s's JSON missing its closing brace, after a trailing comma.
func Broken(s summary.Summary) Handler {
	j := JSON(s)
	return Content(j[:len(j)-1] + ",")
}

// Garbage answers with prose and no JSON at all.
func Garbage() Handler {
	return Content("I'm sorry, but I can only answer in plain text today. The article is about many things.")
}

// Empty answers with empty content.
func Empty() Handler { return Content("") }

// EmptyReasoning answers with empty content and reasoning_content, as reasoning models do
// when thinking used up the output budget.
func EmptyReasoning() Handler {
	return func(w http.ResponseWriter, c *Call) {
		writeJSON(w, http.StatusOK, completion(c, map[string]any{"role": "assistant", "content": "",
			"reasoning_content": "Let me think about the article step by step..."}, "length"))
	}
}

// NoChoices answers 200 with an empty choices list (seen with some routers).
func NoChoices() Handler {
	return func(w http.ResponseWriter, c *Call) {
		m := completion(c, map[string]any{}, "stop")
		m["choices"] = []any{}
		writeJSON(w, http.StatusOK, m)
	}
}

// Refusal answers with a refusal message, as strict structured output does.
func Refusal(text string) Handler {
	return func(w http.ResponseWriter, c *Call) {
		writeJSON(w, http.StatusOK, completion(c, map[string]any{"role": "assistant", "content": "", "refusal": text}, "stop"))
	}
}

// Insufficient answers that the source is insufficient, with reason.
func Insufficient(reason string) Handler {
	b, _ := json.Marshal(output{KeyPoints: []string{}, Language: "en", InsufficientSource: true, InsufficientReason: reason})
	return Content(string(b))
}

// Status answers with a raw status, body and extra headers.
func Status(code int, body string, header http.Header) Handler {
	return func(w http.ResponseWriter, c *Call) {
		for k, vs := range header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/html")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// Error answers with status and an OpenAI error body, plus headers.
func Error(status int, typ, code, message string, header http.Header) Handler {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": message, "type": typ, "code": code, "param": nil}})
	return Status(status, string(b), header)
}

// RateLimited answers 429 rate_limit_exceeded with a Retry-After header in seconds
// (none when retryAfter is "").
func RateLimited(retryAfter string) Handler {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return Error(http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
		"Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.", h)
}

// RateLimitedMS answers 429 with a retry-after-ms header.
func RateLimitedMS(ms int) Handler {
	h := http.Header{}
	h.Set("retry-after-ms", fmt.Sprint(ms))
	return Error(http.StatusTooManyRequests, "tokens", "rate_limit_exceeded",
		"Rate limit reached for tokens per min (TPM).", h)
}

// Quota answers 429 insufficient_quota, which no retry can fix.
func Quota() Handler {
	return Error(http.StatusTooManyRequests, "insufficient_quota", "insufficient_quota",
		"You exceeded your current quota, please check your plan and billing details.", nil)
}

// ServerError answers status (5xx) with an OpenAI server_error body.
func ServerError(status int) Handler {
	return Error(status, "server_error", "", "The server had an error while processing your request. Sorry about that!", nil)
}

// BadGateway answers 502 with an HTML page, as a proxy in front of a provider does.
func BadGateway() Handler {
	return Status(http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>", nil)
}

// Unauthorized answers 401 invalid_api_key like OpenAI.
func Unauthorized() Handler {
	return Error(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
		"Incorrect API key provided: sk-test***5678. You can find your API key at https://platform.openai.com/account/api-keys.", nil)
}

// ContextLength answers 400 context_length_exceeded.
func ContextLength() Handler {
	return Error(http.StatusBadRequest, "invalid_request_error", "context_length_exceeded",
		"This model's maximum context length is 8192 tokens. However, your messages resulted in 9412 tokens.", nil)
}

// Slow waits d (or until the client gives up) before answering with h.
func Slow(d time.Duration, h Handler) Handler {
	return func(w http.ResponseWriter, c *Call) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-c.Ctx.Done():
			return
		case <-t.C:
		}
		h(w, c)
	}
}

// Sequence answers its n-th call with hs[n], and every later call with the last one.
func Sequence(hs ...Handler) Handler {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, c *Call) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, c)
	}
}

// Random answers each call with one of hs picked by a generator seeded with seed.
func Random(seed uint64, hs ...Handler) Handler {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(w http.ResponseWriter, c *Call) {
		mu.Lock()
		h := hs[r.IntN(len(hs))]
		mu.Unlock()
		h(w, c)
	}
}

// Func answers with the summary f makes from the call.
func Func(f func(c *Call) summary.Summary) Handler {
	return func(w http.ResponseWriter, c *Call) { OK(f(c))(w, c) }
}

var articleRe = regexp.MustCompile(`(?s)<<<ARTICLE ([0-9A-Za-z]+)>>>\n(.*?)\n<<<END ARTICLE ([0-9A-Za-z]+)>>>`)

// dataBlock returns what articleRe's second group matches in u, without the regexp (the
// fake model of bench pipeline reads one block per request).
func dataBlock(u string) (string, bool) {
	const open, end = "<<<ARTICLE ", "\n<<<END ARTICLE "
	for from := 0; ; {
		i := strings.Index(u[from:], open)
		if i < 0 {
			return "", false
		}
		i += from + len(open)
		from = i
		id := alnumRun(u[i:])
		if id == 0 || !strings.HasPrefix(u[i+id:], ">>>\n") {
			continue
		}
		body := i + id + 4
		for at := body; ; {
			j := strings.Index(u[at:], end)
			if j < 0 {
				break
			}
			j += at
			k := j + len(end)
			if n := alnumRun(u[k:]); n > 0 && strings.HasPrefix(u[k+n:], ">>>") {
				return u[body:j], true
			}
			at = j + 1
		}
	}
}

// alnumRun counts the ASCII letters and digits at the start of s.
func alnumRun(s string) int {
	n := 0
	for n < len(s) && ('0' <= s[n] && s[n] <= '9' || 'a' <= s[n] && s[n] <= 'z' || 'A' <= s[n] && s[n] <= 'Z') {
		n++
	}
	return n
}

// Article returns the text of the data block in the call's user message, without the
// Title, Byline and Site lines.
func (c *Call) Article() string {
	block, ok := dataBlock(c.User())
	if !ok {
		return ""
	}
	var b strings.Builder
	b.Grow(len(block))
	first := true
	for l := range strings.SplitSeq(block, "\n") {
		if strings.HasPrefix(l, "Title: ") || strings.HasPrefix(l, "Byline: ") || strings.HasPrefix(l, "Site: ") {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		first = false
	}
	return strings.TrimSpace(b.String())
}

// GroundedSummary makes a faithful summary from the call's article: its first sentences
// as key points, the next one as why it matters, and a plain no-effect sentence. For a
// combining call it takes the parts' key points. ok is false when the article has fewer
// than three usable sentences.
func GroundedSummary(c *Call) (s summary.Summary, ok bool) {
	text := c.Article()
	if strings.Contains(c.User(), "\nPart 1:\n") {
		for _, l := range strings.Split(text, "\n") {
			if kp, found := strings.CutPrefix(l, "- "); found && len(s.KeyPoints) < 5 {
				s.KeyPoints = append(s.KeyPoints, kp)
			} else if why, found := strings.CutPrefix(l, "Context: "); found && s.WhyItMatters == "" {
				s.WhyItMatters = why
			}
		}
	} else {
		// Sentences in the house length; a longer one gives its first clauses. Only the
		// first five are used, and Sentences splits paragraph by paragraph, so it is given
		// one paragraph at a time until five are picked.
		picked := make([]string, 0, 5)
	paragraphs:
		for para := range strings.SplitSeq(text, "\n\n") {
			for _, sent := range summary.Sentences(para) {
				n := summary.WordCount(sent)
				if n > summary.MaxKeyPointWords {
					sent = firstClauses(sent, summary.MaxKeyPointWords)
					n = summary.WordCount(sent)
				}
				if n >= 4 && n <= summary.MaxKeyPointWords {
					if picked = append(picked, sent); len(picked) == 5 {
						break paragraphs
					}
				}
			}
		}
		if len(picked) < 4 {
			return s, false
		}
		n := min(4, len(picked)-1)
		s.KeyPoints, s.WhyItMatters = picked[:n], picked[n]
	}
	if len(s.KeyPoints) < 3 || s.WhyItMatters == "" {
		return s, false
	}
	s.WhatItMeansForYou = "The article does not describe any direct effect on readers yet."
	return s, true
}

// firstClauses shortens a sentence to its leading comma-separated clauses, within limit
// words, ending it with a full stop; "" when even the first clause is too long.
func firstClauses(sent string, limit int) string {
	out := ""
	for i := 0; i+1 < len(sent); i++ {
		if sent[i] != ',' || sent[i+1] != ' ' { // "375,000" is no clause break
			continue
		}
		if c := sent[:i]; summary.WordCount(c) <= limit {
			out = c + "."
		} else {
			break
		}
	}
	return out
}

// Grounded answers with [GroundedSummary] of each call's article, or insufficient_source
// when the article is too thin.
func Grounded() Handler {
	return func(w http.ResponseWriter, c *Call) {
		s, ok := GroundedSummary(c)
		if !ok {
			Insufficient("The text has fewer than three sentences of news.")(w, c)
			return
		}
		OK(s)(w, c)
	}
}

// Invention is content a faithless model adds to a draft.
type Invention struct {
	// Kind is the summary flag kind a checker should report for it.
	Kind string
	// Text is the invented span.
	Text string
	// Sentence is the key point or clause that carries it.
	Sentence string
}

// Inventions are the five kinds of content [Inventing] adds, one per draft in turn.
var Inventions = []Invention{
	{summary.KindNumber, "48.5 million", "The programme will cost 48.5 million over the coming period."},
	{summary.KindName, "Priya Ramanathan", "Councillor Priya Ramanathan welcomed the decision."},
	{summary.KindQuote, "a turning point for the whole region", `A spokesperson called it "a turning point for the whole region".`},
	{summary.KindDate, "1987", "The plan was first proposed in 1987."},
	{summary.KindSpeculation, "will likely", "The decision will likely lead to further changes."},
}

// Inventing answers like [Grounded] but adds one invented item to every draft, taking the
// kinds of [Inventions] in turn by call index. Speculation goes into "Why this matters";
// the others become the last key point.
func Inventing() Handler {
	return func(w http.ResponseWriter, c *Call) {
		s, ok := GroundedSummary(c)
		if !ok {
			Insufficient("The text has fewer than three sentences of news.")(w, c)
			return
		}
		inv := Inventions[c.Index%len(Inventions)]
		if inv.Kind == summary.KindSpeculation {
			s.WhyItMatters = inv.Sentence
		} else if len(s.KeyPoints) < 5 {
			s.KeyPoints = append(s.KeyPoints, inv.Sentence)
		} else {
			s.KeyPoints[4] = inv.Sentence
		}
		OK(s)(w, c)
	}
}
