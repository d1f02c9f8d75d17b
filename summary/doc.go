// Package summary holds the draft type of newsdesk, the house rules it must keep, and the
// model-free grounding checks that flag content a draft adds to its source.
//
// In the pipeline, the summarise worker gets a draft from package llm, which has already
// called [Clean] and [Validate]; the worker then runs [Check] against the extracted
// article and stores the flags with the draft. Edited drafts are checked the same way.
//
//	s = summary.Clean(s)
//	if err := summary.Validate(s); err != nil { … }   // unusable: 2 key points, empty paragraph …
//	flags := summary.Check(s, summary.Source{Title: t, Byline: b, Text: text, Lang: "en"})
//
// Flags are hints for a reviewer, never a verdict: each says which section, what kind of
// content (a number, a name, a quote …), the text concerned and why it was flagged.
package summary
