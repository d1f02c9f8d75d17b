package llm

import (
	"context"
	"strings"

	"newsdesk/summary"
)

// ExtractiveVersion is the PromptVersion of extractive drafts: there is no prompt, but
// drafts still record how they were made.
const ExtractiveVersion = "extractive-v1"

// Extractive is a model-free [Writer] for machines without a model: its key points are
// the article's lead sentences, copied, and its two paragraphs say plainly that a
// reviewer has to write them. Its drafts carry Author "extractive" and a note; it never
// pretends to be a model.
type Extractive struct{}

var _ Writer = (*Extractive)(nil)

// NewExtractive returns the extractive writer.
func NewExtractive() *Extractive { return &Extractive{} }

// Extractive paragraphs: honest placeholders that pass validation but that no reviewer
// can mistake for analysis.
const (
	ExtractiveWhy  = "No language model wrote this draft: the key points are the article's opening sentences, copied as they stand, and a reviewer still has to say why this matters."
	ExtractiveWhat = "The extractive writer cannot judge what this means for readers, so a reviewer should write this section or say that the article establishes no direct effect."
)

// Write picks three to five lead sentences of the article as key points. It fails with a
// permanent [ErrInsufficientSource] error when the text has fewer than three usable
// sentences.
func (*Extractive) Write(ctx context.Context, req Request) (Result, error) {
	res := Result{
		Author:        AuthorExtractive,
		Model:         AuthorExtractive,
		PromptVersion: ExtractiveVersion,
		Language:      req.Lang,
		Notes:         []string{"extractive draft: lead sentences copied from the article; no language model was used"},
	}
	if err := ctx.Err(); err != nil {
		return res, transient(ErrUnavailable, "The summary was stopped: "+err.Error(), err)
	}
	// Sentences in the house length first; longer ones (up to 35 words) only when the
	// article has too few short ones.
	var points []string
	for _, limit := range []int{summary.MaxKeyPointWords, 35} {
		points = leadSentences(req.Text, limit)
		if len(points) >= summary.MinKeyPoints {
			break
		}
	}
	if len(points) < summary.MinKeyPoints {
		return res, permanent(ErrInsufficientSource,
			"The article text is not enough for a summary: fewer than three full sentences for an extractive draft.", nil)
	}
	res.Summary = summary.Clean(summary.Summary{KeyPoints: points, WhyItMatters: ExtractiveWhy, WhatItMeansForYou: ExtractiveWhat})
	if err := summary.Validate(res.Summary); err != nil {
		return res, permanent(ErrUnusableAnswer, "The extractive draft broke the house rules: "+err.Error(), err)
	}
	return res, nil
}

// leadSentences returns up to five of the first sentences of text that read as points:
// 6 to limit words, ending like a sentence, not repeated.
func leadSentences(text string, limit int) []string {
	seen := map[string]bool{}
	var points []string
	for _, s := range summary.Sentences(text) {
		s = strings.TrimSpace(s)
		n := summary.WordCount(s)
		key := strings.ToLower(s)
		// Very short lines are captions, datelines or buttons; very long ones are not
		// points. A sentence must end like one.
		if n < 6 || n > limit || seen[key] || !strings.ContainsAny(s[len(s)-1:], ".!?\"”’。！？") {
			continue
		}
		if len(summary.Sentences(s)) != 1 {
			continue
		}
		seen[key] = true
		points = append(points, s)
		if len(points) == summary.MaxKeyPoints {
			break
		}
	}
	return points
}
