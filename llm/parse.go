package llm

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"newsdesk/prompts"
)

var (
	thinkRe     = regexp.MustCompile(`(?is)<(think|thinking|reasoning)>.*?</(think|thinking|reasoning)>`)
	openThinkRe = regexp.MustCompile(`(?i)<(think|thinking|reasoning)>`)
	fenceRe     = regexp.MustCompile("(?s)```[a-zA-Z]*[ \t]*\r?\n?(.*?)```")
)

// errNoJSON is returned by parseOutput when the content holds no JSON object.
var errNoJSON = errors.New("no JSON object in the answer")

// parseOutput reads the model's answer tolerantly: it drops <think> blocks, Markdown code
// fences, a "json" prefix and prose around the object, and accepts common alternative
// field names ("bullets", "whyItMatters") and key points given as one string of lines.
func parseOutput(content string) (prompts.Output, error) {
	s := content
	if strings.IndexByte(s, '<') >= 0 { // both patterns start with one
		s = thinkRe.ReplaceAllString(s, "")
		if loc := openThinkRe.FindStringIndex(s); loc != nil {
			s = s[:loc[0]] // an unterminated thought: nothing after it is the answer
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return prompts.Output{}, errors.New("the answer is empty")
	}
	// The candidates, in order: the whole answer, the insides of code fences, the
	// balanced objects. Most answers are the first, so the others are looked for only
	// when it fails.
	var firstErr error
	try := func(c string) (prompts.Output, bool) {
		c = strings.TrimSpace(c)
		c = strings.TrimSpace(strings.TrimPrefix(c, "json"))
		if !strings.HasPrefix(c, "{") {
			return prompts.Output{}, false
		}
		out, err := decodeOutput(c)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return out, err == nil
	}
	if out, ok := try(s); ok {
		return out, nil
	}
	if strings.Contains(s, "```") {
		for _, m := range fenceRe.FindAllStringSubmatch(s, -1) {
			if out, ok := try(m[1]); ok {
				return out, nil
			}
		}
	}
	for _, c := range objects(s) {
		if out, ok := try(c); ok {
			return out, nil
		}
	}
	if firstErr != nil {
		return prompts.Output{}, firstErr
	}
	return prompts.Output{}, errNoJSON
}

// objects returns the balanced {…} spans of s, outermost first, skipping braces inside
// JSON strings.
func objects(s string) []string {
	var out []string
	for start := strings.IndexByte(s, '{'); start >= 0 && len(out) < 8; {
		depth, inStr, esc, end := 0, false, false, -1
		for i := start; i < len(s) && end < 0; i++ {
			c := s[i]
			switch {
			case esc:
				esc = false
			case inStr && c == '\\':
				esc = true
			case c == '"':
				inStr = !inStr
			case inStr:
			case c == '{':
				depth++
			case c == '}':
				depth--
				if depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			break
		}
		out = append(out, s[start:end+1])
		next := strings.IndexByte(s[end+1:], '{')
		if next < 0 {
			break
		}
		start = end + 1 + next
	}
	return out
}

var aliases = map[string]string{
	"key_points": "key_points", "keypoints": "key_points", "bullets": "key_points",
	"points": "key_points", "bullet_points": "key_points", "key_takeaways": "key_points",
	"why_it_matters": "why_it_matters", "whyitmatters": "why_it_matters",
	"why_this_matters": "why_it_matters", "whythismatters": "why_it_matters",
	"what_it_means_for_you": "what_it_means_for_you", "whatitmeansforyou": "what_it_means_for_you",
	"what_this_means_for_you": "what_it_means_for_you", "whatthismeansforyou": "what_it_means_for_you",
	"language": "language", "lang": "language",
	"insufficient_source": "insufficient_source", "insufficientsource": "insufficient_source",
	"insufficient_reason": "insufficient_reason", "insufficientreason": "insufficient_reason",
}

// alias returns the schema field a key of the answer stands for, or "".
func alias(k string) string {
	name, ok := aliases[strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(k, "-", "_"), " ", "_"))]
	if !ok {
		name = aliases[strings.ToLower(strings.ReplaceAll(k, "_", ""))]
	}
	return name
}

// answerKeys returns the keys of an answer in the order decodeOutput applies them. A model
// may name a field twice ("bullets" and "key_points"): the schema's own name wins, and the
// others go in sorted order, so that the same answer always reads the same (a map's order
// is random).
func answerKeys(raw map[string]json.RawMessage) []string {
	keys := slices.Sorted(maps.Keys(raw))
	slices.SortStableFunc(keys, func(a, b string) int {
		return cmp.Compare(b2i(alias(a) == a), b2i(alias(b) == b))
	})
	return keys
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func decodeOutput(c string) (prompts.Output, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c), &raw); err != nil {
		return prompts.Output{}, fmt.Errorf("the answer is not valid JSON: %w", err)
	}
	var out prompts.Output
	found := false
	for _, k := range answerKeys(raw) {
		v, name := raw[k], alias(k)
		var err error
		switch name {
		case "key_points":
			found = true
			if err = json.Unmarshal(v, &out.KeyPoints); err != nil {
				var one string
				if json.Unmarshal(v, &one) == nil {
					out.KeyPoints, err = strings.Split(one, "\n"), nil
				}
			}
		case "why_it_matters":
			found = true
			err = json.Unmarshal(v, &out.WhyItMatters)
		case "what_it_means_for_you":
			found = true
			err = json.Unmarshal(v, &out.WhatItMeansForYou)
		case "language":
			_ = json.Unmarshal(v, &out.Language) // advisory only
		case "insufficient_source":
			found = true
			if json.Unmarshal(v, &out.InsufficientSource) != nil {
				var s string
				_ = json.Unmarshal(v, &s)
				out.InsufficientSource = strings.EqualFold(s, "true")
			}
		case "insufficient_reason":
			_ = json.Unmarshal(v, &out.InsufficientReason)
		}
		if err != nil {
			return prompts.Output{}, fmt.Errorf("field %q has the wrong type: %w", k, err)
		}
	}
	if !found {
		return prompts.Output{}, errors.New("the JSON object has none of the summary fields")
	}
	return out, nil
}
