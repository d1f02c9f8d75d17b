package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"newsdesk/prompts"
)

// The functions below are estimateTokens, parseOutput and decodeOutput as they were
// before their fast paths; the tests hold the fast ones to them.

func estimateTokensReference(s string) int {
	n := 0
	run, kind := 0, 0
	flush := func() {
		switch kind {
		case 1:
			n += (run + 3) / 4
		case 2:
			n += (run + 2) / 3
		}
		run, kind = 0, 0
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k := 0
		switch {
		case unicode.IsLetter(r) && size >= 3:
			flush()
			n++
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush()
		}
		if k == 0 {
			if !unicode.IsSpace(r) {
				n++
			}
			continue
		}
		kind = k
		run += size
	}
	flush()
	return n
}

func parseOutputReference(content string) (prompts.Output, error) {
	s := thinkRe.ReplaceAllString(content, "")
	if loc := openThinkRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return prompts.Output{}, errors.New("the answer is empty")
	}
	candidates := []string{s}
	for _, m := range fenceRe.FindAllStringSubmatch(s, -1) {
		candidates = append(candidates, m[1])
	}
	candidates = append(candidates, objects(s)...)
	var firstErr error
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		c = strings.TrimSpace(strings.TrimPrefix(c, "json"))
		if !strings.HasPrefix(c, "{") {
			continue
		}
		out, err := decodeOutputReference(c)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return prompts.Output{}, firstErr
	}
	return prompts.Output{}, errNoJSON
}

var referenceTexts = []string{
	"", " ", "The council approved a £12 million budget on Tuesday, 4 March 2025.\n\tWork starts\r\nsoon\v\f!",
	"abc123def 4567 x-y_z (a) [b] {c} \"q\" 'r' <<<ARTICLE 0A1B>>> \\n \x00\x1f\x7f",
	"Ünïcödé “quotes” — € 12 ½ ٣ 日本語のテキスト नमस्ते e\u0301 \u00a0\u0085\u2028 \xff\xfe end",
	`{"key_points":["A {b}.","C.","D."],"why_it_matters":"W.","what_it_means_for_you":"M.","language":"en","insufficient_source":false,"insufficient_reason":""}`,
	"```json\n{\"bullets\":[\"x\"]}\n```", "<think>{</think>{}", `{"a":{"b":"}"}}`, "{{{{", `"\"}"`,
	"Sure:\n```\n{\"key_points\": \"A.\\nB.\"}\n```\nand {\"why_it_matters\": 3} then {\"whyItMatters\":\"W.\"}",
	"<reasoning>thinking", "<THINK>x</think> json {\"Insufficient-Source\": \"true\", \"reason\": 1}", "prose only < > ```",
	"```\n{bad json}\n``` {\"language\":\"en\"} {\"what this means for you\":\"M.\"}",
	`{"key_points":null,"why_it_matters":null,"language":null,"insufficient_source":null,"insufficient_reason":null}`,
	` { "key_points" : [ "A.", null , "B\u00e9 \"q\"" ] , "why_it_matters" : "W.\n" , "x" : {"y":[1,"]"]} , "insufficient_source" : true } `,
	`{"key_points":[],"insufficient_source":false,"insufficient_reason":"Thin.","language":"de","what_it_means_for_you":"M."}`,
	`{"Key_Points":["A."],"WHY_IT_MATTERS":"W."}`, `{"key-points":["A."],"why this matters":"W."}`, `{"KeyPoints":["A."]}`,
	`{"key_points":["A."],"key_points":["B."]}`, `{"key_points":"A.\nB."}`, `{"key_points":[1]}`, `{"why_it_matters":5}`,
	`{"language":5,"key_points":["A."]}`, `{"insufficient_source":"true"}`, `{"insufficient_source":1}`, `{"language":"en"}`, `{}`,
	`{"key_points":["\ud83d\ude00"]}`, "{\"key_points\":[\"bad \xff\"]}", `{"key_points":["A."]} trailing`, `{"key_points":["A."],}`,
	`{"key_pointſ":["A."],"why_it_matterſ":"W."}`,
}

func TestEstimateTokensMatchesReference(t *testing.T) {
	for _, s := range referenceTexts {
		if got, want := estimateTokens(s), estimateTokensReference(s); got != want {
			t.Errorf("estimateTokens(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzEstimateTokens(f *testing.F) {
	for _, s := range referenceTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := estimateTokens(s), estimateTokensReference(s); got != want {
			t.Errorf("estimateTokens(%q) = %d, want %d", s, got, want)
		}
	})
}

func TestParseOutputMatchesReference(t *testing.T) {
	for _, s := range referenceTexts {
		checkParseOutput(t, s)
	}
}

func FuzzParseOutputMatchesReference(f *testing.F) {
	for _, s := range referenceTexts {
		f.Add(s)
	}
	f.Fuzz(checkParseOutput)
}

func checkParseOutput(t *testing.T, s string) {
	got, gotErr := parseOutput(s)
	want, wantErr := parseOutputReference(s)
	if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("parseOutput(%q) = %+v, %v; want %+v, %v", s, got, gotErr, want, wantErr)
	}
}

func decodeOutputReference(c string) (prompts.Output, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c), &raw); err != nil {
		return prompts.Output{}, fmt.Errorf("the answer is not valid JSON: %w", err)
	}
	var out prompts.Output
	found := false
	name := func(k string) string {
		name, ok := aliases[strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(k, "-", "_"), " ", "_"))]
		if !ok {
			name = aliases[strings.ToLower(strings.ReplaceAll(k, "_", ""))]
		}
		return name
	}
	// Sorted keys, the schema's own names last, so that they win.
	var keys, own []string
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if name(k) == k {
			own = append(own, k)
		} else {
			keys = append(keys, k)
		}
	}
	for _, k := range append(keys, own...) {
		v, name := raw[k], name(k)
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
			_ = json.Unmarshal(v, &out.Language)
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

// TestDecodeOutputTakesUsualAnswers: the answers models usually give decode as the
// reference does.
func TestDecodeOutputTakesUsualAnswers(t *testing.T) {
	for _, c := range []string{
		`{"key_points":["The council approved a £12 million budget.","Work starts in March.","Jane Porter said the money comes from reserves."],"why_it_matters":"Repairs had been delayed for two years.","what_it_means_for_you":"Drivers can expect roadworks from March.","language":"en","insufficient_source":false,"insufficient_reason":""}`,
		"{\n  \"key_points\": [\n    \"A \\\"quoted\\\" point.\",\n    \"B.\"\n  ],\n  \"why_it_matters\": \"W.\",\n  \"what_it_means_for_you\": \"M.\",\n  \"language\": \"de\",\n  \"insufficient_source\": false,\n  \"insufficient_reason\": \"\"\n}",
		`{"key_points":[],"why_it_matters":"","what_it_means_for_you":"","language":"en","insufficient_source":true,"insufficient_reason":"A cookie wall."}`,
	} {
		got, gerr := decodeOutput(c)
		want, err := decodeOutputReference(c)
		if gerr != nil || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeOutput(%s) = %+v, %v; the reference gives %+v, %v", c, got, gerr, want, err)
		}
	}
}
