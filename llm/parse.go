package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"newsdesk/llm/internal/jsonstr"
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

func decodeOutput(c string) (prompts.Output, error) {
	if out, ok := decodeOutputPlain(c); ok {
		return out, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c), &raw); err != nil {
		return prompts.Output{}, fmt.Errorf("the answer is not valid JSON: %w", err)
	}
	var out prompts.Output
	found := false
	for k, v := range raw {
		name := alias(k)
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

// decodeOutputPlain decodes the usual answer, an object of strings, an array of
// strings and a boolean, in one pass over it: decodeOutput's general path (a map of
// raw values, each decoded again) made about 40 allocations an answer. ok is false, and the general path decides, for an answer with no summary
// field, two keys for one field, a value of another type, or a string with an escape
// that jsonstr leaves to encoding/json.
func decodeOutputPlain(c string) (out prompts.Output, ok bool) {
	b := []byte(c)
	if !json.Valid(b) {
		return out, false
	}
	// b is valid JSON that starts with '{' (parseOutput's candidates do), so only the
	// values need checking below.
	var seen [6]bool
	found := false
	b = jsonstr.TrimSpace(b[1:])
	for len(b) > 0 && b[0] != '}' {
		key, rest, ok := jsonstr.Cut(b)
		if !ok {
			return out, false
		}
		b = jsonstr.TrimSpace(jsonstr.TrimSpace(rest)[1:]) // past the colon
		field := -1
		switch alias(key) {
		case "key_points":
			field, found = 0, true
			if b, ok = plainStrings(b, &out.KeyPoints); !ok {
				return out, false
			}
		case "why_it_matters":
			field, found = 1, true
			b, ok = plainString(b, &out.WhyItMatters)
		case "what_it_means_for_you":
			field, found = 2, true
			b, ok = plainString(b, &out.WhatItMeansForYou)
		case "language":
			field = 3
			b, ok = plainString(b, &out.Language)
		case "insufficient_source":
			field, found = 4, true
			switch {
			case bytes.HasPrefix(b, []byte("true")):
				out.InsufficientSource, b = true, b[4:]
			case bytes.HasPrefix(b, []byte("false")):
				b = b[5:]
			case bytes.HasPrefix(b, []byte("null")):
				b = b[4:]
			default:
				return out, false
			}
		case "insufficient_reason":
			field = 5
			b, ok = plainString(b, &out.InsufficientReason)
		default:
			b, ok = jsonstr.Skip(b)
		}
		if !ok || field >= 0 && seen[field] {
			return out, false
		}
		if field >= 0 {
			seen[field] = true
		}
		if b = jsonstr.TrimSpace(b); len(b) > 0 && b[0] == ',' {
			b = jsonstr.TrimSpace(b[1:])
		}
	}
	return out, found
}

// plainString decodes a JSON string or null (which leaves v alone, as encoding/json
// does) into v.
func plainString(b []byte, v *string) ([]byte, bool) {
	if bytes.HasPrefix(b, []byte("null")) {
		return b[4:], true
	}
	s, rest, ok := jsonstr.Cut(b)
	if ok {
		*v = s
	}
	return rest, ok
}

// plainStrings decodes a JSON array of strings, or null, into v as encoding/json does.
func plainStrings(b []byte, v *[]string) ([]byte, bool) {
	if bytes.HasPrefix(b, []byte("null")) {
		return b[4:], true
	}
	if len(b) == 0 || b[0] != '[' {
		return b, false
	}
	list := make([]string, 0, 5)
	b = jsonstr.TrimSpace(b[1:])
	for len(b) > 0 && b[0] != ']' {
		var s string
		var ok bool
		if b, ok = plainString(b, &s); !ok {
			return b, false
		}
		list = append(list, s)
		if b = jsonstr.TrimSpace(b); len(b) > 0 && b[0] == ',' {
			b = jsonstr.TrimSpace(b[1:])
		}
	}
	*v = list
	return b[1:], true
}
