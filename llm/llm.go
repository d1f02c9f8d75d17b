// Package llm writes summary drafts: [OpenAI] asks any OpenAI-compatible endpoint through
// go-openai, and [Extractive] makes an honest, model-free draft from the article's lead
// sentences when no model is configured.
//
// In the pipeline the summarise worker calls [Writer.Write] once per article. OpenAI
// keeps to the provider's limits with a [Limiter] shared by every goroutine of the
// process, retries 429, 5xx and timeouts in process (honouring Retry-After), parses the
// answer tolerantly, cleans and validates it, repairs or retries an unusable answer once,
// and summarises long articles in parts before combining them.
//
//	w, err := llm.NewOpenAI(llm.Config{BaseURL: url, APIKey: key, Model: "gpt-4o-mini"})
//	res, err := w.Write(ctx, llm.Request{Title: t, Text: text})
//	var p interface{ Permanent() bool }
//	if errors.As(err, &p) && p.Permanent() { /* fail the article with err.Error() */ }
//
// Every error Write returns is an [*Error]: permanent ones (4xx, quota, refusal,
// insufficient source, unusable answer twice) say so through Permanent; transient ones
// may carry a RetryAfter.
package llm

import (
	"context"

	"newsdesk/summary"
)

// Request is one article to summarise. Every text field is untrusted.
type Request struct {
	Title, Byline, SiteName string
	// Lang is the article's language (ISO 639-1); empty means detect it from Text.
	Lang string
	Text string
	// Instructions is a reviewer's regenerate guidance; it goes in its own delimited block.
	Instructions string
}

// Usage is the token count a result cost, summed over every request it took.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Add returns the sum of two usages.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.PromptTokens + v.PromptTokens, u.CompletionTokens + v.CompletionTokens}
}

// Authors of a [Result].
const (
	AuthorLLM        = "llm"
	AuthorExtractive = "extractive"
)

// Result is a written draft and how it was made.
type Result struct {
	Summary summary.Summary
	// Author is [AuthorLLM] or [AuthorExtractive].
	Author string
	// Model is the model the server reported (or the configured one).
	Model         string
	PromptVersion string
	Usage         Usage
	// Language is the language the draft was asked to be written in (ISO 639-1).
	Language string
	// Requests is the number of HTTP requests the result took, retries included.
	Requests int
	// Notes say how the draft was made when that is not the plain path ("summarised in 3
	// parts then combined", "repaired after invalid JSON").
	Notes []string
}

// Writer writes a summary draft of an article.
type Writer interface {
	Write(ctx context.Context, req Request) (Result, error)
}
